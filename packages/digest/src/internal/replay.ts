import { ownCopy } from './bytes.js';
import { issuedAt } from './nonce.js';

/**
 * Outcome of {@link NonceCounts.use}: `forgotten` when the nonce may have been used before but
 * its entry was evicted to keep the map bounded (the caller treats it as stale, so the client
 * gets a fresh nonce).
 *
 * @internal
 */
export type NonceUse = 'ok' | 'replay' | 'forgotten';

/**
 * The highest nonce-count seen per nonce (RFC 7616 §3.4: the server checks that nc increases,
 * to detect replays). Bounded: entries leave when their nonce expires, or, past `max`, oldest
 * first. Evicting a live entry raises a watermark, and a nonce issued at or before the
 * watermark that has no entry is `forgotten`, never accepted as new.
 *
 * @internal
 */
export class NonceCounts {
  readonly #map = new Map<string, number>();
  readonly #max: number;
  readonly #ttl: number;
  #watermark = -1;

  constructor(max: number, ttlMs: number) {
    this.#max = max;
    this.#ttl = ttlMs;
  }

  get size(): number {
    return this.#map.size;
  }

  use(nonce: string, issued: number, nc: number, now: number): NonceUse {
    const map = this.#map;
    const last = map.get(nonce);
    if (last !== undefined) {
      if (nc <= last) return 'replay';
      map.set(nonce, nc); // keeps its place: entries stay in order of first use
      return 'ok';
    }
    if (issued <= this.#watermark) return 'forgotten';
    // The key outlives the request by up to the nonce's lifetime: read from the request's text,
    // it would keep all of that text alive (V8 keeps a substring as a view of its parent).
    map.set(ownCopy(nonce), nc);
    for (const key of map.keys()) {
      const t = issuedAt(key);
      const expired = now - t >= this.#ttl;
      if (!expired && map.size <= this.#max) break;
      if (!expired && t > this.#watermark) this.#watermark = t;
      map.delete(key);
    }
    return 'ok';
  }
}

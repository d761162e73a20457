import { detached } from '@sipkit/parser';

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
  // The nonces of the map in order of first use, in a ring: the oldest is evicted first. (A
  // Map's own key order would do, but V8 leaves a hole for each deleted entry until the table
  // is rebuilt, and a walk from its start crosses them all: with 100,000 entries turned over
  // continuously that walk was a quarter of a busy registrar's time.)
  #ring: string[];
  #issued: Float64Array;
  #head = 0;
  #count = 0;
  readonly #max: number;
  readonly #ttl: number;
  #watermark = -1;

  constructor(max: number, ttlMs: number) {
    this.#max = max;
    this.#ttl = ttlMs;
    // The ring grows by doubling up to `max`, so a large bound costs nothing until it is used.
    const first = Math.min(max, 1024);
    this.#ring = new Array<string>(first).fill('');
    this.#issued = new Float64Array(first);
  }

  get size(): number {
    return this.#map.size;
  }

  use(nonce: string, issued: number, nc: number, now: number): NonceUse {
    const map = this.#map;
    const last = map.get(nonce);
    if (last !== undefined) {
      if (nc <= last) return 'replay';
      map.set(nonce, nc);
      return 'ok';
    }
    if (issued <= this.#watermark) return 'forgotten';
    const max = this.#max;
    // Expired entries leave first, then, when the ring is full, the oldest live one, raising
    // the watermark to its issue time.
    while (this.#count > 0) {
      const t = this.#issued[this.#head] as number;
      const expired = now - t >= this.#ttl;
      if (!expired && this.#count < max) break;
      if (!expired && t > this.#watermark) this.#watermark = t;
      map.delete(this.#ring[this.#head] as string);
      this.#ring[this.#head] = '';
      this.#head = (this.#head + 1) % this.#ring.length;
      this.#count--;
    }
    if (this.#count === this.#ring.length) this.#grow();
    // The key outlives the request by up to the nonce's lifetime: read from the request's text,
    // it would keep all of that text alive (V8 keeps a substring as a view of its parent).
    const key = detached(nonce);
    const at = (this.#head + this.#count) % this.#ring.length;
    this.#ring[at] = key;
    this.#issued[at] = issued;
    this.#count++;
    map.set(key, nc);
    return 'ok';
  }

  /** Twice the room (at most `max`), the entries copied oldest first. */
  #grow(): void {
    const size = Math.min(this.#max, this.#ring.length * 2);
    const ring = new Array<string>(size).fill('');
    const issued = new Float64Array(size);
    for (let i = 0; i < this.#count; i++) {
      const from = (this.#head + i) % this.#ring.length;
      ring[i] = this.#ring[from] as string;
      issued[i] = this.#issued[from] as number;
    }
    this.#ring = ring;
    this.#issued = issued;
    this.#head = 0;
  }
}

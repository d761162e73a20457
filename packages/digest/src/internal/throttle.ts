interface Entry {
  /** failures counted in the current window */
  count: number;
  /** when the current window opened */
  start: number;
  /** blocked until this time; 0 when not blocked */
  until: number;
}

/**
 * Failure counts per source in a bounded map. The map keeps sources in order of their last
 * failure; past `maxSources`, the one that failed longest ago is forgotten.
 *
 * @internal
 */
export class Throttle {
  readonly #map = new Map<string, Entry>();
  readonly #failures: number;
  readonly #windowMs: number;
  readonly #blockMs: number;
  readonly #max: number;

  constructor(failures: number, windowMs: number, blockMs: number, maxSources: number) {
    this.#failures = failures;
    this.#windowMs = windowMs;
    this.#blockMs = blockMs;
    this.#max = maxSources;
  }

  get size(): number {
    return this.#map.size;
  }

  /** Whether `source` is blocked at `now`. A block that has run out is forgotten. */
  blocked(source: string, now: number): boolean {
    const e = this.#map.get(source);
    if (e === undefined || e.until === 0) return false;
    if (now < e.until) return true;
    this.#map.delete(source); // the block is over: a fresh start
    return false;
  }

  /** Counts a failure from `source` at `now`. */
  fail(source: string, now: number): void {
    let e = this.#map.get(source);
    if (e === undefined || now - e.start >= this.#windowMs) e = { count: 0, start: now, until: 0 };
    else this.#map.delete(source); // re-inserted below, as the newest
    e.count++;
    if (e.count >= this.#failures) e.until = now + this.#blockMs;
    this.#map.set(source, e);
    this.#prune(now);
  }

  #prune(now: number): void {
    const map = this.#map;
    // Oldest first: drop what no longer counts, then whatever is over the bound.
    for (const [source, e] of map) {
      const live = e.until !== 0 ? now < e.until : now - e.start < this.#windowMs;
      if (live && map.size <= this.#max) break;
      map.delete(source);
    }
  }
}

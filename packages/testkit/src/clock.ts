import { MinHeap } from './internal/heap.js';

/**
 * A source of time and timers: the same shape as the `Clock` interface `@sipkit/transaction`
 * takes, so a {@link VirtualClock} (or any object with these three methods) can drive the
 * transaction layer, the {@link VirtualNetwork} and your own code.
 *
 * @public
 */
export interface Clock {
  /** Milliseconds on a monotonic scale (any origin). */
  now(): number;
  /**
   * Calls `callback` once, `ms` milliseconds from now.
   *
   * @param callback - what to run
   * @param ms - delay in milliseconds (0 or more)
   * @returns a handle for {@link Clock.clearTimeout}
   */
  setTimeout(callback: () => void, ms: number): unknown;
  /**
   * Cancels a timer that has not run yet; a handle that already ran or was cleared is ignored.
   *
   * @param handle - what {@link Clock.setTimeout} returned
   */
  clearTimeout(handle: unknown): void;
}

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly callback: () => void;
}

/** Microtask turns given to promise chains before each timer of the async variants. */
const DRAIN_TURNS = 32;

async function drainMicrotasks(): Promise<void> {
  for (let i = 0; i < DRAIN_TURNS; i++) await Promise.resolve();
}

/**
 * A clock that only moves when told to, so a 32-second Timer B runs in a millisecond of real
 * time and a test never sleeps. Timers run in time order, timers due at the same time in the
 * order they were set, and `now()` reads each timer's own time while its callback runs.
 *
 * An exception thrown by a timer's callback propagates out of {@link VirtualClock.advance} (or
 * whichever method ran it): that timer is gone, `now()` is its time, and the timers still due
 * stay pending, so the test can look at the state or carry on.
 *
 * @example
 * ```ts
 * const clock = new VirtualClock();
 * clock.setTimeout(() => console.log('Timer B fired at', clock.now()), 64 * 500);
 * clock.advance(32_000); // Timer B fired at 32000
 * ```
 *
 * @public
 */
export class VirtualClock implements Clock {
  #now: number;
  #seq = 0;
  #busy = false;
  readonly #heap = new MinHeap<Timer>();
  /** Live timers by handle; a cleared timer leaves the heap lazily, when it reaches the top. */
  readonly #live = new Map<number, Timer>();

  /**
   * @param start - the time `now()` reads at first, in milliseconds
   * @defaultValue start 0
   */
  constructor(start = 0) {
    if (!Number.isFinite(start)) throw new RangeError(`VirtualClock: start must be a finite number, not ${start}`);
    this.#now = start;
  }

  /** The virtual time in milliseconds. */
  now(): number {
    return this.#now;
  }

  /** How many timers are set and have neither run nor been cleared. */
  get pending(): number {
    return this.#live.size;
  }

  /**
   * Sets a timer. A negative, `NaN` or infinite delay counts as 0, as in browsers.
   *
   * @param callback - what to run
   * @param ms - delay in milliseconds
   * @returns a handle (a number) for {@link VirtualClock.clearTimeout}
   */
  setTimeout(callback: () => void, ms: number): number {
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    const seq = ++this.#seq;
    const timer: Timer = { at: this.#now + delay, seq, callback };
    this.#heap.push(timer);
    this.#live.set(seq, timer);
    return seq;
  }

  /**
   * Cancels a timer. Handles that already ran, were cleared, or never came from this clock are
   * ignored.
   *
   * @param handle - what {@link VirtualClock.setTimeout} returned
   */
  clearTimeout(handle: unknown): void {
    if (typeof handle === 'number') this.#live.delete(handle);
  }

  /**
   * Moves time forward by `ms`, running in time order every timer due by then, including timers
   * those callbacks set that fall due within the same span. Ends with `now()` at the old time
   * plus `ms`.
   *
   * @param ms - milliseconds to move forward (0 runs what is due now)
   */
  advance(ms: number): void {
    const target = this.#target(ms);
    this.#enter();
    try {
      for (let t = this.#due(target); t !== undefined; t = this.#due(target)) this.#run(t);
      this.#now = target;
    } finally {
      this.#busy = false;
    }
  }

  /**
   * Runs the earliest pending timer, moving time to it.
   *
   * @returns whether a timer ran
   */
  next(): boolean {
    this.#enter();
    try {
      const t = this.#due(Number.POSITIVE_INFINITY);
      if (t === undefined) return false;
      this.#run(t);
      return true;
    } finally {
      this.#busy = false;
    }
  }

  /**
   * Runs timers, moving time forward, until none are left.
   *
   * @param limit - most timers to run; more means something keeps setting timers (a retransmit
   *   loop that never ends) and throws an `Error` naming the limit
   * @defaultValue limit 1_000_000
   * @returns how many timers ran
   */
  runUntilIdle(limit = 1_000_000): number {
    this.#enter();
    try {
      let ran = 0;
      for (let t = this.#due(Number.POSITIVE_INFINITY); t !== undefined; t = this.#due(Number.POSITIVE_INFINITY)) {
        if (ran >= limit) throw this.#overLimit(limit);
        this.#run(t);
        ran++;
      }
      return ran;
    } finally {
      this.#busy = false;
    }
  }

  /**
   * {@link VirtualClock.advance} for code that reacts through promises: before each timer and at
   * the end it lets pending promise callbacks run (a few dozen microtask turns), so timers that
   * code sets when a promise settles are run in the same span.
   *
   * @param ms - milliseconds to move forward
   */
  async advanceAsync(ms: number): Promise<void> {
    const target = this.#target(ms);
    this.#enter();
    try {
      for (;;) {
        await drainMicrotasks();
        const t = this.#due(target);
        if (t === undefined) break;
        this.#run(t);
      }
      this.#now = target;
      await drainMicrotasks();
    } finally {
      this.#busy = false;
    }
  }

  /**
   * {@link VirtualClock.runUntilIdle} for code that reacts through promises: lets pending
   * promise callbacks run before each timer and at the end.
   *
   * @param limit - most timers to run before throwing
   * @defaultValue limit 1_000_000
   * @returns how many timers ran
   */
  async runUntilIdleAsync(limit = 1_000_000): Promise<number> {
    this.#enter();
    try {
      let ran = 0;
      for (;;) {
        await drainMicrotasks();
        const t = this.#due(Number.POSITIVE_INFINITY);
        if (t === undefined) break;
        if (ran >= limit) throw this.#overLimit(limit);
        this.#run(t);
        ran++;
      }
      await drainMicrotasks();
      return ran;
    } finally {
      this.#busy = false;
    }
  }

  #target(ms: number): number {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`VirtualClock: cannot advance by ${ms} ms`);
    return this.#now + ms;
  }

  #enter(): void {
    // Time cannot move inside a callback that runs because time moved: the outer run would
    // then take time backwards.
    if (this.#busy) throw new Error('VirtualClock: advance, next or runUntilIdle called while timers are running');
    this.#busy = true;
  }

  #overLimit(limit: number): Error {
    return new Error(
      `VirtualClock: more than ${limit} timers ran without the clock going idle (a timer that keeps setting timers?)`,
    );
  }

  /** Takes the earliest live timer due at or before `target` off the heap. */
  #due(target: number): Timer | undefined {
    for (;;) {
      const top = this.#heap.peek();
      if (top === undefined) return undefined;
      if (this.#live.get(top.seq) !== top) {
        this.#heap.pop(); // cleared earlier
        continue;
      }
      if (top.at > target) return undefined;
      this.#heap.pop();
      return top;
    }
  }

  #run(timer: Timer): void {
    this.#live.delete(timer.seq);
    this.#now = timer.at;
    timer.callback();
  }
}

/**
 * Time as the transaction layer sees it. Every SIP timer goes through a `Clock`, so a test can
 * run a 32-second Timer B in a millisecond of real time (the testkit's `VirtualClock` implements
 * this interface), and an application can put its own scheduler underneath.
 *
 * The transaction layer keeps its own queue of deadlines and asks the clock for one wake-up at a
 * time, so a clock only ever holds a handful of timers, however many transactions are live.
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

/**
 * The clock of the platform: `performance.now()` and the global `setTimeout`, in browsers and on
 * Node alike.
 *
 * @public
 */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>),
};

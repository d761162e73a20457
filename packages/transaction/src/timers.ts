/**
 * The three base values every transaction timer comes from (RFC 3261 §17.1.1.1, Table 4), in
 * milliseconds.
 *
 * @public
 */
export interface TimerSettings {
  /**
   * RTT estimate.
   * @defaultValue 500
   */
  readonly t1: number;
  /**
   * Longest interval between retransmissions of non-INVITE requests and INVITE responses.
   * @defaultValue 4000
   */
  readonly t2: number;
  /**
   * Longest time a message stays in the network.
   * @defaultValue 5000
   */
  readonly t4: number;
  /**
   * How long an INVITE server transaction waits for the transaction user's first response before
   * sending 100 Trying itself (RFC 3261 §17.2.1 says 200 ms).
   * @defaultValue 200
   */
  readonly trying: number;
}

/**
 * RFC 3261's defaults: T1 500 ms, T2 4 s, T4 5 s, and 100 Trying after 200 ms.
 *
 * @public
 */
export const DEFAULT_TIMERS: TimerSettings = Object.freeze({ t1: 500, t2: 4000, t4: 5000, trying: 200 });

/**
 * Every timer of RFC 3261 Table 4 and RFC 6026 for one kind of transport, in milliseconds.
 * Retransmission timers (A, E, G) are `undefined` on reliable transports, which never
 * retransmit (§17.1.1.2, §17.1.2.2, §17.2.1).
 *
 * @public
 */
export interface TimerValues {
  /** Timer A: first INVITE retransmission interval; doubles each time (§17.1.1.2). */
  readonly A: number | undefined;
  /** Timer B: INVITE transaction timeout, 64×T1. */
  readonly B: number;
  /** Timer D: wait for response retransmissions, at least 32 s on UDP, 0 on reliable transports. */
  readonly D: number;
  /** Timer E: first non-INVITE retransmission interval; doubles up to T2 (§17.1.2.2). */
  readonly E: number | undefined;
  /** Timer F: non-INVITE transaction timeout, 64×T1. */
  readonly F: number;
  /** Timer G: first INVITE response retransmission interval; doubles up to T2 (§17.2.1). */
  readonly G: number | undefined;
  /** Timer H: wait for the ACK, 64×T1. */
  readonly H: number;
  /** Timer I: wait for ACK retransmissions, T4 on UDP, 0 on reliable transports. */
  readonly I: number;
  /** Timer J: wait for non-INVITE request retransmissions, 64×T1 on UDP, 0 on reliable ones. */
  readonly J: number;
  /** Timer K: wait for response retransmissions, T4 on UDP, 0 on reliable transports. */
  readonly K: number;
  /** Timer L (RFC 6026 §8.7): wait for INVITE retransmissions after a 2xx, 64×T1. */
  readonly L: number;
  /** Timer M (RFC 6026 §8.4): wait for 2xx retransmissions after the first, 64×T1. */
  readonly M: number;
  /** T2, the cap of the doubling of Timers E and G. */
  readonly T2: number;
  /** The 100 Trying delay of INVITE server transactions (§17.2.1). */
  readonly trying: number;
}

/**
 * Computes every timer from T1, T2 and T4, in one place (RFC 3261 Table 4, RFC 6026).
 *
 * @param settings - T1, T2, T4 and the 100 Trying delay
 * @param reliable - whether the transport is reliable (TCP, TLS, WS, SCTP)
 * @public
 */
export function timerValues(settings: TimerSettings, reliable: boolean): TimerValues {
  const { t1, t2, t4 } = settings;
  return Object.freeze({
    A: reliable ? undefined : t1,
    B: 64 * t1,
    // Table 4: Timer D is "> 32 s for UDP" whatever T1 is, and at least 64×T1 (Timer B's span).
    D: reliable ? 0 : Math.max(32_000, 64 * t1),
    E: reliable ? undefined : t1,
    F: 64 * t1,
    G: reliable ? undefined : t1,
    H: 64 * t1,
    I: reliable ? 0 : t4,
    J: reliable ? 0 : 64 * t1,
    K: reliable ? 0 : t4,
    L: 64 * t1,
    M: 64 * t1,
    T2: t2,
    trying: settings.trying,
  });
}

/**
 * Checks timer settings and fills in defaults. A bad value is a configuration error: the
 * message names the key.
 *
 * @param settings - partial settings
 * @returns complete settings
 * @throws RangeError naming the key when a value is not a positive finite number or T2 < T1
 * @public
 */
export function resolveTimerSettings(settings: Partial<TimerSettings> = {}): TimerSettings {
  const out = { ...DEFAULT_TIMERS, ...settings };
  for (const key of ['t1', 't2', 't4', 'trying'] as const) {
    const v = out[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (key !== 'trying' && v === 0)) {
      throw new RangeError(`timers.${key} must be a positive number of milliseconds, got ${String(v)}`);
    }
  }
  if (out.t2 < out.t1) throw new RangeError(`timers.t2 (${out.t2}) must not be less than timers.t1 (${out.t1})`);
  return Object.freeze(out);
}

// RFC 3261 Table 4 and RFC 6026: every timer from T1, T2, T4; bad settings name their key.
import { describe, expect, it } from 'vitest';
import { DEFAULT_TIMERS, resolveTimerSettings, TransactionLayer, timerValues } from '../src/index.js';
import { ScriptedTransport } from './helpers.js';

describe('timer values (RFC 3261 Table 4, RFC 6026)', () => {
  it('computes the unreliable-transport timers from T1 = 500 ms, T2 = 4 s, T4 = 5 s', () => {
    expect(timerValues(DEFAULT_TIMERS, false)).toEqual({
      A: 500,
      B: 32_000,
      D: 32_000,
      E: 500,
      F: 32_000,
      G: 500,
      H: 32_000,
      I: 5_000,
      J: 32_000,
      K: 5_000,
      L: 32_000,
      M: 32_000,
      T2: 4_000,
      trying: 200,
    });
  });

  it('drops retransmission timers and zeroes D, I, J and K on reliable transports', () => {
    const t = timerValues(DEFAULT_TIMERS, true);
    expect([t.A, t.E, t.G]).toEqual([undefined, undefined, undefined]);
    expect([t.D, t.I, t.J, t.K]).toEqual([0, 0, 0, 0]);
    expect([t.B, t.F, t.H, t.L, t.M]).toEqual([32_000, 32_000, 32_000, 32_000, 32_000]);
  });

  it('keeps Timer D above 32 s on UDP whatever T1 is', () => {
    expect(timerValues(resolveTimerSettings({ t1: 100 }), false).D).toBe(32_000);
    expect(timerValues(resolveTimerSettings({ t1: 1000, t2: 8000 }), false).D).toBe(64_000);
  });

  it('names the key of a bad setting', () => {
    expect(() => resolveTimerSettings({ t1: 0 })).toThrow(/timers\.t1/);
    expect(() => resolveTimerSettings({ t4: Number.NaN })).toThrow(/timers\.t4/);
    expect(() => resolveTimerSettings({ t1: 5000 })).toThrow(/timers\.t2/);
    expect(
      () =>
        new TransactionLayer({ transports: [new ScriptedTransport()], tu: { onRequest() {} }, timers: { trying: -1 } }),
    ).toThrow(/timers\.trying/);
  });
});

import { describe, expect, it } from 'vitest';
import { type Clock, VirtualClock } from '../src/index.js';

// The shape @sipkit/transaction declares; the testkit must satisfy it without importing it.
interface TransactionClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

describe('VirtualClock', () => {
  it('satisfies the Clock interface of the transaction layer structurally', () => {
    const clock: TransactionClock = new VirtualClock();
    const own: Clock = clock;
    expect(own.now()).toBe(0);
    expect(new VirtualClock(1000).now()).toBe(1000);
  });

  it('runs timers in time order, timers due at the same time in the order they were set', () => {
    const clock = new VirtualClock();
    const ran: string[] = [];
    clock.setTimeout(() => ran.push('c@30'), 30);
    clock.setTimeout(() => ran.push('a@10'), 10);
    clock.setTimeout(() => ran.push('b1@20'), 20);
    clock.setTimeout(() => ran.push('b2@20'), 20);
    clock.setTimeout(() => ran.push('b3@20'), 20);
    clock.setTimeout(() => ran.push('z@0'), 0);
    clock.advance(25);
    expect(ran).toEqual(['z@0', 'a@10', 'b1@20', 'b2@20', 'b3@20']);
    expect(clock.now()).toBe(25);
    expect(clock.pending).toBe(1);
    clock.advance(5);
    expect(ran.at(-1)).toBe('c@30');
    expect(clock.pending).toBe(0);
  });

  it("reads each timer's own time while its callback runs, then the end of the span", () => {
    const clock = new VirtualClock(100);
    const seen: number[] = [];
    for (const ms of [7, 3, 50]) clock.setTimeout(() => seen.push(clock.now()), ms);
    clock.advance(60);
    expect(seen).toEqual([103, 107, 150]);
    expect(clock.now()).toBe(160);
  });

  it('runs timers set by callbacks while advancing when they fall due within the span, in order', () => {
    const clock = new VirtualClock();
    const ran: string[] = [];
    clock.setTimeout(() => {
      ran.push(`first@${clock.now()}`);
      clock.setTimeout(() => ran.push(`nested-0@${clock.now()}`), 0);
      clock.setTimeout(() => ran.push(`nested-5@${clock.now()}`), 5);
      clock.setTimeout(() => ran.push(`nested-100@${clock.now()}`), 100);
    }, 10);
    clock.setTimeout(() => ran.push(`second@${clock.now()}`), 12);
    clock.advance(20);
    expect(ran).toEqual(['first@10', 'nested-0@10', 'second@12', 'nested-5@15']);
    expect(clock.pending).toBe(1);
    clock.advance(90);
    expect(ran.at(-1)).toBe('nested-100@110');
  });

  it('runs an RFC 3261 Timer A doubling chain up to Timer B in virtual time', () => {
    const clock = new VirtualClock();
    const sends: number[] = [];
    let interval = 500;
    let timerA: unknown;
    const retransmit = (): void => {
      sends.push(clock.now());
      interval *= 2;
      timerA = clock.setTimeout(retransmit, interval);
    };
    timerA = clock.setTimeout(retransmit, interval);
    clock.setTimeout(() => clock.clearTimeout(timerA), 64 * 500);
    expect(clock.runUntilIdle()).toBe(7);
    expect(sends).toEqual([500, 1500, 3500, 7500, 15500, 31500]);
    expect(clock.now()).toBe(32000);
  });

  it('clearTimeout cancels a pending timer and ignores handles that ran, were cleared or are foreign', () => {
    const clock = new VirtualClock();
    const ran: number[] = [];
    const h1 = clock.setTimeout(() => ran.push(1), 10);
    const h2 = clock.setTimeout(() => ran.push(2), 10);
    clock.setTimeout(() => ran.push(3), 20);
    expect(clock.pending).toBe(3);
    clock.clearTimeout(h2);
    clock.clearTimeout(h2);
    clock.clearTimeout(undefined);
    clock.clearTimeout({});
    clock.clearTimeout(9999);
    expect(clock.pending).toBe(2);
    clock.advance(15);
    clock.clearTimeout(h1); // already ran
    expect(clock.pending).toBe(1);
    clock.advance(10);
    expect(ran).toEqual([1, 3]);
  });

  it('a timer may clear a later one due at the same time', () => {
    const clock = new VirtualClock();
    const ran: string[] = [];
    let later: unknown;
    clock.setTimeout(() => {
      ran.push('a');
      clock.clearTimeout(later);
    }, 5);
    later = clock.setTimeout(() => ran.push('b'), 5);
    clock.advance(5);
    expect(ran).toEqual(['a']);
  });

  it('treats negative and NaN delays as 0, and rejects moving by a negative span', () => {
    const clock = new VirtualClock(10);
    const seen: number[] = [];
    clock.setTimeout(() => seen.push(clock.now()), -5);
    clock.setTimeout(() => seen.push(clock.now()), Number.NaN);
    clock.advance(0);
    expect(seen).toEqual([10, 10]);
    expect(() => clock.advance(-1)).toThrow(RangeError);
    expect(() => clock.advance(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });

  it('next() runs the earliest timer only and says false when none is left', () => {
    const clock = new VirtualClock();
    const ran: number[] = [];
    clock.setTimeout(() => ran.push(2), 200);
    const h = clock.setTimeout(() => ran.push(0), 50);
    clock.setTimeout(() => ran.push(1), 100);
    clock.clearTimeout(h);
    expect(clock.next()).toBe(true);
    expect(ran).toEqual([1]);
    expect(clock.now()).toBe(100);
    expect(clock.next()).toBe(true);
    expect(clock.next()).toBe(false);
    expect(clock.now()).toBe(200);
  });

  it('runUntilIdle throws, naming the limit, when a timer keeps rescheduling itself', () => {
    const clock = new VirtualClock();
    let runs = 0;
    const again = (): void => {
      runs++;
      clock.setTimeout(again, 1);
    };
    clock.setTimeout(again, 1);
    expect(() => clock.runUntilIdle(500)).toThrow(/more than 500 timers/);
    expect(runs).toBe(500);
    expect(clock.pending).toBe(1);
  });

  it('runUntilIdle allows exactly `limit` timers', () => {
    const clock = new VirtualClock();
    for (let i = 0; i < 10; i++) clock.setTimeout(() => undefined, i);
    expect(clock.runUntilIdle(10)).toBe(10);
    expect(clock.runUntilIdle(10)).toBe(0);
  });

  it('lets an exception from a callback out of advance with the clock consistent', () => {
    const clock = new VirtualClock();
    const ran: string[] = [];
    clock.setTimeout(() => ran.push('a'), 5);
    clock.setTimeout(() => {
      throw new Error('boom');
    }, 10);
    clock.setTimeout(() => ran.push('c'), 15);
    expect(() => clock.advance(20)).toThrow('boom');
    expect(ran).toEqual(['a']);
    expect(clock.now()).toBe(10);
    expect(clock.pending).toBe(1);
    clock.advance(10);
    expect(ran).toEqual(['a', 'c']);
    expect(clock.now()).toBe(20);
  });

  it('refuses to move time from inside a timer callback', () => {
    const clock = new VirtualClock();
    let error: unknown;
    clock.setTimeout(() => {
      try {
        clock.advance(10);
      } catch (e) {
        error = e;
      }
    }, 1);
    clock.advance(5);
    expect(String(error)).toMatch(/while timers are running/);
    expect(clock.now()).toBe(5);
  });

  it('orders tens of thousands of timers exactly as a sort on (time, order set) would', () => {
    const clock = new VirtualClock();
    let seed = 12345;
    const rand = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const expected: { at: number; i: number }[] = [];
    const ran: number[] = [];
    const handles: unknown[] = [];
    for (let i = 0; i < 30_000; i++) {
      const at = Math.floor(rand() * 1000);
      handles.push(clock.setTimeout(() => ran.push(i), at));
      expected.push({ at, i });
    }
    const cleared = new Set<number>();
    for (let i = 0; i < 30_000; i += 7) {
      clock.clearTimeout(handles[i]);
      cleared.add(i);
    }
    expect(clock.pending).toBe(30_000 - cleared.size);
    clock.advance(1000);
    const want = expected
      .filter((e) => !cleared.has(e.i))
      .sort((x, y) => x.at - y.at || x.i - y.i)
      .map((e) => e.i);
    expect(ran).toEqual(want);
  });

  describe('async variants', () => {
    it('advanceAsync runs timers that promise reactions set within the span', async () => {
      const clock = new VirtualClock();
      const seen: string[] = [];
      const sleep = (ms: number): Promise<void> => new Promise((resolve) => clock.setTimeout(resolve, ms));
      const scenario = (async () => {
        await sleep(10);
        seen.push(`woke@${clock.now()}`);
        await sleep(10);
        seen.push(`woke@${clock.now()}`);
        await Promise.reject(new Error('retry')).catch(() => sleep(5));
        seen.push(`retried@${clock.now()}`);
      })();
      await clock.advanceAsync(100);
      await scenario;
      expect(seen).toEqual(['woke@10', 'woke@20', 'retried@25']);
      expect(clock.now()).toBe(100);
    });

    it('advance alone would not see those timers in the same span', () => {
      const clock = new VirtualClock();
      const seen: number[] = [];
      void (async () => {
        await new Promise<void>((resolve) => clock.setTimeout(resolve, 10));
        clock.setTimeout(() => seen.push(clock.now()), 10);
      })();
      clock.advance(100);
      expect(seen).toEqual([]);
    });

    it('runUntilIdleAsync drains promise chains and honours its limit', async () => {
      const clock = new VirtualClock();
      let ticks = 0;
      const loop = async (): Promise<void> => {
        for (;;) {
          await new Promise<void>((resolve) => clock.setTimeout(resolve, 1000));
          ticks++;
          if (ticks === 5) return;
        }
      };
      const done = loop();
      expect(await clock.runUntilIdleAsync()).toBe(5);
      await done;
      expect(clock.now()).toBe(5000);

      const forever = async (): Promise<void> => {
        for (;;) await new Promise<void>((resolve) => clock.setTimeout(resolve, 1));
      };
      void forever();
      await expect(clock.runUntilIdleAsync(50)).rejects.toThrow(/more than 50 timers/);
    });
  });
});

import type { ComplianceCheck } from './transport.js';

// The testkit does not depend on @sipkit/registrar (the registrar tests with the testkit), so the
// location service is described here by its shape. TypeScript compares structurally: a
// registrar `LocationService` is a `LocationServiceLike` and the other way round.

/**
 * One binding of an address-of-record to a contact: the shape of `Binding` in
 * `@sipkit/registrar`, field for field. Times are milliseconds on the caller's clock.
 *
 * @public
 */
export interface BindingLike {
  /** What identifies the binding within its AOR (`instance|reg-id`, `instance`, or the canonical contact URI). */
  readonly key: string;
  /** The contact URI as registered. */
  readonly contact: string;
  /** When the binding expires (ms). */
  readonly expires: number;
  /** The `q` preference, 0–1, when given. */
  readonly q?: number | undefined;
  /** Call-ID of the REGISTER that last wrote it (RFC 3261 §10.3 step 7). */
  readonly callId: string;
  /** CSeq number of that REGISTER. */
  readonly cseq: number;
  /** Path header values to reach the contact through (RFC 3327), in order. */
  readonly path?: readonly string[] | undefined;
  /** `+sip.instance` of the UA (RFC 5626, RFC 5627), without its angle brackets. */
  readonly instance?: string | undefined;
  /** `reg-id` (RFC 5626). */
  readonly regId?: number | undefined;
  /** Where the REGISTER came from, as the registrar chose to record it. */
  readonly source?: string | undefined;
  /** When it was last written (ms). */
  readonly updated: number;
}

/**
 * One change a REGISTER asks for: the shape of `BindingChange` in `@sipkit/registrar`.
 *
 * @public
 */
export interface BindingChangeLike {
  /** The binding as it should be; for a removal, its key, Call-ID and CSeq are what count. */
  readonly binding: BindingLike;
  /** Remove instead of write (Expires 0). */
  readonly remove: boolean;
}

/**
 * What an update did: the shape of `UpdateResult` in `@sipkit/registrar`.
 *
 * @public
 */
export type UpdateResultLike =
  | {
      /** Every change was applied, as one. */
      readonly ok: true;
      /** The AOR's bindings now, unexpired. */
      readonly bindings: readonly BindingLike[];
    }
  | {
      /** Nothing was changed. */
      readonly ok: false;
      /** `out-of-order` (a newer REGISTER of the same call is stored) or `too-many` (over `maxBindings`). */
      readonly reason: 'out-of-order' | 'too-many';
      /** The AOR's bindings, unchanged. */
      readonly bindings: readonly BindingLike[];
    };

/**
 * A location service (RFC 3261 §10): the shape of `LocationService` in `@sipkit/registrar`, so
 * that `MemoryLocationService`, `RedisLocationService` from `@sipkit/location-redis` or your own
 * store can be passed to {@link locationServiceComplianceChecks} as they are.
 *
 * @public
 */
export interface LocationServiceLike {
  /**
   * Applies one REGISTER's changes to an AOR, all or none (§10.3 step 7).
   *
   * @param aor - canonical address-of-record
   * @param changes - what the REGISTER asks for
   * @param now - current time (ms)
   * @param maxBindings - most bindings the AOR may hold after the update
   */
  update(
    aor: string,
    changes: readonly BindingChangeLike[],
    now: number,
    maxBindings: number,
  ): Promise<UpdateResultLike>;
  /**
   * Removes every binding of an AOR (`Contact: *`), unless one with the same Call-ID has a CSeq
   * higher than or equal to `cseq`.
   *
   * @param aor - canonical address-of-record
   * @param callId - the REGISTER's Call-ID
   * @param cseq - its CSeq number
   * @param now - current time (ms)
   */
  removeAll(aor: string, callId: string, cseq: number, now: number): Promise<UpdateResultLike>;
  /**
   * The AOR's unexpired bindings, highest q first (no q counts as 1.0), most recently written first.
   *
   * @param aor - canonical address-of-record
   * @param now - current time (ms)
   */
  lookup(aor: string, now: number): Promise<readonly BindingLike[]>;
  /**
   * Drops expired bindings; returns how many (stores whose backend expires entries may return 0).
   *
   * @param now - current time (ms)
   */
  sweep(now: number): Promise<number>;
  /** Releases connections and timers. */
  close(): Promise<void>;
}

/**
 * Two location services that share one backend, made fresh for each check: two server instances
 * on one Redis, say. A store that lives in one process passes the same object twice.
 *
 * @public
 */
export interface LocationPair {
  /** The first instance. */
  readonly a: LocationServiceLike;
  /** The second instance, on the same data as `a`. */
  readonly b: LocationServiceLike;
  /** Closes both (and anything else the factory made). */
  close(): Promise<void>;
}

/**
 * Options of {@link locationServiceComplianceChecks}.
 *
 * @public
 */
export interface LocationComplianceOptions {
  /**
   * How many updates of one AOR the concurrency check starts at once, alternately through `a`
   * and `b`.
   *
   * @defaultValue 50
   */
  readonly concurrentUpdates?: number;
}

/** A virtual instant, in milliseconds since the epoch (November 2023): no check reads a clock. */
const T0 = 1_700_000_000_000;
const HOUR = 3_600_000;

let runs = 0;

/** An AOR no other run uses, so that checks can share one backend without cleaning it. */
function freshAor(name: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  const token = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `sip:${name}-${token}-${++runs}@compliance.invalid`;
}

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** A binding with its key as contact, written at T0 by Call-ID `call-a` CSeq 1, for an hour. */
function binding(key: string, over: Partial<Writable<BindingLike>> = {}): BindingLike {
  return { key, contact: key, expires: T0 + HOUR, callId: 'call-a', cseq: 1, updated: T0, ...over };
}

const write = (b: BindingLike): BindingChangeLike => ({ binding: b, remove: false });
const erase = (b: BindingLike): BindingChangeLike => ({ binding: b, remove: true });

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(what);
}

/**
 * A binding as canonical JSON: keys sorted, so that two equal bindings print the same; a field
 * set to `undefined` counts as a field not given.
 */
function canon(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canon).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.keys(v)
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canon((v as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return v === undefined ? 'undefined' : JSON.stringify(v);
}

/** Demands exactly these bindings, in this order. */
function same(got: readonly BindingLike[], want: readonly BindingLike[], what: string): void {
  const g = got.map(canon);
  const w = want.map(canon);
  check(g.join('\n') === w.join('\n'), `${what}:\n  got  [${g.join(', ')}]\n  want [${w.join(', ')}]`);
}

/** Demands exactly these bindings, in any order (update results promise no order). */
function sameSet(got: readonly BindingLike[], want: readonly BindingLike[], what: string): void {
  same([...got].sort(byKey), [...want].sort(byKey), what);
}

function byKey(x: BindingLike, y: BindingLike): number {
  return x.key < y.key ? -1 : x.key > y.key ? 1 : 0;
}

function okResult(r: UpdateResultLike, what: string): readonly BindingLike[] {
  check(r.ok, `${what}: refused (${r.ok ? '' : r.reason})`);
  return r.bindings;
}

function refused(r: UpdateResultLike, reason: 'out-of-order' | 'too-many', what: string): readonly BindingLike[] {
  check(!r.ok && r.reason === reason, `${what}: ${r.ok ? 'applied' : r.reason}, expected ${reason}`);
  return r.bindings;
}

/**
 * The location service compliance suite: what any store behind `LocationService` (from
 * `@sipkit/registrar`) must do, as plain functions that any test runner can run. Every check
 * passes explicit `now` values (virtual time, no sleeping) and uses AORs of its own, so the checks
 * may share one backend without cleaning it in between. A pair's `a` and `b` are two instances on
 * one backend; the checks demand that what one writes the other reads, and that updates of one
 * AOR through both at once are atomic.
 *
 * @example
 * ```ts
 * import { describe, it } from 'vitest';
 * import { locationServiceComplianceChecks } from '@sipkit/testkit';
 *
 * describe('my location store', () => {
 *   const make = async () => {
 *     const store = new MyStore();
 *     return { a: store, b: store, close: () => store.close() };
 *   };
 *   for (const c of locationServiceComplianceChecks(make)) it(c.name, () => c.run());
 * });
 * ```
 *
 * @param make - makes two fresh instances on one backend
 * @param options - tunes the suite
 * @returns the checks, each named by what it demands
 * @public
 */
export function locationServiceComplianceChecks(
  make: () => Promise<LocationPair>,
  options: LocationComplianceOptions = {},
): ComplianceCheck[] {
  const concurrent = options.concurrentUpdates ?? 50;
  const withPair = async (body: (p: LocationPair) => Promise<void>): Promise<void> => {
    const pair = await make();
    try {
      await body(pair);
    } finally {
      await pair.close();
    }
  };
  return [
    {
      name: 'binds a contact to an AOR and looks it up (§10.3 step 7)',
      run: () =>
        withPair(async ({ a }) => {
          const aor = freshAor('bind');
          same(await a.lookup(aor, T0), [], 'an AOR never bound');
          const b = binding('sip:alice@192.0.2.1:5060');
          sameSet(okResult(await a.update(aor, [write(b)], T0, 10), 'bind'), [b], 'the update result');
          same(await a.lookup(aor, T0 + 1), [b], 'lookup');
          same(await a.lookup(freshAor('other'), T0 + 1), [], 'another AOR');
        }),
    },
    {
      name: 'looks bindings up highest q first (no q counts as 1.0), most recently written first among equals',
      run: () =>
        withPair(async ({ a }) => {
          const aor = freshAor('order');
          const half = binding('sip:half@192.0.2.1', { q: 0.5, updated: T0 });
          const none = binding('sip:none@192.0.2.1', { updated: T0 + 1 });
          const one = binding('sip:one@192.0.2.1', { q: 1, updated: T0 + 2 });
          const low = binding('sip:low@192.0.2.1', { q: 0.1, updated: T0 + 3 });
          const half2 = binding('sip:half2@192.0.2.1', { q: 0.5, updated: T0 + 4 });
          for (const b of [half, none, one, low, half2])
            okResult(await a.update(aor, [write(b)], b.updated, 10), b.key);
          same(await a.lookup(aor, T0 + 5), [one, none, half2, half, low], 'lookup order');
          // Refreshing the oldest q=0.5 binding makes it the most recent of its q.
          const again = binding('sip:half@192.0.2.1', { q: 0.5, updated: T0 + 6, cseq: 2 });
          okResult(await a.update(aor, [write(again)], T0 + 6, 10), 'refresh');
          same(await a.lookup(aor, T0 + 7), [one, none, again, half2, low], 'lookup order after a refresh');
        }),
    },
    {
      name: 'stops returning a binding from the instant it expires, and sweep drops expired bindings only',
      run: () =>
        withPair(async ({ a }) => {
          const aor = freshAor('expiry');
          const short = binding('sip:short@192.0.2.1', { expires: T0 + 1_000, callId: 'call-s', cseq: 9 });
          const long = binding('sip:long@192.0.2.1', { expires: T0 + 10_000 });
          okResult(await a.update(aor, [write(short), write(long)], T0, 10), 'bind');
          sameSet(await a.lookup(aor, T0 + 999), [short, long], 'lookup 1 ms before the first expiry');
          same(await a.lookup(aor, T0 + 1_000), [long], 'lookup when the first binding expires');
          const swept = await a.sweep(T0 + 5_000);
          check(Number.isInteger(swept) && swept >= 0 && swept <= 1, `sweep with 1 expired binding returned ${swept}`);
          const again = await a.sweep(T0 + 5_000);
          check(again === 0, `a second sweep at the same time returned ${again}`);
          same(await a.lookup(aor, T0 + 5_000), [long], 'the unexpired binding after sweep');
          same(await a.lookup(aor, T0 + 10_000), [], 'lookup once every binding expired');
          const later = await a.sweep(T0 + 20_000);
          check(Number.isInteger(later) && later >= 0 && later <= 1, `sweep with 1 expired binding returned ${later}`);
          // Expired bindings are dropped before an update: they neither count against
          // maxBindings nor make an older CSeq of their Call-ID out of order.
          const back = binding('sip:short@192.0.2.1', {
            expires: T0 + 30_000 + HOUR,
            callId: 'call-s',
            cseq: 1,
            updated: T0 + 30_000,
          });
          sameSet(okResult(await a.update(aor, [write(back)], T0 + 30_000, 1), 'rebind'), [back], 'rebind result');
          same(await a.lookup(aor, T0 + 30_000), [back], 'lookup after rebinding');
        }),
    },
    {
      name: 'applies an update with several changes all or none: one out-of-order change leaves the others unapplied',
      run: () =>
        withPair(async ({ a }) => {
          const aor = freshAor('atomic');
          const k1 = binding('sip:k1@192.0.2.1', { callId: 'call-a', cseq: 5 });
          const k2 = binding('sip:k2@192.0.2.1', { callId: 'call-b', cseq: 1 });
          okResult(await a.update(aor, [write(k1), write(k2)], T0, 10), 'bind');
          const k3 = binding('sip:k3@192.0.2.1', { callId: 'call-c', updated: T0 + 1 });
          const k2gone = binding('sip:k2@192.0.2.1', { callId: 'call-b', cseq: 2, updated: T0 + 1 });
          const k1stale = binding('sip:k1@192.0.2.1', { callId: 'call-a', cseq: 4, updated: T0 + 1 });
          const r = await a.update(aor, [write(k3), erase(k2gone), write(k1stale)], T0 + 1, 10);
          sameSet(refused(r, 'out-of-order', 'an update with one stale change'), [k1, k2], 'the refusal result');
          sameSet(await a.lookup(aor, T0 + 2), [k1, k2], 'lookup after the refused update');
        }),
    },
    {
      name: 'refuses a change with the same Call-ID and a lower CSeq as out-of-order (§10.3 step 7)',
      run: () =>
        withPair(async ({ a }) => {
          const aor = freshAor('stale');
          const k = binding('sip:k@192.0.2.1', { callId: 'call-a', cseq: 5 });
          okResult(await a.update(aor, [write(k)], T0, 10), 'bind');
          const stale = binding('sip:k@192.0.2.1', {
            contact: 'sip:k@192.0.2.9',
            callId: 'call-a',
            cseq: 4,
            expires: T0 + 2 * HOUR,
            updated: T0 + 1,
          });
          sameSet(refused(await a.update(aor, [write(stale)], T0 + 1, 10), 'out-of-order', 'a write'), [k], 'result');
          refused(await a.update(aor, [erase(stale)], T0 + 1, 10), 'out-of-order', 'a removal');
          same(await a.lookup(aor, T0 + 2), [k], 'lookup');
          const newer = binding('sip:k@192.0.2.1', {
            contact: 'sip:k@192.0.2.9',
            callId: 'call-a',
            cseq: 6,
            updated: T0 + 3,
          });
          sameSet(okResult(await a.update(aor, [write(newer)], T0 + 3, 10), 'a higher CSeq'), [newer], 'result');
          same(await a.lookup(aor, T0 + 4), [newer], 'lookup after a higher CSeq');
        }),
    },
    {
      name: 'treats the same Call-ID and CSeq as a retransmission: no change, and ok',
      run: () =>
        withPair(async ({ a }) => {
          const aor = freshAor('retransmission');
          const k = binding('sip:k@192.0.2.1', { callId: 'call-a', cseq: 5 });
          okResult(await a.update(aor, [write(k)], T0, 10), 'bind');
          const twin = binding('sip:k@192.0.2.1', {
            contact: 'sip:k@192.0.2.9',
            callId: 'call-a',
            cseq: 5,
            expires: T0 + 2 * HOUR,
            updated: T0 + 1,
          });
          sameSet(okResult(await a.update(aor, [write(twin)], T0 + 1, 10), 'a retransmitted write'), [k], 'result');
          sameSet(okResult(await a.update(aor, [erase(twin)], T0 + 1, 10), 'a retransmitted removal'), [k], 'result');
          same(await a.lookup(aor, T0 + 2), [k], 'lookup');
        }),
    },
    {
      name: 'replaces a binding written under another Call-ID, whatever its CSeq',
      run: () =>
        withPair(async ({ a }) => {
          const aor = freshAor('replace');
          const k = binding('sip:k@192.0.2.1', { callId: 'call-a', cseq: 50 });
          okResult(await a.update(aor, [write(k)], T0, 10), 'bind');
          const other = binding('sip:k@192.0.2.1', { callId: 'call-b', cseq: 1, q: 0.3, updated: T0 + 1 });
          sameSet(okResult(await a.update(aor, [write(other)], T0 + 1, 10), 'another Call-ID'), [other], 'result');
          same(await a.lookup(aor, T0 + 2), [other], 'lookup');
        }),
    },
    {
      name: 'removes a binding on a change with remove: true, under any Call-ID; removing an unknown key is a no-op',
      run: () =>
        withPair(async ({ a }) => {
          const aor = freshAor('remove');
          const k1 = binding('sip:k1@192.0.2.1', { callId: 'call-a', cseq: 5 });
          const k2 = binding('sip:k2@192.0.2.1', { callId: 'call-a', cseq: 5 });
          const k3 = binding('sip:k3@192.0.2.1', { callId: 'call-a', cseq: 5 });
          okResult(await a.update(aor, [write(k1), write(k2), write(k3)], T0, 10), 'bind');
          const r1 = await a.update(aor, [erase(binding(k1.key, { callId: 'call-a', cseq: 6 }))], T0 + 1, 10);
          sameSet(okResult(r1, 'remove, same Call-ID, higher CSeq'), [k2, k3], 'result');
          const r2 = await a.update(aor, [erase(binding(k2.key, { callId: 'call-z', cseq: 1 }))], T0 + 2, 10);
          sameSet(okResult(r2, 'remove, another Call-ID'), [k3], 'result');
          const r3 = await a.update(aor, [erase(binding('sip:unknown@192.0.2.1', { cseq: 7 }))], T0 + 3, 10);
          sameSet(okResult(r3, 'remove an unknown key'), [k3], 'result');
          same(await a.lookup(aor, T0 + 4), [k3], 'lookup');
        }),
    },
    {
      name: 'removes every binding on removeAll, refused as out-of-order while one of the same Call-ID has a CSeq >= the given one (§10.3 step 6)',
      run: () =>
        withPair(async ({ a }) => {
          const aor = freshAor('remove-all');
          const k1 = binding('sip:k1@192.0.2.1', { callId: 'call-a', cseq: 5 });
          const k2 = binding('sip:k2@192.0.2.1', { callId: 'call-b', cseq: 3 });
          okResult(await a.update(aor, [write(k1), write(k2)], T0, 10), 'bind');
          sameSet(
            refused(await a.removeAll(aor, 'call-a', 5, T0 + 1), 'out-of-order', 'same CSeq'),
            [k1, k2],
            'result',
          );
          refused(await a.removeAll(aor, 'call-a', 4, T0 + 1), 'out-of-order', 'lower CSeq');
          sameSet(await a.lookup(aor, T0 + 1), [k1, k2], 'lookup after refusals');
          same(okResult(await a.removeAll(aor, 'call-a', 6, T0 + 2), 'higher CSeq'), [], 'result');
          same(await a.lookup(aor, T0 + 2), [], 'lookup after removeAll');
          same(okResult(await a.removeAll(aor, 'call-a', 7, T0 + 3), 'an empty AOR'), [], 'result');

          const other = freshAor('remove-all');
          okResult(await a.update(other, [write(k1), write(k2)], T0, 10), 'bind');
          same(okResult(await a.removeAll(other, 'call-c', 1, T0 + 1), 'another Call-ID'), [], 'result');
          same(await a.lookup(other, T0 + 1), [], 'lookup after removeAll');

          // An expired binding no longer holds a removeAll back.
          const third = freshAor('remove-all');
          const brief = binding('sip:k1@192.0.2.1', { callId: 'call-a', cseq: 9, expires: T0 + 1_000 });
          okResult(await a.update(third, [write(brief), write(k2)], T0, 10), 'bind');
          same(okResult(await a.removeAll(third, 'call-a', 2, T0 + 1_000), 'after expiry'), [], 'result');
          same(await a.lookup(third, T0 + 1_001), [], 'lookup after removeAll');
        }),
    },
    {
      name: 'refuses an update that would leave more than maxBindings as too-many, with nothing changed',
      run: () =>
        withPair(async ({ a }) => {
          const aor = freshAor('max');
          const k = (i: number): BindingLike => binding(`sip:k${i}@192.0.2.1`, { callId: `call-${i}` });
          const k1 = k(1);
          const k2 = k(2);
          const k3 = k(3);
          const k4 = k(4);
          okResult(await a.update(aor, [write(k1), write(k2)], T0, 3), 'bind 2 of 3');
          const r = await a.update(aor, [write(k3), write(k4)], T0 + 1, 3);
          sameSet(refused(r, 'too-many', '2 more'), [k1, k2], 'result');
          sameSet(await a.lookup(aor, T0 + 1), [k1, k2], 'lookup after the refusal');
          // Removals in the same update count: one out and two in leaves three.
          const out = erase(binding(k1.key, { callId: 'call-x', cseq: 1 }));
          sameSet(
            okResult(await a.update(aor, [out, write(k3), write(k4)], T0 + 2, 3), 'one out, two in'),
            [k2, k3, k4],
            'result',
          );
          sameSet(await a.lookup(aor, T0 + 2), [k2, k3, k4], 'lookup');
        }),
    },
    {
      name: 'keeps AORs independent: keys, Call-IDs, limits and removeAll of one AOR do not touch another',
      run: () =>
        withPair(async ({ a }) => {
          const one = freshAor('independent');
          const two = freshAor('independent');
          const k = binding('sip:k@192.0.2.1', { callId: 'call-a', cseq: 5 });
          const kLow = binding('sip:k@192.0.2.1', { callId: 'call-a', cseq: 1, q: 0.2 });
          okResult(await a.update(one, [write(k)], T0, 1), 'bind in the first AOR');
          okResult(await a.update(two, [write(kLow)], T0, 1), 'same key and Call-ID, lower CSeq, another AOR');
          const j = binding('sip:j@192.0.2.1', { callId: 'call-j' });
          refused(await a.update(one, [write(j)], T0 + 1, 1), 'too-many', 'a second binding in a full AOR');
          same(await a.lookup(one, T0 + 1), [k], 'first AOR');
          same(await a.lookup(two, T0 + 1), [kLow], 'second AOR');
          okResult(await a.removeAll(one, 'call-z', 1, T0 + 2), 'removeAll of the first AOR');
          same(await a.lookup(one, T0 + 2), [], 'first AOR after its removeAll');
          same(await a.lookup(two, T0 + 2), [kLow], 'second AOR after the first one’s removeAll');
        }),
    },
    {
      name: 'shares bindings between instances: a phone bound through one is found, refreshed and removed through the other',
      run: () =>
        withPair(async ({ a, b }) => {
          const aor = freshAor('shared');
          const phone = binding('sip:phone@192.0.2.1:5060', { callId: 'call-p', cseq: 1 });
          okResult(await a.update(aor, [write(phone)], T0, 10), 'bind through a');
          same(await b.lookup(aor, T0 + 1), [phone], 'lookup through b');
          refused(
            await b.update(aor, [write(binding(phone.key, { callId: 'call-p', cseq: 0 }))], T0 + 2, 10),
            'out-of-order',
            'a stale write through b',
          );
          const refreshed = binding(phone.key, { callId: 'call-p', cseq: 2, expires: T0 + 2 * HOUR, updated: T0 + 3 });
          okResult(await b.update(aor, [write(refreshed)], T0 + 3, 10), 'refresh through b');
          same(await a.lookup(aor, T0 + 4), [refreshed], 'lookup through a after the refresh');
          okResult(await b.removeAll(aor, 'call-p', 3, T0 + 5), 'removeAll through b');
          same(await a.lookup(aor, T0 + 6), [], 'lookup through a after removeAll');
        }),
    },
    {
      name: `loses no update and never exceeds maxBindings when ${concurrent} updates of one AOR run at once through both instances`,
      run: () =>
        withPair(async ({ a, b }) => {
          const limit = Math.max(1, Math.floor((concurrent * 3) / 5));
          const aor = freshAor('concurrent');
          const all = Array.from({ length: concurrent }, (_, i) =>
            binding(`sip:ua${i}@192.0.2.1`, { callId: `call-${i}`, updated: T0 + i }),
          );
          const results = await Promise.all(
            all.map((x, i) => (i % 2 === 0 ? a : b).update(aor, [write(x)], T0 + i, limit)),
          );
          const applied = all.filter((_, i) => results[i]?.ok === true);
          for (const r of results) check(r.ok || r.reason === 'too-many', `a refusal other than too-many: ${canon(r)}`);
          check(
            applied.length === limit,
            `${applied.length} of ${concurrent} updates applied with a limit of ${limit}`,
          );
          sameSet(await b.lookup(aor, T0 + concurrent), applied, 'lookup: every applied update, nothing else');
          // Atomic updates run one after another: the applied ones saw 1, 2, … limit bindings.
          const sizes = results.filter((r) => r.ok).map((r) => r.bindings.length);
          sizes.sort((x, y) => x - y);
          check(
            sizes.every((n, i) => n === i + 1),
            `the applied updates saw ${sizes.join(', ')} bindings: some ran on a stale read`,
          );

          const open = freshAor('concurrent');
          const rs = await Promise.all(
            all.map((x, i) => (i % 2 === 0 ? b : a).update(open, [write(x)], T0 + i, concurrent)),
          );
          check(
            rs.every((r) => r.ok),
            'an update under the limit was refused',
          );
          sameSet(await a.lookup(open, T0 + concurrent), all, 'lookup: every update');
        }),
    },
    {
      name: 'stores every field exactly: path, instance, regId, source, q, and no field that was not given',
      run: () =>
        withPair(async ({ a, b }) => {
          const aor = freshAor('fields');
          const full: BindingLike = {
            key: 'urn:uuid:00000000-0000-1000-8000-000a95a0e128|1',
            contact: 'sip:alice@192.0.2.7:50601;transport=tcp;ob',
            expires: T0 + HOUR + 0.5,
            q: 0.7,
            callId: 'a84b4c76e66710@pc33.atlanta.example.com',
            cseq: 2 ** 31 - 1,
            path: ['<sip:p1.example.com;lr;ob>', '<sip:p2.example.com;lr>'],
            instance: 'urn:uuid:00000000-0000-1000-8000-000A95A0E128',
            regId: 1,
            source: 'tcp:192.0.2.7:50601#7',
            updated: T0 + 0.25,
          };
          const bare = binding('sip:bare@[2001:db8::9]:5060;user=phone', { callId: 'ünïcode-☎' });
          const zero = binding('sip:zero@192.0.2.8', { q: 0, path: [], callId: 'call-z' });
          okResult(await a.update(aor, [write(full), write(bare), write(zero)], T0 + 0.25, 10), 'bind');
          same(await b.lookup(aor, T0 + 1), [bare, full, zero], 'lookup through b');
          const [first] = await b.lookup(aor, T0 + 1);
          check(
            first !== undefined &&
              [first.q, first.path, first.instance, first.regId, first.source].every((x) => x === undefined),
            'lookup added fields that were not given',
          );
        }),
    },
  ];
}

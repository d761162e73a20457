// The Lua scripts against the registrar's own rules: random REGISTER histories of one AOR
// (writes, removals, retransmissions, stale CSeqs, limits, removeAll, expiry) give the same
// results and the same bindings on Redis as on MemoryLocationService, which uses applyChanges.
import { type Binding, type BindingChange, MemoryLocationService, type UpdateResult } from '@sipkit/registrar';
import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisLocationService } from '../src/index.js';
import { connectSingle } from './clients.js';

const change = fc.record({
  key: fc.constantFrom('sip:k0@192.0.2.1', 'sip:k1@192.0.2.1', 'sip:k2@192.0.2.1'),
  callId: fc.constantFrom('c0', 'c1'),
  cseq: fc.integer({ min: 1, max: 4 }),
  // Lives and steps in seconds of virtual time: Redis expires keys in real time (PEXPIRE of the
  // remaining life), so a life of a few ms could run out while the test is still reading.
  life: fc.integer({ min: 1, max: 60 }).map((s) => s * 1000),
  q: fc.constantFrom(undefined, 0.5, 1),
  remove: fc.boolean(),
});

const op = fc.oneof(
  fc.record({
    kind: fc.constant('update' as const),
    changes: fc.array(change, { minLength: 1, maxLength: 3 }),
    max: fc.integer({ min: 1, max: 3 }),
    step: fc.integer({ min: 0, max: 25 }).map((s) => s * 1000),
  }),
  fc.record({
    kind: fc.constant('removeAll' as const),
    callId: fc.constantFrom('c0', 'c1'),
    cseq: fc.integer({ min: 1, max: 4 }),
    step: fc.integer({ min: 0, max: 25 }).map((s) => s * 1000),
  }),
);

const T0 = 1_700_000_000_000;
let run = 0;

const shape = (r: UpdateResult) => (r.ok ? { ok: true, bindings: r.bindings } : r);

describe('RedisLocationService scripts', () => {
  let redis: Redis;
  beforeAll(() => {
    redis = connectSingle();
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('decide every REGISTER history as applyChanges does (MemoryLocationService as the model)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 15 }), async (ops) => {
        const aor = `sip:model-${++run}@example.com`;
        const model = new MemoryLocationService();
        const store = new RedisLocationService({ redis, prefix: 'test:model:' });
        let now = T0;
        let written = 0;
        for (const o of ops) {
          now += o.step;
          if (o.kind === 'update') {
            const changes: BindingChange[] = o.changes.map((c) => {
              // Every binding written is told apart by `updated`, so the q/recency order is total.
              const binding: Binding = {
                key: c.key,
                contact: c.key,
                expires: now + c.life,
                callId: c.callId,
                cseq: c.cseq,
                updated: T0 + ++written,
                ...(c.q === undefined ? {} : { q: c.q }),
              };
              return { binding, remove: c.remove };
            });
            const want = await model.update(aor, changes, now, o.max);
            expect(shape(await store.update(aor, changes, now, o.max))).toEqual(shape(want));
          } else {
            const want = await model.removeAll(aor, o.callId, o.cseq, now);
            expect(shape(await store.removeAll(aor, o.callId, o.cseq, now))).toEqual(shape(want));
          }
          expect(await store.lookup(aor, now)).toEqual(await model.lookup(aor, now));
        }
      }),
      { numRuns: 150 },
    );
  });
});

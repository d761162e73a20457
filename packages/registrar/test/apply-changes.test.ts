// applyChanges (RFC 3261 §10.3 step 7): the single-change path taken by most refreshes must give
// what the general path gives. The general path is the reference here, reached with the change
// given twice where the second is a no-op, so both paths run on the same inputs.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyChanges, type Binding, type BindingChange } from '../src/index.js';

const binding = (key: string, callId: string, cseq: number, expires: number): Binding => ({
  key,
  contact: key,
  expires,
  q: undefined,
  callId,
  cseq,
  path: undefined,
  instance: undefined,
  regId: undefined,
  source: undefined,
  updated: 0,
});

const arbBinding = fc
  .tuple(
    fc.constantFrom('sip:a@h', 'sip:b@h'),
    fc.constantFrom('c1', 'c2'),
    fc.integer({ min: 1, max: 3 }),
    fc.integer({ min: 0, max: 2000 }),
  )
  .map(([k, c, s, e]) => binding(k, c, s, e));

describe('applyChanges', () => {
  it('gives the same result for one change to at most one binding as the general path (§10.3 step 7)', () => {
    fc.assert(
      fc.property(
        fc.option(arbBinding, { nil: undefined }),
        arbBinding,
        fc.boolean(),
        fc.integer({ min: 1, max: 2 }),
        (current, b, remove, max) => {
          const now = 1000;
          const cur = current === undefined ? [] : [current];
          const change: BindingChange = { binding: b, remove };
          const fast = applyChanges(cur, [change], now, max);
          // Two current bindings, the second expired, take the general path with the same live set.
          const expired = binding('sip:gone@h', 'cx', 1, 0);
          const general = applyChanges([...cur, expired], [change], now, max);
          expect(fast).toEqual(general);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('treats the same Call-ID and CSeq as a retransmission, a lower CSeq as out of order', () => {
    const old = binding('sip:a@h', 'c1', 2, 5000);
    expect(applyChanges([old], [{ binding: binding('sip:a@h', 'c1', 2, 9000), remove: false }], 1000, 10)).toEqual({
      ok: true,
      bindings: [old],
    });
    expect(
      applyChanges([old], [{ binding: binding('sip:a@h', 'c1', 1, 9000), remove: false }], 1000, 10),
    ).toMatchObject({
      ok: false,
      reason: 'out-of-order',
    });
  });
});

// RFC 3261 §9.1: what a CANCEL copies from its INVITE.
import type { SipRequest } from '@sipkit/parser';
import { describe, expect, it } from 'vitest';
import { createCancel } from '../src/index.js';
import { ourRequest, peerTarget, responseTo, setup } from './helpers.js';

describe('createCancel (§9.1)', () => {
  it('copies Request-URI, Call-ID, To, From, the CSeq number, the top Via and Route; the CANCEL reaches its own transaction', () => {
    const { transport, tu, layer } = setup();
    const inv = layer.request(ourRequest(layer), peerTarget(), tu);
    const cancel = createCancel(inv.request);
    expect(cancel.method).toBe('CANCEL');
    expect(cancel.uri).toBe(inv.request.uri);
    for (const h of ['Call-ID', 'To', 'From']) expect(cancel.get(h)).toBe(inv.request.get(h));
    expect(cancel.cseq).toEqual({ seq: inv.request.cseq?.seq, method: 'CANCEL' });
    expect(cancel.getAll('Via')).toHaveLength(1);
    expect(cancel.topVia?.branch).toBe(inv.branch);
    expect(cancel.getAll('Route')).toEqual(inv.request.getAll('Route'));
    const tx = layer.request(cancel, peerTarget(), tu);
    transport.deliver(responseTo(tx.request as SipRequest, 200, 'OK', 'x'));
    expect(tx.state).toBe('Completed');
    expect(inv.state).toBe('Calling');
  });
});

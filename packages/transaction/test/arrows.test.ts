// The arrows out of Proceeding that the per-state files reach only from the first state.
import { createResponse } from '@sipkit/parser';
import { describe, expect, it } from 'vitest';
import type { NonInviteServerTransaction } from '../src/index.js';
import { ourRequest, peerTarget, requestFromPeer, responseTo, setup } from './helpers.js';

describe('Proceeding → Completed', () => {
  it('INVITE client: a 300-699 response in Proceeding is ACKed, passed up, and Completed (Figure 5)', () => {
    const { transport, tu, layer } = setup();
    const tx = layer.request(ourRequest(layer), peerTarget(), tu);
    transport.deliver(responseTo(tx.request, 180, 'Ringing', 't'));
    transport.deliver(responseTo(tx.request, 404, 'Not Found', 't'));
    expect(tx.state).toBe('Completed');
    expect(tu.statuses).toEqual([180, 404]);
    expect(transport.lines.at(-1)).toMatch(/^ACK /);
  });

  it('non-INVITE client: a final response in Proceeding is passed up, and Completed (Figure 6)', () => {
    const { clock, transport, tu, layer } = setup();
    const tx = layer.request(ourRequest(layer, 'OPTIONS'), peerTarget(), tu);
    transport.deliver(responseTo(tx.request, 100, 'Trying'));
    transport.deliver(responseTo(tx.request, 200, 'OK', 'x'));
    expect(tx.state).toBe('Completed');
    expect(tu.statuses).toEqual([100, 200]);
    const sent = transport.sent.length;
    clock.advance(5_000);
    expect(transport.sent.length).toBe(sent);
    expect(tx.state).toBe('Terminated');
  });

  it('non-INVITE server: a final response from the TU in Proceeding is sent, and Completed (Figure 8)', () => {
    const { transport, tu } = setup();
    transport.deliver(requestFromPeer());
    const { request, tx } = tu.requests[0] as { request: never; tx: NonInviteServerTransaction };
    tx.respond(createResponse(request, 100));
    tx.respond(createResponse(request, 202, { toTag: 'r' }));
    expect(tx.state).toBe('Completed');
    transport.deliver(requestFromPeer());
    expect(transport.lines).toEqual(['SIP/2.0 100 Trying', 'SIP/2.0 202 Accepted', 'SIP/2.0 202 Accepted']);
  });
});

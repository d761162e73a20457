// RFC 3261 §8.2.7: a TU that answers a request without a transaction (a stateless UAS).
import { createResponse, type SipRequest } from '@sipkit/parser';
import { describe, expect, it } from 'vitest';
import { inviteFromPeer, requestFromPeer, settle, setup } from './helpers.js';

function statelessSetup(answer: (request: SipRequest) => boolean) {
  const s = setup();
  const seen: SipRequest[] = [];
  s.tu.beforeTransaction = (request, from) => {
    seen.push(request);
    if (!answer(request)) return false;
    void s.layer.transport.sendResponse(createResponse(request, 401, { toTag: 'x' }), from);
    return true;
  };
  return { ...s, seen };
}

describe('beforeTransaction (§8.2.7)', () => {
  it('answers without a transaction, and answers a retransmission anew', async () => {
    const { transport, tu, layer, seen } = statelessSetup((r) => r.method === 'REGISTER');
    transport.deliver(requestFromPeer('REGISTER'));
    transport.deliver(requestFromPeer('REGISTER'));
    await settle();
    expect(seen).toHaveLength(2);
    expect(tu.requests).toHaveLength(0);
    expect(transport.lines).toEqual(['SIP/2.0 401 Unauthorized', 'SIP/2.0 401 Unauthorized']);
    expect(layer.counters.statelessAnswers).toBe(2);
    expect(layer.counters.serverStarted).toBe(0);
    expect(layer.size.server).toBe(0);
  });

  it('makes the transaction as usual when the TU says false', () => {
    const { transport, tu, layer, seen } = statelessSetup(() => false);
    transport.deliver(requestFromPeer('OPTIONS'));
    expect(seen).toHaveLength(1);
    expect(tu.requests).toHaveLength(1);
    expect(layer.size.server).toBe(1);
    expect(layer.counters.statelessAnswers).toBe(0);
  });

  it('is not asked about ACKs or retransmissions that match a transaction', () => {
    const { transport, tu, seen } = statelessSetup(() => false);
    tu.answer = (request, tx) => tx.respond(createResponse(request, 200, { toTag: 't' }));
    transport.deliver(requestFromPeer('OPTIONS'));
    transport.deliver(requestFromPeer('OPTIONS'));
    transport.deliver(inviteFromPeer());
    expect(seen.map((r) => r.method)).toEqual(['OPTIONS', 'INVITE']);
    expect(tu.requests).toHaveLength(2);
  });

  it('counts a TU that throws as a TU error and goes on with a transaction', () => {
    const { transport, tu, layer } = setup();
    tu.beforeTransaction = () => {
      throw new Error('boom');
    };
    transport.deliver(requestFromPeer('OPTIONS'));
    expect(layer.counters.tuErrors).toBe(1);
    expect(tu.requests).toHaveLength(1);
  });
});

// The "Transport Err. / Inform TU" arrows of RFC 3261 Figures 5–8 (§17.1.4, §17.2.4) in the states
// the other tests do not reach: failures are events to the TU, and the transaction ends.
import { createResponse } from '@sipkit/parser';
import { VirtualClock } from '@sipkit/testkit';
import { describe, expect, it } from 'vitest';
import { type InviteServerTransaction, type NonInviteServerTransaction, TransactionLayer } from '../src/index.js';
import {
  inviteFromPeer,
  ourRequest,
  peerTarget,
  requestFromPeer,
  responseTo,
  ScriptedTransport,
  settle,
  setup,
} from './helpers.js';

describe('transport errors reach the TU as events (§17.1.4, §17.2.4)', () => {
  it('INVITE client, Completed: the ACK cannot be sent → TU informed, Terminated', async () => {
    const { transport, tu, layer } = setup();
    const tx = layer.request(ourRequest(layer), peerTarget(), tu);
    await settle();
    transport.failWith = new Error('ENETUNREACH');
    transport.deliver(responseTo(tx.request, 486, 'Busy Here', 't'));
    await settle();
    expect(tu.statuses).toEqual([486]);
    expect(tu.failures.map((f) => f.error.code)).toEqual(['TRANSPORT']);
    expect(tx.state).toBe('Terminated');
    expect(layer.size.client).toBe(0);
  });

  it('non-INVITE client, Proceeding: a retransmission cannot be sent → TU informed, Terminated', async () => {
    const { clock, transport, tu, layer } = setup();
    const tx = layer.request(ourRequest(layer, 'OPTIONS'), peerTarget(), tu);
    transport.deliver(responseTo(tx.request, 100, 'Trying'));
    transport.failWith = new Error('ENOBUFS');
    clock.advance(500);
    await settle();
    expect(tu.failures.map((f) => f.error.code)).toEqual(['TRANSPORT']);
    expect(tx.state).toBe('Terminated');
  });

  it('INVITE server, Completed: a Timer G retransmission cannot be sent → TU informed, Terminated', async () => {
    const { clock, transport, tu, layer } = setup();
    transport.deliver(inviteFromPeer());
    const { request, tx } = tu.requests[0] as { request: never; tx: InviteServerTransaction };
    tx.respond(createResponse(request, 486, { toTag: 't' }));
    await settle();
    transport.failWith = new Error('EHOSTUNREACH');
    clock.advance(500);
    await settle();
    expect(tu.serverFailures.map((f) => f.error.code)).toEqual(['TRANSPORT']);
    expect(tx.state).toBe('Terminated');
    expect(layer.size).toEqual({ client: 0, server: 0, completed: 0, timers: 0 });
  });

  it('INVITE server, Accepted: a 2xx from the TU cannot be sent → TU informed; the transaction waits out Timer L', async () => {
    const { clock, transport, tu } = setup();
    transport.deliver(inviteFromPeer());
    const { request, tx } = tu.requests[0] as { request: never; tx: InviteServerTransaction };
    transport.failWith = new Error('EHOSTUNREACH');
    tx.respond(createResponse(request, 200, { toTag: 't' }));
    await settle();
    expect(tu.serverFailures.map((f) => f.error.code)).toEqual(['TRANSPORT']);
    expect(tx.state).toBe('Accepted');
    clock.advance(32_000);
    expect(tx.state).toBe('Terminated');
  });

  it('non-INVITE server, Proceeding: a provisional cannot be sent → TU informed, Terminated', async () => {
    const { transport, tu, layer } = setup();
    transport.deliver(requestFromPeer());
    const { request, tx } = tu.requests[0] as { request: never; tx: NonInviteServerTransaction };
    tx.respond(createResponse(request, 100));
    await settle();
    transport.failWith = new Error('EPIPE');
    tx.respond(createResponse(request, 183, { toTag: 'r' }));
    await settle();
    expect(tu.serverFailures.map((f) => f.error.code)).toEqual(['TRANSPORT']);
    expect(tx.state).toBe('Terminated');
    expect(layer.size.server).toBe(0);
  });

  it('non-INVITE server, Completed on UDP: a retransmitted final that cannot be sent ends the transaction', async () => {
    const { transport, tu, layer } = setup();
    transport.deliver(requestFromPeer());
    const { request, tx } = tu.requests[0] as { request: never; tx: NonInviteServerTransaction };
    tx.respond(createResponse(request, 200, { toTag: 'r' }));
    await settle();
    transport.failWith = new Error('EPERM');
    transport.deliver(requestFromPeer());
    await settle();
    expect(tx.state).toBe('Terminated');
    // Its ring slot is passed over when Timer J comes round.
    expect(layer.size).toMatchObject({ client: 0, server: 0, completed: 0 });
    expect(layer.counters.transportErrors).toBe(1);
  });

  it('a handler that throws is counted and reported to onError, and the transaction carries on', () => {
    const errors: unknown[] = [];
    const transport = new ScriptedTransport();
    const layer = new TransactionLayer({
      transports: [transport],
      clock: new VirtualClock(),
      tu: { onRequest() {} },
      onError: (e) => errors.push(e),
    });
    const tx = layer.request(ourRequest(layer, 'OPTIONS'), peerTarget(), {
      onResponse() {
        throw new Error('handler bug');
      },
    });
    transport.deliver(responseTo(tx.request, 200, 'OK', 'x'));
    expect(layer.counters.tuErrors).toBe(1);
    expect(errors.map((e) => (e as Error).message)).toEqual(['handler bug']);
    expect(tx.state).toBe('Completed');
  });
});

// RFC 3261 §17.2 server transactions, Figures 7 and 8, with RFC 6026's Accepted state.
import { createResponse, type SipRequest, type SipResponse, serialize } from '@sipkit/parser';
import { sip } from '@sipkit/testkit';
import { describe, expect, it } from 'vitest';
import type { InviteServerTransaction, NonInviteServerTransaction } from '../src/index.js';
import { ackFromPeer, collectGarbage, inviteFromPeer, PEER, requestFromPeer, settle, setup } from './helpers.js';

function invite(protocol: 'udp' | 'tcp' = 'udp') {
  const s = setup(protocol);
  s.transport.deliver(inviteFromPeer('z9hG4bK776asdhds', protocol.toUpperCase()));
  const got = s.tu.requests[0];
  if (got === undefined) throw new Error('the TU got no INVITE');
  return { ...s, request: got.request, tx: got.tx as InviteServerTransaction };
}

function nonInvite(protocol: 'udp' | 'tcp' = 'udp', method = 'OPTIONS') {
  const s = setup(protocol);
  s.transport.deliver(requestFromPeer(method, 'z9hG4bKnashds8', protocol.toUpperCase()));
  const got = s.tu.requests[0];
  if (got === undefined) throw new Error('the TU got no request');
  return { ...s, request: got.request, tx: got.tx as NonInviteServerTransaction };
}

function times(clock: { now(): number; advance(ms: number): void }, sent: unknown[], until: number): number[] {
  const out: number[] = [];
  let seen = sent.length;
  while (clock.now() < until) {
    clock.advance(50);
    while (sent.length > seen) {
      out.push(clock.now());
      seen++;
    }
  }
  return out;
}

describe('INVITE server transaction: Proceeding (§17.2.1)', () => {
  it('passes the INVITE to the TU in a new transaction in Proceeding', () => {
    const { tu, tx } = invite();
    expect(tu.requests).toHaveLength(1);
    expect(tx.kind).toBe('invite-server');
    expect(tx.state).toBe('Proceeding');
  });

  it('sends 100 Trying after 200 ms when the TU has not answered', () => {
    const { clock, transport } = invite();
    clock.advance(199);
    expect(transport.sent).toHaveLength(0);
    clock.advance(1);
    expect(transport.lines).toEqual(['SIP/2.0 100 Trying']);
    // §8.2.6.1: no To tag on the 100; it goes back to the source (rport/received rules).
    expect((transport.message(0) as SipResponse).to?.tag).toBeUndefined();
    expect(transport.sent[0]?.to).toEqual(PEER);
  });

  it('sends no 100 Trying of its own when the TU answers first', () => {
    const { clock, transport, request, tx } = invite();
    tx.respond(createResponse(request, 180, { toTag: 't' }));
    clock.advance(1000);
    expect(transport.lines).toEqual(['SIP/2.0 180 Ringing']);
  });

  it('absorbs a retransmitted INVITE and sends the latest provisional response again, without the TU', () => {
    const { transport, tu, request, tx } = invite();
    tx.respond(createResponse(request, 180, { toTag: 't' }));
    transport.deliver(inviteFromPeer());
    expect(tu.requests).toHaveLength(1);
    expect(transport.lines).toEqual(['SIP/2.0 180 Ringing', 'SIP/2.0 180 Ringing']);
  });

  it('answers a retransmitted INVITE with 100 Trying when the TU has sent nothing yet', () => {
    const { transport, tu } = invite();
    transport.deliver(inviteFromPeer());
    expect(tu.requests).toHaveLength(1);
    expect(transport.lines).toEqual(['SIP/2.0 100 Trying']);
  });

  it('informs the TU of a transport error and terminates', async () => {
    const { transport, tu, request, tx, layer } = invite();
    transport.failWith = new Error('EPIPE');
    tx.respond(createResponse(request, 180, { toTag: 't' }));
    await settle();
    expect(tu.serverFailures.map((f) => f.error.code)).toEqual(['TRANSPORT']);
    expect(tx.state).toBe('Terminated');
    expect(layer.size.server).toBe(0);
  });
});

describe('INVITE server transaction: non-2xx final (§17.2.1)', () => {
  it('sends a 300-699 response, enters Completed and retransmits it at T1, 2*T1 … capped at T2 until Timer H', () => {
    const { clock, transport, tu, request, tx, layer } = invite();
    tx.respond(createResponse(request, 486, { toTag: 't' }));
    expect(tx.state).toBe('Completed');
    const at = times(clock, transport.sent, 33_000);
    expect(at).toEqual([500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    expect(tu.serverFailures.map((f) => f.error.code)).toEqual(['NO_ACK']);
    expect(tx.state).toBe('Terminated');
    expect(layer.size).toEqual({ client: 0, server: 0, completed: 0, timers: 0 });
  });

  it('does not retransmit on a reliable transport; Timer H still fires', () => {
    const { clock, transport, tu, request, tx } = invite('tcp');
    tx.respond(createResponse(request, 486, { toTag: 't' }));
    clock.advance(32_000);
    expect(transport.sent).toHaveLength(1);
    expect(tu.serverFailures.map((f) => f.error.code)).toEqual(['NO_ACK']);
  });

  it('sends the final response again for a retransmitted INVITE in Completed', () => {
    const { transport, request, tx } = invite();
    tx.respond(createResponse(request, 404, { toTag: 't' }));
    transport.deliver(inviteFromPeer());
    expect(transport.lines).toEqual(['SIP/2.0 404 Not Found', 'SIP/2.0 404 Not Found']);
  });

  it('enters Confirmed on the ACK, stops Timer G, absorbs more ACKs and ends when Timer I (T4) fires', () => {
    const { clock, transport, tu, request, tx, layer } = invite();
    tx.respond(createResponse(request, 486, { toTag: 't' }));
    clock.advance(600);
    expect(transport.sent).toHaveLength(2);
    transport.deliver(ackFromPeer('t'));
    expect(tx.state).toBe('Confirmed');
    transport.deliver(ackFromPeer('t'));
    expect(tu.acks).toHaveLength(0);
    clock.advance(4_999);
    expect(tx.state).toBe('Confirmed');
    expect(transport.sent).toHaveLength(2);
    clock.advance(1);
    expect(tx.state).toBe('Terminated');
    expect(tu.serverFailures).toHaveLength(0);
    expect(layer.size.server).toBe(0);
  });

  it('ends at once on the ACK over a reliable transport (Timer I = 0)', () => {
    const { transport, request, tx } = invite('tcp');
    tx.respond(createResponse(request, 486, { toTag: 't' }));
    transport.deliver(ackFromPeer('t', 'z9hG4bK776asdhds', 'TCP'));
    expect(tx.state).toBe('Terminated');
  });

  it('discards a second final response from the TU', () => {
    const { transport, request, tx } = invite();
    expect(tx.respond(createResponse(request, 486, { toTag: 't' }))).toBe(true);
    expect(tx.respond(createResponse(request, 200, { toTag: 't' }))).toBe(false);
    expect(transport.lines).toEqual(['SIP/2.0 486 Busy Here']);
  });
});

describe('INVITE server transaction: 2xx and Accepted (RFC 6026 §8.7)', () => {
  it('sends a 2xx and enters Accepted, where retransmitted INVITEs are absorbed without a reply', () => {
    const { transport, tu, request, tx } = invite();
    tx.respond(createResponse(request, 200, { toTag: 't' }));
    expect(tx.state).toBe('Accepted');
    transport.deliver(inviteFromPeer());
    expect(transport.lines).toEqual(['SIP/2.0 200 OK']);
    expect(tu.requests).toHaveLength(1);
  });

  it('does not retransmit the 2xx itself, but sends the 2xx retransmissions the TU passes down', () => {
    const { clock, transport, request, tx } = invite();
    const ok = createResponse(request, 200, { toTag: 't' });
    tx.respond(ok);
    clock.advance(10_000);
    expect(transport.sent).toHaveLength(1);
    expect(tx.respond(ok)).toBe(true);
    expect(transport.lines).toEqual(['SIP/2.0 200 OK', 'SIP/2.0 200 OK']);
  });

  it('passes an ACK matching the transaction in Accepted to the TU', () => {
    const { transport, tu, request, tx } = invite();
    tx.respond(createResponse(request, 200, { toTag: 't' }));
    transport.deliver(ackFromPeer('t'));
    expect(tu.acks.map((a) => a.tx)).toEqual([tx]);
  });

  it('passes the ACK for a 2xx (a new branch, its own transaction) to the TU without a transaction', () => {
    const { transport, tu, request, tx } = invite();
    tx.respond(createResponse(request, 200, { toTag: 't' }));
    transport.deliver(ackFromPeer('t', 'z9hG4bKnewbranch'));
    expect(tu.acks.map((a) => a.tx)).toEqual([undefined]);
    expect(tx.state).toBe('Accepted');
  });

  it('keeps its request only as bytes in Accepted: the TU may let the object go, and `request` reads the same request again', async () => {
    const s = invite();
    const { tx, tu } = s;
    const wire = serialize(s.request);
    const held = new WeakRef(s.request);
    tx.respond(createResponse(s.request, 200, { toTag: 't' }));
    tu.requests.length = 0; // the TU lets go of the request
    (s as { request: SipRequest | undefined }).request = undefined;
    await collectGarbage();
    // Nothing in the layer holds the parsed INVITE any more: only its bytes are kept for 64*T1.
    expect(held.deref()).toBeUndefined();
    expect(serialize(tx.request)).toEqual(wire);
    expect(tx.request.callId).toBe('a84b4c76e66710@pc33.atlanta.example.com');
    expect(tx.state).toBe('Accepted');
  });

  it('20 s after its 2xx, with the request let go: absorbs the INVITE again, passes the ACK up, sends the 2xx the TU retransmits, and Timer L empties the table', async () => {
    const s = invite();
    const { clock, transport, tu, tx, layer } = s;
    const ok = serialize(createResponse(s.request, 200, { toTag: 't' }));
    tx.respond(createResponse(s.request, 200, { toTag: 't' }));
    tu.requests.length = 0;
    (s as { request: SipRequest | undefined }).request = undefined;
    await collectGarbage();
    clock.advance(20_000);
    transport.deliver(inviteFromPeer());
    expect(transport.lines).toEqual(['SIP/2.0 200 OK']);
    expect(tu.requests).toHaveLength(0);
    transport.deliver(ackFromPeer('t'));
    expect(tu.acks.map((a) => a.tx)).toEqual([tx]);
    expect(tx.respond(createResponse(tx.request, 200, { toTag: 't' }))).toBe(true);
    expect(transport.sent.map((m) => m.bytes)).toEqual([ok, ok]);
    expect(layer.size).toEqual({ client: 0, server: 1, completed: 0, timers: 1 });
    clock.advance(12_000);
    expect(tx.state).toBe('Terminated');
    expect(layer.size).toEqual({ client: 0, server: 0, completed: 0, timers: 0 });
    expect(layer.counters).toMatchObject({ serverStarted: 1, serverRetransmissions: 1, serverAcks: 1 });
  });

  it('matches an RFC 2543 INVITE retransmission in Accepted by the To of the request kept as bytes (§17.2.3)', async () => {
    const { clock, transport, tu, layer } = setup();
    const old = inviteFromPeer('old-style-branch');
    transport.deliver(old);
    const first = tu.requests[0];
    if (first === undefined) throw new Error('the TU got no INVITE');
    first.tx.respond(createResponse(first.request, 200, { toTag: 't' }));
    tu.requests.length = 0;
    await collectGarbage();
    clock.advance(10_000);
    transport.deliver(old);
    expect(tu.requests).toHaveLength(0);
    expect(layer.counters.serverRetransmissions).toBe(1);
    expect(transport.lines).toEqual(['SIP/2.0 200 OK']);
  });

  it('ends when Timer L fires (64*T1) and leaves the table empty', () => {
    const { clock, request, tx, layer, tu } = invite();
    tx.respond(createResponse(request, 200, { toTag: 't' }));
    clock.advance(31_999);
    expect(tx.state).toBe('Accepted');
    clock.advance(1);
    expect(tx.state).toBe('Terminated');
    expect(tu.terminated).toEqual([tx]);
    expect(layer.size).toEqual({ client: 0, server: 0, completed: 0, timers: 0 });
  });
});

describe('non-INVITE server transaction (§17.2.2)', () => {
  it('passes the request to the TU in Trying and absorbs retransmissions there without a reply', () => {
    const { transport, tu, tx } = nonInvite();
    expect(tx.state).toBe('Trying');
    transport.deliver(requestFromPeer());
    expect(tu.requests).toHaveLength(1);
    expect(transport.sent).toHaveLength(0);
  });

  it('sends a provisional response and enters Proceeding, answering retransmissions with it', () => {
    const { transport, request, tx } = nonInvite();
    tx.respond(createResponse(request, 100));
    expect(tx.state).toBe('Proceeding');
    transport.deliver(requestFromPeer());
    expect(transport.lines).toEqual(['SIP/2.0 100 Trying', 'SIP/2.0 100 Trying']);
  });

  it('sends a final response, enters Completed, answers retransmissions with it and ends when Timer J fires', () => {
    const { clock, transport, tu, request, tx, layer } = nonInvite();
    tx.respond(createResponse(request, 200, { toTag: 'r' }));
    expect(tx.state).toBe('Completed');
    expect(layer.size).toMatchObject({ server: 0, completed: 1 });
    transport.deliver(requestFromPeer());
    clock.advance(20_000);
    transport.deliver(requestFromPeer());
    expect(transport.lines).toEqual(['SIP/2.0 200 OK', 'SIP/2.0 200 OK', 'SIP/2.0 200 OK']);
    expect(transport.sent.map((s) => s.to)).toEqual([PEER, PEER, PEER]);
    // The bytes sent again are the bytes sent first.
    expect(transport.sent[2]?.text).toBe(transport.sent[0]?.text);
    expect(tu.requests).toHaveLength(1);
    expect(layer.counters.completedRetransmissions).toBe(2);
    clock.advance(11_999);
    expect(tx.state).toBe('Completed');
    clock.advance(1);
    expect(tx.state).toBe('Terminated');
    expect(layer.size).toEqual({ client: 0, server: 0, completed: 0, timers: 0 });
    // After Timer J the same request is new again.
    transport.deliver(requestFromPeer());
    expect(tu.requests).toHaveLength(2);
  });

  it('discards responses from the TU once Completed', () => {
    const { transport, request, tx } = nonInvite();
    expect(tx.respond(createResponse(request, 200, { toTag: 'r' }))).toBe(true);
    expect(tx.respond(createResponse(request, 500, { toTag: 'r' }))).toBe(false);
    expect(tx.respond(createResponse(request, 180, { toTag: 'r' }))).toBe(false);
    expect(transport.lines).toEqual(['SIP/2.0 200 OK']);
  });

  it('ends at once after the final response on a reliable transport (Timer J = 0)', () => {
    const { transport, request, tx, layer } = nonInvite('tcp');
    tx.respond(createResponse(request, 200, { toTag: 'r' }));
    expect(tx.state).toBe('Terminated');
    expect(layer.size).toEqual({ client: 0, server: 0, completed: 0, timers: 0 });
    expect(transport.sent[0]?.flow).toBe('flow-1');
  });

  it('informs the TU of a transport error and terminates', async () => {
    const { transport, tu, request, tx } = nonInvite('tcp');
    transport.failWith = new Error('ECONNRESET');
    tx.respond(createResponse(request, 180, { toTag: 'r' }));
    await settle();
    expect(tu.serverFailures.map((f) => f.error.code)).toEqual(['TRANSPORT']);
    expect(tx.state).toBe('Terminated');
  });

  it('ends a transaction the TU never answers after 64*T1, so the table cannot fill up', () => {
    const { clock, tu, tx, layer } = nonInvite();
    clock.advance(32_000);
    expect(tx.state).toBe('Terminated');
    expect(tu.serverFailures.map((f) => f.error.code)).toEqual(['TIMEOUT']);
    expect(layer.size).toEqual({ client: 0, server: 0, completed: 0, timers: 0 });
  });

  it('answers 500 for a TU that throws, and the transport layer counts the exception', () => {
    const { transport, tu, layer } = setup();
    tu.answer = () => {
      throw new Error('bug in the TU');
    };
    transport.deliver(requestFromPeer());
    expect(transport.lines).toEqual(['SIP/2.0 500 Server Internal Error']);
    expect(layer.transport.counters.receiverErrors).toBe(1);
  });
});

describe('server transaction matching (§17.2.3)', () => {
  it('matches on branch, sent-by and method: the same branch from another sent-by is a new transaction', () => {
    const { transport, tu } = setup();
    transport.deliver(requestFromPeer());
    transport.deliver(requestFromPeer().replace('192.0.2.2:5060;', '192.0.2.3:5060;'));
    expect(tu.requests).toHaveLength(2);
  });

  it('compares the sent-by host without case', () => {
    const { transport, tu } = setup();
    transport.deliver(requestFromPeer().replace('192.0.2.2:5060;', 'PC33.example.com:5060;'));
    transport.deliver(requestFromPeer().replace('192.0.2.2:5060;', 'pc33.EXAMPLE.com:5060;'));
    expect(tu.requests).toHaveLength(1);
  });

  it('gives a CANCEL its own transaction and finds the INVITE it cancels (§9.2)', () => {
    const { transport, tu, layer, tx } = invite();
    transport.deliver(
      inviteFromPeer().replace('INVITE sip:', 'CANCEL sip:').replace('CSeq: 314159 INVITE', 'CSeq: 314159 CANCEL'),
    );
    expect(tu.requests.map((r) => r.request.method)).toEqual(['INVITE', 'CANCEL']);
    const cancel = tu.requests[1];
    expect(cancel?.tx.kind).toBe('non-invite-server');
    expect(layer.findInviteServerTransaction(cancel?.request as SipRequest)).toBe(tx);
    // A CANCEL with another branch cancels nothing.
    const stray = sip.parse`
      CANCEL sip:bob@192.0.2.1 SIP/2.0
      Via: SIP/2.0/UDP 192.0.2.2:5060;branch=z9hG4bKother
      To: Bob <sip:bob@biloxi.example.com>
      From: Alice <sip:alice@atlanta.example.com>;tag=1928301774
      Call-ID: a84b4c76e66710@pc33.atlanta.example.com
      CSeq: 314159 CANCEL
      Content-Length: 0
    ` as SipRequest;
    expect(layer.findInviteServerTransaction(stray)).toBeUndefined();
  });

  it('falls back to the RFC 2543 rule for a branch without the magic cookie: retransmissions match, and the ACK matches by the To tag of the response', () => {
    const { clock, transport, tu } = setup();
    const old = inviteFromPeer('1234abcd');
    transport.deliver(old);
    transport.deliver(old);
    expect(tu.requests).toHaveLength(1);
    const { request, tx } = tu.requests[0] as { request: SipRequest; tx: InviteServerTransaction };
    tx.respond(createResponse(request, 486, { toTag: 'resp-tag' }));
    // An ACK with a different To tag is not this transaction's.
    transport.deliver(ackFromPeer('other-tag', '1234abcd'));
    expect(tx.state).toBe('Completed');
    expect(tu.acks).toHaveLength(1);
    transport.deliver(ackFromPeer('resp-tag', '1234abcd'));
    expect(tx.state).toBe('Confirmed');
    clock.advance(5000);
    expect(tx.state).toBe('Terminated');
  });

  it('treats an RFC 2543 request with another CSeq as a new transaction', () => {
    const { transport, tu } = setup();
    transport.deliver(requestFromPeer('OPTIONS', 'abc'));
    transport.deliver(requestFromPeer('OPTIONS', 'abc').replace('CSeq: 986759', 'CSeq: 986760'));
    expect(tu.requests).toHaveLength(2);
  });
});

describe('a request too malformed for a transaction (§8.2.6, §17.2.1)', () => {
  it('is answered 400 once, without a transaction, and never reaches the TU (a bad CSeq INVITE is not resent until Timer H)', async () => {
    const drops: string[] = [];
    const s = setup('udp', (d) => drops.push(`${d.reason} ${d.answered}`));
    s.transport.deliver(inviteFromPeer('z9hG4bKbadcseq', 'UDP').replace(/CSeq: [^\r]*/, 'CSeq: one INVITE'));
    s.transport.deliver(
      requestFromPeer('OPTIONS', 'z9hG4bKmismatch', 'UDP').replace(/CSeq: (\d+) OPTIONS/, 'CSeq: $1 INFO'),
    );
    await settle();
    s.clock.advance(40_000);
    await settle();
    expect(s.tu.requests).toHaveLength(0);
    expect(s.transport.lines).toEqual([
      expect.stringMatching(/^SIP\/2\.0 400 Bad Request \(/),
      'SIP/2.0 400 Bad Request (CSeq method is not the request method)',
    ]);
    expect(s.layer.counters.malformedRequests).toBe(2);
    expect(drops).toEqual(['malformed true', 'malformed true']);
    expect(s.layer.size).toEqual({ client: 0, server: 0, completed: 0, timers: 0 });
  });
});

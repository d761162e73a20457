// RFC 3261 §17.1 client transactions, Figures 5 and 6, with RFC 6026's Accepted state.

import { parseMessage, type SipRequest } from '@sipkit/parser';
import { describe, expect, it } from 'vitest';
import { TransactionLayer } from '../src/index.js';
import { ourRequest, peerTarget, responseTo, settle, setup } from './helpers.js';

/** Times (ms after the start) at which the transport was asked to send. */
function sendTimes(
  clock: { now(): number },
  transport: { sent: unknown[] },
  until: number,
  step: number,
  advance: (ms: number) => void,
) {
  const times: number[] = [];
  let seen = transport.sent.length;
  while (clock.now() < until) {
    advance(step);
    while (transport.sent.length > seen) {
      times.push(clock.now());
      seen++;
    }
  }
  return times;
}

describe('INVITE client transaction: Calling (§17.1.1.2)', () => {
  it('retransmits the very bytes it first sent, whatever octets the body holds', () => {
    const { clock, transport, tu, layer } = setup();
    const head = new TextEncoder().encode(
      [
        'INVITE sip:bob@peer.example.com SIP/2.0',
        `Via: SIP/2.0/UDP 192.0.2.1:5060;branch=${layer.newBranch()}`,
        'Max-Forwards: 70',
        'To: <sip:bob@peer.example.com>',
        'From: <sip:alice@192.0.2.1>;tag=b8',
        'Call-ID: octets@192.0.2.1',
        'CSeq: 1 INVITE',
        'Content-Type: application/octet-stream',
        'Content-Length: 256',
        '',
        '',
      ].join('\r\n'),
    );
    const bytes = new Uint8Array(head.length + 256);
    bytes.set(head);
    for (let i = 0; i < 256; i++) bytes[head.length + i] = i;
    layer.request(parseMessage(bytes) as SipRequest, peerTarget(), tu);
    clock.advance(500);
    expect(transport.sent).toHaveLength(2);
    expect(transport.sent[1]?.bytes).toEqual(transport.sent[0]?.bytes);
    expect(Array.from(transport.sent[1]?.bytes.subarray(-256) ?? [])).toEqual(Array.from({ length: 256 }, (_, i) => i));
  });

  it('passes the INVITE to the transport and retransmits it at T1, 2*T1, 4*T1 … until Timer B fires at 64*T1', async () => {
    const { clock, transport, tu, layer } = setup();
    const tx = layer.request(ourRequest(layer), peerTarget(), tu);
    expect(tx.state).toBe('Calling');
    expect(transport.lines).toEqual(['INVITE sip:bob@peer.example.com SIP/2.0']);
    const times = sendTimes(clock, transport, 40_000, 100, (ms) => clock.advance(ms));
    // Timer A doubles without a cap: 500, 1500, 3500, 7500, 15500, 31500 ms.
    expect(times).toEqual([500, 1500, 3500, 7500, 15500, 31500]);
    expect(tu.failures.map((f) => f.error.code)).toEqual(['TIMEOUT']);
    expect(tx.state).toBe('Terminated');
    expect(layer.size).toEqual({ client: 0, server: 0, completed: 0, timers: 0 });
    await settle();
  });

  it('reports Timer B at exactly 64*T1 with the timeout event, not an exception', () => {
    const { clock, tu, layer } = setup();
    layer.request(ourRequest(layer), peerTarget(), tu);
    clock.advance(31_999);
    expect(tu.failures).toHaveLength(0);
    clock.advance(1);
    expect(tu.failures).toHaveLength(1);
    expect(tu.failures[0]?.error.name).toBe('TransactionError');
    expect(layer.counters.timeouts).toBe(1);
  });

  it('does not start Timer A on a reliable transport, but Timer B still fires', () => {
    const { clock, transport, tu, layer } = setup('tcp');
    layer.request(ourRequest(layer), peerTarget('tcp'), tu);
    clock.advance(31_999);
    expect(transport.sent).toHaveLength(1);
    clock.advance(1);
    expect(tu.failures.map((f) => f.error.code)).toEqual(['TIMEOUT']);
  });

  it('uses the configured T1: with T1 = 100 ms it retransmits at 100, 300, 700 ms and times out at 6.4 s', () => {
    const { clock, transport, tu } = setup();
    const layer = new TransactionLayer({ transports: [transport], tu, clock, timers: { t1: 100 } });
    layer.request(ourRequest(layer), peerTarget(), tu);
    const times = sendTimes(clock, transport, 7000, 50, (ms) => clock.advance(ms));
    expect(times.slice(0, 3)).toEqual([100, 300, 700]);
    expect(tu.failures[0]?.error.code).toBe('TIMEOUT');
    expect(clock.now()).toBeGreaterThanOrEqual(6400);
  });

  it('goes to Proceeding on a provisional response, passes it up and stops retransmitting (no Timer B there)', () => {
    const { clock, transport, tu, layer } = setup();
    const req = ourRequest(layer);
    const tx = layer.request(req, peerTarget(), tu);
    clock.advance(600);
    expect(transport.sent).toHaveLength(2);
    transport.deliver(responseTo(req, 180, 'Ringing', 'b1'));
    expect(tx.state).toBe('Proceeding');
    expect(tu.statuses).toEqual([180]);
    clock.advance(120_000);
    expect(transport.sent).toHaveLength(2);
    expect(tu.failures).toHaveLength(0);
    expect(tx.state).toBe('Proceeding');
  });

  it('passes every further provisional response up in Proceeding', () => {
    const { transport, tu, layer } = setup();
    const req = ourRequest(layer);
    layer.request(req, peerTarget(), tu);
    transport.deliver(responseTo(req, 100, 'Trying'));
    transport.deliver(responseTo(req, 180, 'Ringing', 'b1'));
    transport.deliver(responseTo(req, 183, 'Session Progress', 'b1'));
    expect(tu.statuses).toEqual([100, 180, 183]);
  });
});

describe('INVITE client transaction: final responses (§17.1.1.2, §17.1.1.3, RFC 6026 §8.4)', () => {
  function acked(req: SipRequest, status: number) {
    const s = setup();
    const tx = s.layer.request(req, peerTarget(), s.tu);
    s.transport.deliver(responseTo(tx.request, status, 'Busy Here', 'uas-tag'));
    return { ...s, tx };
  }

  it('answers a 300-699 response with an ACK, passes it up and enters Completed', () => {
    const { transport, tu, tx, layer } = acked(ourRequest(setup().layer), 486);
    expect(tx.state).toBe('Completed');
    expect(tu.statuses).toEqual([486]);
    expect(transport.lines.at(-1)).toBe('ACK sip:bob@peer.example.com SIP/2.0');
    void layer;
  });

  it('builds the ACK from the INVITE (Request-URI, Call-ID, From, CSeq number, top Via, Route) and the response To (§17.1.1.3)', () => {
    const { transport, tx } = acked(ourRequest(setup().layer), 486);
    const ack = transport.message(-1) as SipRequest;
    const inv = tx.request;
    expect(ack.method).toBe('ACK');
    expect(ack.uri).toBe(inv.uri);
    expect(ack.callId).toBe(inv.callId);
    expect(ack.get('From')).toBe(inv.get('From'));
    expect(ack.cseq).toEqual({ seq: inv.cseq?.seq, method: 'ACK' });
    expect(ack.getAll('Via')).toHaveLength(1);
    expect(ack.topVia?.branch).toBe(tx.branch);
    expect(ack.getAll('Route')).toEqual(inv.getAll('Route'));
    expect(ack.to?.tag).toBe('uas-tag');
    // It goes where the INVITE went.
    expect(transport.sent.at(-1)?.to).toEqual(transport.sent[0]?.to);
  });

  it('answers retransmissions of the final response in Completed with the ACK again, without passing them up', () => {
    const { transport, tu, tx } = acked(ourRequest(setup().layer), 486);
    const before = transport.sent.length;
    transport.deliver(responseTo(tx.request, 486, 'Busy Here', 'uas-tag'));
    transport.deliver(responseTo(tx.request, 486, 'Busy Here', 'uas-tag'));
    expect(transport.sent.length).toBe(before + 2);
    expect(transport.lines.slice(-2)).toEqual([
      'ACK sip:bob@peer.example.com SIP/2.0',
      'ACK sip:bob@peer.example.com SIP/2.0',
    ]);
    expect(tu.statuses).toEqual([486]);
  });

  it('leaves Completed when Timer D fires (32 s on UDP)', () => {
    const { clock, tx, layer } = acked(ourRequest(setup().layer), 486);
    clock.advance(31_999);
    expect(tx.state).toBe('Completed');
    clock.advance(1);
    expect(tx.state).toBe('Terminated');
    expect(layer.size.client).toBe(0);
  });

  it('sets Timer D to 0 on a reliable transport: Completed ends at once', () => {
    const { clock, transport, tu, layer } = setup('tcp');
    const req = ourRequest(layer);
    const tx = layer.request(req, peerTarget('tcp'), tu);
    transport.deliver(responseTo(tx.request, 603, 'Decline', 't'));
    expect(transport.lines.at(-1)).toMatch(/^ACK /);
    expect(tx.state).toBe('Terminated');
    expect(layer.size).toEqual({ client: 0, server: 0, completed: 0, timers: 0 });
    void clock;
  });

  it('passes a 2xx up and enters Accepted instead of Terminated (RFC 6026 §8.4), sending no ACK itself', () => {
    const { transport, tu, layer } = setup();
    const req = ourRequest(layer);
    const tx = layer.request(req, peerTarget(), tu);
    transport.deliver(responseTo(tx.request, 200, 'OK', 'b1'));
    expect(tx.state).toBe('Accepted');
    expect(tu.statuses).toEqual([200]);
    expect(transport.lines.filter((l) => l.startsWith('ACK'))).toEqual([]);
  });

  it('passes 2xx retransmissions and 2xx from other forks up in Accepted, and drops other responses', () => {
    const { transport, tu, layer } = setup();
    const tx = layer.request(ourRequest(layer), peerTarget(), tu);
    transport.deliver(responseTo(tx.request, 180, 'Ringing', 'b1'));
    transport.deliver(responseTo(tx.request, 200, 'OK', 'b1'));
    transport.deliver(responseTo(tx.request, 200, 'OK', 'b1'));
    transport.deliver(responseTo(tx.request, 200, 'OK', 'b2'));
    transport.deliver(responseTo(tx.request, 180, 'Ringing', 'b3'));
    transport.deliver(responseTo(tx.request, 486, 'Busy Here', 'b4'));
    expect(tu.statuses).toEqual([180, 200, 200, 200]);
  });

  it('leaves Accepted when Timer M fires (64*T1), and the table is empty', () => {
    const { clock, transport, tu, layer } = setup();
    const tx = layer.request(ourRequest(layer), peerTarget(), tu);
    transport.deliver(responseTo(tx.request, 200, 'OK', 'b1'));
    clock.advance(31_999);
    expect(tx.state).toBe('Accepted');
    clock.advance(1);
    expect(tx.state).toBe('Terminated');
    expect(tu.terminated).toEqual([tx]);
    expect(layer.size).toEqual({ client: 0, server: 0, completed: 0, timers: 0 });
    // After Timer M a 2xx matches nothing: it goes to the TU as a stray response.
    transport.deliver(responseTo(tx.request, 200, 'OK', 'b1'));
    expect(tu.stray.map((r) => r.status)).toEqual([200]);
  });

  it('informs the TU of a transport error and terminates (§17.1.4)', async () => {
    const { transport, tu, layer } = setup();
    transport.failWith = new Error('ECONNREFUSED');
    const tx = layer.request(ourRequest(layer), peerTarget(), tu);
    await settle();
    expect(tu.failures.map((f) => f.error.code)).toEqual(['TRANSPORT']);
    expect(tu.failures[0]?.error.cause).toBe(transport.failWith);
    expect(tx.state).toBe('Terminated');
    expect(layer.size.client).toBe(0);
  });

  it('reports a request with no transport to send it on as a TRANSPORT failure, not an exception', async () => {
    const { tu, layer } = setup();
    const tx = layer.request(ourRequest(layer), { ...peerTarget(), protocol: 'tls' }, tu);
    expect(tx.state).toBe('Terminated');
    await settle();
    expect(tu.failures.map((f) => f.error.code)).toEqual(['TRANSPORT']);
  });
});

describe('non-INVITE client transaction (§17.1.2.2)', () => {
  it('retransmits at T1, then doubling up to T2 (500, 1500, 3500, 7500, 11500 …) until Timer F', () => {
    const { clock, transport, tu, layer } = setup();
    layer.request(ourRequest(layer, 'OPTIONS'), peerTarget(), tu);
    const times = sendTimes(clock, transport, 33_000, 100, (ms) => clock.advance(ms));
    expect(times).toEqual([500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    expect(tu.failures.map((f) => f.error.code)).toEqual(['TIMEOUT']);
    expect(layer.size).toEqual({ client: 0, server: 0, completed: 0, timers: 0 });
  });

  it('does not retransmit on a reliable transport; Timer F still fires', () => {
    const { clock, transport, tu, layer } = setup('tcp');
    layer.request(ourRequest(layer, 'REGISTER'), peerTarget('tcp'), tu);
    clock.advance(32_000);
    expect(transport.sent).toHaveLength(1);
    expect(tu.failures.map((f) => f.error.code)).toEqual(['TIMEOUT']);
  });

  it('goes to Proceeding on a provisional response and then retransmits every T2', () => {
    const { clock, transport, tu, layer } = setup();
    const tx = layer.request(ourRequest(layer, 'OPTIONS'), peerTarget(), tu);
    clock.advance(600); // one retransmission at 500; Timer E is now 1000 ms
    transport.deliver(responseTo(tx.request, 100, 'Trying'));
    expect(tx.state).toBe('Proceeding');
    const times = sendTimes(clock, transport, 14_000, 100, (ms) => clock.advance(ms));
    // The running Timer E fires at 1500; from then on it is reset to T2 (4 s).
    expect(times).toEqual([1500, 5500, 9500, 13500]);
  });

  it('passes a final response up, enters Completed and absorbs retransmissions of it until Timer K (T4)', () => {
    const { clock, transport, tu, layer } = setup();
    const tx = layer.request(ourRequest(layer, 'OPTIONS'), peerTarget(), tu);
    transport.deliver(responseTo(tx.request, 200, 'OK', 'x'));
    expect(tx.state).toBe('Completed');
    transport.deliver(responseTo(tx.request, 200, 'OK', 'x'));
    expect(tu.statuses).toEqual([200]);
    clock.advance(60_000);
    expect(transport.sent).toHaveLength(1); // no retransmission after the final response
    expect(tx.state).toBe('Terminated');
    expect(layer.size.client).toBe(0);
  });

  it('ends Completed at once on a reliable transport (Timer K = 0)', () => {
    const { transport, tu, layer } = setup('tcp');
    const tx = layer.request(ourRequest(layer, 'BYE'), peerTarget('tcp'), tu);
    transport.deliver(responseTo(tx.request, 481, 'Call/Transaction Does Not Exist', 'x'));
    expect(tu.statuses).toEqual([481]);
    expect(tx.state).toBe('Terminated');
  });

  it('terminates after Timer K exactly T4 after the final response', () => {
    const { clock, transport, tu, layer } = setup();
    const tx = layer.request(ourRequest(layer, 'OPTIONS'), peerTarget(), tu);
    clock.advance(100);
    transport.deliver(responseTo(tx.request, 404, 'Not Found', 'x'));
    clock.advance(4_999);
    expect(tx.state).toBe('Completed');
    clock.advance(1);
    expect(tx.state).toBe('Terminated');
  });

  it('informs the TU of a transport error on a retransmission and terminates', async () => {
    const { clock, transport, tu, layer } = setup();
    const tx = layer.request(ourRequest(layer, 'OPTIONS'), peerTarget(), tu);
    transport.failWith = new Error('EHOSTUNREACH');
    clock.advance(500);
    await settle();
    expect(tu.failures.map((f) => f.error.code)).toEqual(['TRANSPORT']);
    expect(tx.state).toBe('Terminated');
  });
});

describe('client transaction matching (§17.1.3)', () => {
  it('matches on the top Via branch and the CSeq method: a 200 to a CANCEL does not reach the INVITE transaction', () => {
    const { transport, tu, layer } = setup();
    const inv = layer.request(ourRequest(layer), peerTarget(), tu);
    const cancelReq = ourRequest(layer, 'CANCEL', inv.branch);
    const cancel = layer.request(cancelReq, peerTarget(), tu);
    transport.deliver(responseTo(cancel.request, 200, 'OK', 'c'));
    expect(tu.responses.map((r) => [r.response.status, r.tx.kind])).toEqual([[200, 'non-invite-client']]);
    expect(inv.state).toBe('Calling');
    expect(cancel.state).toBe('Completed');
  });

  it('hands a response with an unknown branch to onStrayResponse', () => {
    const { transport, tu, layer } = setup();
    const other = ourRequest(layer, 'OPTIONS');
    transport.deliver(responseTo(other, 200, 'OK', 'z'));
    expect(tu.stray).toHaveLength(1);
    expect(layer.counters.strayResponses).toBe(1);
  });

  it('refuses an ACK, a request without a magic-cookie branch, and a branch already in use', () => {
    const { tu, layer } = setup();
    expect(() => layer.request(ourRequest(layer, 'ACK'), peerTarget(), tu)).toThrow(/ACK/);
    expect(() => layer.request(ourRequest(layer, 'OPTIONS', 'abc'), peerTarget(), tu)).toThrow(/z9hG4bK/);
    const b = layer.newBranch();
    layer.request(ourRequest(layer, 'OPTIONS', b), peerTarget(), tu);
    expect(() => layer.request(ourRequest(layer, 'OPTIONS', b), peerTarget(), tu)).toThrow(/already running/);
  });

  it('makes unique magic-cookie branches', () => {
    const { layer } = setup();
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) seen.add(layer.newBranch());
    expect(seen.size).toBe(1000);
    for (const b of seen) expect(b.startsWith('z9hG4bK')).toBe(true);
  });
});

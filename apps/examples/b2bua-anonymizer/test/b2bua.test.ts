// The anonymizing B2BUA between two real user agents, on the virtual network and on UDP.
import { type IncomingCall, UserAgent } from '@sipkit/dialog';
import type { SipRequest, SipResponse } from '@sipkit/parser';
import { VirtualClock, VirtualNetwork } from '@sipkit/testkit';
import { udpTransport } from '@sipkit/transport-node';
import { describe, expect, it } from 'vitest';
import { anonymizer } from '../src/b2bua.js';

const OFFER = 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';
const ANSWER = 'v=0\r\no=- 2 2 IN IP4 192.0.2.2\r\ns=-\r\nc=IN IP4 192.0.2.2\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\n';
const text = (b: Uint8Array | string | undefined) => (typeof b === 'string' ? b : new TextDecoder().decode(b));

function setup() {
  const clock = new VirtualClock();
  const network = new VirtualNetwork({ clock, link: { delay: 5 } });
  const b2bua = anonymizer({ transports: [network.endpoint({ address: '10.0.0.5', port: 5060 })], clock });
  const alice = new UserAgent({
    transports: [network.endpoint({ address: '10.0.1.1', port: 5060 })],
    aor: 'sip:alice@atlanta.example.com',
    displayName: 'Alice Secret',
    outboundRoute: ['<sip:10.0.0.5:5060;lr>'],
    clock,
  });
  const bob = new UserAgent({
    transports: [network.endpoint({ address: '10.0.2.2', port: 5060 })],
    aor: 'sip:bob@10.0.2.2',
    clock,
  });
  const bobCalls: IncomingCall[] = [];
  bob.on('invite', (c) => bobCalls.push(c));
  const call = () => alice.invite('sip:bob@10.0.2.2', { body: OFFER, headers: [['User-Agent', 'AliceSoft/1.0']] });
  return { clock, network, b2bua, alice, bob, bobCalls, call };
}

describe('an anonymizing B2BUA (RFC 3323)', () => {
  it('gives the callee an INVITE with no header value from the caller, only the SDP, and bridges the call', async () => {
    const { clock, b2bua, bob, bobCalls, call } = setup();
    bob.on('invite', (c) => {
      c.ring();
      c.accept({ body: ANSWER });
    });
    const out = call();
    const progress: number[] = [];
    out.on('progress', (r) => progress.push(r.status));
    await clock.advanceAsync(200);
    const sent = out.invite;
    const got = bobCalls[0]?.invite as SipRequest;
    // What the caller's INVITE gives away, none of which may reach the callee.
    const secrets = [
      'alice',
      'atlanta',
      '10.0.1.1',
      'AliceSoft',
      sent.callId ?? '?',
      sent.from?.tag ?? '?',
      sent.topVia?.branch ?? '?',
    ];
    for (const f of got.fields()) {
      for (const s of secrets) expect(`${f.name}: ${f.value}`.toLowerCase()).not.toContain(s.toLowerCase());
    }
    expect(got.get('From')).toMatch(/^"Anonymous" <sip:anonymous@anonymous\.invalid>;tag=/);
    expect(got.callId).not.toBe(sent.callId);
    expect(got.getValues('Contact')).toEqual(['<sip:anonymous@10.0.0.5:5060>']);
    expect(got.vias.map((v) => v.host)).toEqual(['10.0.0.5']);
    expect(got.has('User-Agent')).toBe(false);
    expect(got.has('Record-Route')).toBe(false);
    expect(text(got.body)).toBe(OFFER);
    expect(got.get('Content-Type')).toBe('application/sdp');
    // The caller heard the ringing and got the callee's answer.
    expect(progress).toContain(180);
    expect(out.state).toBe('established');
    expect(text(out.remoteBody)).toBe(ANSWER);
    expect(bobCalls[0]?.state).toBe('established');
    // BYE from the caller ends the callee's leg too.
    const ended: string[] = [];
    bobCalls[0]?.on('ended', (r) => ended.push(r));
    const bye = out.bye();
    await clock.advanceAsync(200);
    expect((await bye).status).toBe(200);
    expect(ended).toEqual(['bye']);
    expect(b2bua.dialogCount).toBe(0);
  });

  it('ends the caller leg when the callee hangs up', async () => {
    const { clock, network, b2bua, bob, bobCalls, call } = setup();
    bob.on('invite', (c) => c.accept({ body: ANSWER }));
    const out = call();
    const ended: string[] = [];
    out.on('ended', (r) => ended.push(r));
    await clock.advanceAsync(200);
    expect(out.state).toBe('established');
    network.clearTrace();
    const bye = bobCalls[0]?.bye();
    await clock.advanceAsync(200);
    expect((await bye)?.status).toBe(200);
    expect(ended).toEqual(['bye']);
    const byes = network.trace.filter((t) => t.label === 'BYE').map((t) => `${t.from}>${t.to}`);
    expect(byes).toEqual(['10.0.2.2:5060>10.0.0.5:5060', '10.0.0.5:5060>10.0.1.1:5060']);
    expect(b2bua.dialogCount).toBe(0);
  });

  it("ends the callee's leg with 487 when the caller cancels (§9.2)", async () => {
    const { clock, network, bob, bobCalls, call } = setup();
    bob.on('invite', (c) => c.ring());
    const out = call();
    const failed: number[] = [];
    out.on('failed', (r) => failed.push((r as SipResponse).status));
    await clock.advanceAsync(200);
    expect(bobCalls[0]?.state).toBe('early');
    const bobEnded: string[] = [];
    bobCalls[0]?.on('ended', (r) => bobEnded.push(r));
    out.cancel();
    await clock.advanceAsync(200);
    expect(bobEnded).toEqual(['cancel']);
    expect(failed).toEqual([487]);
    const labels = network.trace.map((t) => `${t.label} ${t.from}>${t.to}`);
    expect(labels).toContain('CANCEL 10.0.0.5:5060>10.0.2.2:5060');
    expect(labels).toContain('487 Request Terminated 10.0.2.2:5060>10.0.0.5:5060');
    expect(labels).toContain('487 Request Terminated 10.0.0.5:5060>10.0.1.1:5060');
  });

  it("passes the callee's refusal back to the caller", async () => {
    const { clock, bob, call } = setup();
    bob.on('invite', (c) => c.reject(486));
    const out = call();
    const failed: number[] = [];
    out.on('failed', (r) => failed.push((r as SipResponse).status));
    await clock.advanceAsync(200);
    expect(failed).toEqual([486]);
  });
});

describe('the B2BUA on UDP 127.0.0.1', () => {
  it('bridges an anonymous call between two user agents on real sockets', async () => {
    const [tb2b, ta, tb] = await Promise.all([0, 1, 2].map(() => udpTransport({ host: '127.0.0.1', port: 0 })));
    if (tb2b === undefined || ta === undefined || tb === undefined) throw new Error('no sockets');
    const b2bua = anonymizer({ transports: [tb2b], target: () => `sip:bob@127.0.0.1:${tb.local.port}` });
    const alice = new UserAgent({ transports: [ta], aor: 'sip:alice@127.0.0.1', displayName: 'Alice' });
    const bob = new UserAgent({ transports: [tb], aor: 'sip:bob@127.0.0.1' });
    const incoming = new Promise<IncomingCall>((resolve) =>
      bob.on('invite', (c) => {
        c.accept({ body: ANSWER });
        resolve(c);
      }),
    );
    try {
      const out = alice.invite(`sip:bob@127.0.0.1:${tb2b.local.port}`, { body: OFFER });
      await new Promise((resolve, reject) => {
        out.on('established', resolve);
        out.on('failed', reject);
      });
      const leg = await incoming;
      expect(leg.invite.get('From')).toMatch(/^"Anonymous" <sip:anonymous@anonymous\.invalid>/);
      expect(leg.invite.callId).not.toBe(out.invite.callId);
      expect(text(out.remoteBody)).toBe(ANSWER);
      const ended = new Promise((resolve) => leg.on('ended', resolve));
      expect((await out.bye()).status).toBe(200);
      expect(await ended).toBe('bye');
    } finally {
      await Promise.all([b2bua.close(), alice.close(), bob.close()]);
    }
  });
});

// Mid-call requests: re-INVITE (§14) with hold, glare (491 and the §14.1 back-off), UPDATE
// (RFC 3311) and INFO (RFC 6086), on the virtual network.
import type { SipRequest } from '@sipkit/parser';
import { VirtualClock, VirtualNetwork } from '@sipkit/testkit';
import { describe, expect, it } from 'vitest';
import { type IncomingCall, type OutgoingCall, UserAgent } from '../src/index.js';

const offer = (who: string, dir = 'sendrecv') =>
  `v=0\r\no=${who} 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0\r\na=${dir}\r\n`;
const text = (b: Uint8Array | undefined) => (b === undefined ? '' : new TextDecoder().decode(b));

async function established(link = { delay: 10 }) {
  const clock = new VirtualClock();
  const network = new VirtualNetwork({ clock, link });
  const alice = new UserAgent({
    transports: [network.endpoint({ address: '10.0.0.1', port: 5060 })],
    aor: 'sip:alice@10.0.0.1',
    clock,
  });
  const bob = new UserAgent({
    transports: [network.endpoint({ address: '10.0.0.2', port: 5060 })],
    aor: 'sip:bob@10.0.0.2',
    clock,
  });
  let inc: IncomingCall | undefined;
  bob.on('invite', (c) => {
    inc = c;
    c.accept({ body: offer('bob') });
  });
  const out = alice.invite('sip:bob@10.0.0.2', { body: offer('alice') });
  await clock.advanceAsync(100);
  if (inc === undefined || out.state !== 'established') throw new Error('no call');
  network.clearTrace();
  return { clock, network, alice, bob, out: out as OutgoingCall, inc };
}

async function run<T>(clock: VirtualClock, p: Promise<T>, ms = 100): Promise<T> {
  await clock.advanceAsync(ms);
  return p;
}

describe('re-INVITE (§14)', () => {
  it('puts the call on hold: a sendonly offer, the peer answers, the ACK confirms; both sides keep the new bodies', async () => {
    const { clock, network, out, inc } = await established();
    const offers: string[] = [];
    inc.on('offer', (req: SipRequest, answer) => {
      offers.push(text(req.body));
      answer(offer('bob', 'recvonly'));
    });
    const res = await run(clock, out.reinvite({ body: offer('alice', 'sendonly') }));
    expect(res.status).toBe(200);
    expect(offers).toEqual([offer('alice', 'sendonly')]);
    expect(text(out.remoteBody)).toContain('a=recvonly');
    expect(inc.localBody).toContain('a=recvonly');
    expect(network.trace.map((t) => t.label)).toEqual(['INVITE', '200 OK', 'ACK']);
    // The 2xx is not retransmitted after the ACK.
    await clock.advanceAsync(5_000);
    expect(network.trace.filter((t) => t.label === '200 OK')).toHaveLength(1);
  });

  it('works from the callee too, and answers with the last body when nobody listens', async () => {
    const { clock, out, inc } = await established();
    const res = await run(clock, inc.reinvite({ body: offer('bob', 'inactive') }));
    expect(res.status).toBe(200);
    expect(text(res.body)).toBe(offer('alice'));
    expect(text(out.remoteBody)).toContain('a=inactive');
  });

  it('resolves glare: both re-INVITE at once, both get 491, each retries after its §14.1 back-off, and both succeed', async () => {
    const { clock, network, out, inc } = await established();
    const a = out.reinvite({ body: offer('alice', 'sendonly') });
    const b = inc.reinvite({ body: offer('bob', 'sendonly') });
    await clock.advanceAsync(100);
    expect(network.trace.filter((t) => t.label === '491 Request Pending')).toHaveLength(2);
    await clock.advanceAsync(5_000);
    const [ra, rb] = await Promise.all([a, b]);
    expect([ra.status, rb.status]).toEqual([200, 200]);
    // Bob (not the Call-ID's owner) waited at most 2 s; Alice 2.1–4 s: Bob's retry went first.
    const invites = network.trace.filter((t) => t.label === 'INVITE');
    expect(invites).toHaveLength(4);
    expect(invites[2]?.from).toBe('10.0.0.2:5060');
    expect(invites[3]?.from).toBe('10.0.0.1:5060');
    expect((invites[3]?.time ?? 0) - (invites[0]?.time ?? 0)).toBeGreaterThanOrEqual(2100);
  });

  it('answers a second re-INVITE before the first is answered with 500 and Retry-After (§14.2)', async () => {
    const { clock, network, out, inc } = await established();
    inc.on('offer', () => {
      // Bob takes his time: no answer yet.
    });
    void out.reinvite({ body: offer('alice', 'sendonly') });
    await clock.advanceAsync(50);
    // A second re-INVITE from Alice's side, bypassing the UA's own pending check.
    const d = out.dialog;
    if (d === undefined) throw new Error('no dialog');
    const second = (out as unknown as { _ua: UserAgent })._ua._reinvite(out, d, { body: offer('alice') }, false);
    const res = await run(clock, second);
    expect(res.status).toBe(500);
    expect(res.get('Retry-After')).toMatch(/^\d+$/);
    void network;
  });
});

describe('UPDATE (RFC 3311) and INFO (RFC 6086)', () => {
  it('passes an UPDATE offer to the callee and returns its answer in the 200', async () => {
    const { clock, out, inc } = await established();
    inc.on('offer', (req: SipRequest, answer) => {
      expect(req.method).toBe('UPDATE');
      answer(offer('bob', 'sendonly'));
    });
    const res = await run(clock, out.update({ body: offer('alice', 'recvonly') }));
    expect(res.status).toBe(200);
    expect(text(out.remoteBody)).toContain('a=sendonly');
    expect(text(inc.remoteBody)).toContain('a=recvonly');
  });

  it('delivers INFO to the other side with its Info-Package', async () => {
    const { clock, out, inc } = await established();
    const got: string[] = [];
    inc.on('info', (req: SipRequest) => got.push(`${req.get('Info-Package')}: ${text(req.body)}`));
    const res = await run(clock, out.info({ infoPackage: 'dtmf', contentType: 'application/dtmf', body: 'Signal=5' }));
    expect(res.status).toBe(200);
    expect(got).toEqual(['dtmf: Signal=5']);
  });
});

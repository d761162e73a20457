// RFC 3665-style call flows between two user agents on the testkit's virtual network.
import type { SipRequest, SipResponse } from '@sipkit/parser';
import { type LinkConditions, VirtualClock, VirtualNetwork, withLadder } from '@sipkit/testkit';
import { describe, expect, it } from 'vitest';
import { type IncomingCall, UserAgent } from '../src/index.js';

function pair(link: LinkConditions = { delay: 10 }, seed = 1) {
  const clock = new VirtualClock();
  const network = new VirtualNetwork({ clock, seed, link });
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
  const incoming: IncomingCall[] = [];
  bob.on('invite', (call) => incoming.push(call));
  return { clock, network, alice, bob, incoming };
}

const empty = { client: 0, server: 0, completed: 0, timers: 0 };
const SDP = 'v=0\r\no=alice 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0\r\n';

describe('a successful call (RFC 3665 §3.1 without proxies)', () => {
  it('INVITE, 180, 200, ACK, then BYE and 200: both sides see the call, then nothing is left', async () => {
    const { clock, network, alice, bob, incoming } = pair();
    await withLadder(network, async () => {
      const call = alice.invite('sip:bob@10.0.0.2', { body: SDP });
      const seen: string[] = [];
      call.on('progress', (r) => seen.push(`progress ${r.status}`));
      call.on('established', (r) => seen.push(`established ${(r as SipResponse).status}`));
      await clock.advanceAsync(50);
      const inc = incoming[0] as IncomingCall;
      expect(new TextDecoder().decode(inc.invite.body)).toBe(SDP);
      inc.ring();
      await clock.advanceAsync(50);
      let acked = false;
      inc.on('established', (m) => {
        acked = (m as SipRequest).method === 'ACK';
      });
      inc.accept({ body: SDP.replace(/alice/g, 'bob') });
      await clock.advanceAsync(50);
      expect(seen).toEqual(['progress 180', 'established 200']);
      expect(acked).toBe(true);
      expect(call.state).toBe('established');
      expect(inc.state).toBe('established');
      expect(call.dialog?.id.remoteTag).toBe(inc.dialog?.id.localTag);
      const ended: string[] = [];
      inc.on('ended', (r) => ended.push(r));
      const bye = call.bye();
      await clock.advanceAsync(50);
      expect((await bye).status).toBe(200);
      expect(ended).toEqual(['bye']);
      await clock.runUntilIdleAsync();
      expect([alice.dialogCount, bob.dialogCount]).toEqual([0, 0]);
      expect(alice.layer.size).toEqual(empty);
      expect(bob.layer.size).toEqual(empty);
      const flow = network.trace.map((t) => t.label);
      // Bob rang within 200 ms, so his INVITE transaction sent no 100 Trying of its own.
      expect(flow).toEqual(['INVITE', '180 Ringing', '200 OK', 'ACK', 'BYE', '200 OK']);
    });
  });
});

describe('a busy callee (RFC 3665 §3.2)', () => {
  it('486 ends the call on both sides, with the ACK sent by the INVITE transaction', async () => {
    const { clock, network, alice, incoming } = pair();
    const call = alice.invite('sip:bob@10.0.0.2');
    const failed: number[] = [];
    call.on('failed', (r) => failed.push((r as SipResponse).status));
    await clock.advanceAsync(50);
    (incoming[0] as IncomingCall).reject(486);
    await clock.runUntilIdleAsync();
    expect(failed).toEqual([486]);
    expect(call.state).toBe('terminated');
    expect(network.trace.map((t) => t.label)).toEqual(['INVITE', '486 Busy Here', 'ACK']);
  });
});

describe('no answer: CANCEL (RFC 3665 §3.8, RFC 3261 §9)', () => {
  it('CANCEL after the 180 gets 200, and the INVITE gets 487; both calls end as cancelled', async () => {
    const { clock, network, alice, incoming } = pair();
    const call = alice.invite('sip:bob@10.0.0.2');
    await clock.advanceAsync(50);
    const inc = incoming[0] as IncomingCall;
    inc.ring();
    await clock.advanceAsync(50);
    const ended: string[] = [];
    inc.on('ended', (r) => ended.push(`bob ${r}`));
    call.on('ended', (r) => ended.push(`alice ${r}`));
    call.cancel();
    await clock.runUntilIdleAsync();
    expect(ended.sort()).toEqual(['alice cancel', 'bob cancel']);
    expect(network.trace.map((t) => t.label)).toEqual([
      'INVITE',
      '180 Ringing',
      'CANCEL',
      '200 OK',
      '487 Request Terminated',
      'ACK',
    ]);
  });

  it('holds a CANCEL asked for before any provisional response until one arrives (§9.1)', async () => {
    const { clock, network, alice, incoming } = pair({ delay: 100 });
    const call = alice.invite('sip:bob@10.0.0.2');
    call.cancel();
    await clock.advanceAsync(50);
    expect(network.trace.map((t) => t.label)).toEqual(['INVITE']);
    await clock.advanceAsync(400);
    // Bob's INVITE transaction sent 100 Trying at 300 ms (200 ms after the INVITE arrived); it
    // reached Alice at 400 ms, and then the CANCEL went.
    expect(network.trace.map((t) => t.label).slice(0, 3)).toEqual(['INVITE', '100 Trying', 'CANCEL']);
    await clock.runUntilIdleAsync();
    expect(incoming[0]?.state).toBe('terminated');
  });
});

describe('the 2xx and its ACK (§13.3.1.4, §13.2.2.4)', () => {
  it('retransmits the 2xx over a lossy link until the ACK gets through, and the call is set up', async () => {
    const { clock, network, alice, incoming } = pair({ delay: 10, loss: 0.5 }, 11);
    await withLadder(network, async () => {
      const call = alice.invite('sip:bob@10.0.0.2');
      for (let i = 0; i < 100 && incoming.length === 0; i++) await clock.advanceAsync(100);
      const inc = incoming[0] as IncomingCall;
      inc.accept();
      let bobUp = false;
      inc.on('established', () => {
        bobUp = true;
      });
      for (let i = 0; i < 400 && !(bobUp && call.state === 'established'); i++) await clock.advanceAsync(100);
      expect(call.state).toBe('established');
      expect(bobUp).toBe(true);
      expect(network.counters.lost).toBeGreaterThan(0);
    });
  });

  it('ends the call with BYE when no ACK comes within 64*T1', async () => {
    const { clock, network, alice, incoming } = pair();
    alice.invite('sip:bob@10.0.0.2');
    await clock.advanceAsync(50);
    const inc = incoming[0] as IncomingCall;
    // From now on nothing from Alice reaches Bob: no ACK.
    network.link('10.0.0.1:5060', '10.0.0.2:5060', { loss: 1 });
    const ended: string[] = [];
    inc.on('ended', (r) => ended.push(r));
    inc.accept();
    await clock.advanceAsync(31_000);
    expect(ended).toEqual([]);
    await clock.advanceAsync(2_000);
    expect(ended).toEqual(['no-ack']);
    // The BYE goes at 64*T1 (and is retransmitted: Alice's answers cannot reach Bob).
    const byes = network.trace.filter((t) => t.from === '10.0.0.2:5060' && t.label === 'BYE');
    expect(byes[0]?.time).toBe(32_050);
    const okCount = network.trace.filter((t) => t.label === '200 OK' && t.from === '10.0.0.2:5060').length;
    // 0, 0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5 s: eleven copies.
    expect(okCount).toBe(11);
  });
});

describe('requests outside calls', () => {
  it('answers OPTIONS with its capabilities (§11.2)', async () => {
    const { clock, alice } = pair();
    const p = alice.request('OPTIONS', 'sip:bob@10.0.0.2');
    await clock.advanceAsync(50);
    const res = await p;
    expect(res.status).toBe(200);
    expect(res.allow).toContain('INVITE');
  });

  it('delivers MESSAGE (RFC 3428) and answers 200', async () => {
    const { clock, alice, bob } = pair();
    const got: string[] = [];
    bob.on('message', (m) => got.push(new TextDecoder().decode(m.body)));
    const p = alice.request('MESSAGE', 'sip:bob@10.0.0.2', {
      headers: [['Content-Type', 'text/plain']],
      body: 'Watson, come here.',
    });
    await clock.advanceAsync(50);
    expect((await p).status).toBe(200);
    expect(got).toEqual(['Watson, come here.']);
  });

  it('answers a method it does not allow with 405 and Allow, and an unknown dialog with 481', async () => {
    const { clock, alice } = pair();
    const p = alice.request('SUBSCRIBE', 'sip:bob@10.0.0.2');
    await clock.advanceAsync(50);
    const res = await p;
    expect(res.status).toBe(405);
    expect(res.get('Allow')).toContain('INVITE');
    const q = alice.request('BYE', 'sip:bob@10.0.0.2');
    await clock.advanceAsync(50);
    expect((await q).status).toBe(481);
  });

  it('reports a request nobody answers as a timeout', async () => {
    const { clock, network, alice } = pair();
    network.link('10.0.0.1:5060', '10.0.0.2:5060', { loss: 1 });
    const p = alice.request('OPTIONS', 'sip:bob@10.0.0.2');
    const settled = p.then(
      () => 'answered',
      (e: { code: string }) => e.code,
    );
    await clock.advanceAsync(33_000);
    expect(await settled).toBe('TIMEOUT');
  });
});

describe('a user agent on a stream transport', () => {
  it('says so in its Contact, so a BYE from the peer comes back over TCP (§19.1.1)', async () => {
    const clock = new VirtualClock();
    const network = new VirtualNetwork({ clock, link: { delay: 5 } });
    const ua = (name: string, address: string) =>
      new UserAgent({
        transports: [network.endpoint({ address, port: 5060, protocol: 'tcp' })],
        aor: `sip:${name}@${address}`,
        clock,
      });
    const alice = ua('alice', '10.0.0.1');
    const bob = ua('bob', '10.0.0.2');
    expect(alice.contact).toBe('sip:alice@10.0.0.1:5060;transport=tcp');
    const incoming: IncomingCall[] = [];
    bob.on('invite', (c) => {
      incoming.push(c);
      c.accept();
    });
    const call = alice.invite('sip:bob@10.0.0.2;transport=tcp');
    const ended: string[] = [];
    call.on('ended', (r) => ended.push(r));
    await clock.advanceAsync(100);
    expect(call.state).toBe('established');
    // bob hangs up: the BYE goes to alice's Contact, which names TCP, the only way to reach her.
    const pending = (incoming[0] as IncomingCall).bye();
    await clock.advanceAsync(100);
    expect((await pending).status).toBe(200);
    expect(ended).toEqual(['bye']);
    expect(network.trace.filter((t) => t.label === 'BYE').map((t) => t.protocol)).toEqual(['tcp']);
  });
});

describe('a 2xx retransmitted after the caller hung up', () => {
  it('is ACKed again and does not bring the call back (§13.2.2.4)', async () => {
    const { clock, network, alice, incoming } = pair({ delay: 10 });
    const call = alice.invite('sip:bob@10.0.0.2');
    const events: string[] = [];
    call.on('established', () => events.push('established'));
    call.on('ended', (r) => events.push(`ended ${r}`));
    await clock.advanceAsync(30);
    // alice's ACK will be lost: bob keeps retransmitting his 200 (Timer G) while alice hangs up.
    const a = { address: '10.0.0.1', port: 5060 };
    const b = { address: '10.0.0.2', port: 5060 };
    network.link(a, b, { delay: 10, loss: 1 });
    (incoming[0] as IncomingCall).accept();
    await clock.advanceAsync(30);
    expect(call.state).toBe('established');
    void call.bye().catch(() => undefined);
    await clock.advanceAsync(5);
    network.link(a, b, { delay: 10 });
    await clock.advanceAsync(2_000);
    expect(call.state).toBe('terminated');
    expect(events).toEqual(['established', 'ended bye']);
    // The 200s that reached alice after the hang-up got their ACK, and bob stopped resending.
    expect(network.trace.filter((t) => t.label === 'ACK' && t.fate === 'delivered').length).toBeGreaterThan(0);
    const oks = network.trace.filter((t) => t.label === '200 OK' && t.from === '10.0.0.2:5060');
    expect(oks.at(-1)?.time ?? 0).toBeLessThan(1_000);
  });
});

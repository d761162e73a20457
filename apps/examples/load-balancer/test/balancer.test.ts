// The stateless load balancer in front of three user agents, on the virtual network and on UDP.
import { type IncomingCall, type OutgoingCall, UserAgent } from '@sipkit/dialog';
import { parseMessage, type SipResponse } from '@sipkit/parser';
import { sip, type TraceRecord, VirtualClock, VirtualNetwork } from '@sipkit/testkit';
import { udpTransport } from '@sipkit/transport-node';
import { describe, expect, it } from 'vitest';
import { loadBalancer } from '../src/balancer.js';

const LB = '10.0.0.10:5060';
const TARGETS = ['10.0.2.1:5060', '10.0.2.2:5060', '10.0.2.3:5060'];
const branchOf = (t: TraceRecord) => /branch ([^\]\s,]+)/.exec(t.summary)?.[1];

function setup(link: { loss?: number } = {}) {
  const clock = new VirtualClock();
  const network = new VirtualNetwork({ clock, seed: 3, link: { delay: 5 } });
  const lb = loadBalancer({
    transports: [network.endpoint({ address: '10.0.0.10', port: 5060 })],
    targets: TARGETS,
    interval: 10_000,
    timeout: 4000,
    clock,
  });
  const servers = TARGETS.map((t) => {
    const ua = new UserAgent({
      transports: [network.endpoint({ address: t.split(':')[0] ?? '', port: 5060 })],
      aor: `sip:svc@${t}`,
      clock,
      sessionExpires: 0,
    });
    const calls: IncomingCall[] = [];
    ua.on('invite', (c) => {
      calls.push(c);
      c.accept({ body: 'v=0\r\n' });
    });
    return { ua, calls, address: t };
  });
  const caller = new UserAgent({
    transports: [network.endpoint({ address: '10.0.1.1', port: 5060 })],
    aor: 'sip:alice@10.0.1.1',
    clock,
    sessionExpires: 0,
  });
  if (link.loss !== undefined) {
    network.link('10.0.1.1:5060', LB, { delay: 5, loss: link.loss });
    network.link(LB, '10.0.1.1:5060', { delay: 5, loss: link.loss });
  }
  /** Which server took each call (by Call-ID). */
  const servedBy = () => {
    const by = new Map<string, string>();
    for (const s of servers) for (const c of s.calls) by.set(c.invite.callId ?? '', s.address);
    return by;
  };
  return { clock, network, lb, servers, caller, servedBy };
}

describe('a stateless load balancer (RFC 3261 §16.11)', () => {
  it('spreads new calls by Call-ID, keeps each call and its retransmissions on one target, and routes BYE by Record-Route', async () => {
    // 30% loss between the caller and the balancer: INVITEs reach the balancer again.
    const { clock, network, servers, caller, servedBy } = setup({ loss: 0.3 });
    const calls: OutgoingCall[] = [];
    for (let i = 0; i < 30; i++) calls.push(caller.invite('sip:svc@10.0.0.10'));
    await clock.advanceAsync(20_000);
    expect(calls.every((c) => c.state === 'established')).toBe(true);
    const by = servedBy();
    expect(by.size).toBe(30);
    // Every target got some calls, and each call once (its retransmissions were absorbed there).
    for (const s of servers) expect(s.calls.length).toBeGreaterThan(3);
    expect(servers.reduce((n, s) => n + s.calls.length, 0)).toBe(30);
    const fromLb = network.trace.filter(
      (t) => t.from === LB && t.callId !== undefined && !t.label.startsWith('OPTIONS'),
    );
    const forwarded = fromLb.filter((t) => t.label === 'INVITE').length;
    expect(forwarded).toBeGreaterThan(30);
    for (const [callId, target] of by) {
      // Requests of this call went to its one target, with one branch per upstream transaction.
      const invites = fromLb.filter((t) => t.callId === callId && t.label === 'INVITE');
      expect(new Set(invites.map((t) => t.to))).toEqual(new Set([target]));
      expect(new Set(invites.map(branchOf)).size).toBe(1);
    }
    // The callee saw the balancer's Record-Route and Max-Forwards one lower.
    const first = servers.flatMap((s) => s.calls)[0];
    expect(first?.invite.getValues('Record-Route')).toEqual([`<sip:${LB};lr>`]);
    expect(first?.invite.maxForwards).toBe(69);
    // §16.12: hang up half from each side; every BYE goes through the balancer to the other end.
    network.clearTrace();
    const byes = calls.map((c, i) => {
      if (i % 2 === 0) return c.bye();
      const incoming = servers.flatMap((s) => s.calls).find((x) => x.invite.callId === c.invite.callId);
      return (incoming as IncomingCall).bye();
    });
    await clock.advanceAsync(20_000);
    expect((await Promise.all(byes)).every((r) => r.status === 200)).toBe(true);
    const byeHops = network.trace.filter((t) => t.label === 'BYE' && t.fate === 'delivered');
    for (const [callId, target] of by) {
      const hops = new Set(byeHops.filter((t) => t.callId === callId).map((t) => `${t.from}>${t.to}`));
      expect([...hops].some((h) => h.endsWith(`>${LB}`))).toBe(true);
      expect([...hops].some((h) => h === `${LB}>${target}` || h === `${LB}>10.0.1.1:5060`)).toBe(true);
    }
  });

  it('forwards a retransmission and its CANCEL with the same branch to the same target, and answers 483 at Max-Forwards 0', async () => {
    const { clock, network } = setup();
    const raw = network.endpoint({ address: '10.0.1.9', port: 5060 });
    const got: SipResponse[] = [];
    raw.listen((e) => e.type === 'message' && e.bytes !== undefined && got.push(parseMessage(e.bytes) as SipResponse));
    const request = (method: string, maxForwards: number) => sip.bytes`
      ${method} sip:svc@10.0.0.10 SIP/2.0
      Via: SIP/2.0/UDP 10.0.1.9:5060;branch=z9hG4bK.raw1
      Max-Forwards: ${String(maxForwards)}
      To: <sip:svc@10.0.0.10>
      From: <sip:raw@10.0.1.9>;tag=r1
      Call-ID: raw-call-1
      CSeq: 1 ${method}
      Contact: <sip:raw@10.0.1.9:5060>
      Content-Length: auto
    `;
    network.clearTrace();
    await raw.send(request('INVITE', 5), { address: '10.0.0.10', port: 5060 });
    await clock.advanceAsync(1);
    await raw.send(request('INVITE', 5), { address: '10.0.0.10', port: 5060 });
    await raw.send(request('CANCEL', 5), { address: '10.0.0.10', port: 5060 });
    await clock.advanceAsync(100);
    const out = network.trace.filter((t) => t.from === LB && t.callId === 'raw-call-1' && !t.label.startsWith('SIP'));
    const requests = out.filter((t) => t.label === 'INVITE' || t.label === 'CANCEL');
    expect(requests.map((t) => t.label)).toEqual(['INVITE', 'INVITE', 'CANCEL']);
    expect(new Set(requests.map((t) => t.to)).size).toBe(1);
    expect(new Set(requests.map(branchOf)).size).toBe(1);
    expect(branchOf(requests[0] as TraceRecord)).not.toBe('z9hG4bK.raw1');
    // The responses came back by Via to the raw endpoint.
    expect(got.some((r) => r.status === 200 && r.cseq?.method === 'INVITE')).toBe(true);
    // §16.3 step 3: nothing more to forward at 0.
    got.length = 0;
    await raw.send(request('OPTIONS', 0), { address: '10.0.0.10', port: 5060 });
    await clock.advanceAsync(50);
    expect(got.map((r) => r.status)).toEqual([483]);
  });

  it('takes a target out when it stops answering OPTIONS and puts it back when it answers again', async () => {
    const { clock, network, lb, caller, servers, servedBy } = setup();
    const call = (n: number) => {
      for (let i = 0; i < n; i++) caller.invite('sip:svc@10.0.0.10');
    };
    await clock.advanceAsync(1000);
    expect(lb.healthy()).toEqual(TARGETS);
    network.setDown(TARGETS[1] as string);
    // The next check at 10 s goes unanswered until its 4 s timeout.
    await clock.advanceAsync(12_900);
    expect(lb.healthy()).toEqual(TARGETS);
    await clock.advanceAsync(200);
    expect(lb.healthy()).toEqual([TARGETS[0], TARGETS[2]]);
    const pings = network.trace.filter((t) => t.label === 'OPTIONS' && t.to === TARGETS[1] && t.time > 10_000);
    expect(pings.length).toBeGreaterThan(1); // retransmitted at T1, 2·T1 … (Timer E)
    call(20);
    await clock.advanceAsync(1000);
    expect(servedBy().size).toBe(20);
    expect(servers[1]?.calls.length).toBe(0);
    expect(servers[0]?.calls.length).toBeGreaterThan(0);
    expect(servers[2]?.calls.length).toBeGreaterThan(0);
    // Back up: the check at 20 s is answered and the target is in service again.
    network.setDown(TARGETS[1] as string, false);
    await clock.advanceAsync(6000);
    expect(lb.healthy()).toEqual(TARGETS);
    call(20);
    await clock.advanceAsync(1000);
    expect(servedBy().size).toBe(40);
    expect(servers[1]?.calls.length).toBeGreaterThan(0);
    await lb.close();
  });
});

describe('the load balancer on UDP 127.0.0.1', () => {
  it('spreads calls over three real user agents and takes a closed one out after a health check', async () => {
    const sockets = await Promise.all([0, 1, 2, 3, 4].map(() => udpTransport({ host: '127.0.0.1', port: 0 })));
    const [tl, tc, ...tt] = sockets;
    if (tl === undefined || tc === undefined) throw new Error('no sockets');
    const targets = tt.map((t) => `127.0.0.1:${t.local.port}`);
    const lb = loadBalancer({ transports: [tl], targets, interval: 300, timeout: 200 });
    const seen = targets.map(() => 0);
    const servers = tt.map((t, i) => {
      const ua = new UserAgent({ transports: [t], aor: `sip:svc@127.0.0.1:${t.local.port}`, sessionExpires: 0 });
      ua.on('invite', (c) => {
        seen[i] = (seen[i] ?? 0) + 1;
        c.accept();
      });
      return ua;
    });
    const caller = new UserAgent({ transports: [tc], aor: 'sip:alice@127.0.0.1', sessionExpires: 0 });
    const established = (c: OutgoingCall) =>
      new Promise<string>((resolve) => {
        c.on('established', () => resolve('ok'));
        c.on('failed', () => resolve('failed'));
      });
    const until = async (ok: () => boolean) => {
      for (let i = 0; i < 100 && !ok(); i++) await new Promise((r) => setTimeout(r, 20));
      return ok();
    };
    try {
      // Call-IDs are random, so is the spread: 12 calls leave a target without one about once in
      // 40 runs. Batches of 12 until each target has had a call, at most five (60 calls: about
      // once in 10^10 runs would still miss one).
      const calls: OutgoingCall[] = [];
      for (let batch = 0; batch < 5 && !seen.every((n) => n > 0); batch++) {
        const more = Array.from({ length: 12 }, () => caller.invite(`sip:svc@127.0.0.1:${tl.local.port}`));
        expect(await Promise.all(more.map(established))).toEqual(more.map(() => 'ok'));
        calls.push(...more);
      }
      expect(seen.every((n) => n > 0)).toBe(true);
      await Promise.all(calls.map((c) => c.bye()));
      await servers[0]?.close();
      expect(await until(() => lb.healthy().length === 2)).toBe(true);
      expect(lb.healthy()).toEqual(targets.slice(1));
      const before = seen[0];
      const more = Array.from({ length: 6 }, () => caller.invite(`sip:svc@127.0.0.1:${tl.local.port}`));
      expect(await Promise.all(more.map(established))).toEqual(more.map(() => 'ok'));
      expect(seen[0]).toBe(before);
    } finally {
      await Promise.all([lb.close(), caller.close(), ...servers.slice(1).map((s) => s.close())]);
    }
  });
});

import { parseMessage } from '@sipkit/parser';
import { TransportError, type TransportEvent } from '@sipkit/transport';
import { describe, expect, it } from 'vitest';
import {
  type LinkConditions,
  sip,
  VirtualClock,
  type VirtualEndpoint,
  VirtualNetwork,
  type VirtualNetworkOptions,
} from '../src/index.js';

function options(n: number, method = 'OPTIONS'): Uint8Array {
  return sip.bytes`
    ${method} sip:bob@192.0.2.2 SIP/2.0
    Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-${n}
    Max-Forwards: 70
    To: <sip:bob@192.0.2.2>
    From: <sip:alice@192.0.2.1>;tag=a1
    Call-ID: call-${n}
    CSeq: ${n + 1} ${method}
    Content-Length: 0
  `;
}

function callIdOf(e: TransportEvent): string | undefined {
  return e.type === 'message' && e.bytes !== undefined ? parseMessage(e.bytes).callId : undefined;
}

function setup(opts: Omit<VirtualNetworkOptions, 'clock'> = {}, protocol: 'udp' | 'tcp' = 'udp') {
  const clock = new VirtualClock();
  const net = new VirtualNetwork({ clock, ...opts });
  const alice = net.endpoint({ address: '192.0.2.1', port: 5060, protocol });
  const bob = net.endpoint({ address: '192.0.2.2', port: 5060, protocol });
  const atBob: { time: number; event: TransportEvent }[] = [];
  const atAlice: { time: number; event: TransportEvent }[] = [];
  bob.listen((event) => atBob.push({ time: clock.now(), event }));
  alice.listen((event) => atAlice.push({ time: clock.now(), event }));
  return { clock, net, alice, bob, atBob, atAlice };
}

/** Sends `count` messages, one every `every` ms, and runs the clock dry. */
async function burst(from: VirtualEndpoint, to: VirtualEndpoint, clock: VirtualClock, count: number, every = 1) {
  for (let i = 0; i < count; i++) {
    await from.send(options(i), to.local);
    clock.advance(every);
  }
  clock.runUntilIdle();
}

describe('VirtualNetwork: datagrams (UDP)', () => {
  it('delivers after the link delay, with a copy of the bytes and the sender as source', async () => {
    const { clock, alice, bob, atBob } = setup({ link: { delay: 25 } });
    const bytes = options(1);
    expect(await alice.send(bytes, bob.local)).toBeUndefined();
    bytes.fill(0); // the sender's buffer is its own again
    clock.advance(24);
    expect(atBob).toHaveLength(0);
    clock.advance(1);
    expect(atBob).toHaveLength(1);
    const [{ time, event }] = atBob as [{ time: number; event: TransportEvent }];
    expect(time).toBe(25);
    expect(event.type).toBe('message');
    expect(event.source).toEqual({ address: '192.0.2.1', port: 5060 });
    expect(event.flow).toBeUndefined();
    expect(callIdOf(event)).toBe('call-1');
    expect(alice.reliable).toBe(false);
    expect(alice.framed).toBe(true);
    expect(alice.local).toEqual({ address: '192.0.2.1', port: 5060 });
  });

  it('replays exactly with the same seed and the same sends, and differs with another seed', async () => {
    const conditions: LinkConditions = { loss: 0.2, delay: 20, jitter: 15, duplicate: 0.1, reorder: 0.2 };
    const run = async (seed: number) => {
      const { clock, net, alice, bob, atBob } = setup({ seed, link: conditions });
      await burst(alice, bob, clock, 200, 3);
      return { trace: JSON.stringify(net.trace), arrivals: atBob.map((a) => `${a.time}:${callIdOf(a.event)}`) };
    };
    const a = await run(7);
    const b = await run(7);
    const c = await run(8);
    expect(b.trace).toBe(a.trace);
    expect(b.arrivals).toEqual(a.arrivals);
    expect(c.trace).not.toBe(a.trace);
    expect(c.arrivals).not.toEqual(a.arrivals);
  });

  it('loses close to the configured fraction of datagrams', async () => {
    const { clock, net, alice, bob, atBob } = setup({ seed: 99, link: { loss: 0.3 } });
    await burst(alice, bob, clock, 2000, 0);
    const lost = net.trace.filter((r) => r.fate === 'lost');
    // Binomial(2000, 0.3): σ ≈ 20.5, so ±100 is about 5σ.
    expect(lost.length).toBeGreaterThan(500);
    expect(lost.length).toBeLessThan(700);
    expect(lost.every((r) => r.reason === 'loss' && r.deliveredAt.length === 0)).toBe(true);
    expect(atBob.length).toBe(2000 - lost.length);
    expect(net.counters).toEqual({ sent: 2000, delivered: 2000 - lost.length, lost: lost.length, duplicated: 0 });
  });

  it('delivers a duplicated datagram twice, the copy after the original', async () => {
    const { clock, net, alice, bob, atBob } = setup({ seed: 3, link: { duplicate: 0.25, delay: 10, jitter: 5 } });
    await burst(alice, bob, clock, 400);
    const dups = net.trace.filter((r) => r.fate === 'duplicated');
    expect(dups.length).toBeGreaterThan(60);
    expect(dups.length).toBeLessThan(140);
    for (const r of dups) {
      expect(r.deliveredAt).toHaveLength(2);
      expect(r.deliveredAt[1] as number).toBeGreaterThan(r.deliveredAt[0] as number);
    }
    expect(atBob.length).toBe(400 + dups.length);
    expect(net.counters.duplicated).toBe(dups.length);
    const ids = atBob.map((a) => callIdOf(a.event));
    expect(new Set(ids).size).toBe(400);
  });

  it('keeps order without jitter or reordering, and lets later datagrams overtake held-back ones with reordering', async () => {
    const plain = setup({ link: { delay: 10 } });
    await burst(plain.alice, plain.bob, plain.clock, 100);
    const order = plain.atBob.map((a) => callIdOf(a.event));
    expect(order).toEqual(Array.from({ length: 100 }, (_, i) => `call-${i}`));

    const shuffled = setup({ seed: 5, link: { delay: 10, reorder: 0.3 } });
    await burst(shuffled.alice, shuffled.bob, shuffled.clock, 100);
    const got = shuffled.atBob.map((a) => Number(callIdOf(a.event)?.slice(5)));
    expect(got).toHaveLength(100);
    expect([...got].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    let overtaken = 0;
    for (let i = 1; i < got.length; i++) if ((got[i] as number) < (got[i - 1] as number)) overtaken++;
    expect(overtaken).toBeGreaterThan(5);
    // Held back by at most the window (4 × delay by default).
    for (const r of shuffled.net.trace) expect((r.deliveredAt[0] as number) - r.time).toBeLessThanOrEqual(50);
  });

  it('draws jitter uniformly within delay..delay+jitter', async () => {
    const { clock, net, alice, bob } = setup({ seed: 11, link: { delay: 40, jitter: 20 } });
    await burst(alice, bob, clock, 300, 0);
    const lags = net.trace.map((r) => (r.deliveredAt[0] as number) - r.time);
    expect(Math.min(...lags)).toBeGreaterThanOrEqual(40);
    expect(Math.max(...lags)).toBeLessThanOrEqual(60);
    expect(Math.max(...lags) - Math.min(...lags)).toBeGreaterThan(15);
  });

  it('applies link conditions per direction, over the defaults', async () => {
    const { clock, net, alice, bob, atBob, atAlice } = setup({ link: { delay: 5 } });
    net.link(alice, '192.0.2.2:5060', { loss: 1 });
    net.link(bob, alice, { delay: 100 });
    await alice.send(options(1), bob.local);
    await bob.send(options(2), alice.local);
    clock.runUntilIdle();
    expect(atBob).toHaveLength(0);
    expect(atAlice.map((a) => a.time)).toEqual([100]);
    expect(net.trace.map((r) => r.fate)).toEqual(['lost', 'delivered']);
    expect(() => net.link(alice, bob, { loss: 2 })).toThrow(RangeError);
    expect(() => net.link(alice, 'nonsense', {})).toThrow(RangeError);
  });

  it('silently loses datagrams to an address where nothing listens, and records why', async () => {
    const { clock, net, alice, atBob } = setup();
    await expect(alice.send(options(1), { address: '192.0.2.99', port: 5060 })).resolves.toBeUndefined();
    clock.runUntilIdle();
    expect(atBob).toHaveLength(0);
    expect(net.trace[0]).toMatchObject({ fate: 'lost', reason: 'unreachable', to: '192.0.2.99:5060' });
  });

  it('records each send with its start line, CSeq and top Via branch', async () => {
    const { clock, net, alice, bob } = setup({ link: { delay: 3 } });
    clock.advance(7);
    await alice.send(options(4, 'INVITE'), bob.local);
    await bob.send(sip.bytes`SIP/2.0 180 Ringing`, alice.local);
    clock.runUntilIdle();
    expect(net.trace).toEqual([
      {
        id: 1,
        time: 7,
        from: '192.0.2.1:5060',
        to: '192.0.2.2:5060',
        protocol: 'udp',
        label: 'INVITE',
        summary: 'INVITE sip:bob@192.0.2.2 [CSeq 5 INVITE, branch z9hG4bK-4]',
        callId: 'call-4',
        size: options(4, 'INVITE').length,
        fate: 'delivered',
        deliveredAt: [10],
      },
      {
        id: 2,
        time: 7,
        from: '192.0.2.2:5060',
        to: '192.0.2.1:5060',
        protocol: 'udp',
        label: '180 Ringing',
        summary: '180 Ringing',
        size: 23,
        fate: 'delivered',
        deliveredAt: [10],
      },
    ]);
  });

  it('names bytes that are not SIP without throwing', async () => {
    const { clock, net, alice, bob } = setup();
    await alice.send(new Uint8Array([0xff, 0xfe, 0, 1]), bob.local);
    await alice.send(new TextEncoder().encode('BYE sip:x SIP/2.0\r\nbroken\r\n\r\n'), bob.local);
    clock.runUntilIdle();
    expect(net.trace[0]?.summary).toMatch(/not SIP, 4 bytes/);
    expect(net.trace[1]?.label).toBe('BYE');
  });

  it('keeps only the last traceLimit records, and clearTrace empties it but keeps the counters', async () => {
    const { clock, net, alice, bob } = setup({ traceLimit: 5 });
    await burst(alice, bob, clock, 3000, 0);
    expect(net.trace.map((r) => r.id)).toEqual([2996, 2997, 2998, 2999, 3000]);
    net.clearTrace();
    expect(net.trace).toEqual([]);
    expect(net.counters.sent).toBe(3000);
  });

  it('drops datagrams for an endpoint that is not listening yet', async () => {
    const clock = new VirtualClock();
    const net = new VirtualNetwork({ clock });
    const a = net.endpoint({ address: '10.0.0.1', port: 5060 });
    const b = net.endpoint({ address: '10.0.0.2', port: 5060 });
    await a.send(options(1), b.local);
    clock.runUntilIdle();
    expect(net.trace[0]).toMatchObject({ fate: 'lost', reason: 'not-listening' });
  });

  it('lets an exception thrown by a receiver out of the clock', async () => {
    const { clock, alice, bob } = setup();
    bob.listen(() => {
      throw new Error('receiver bug');
    });
    await alice.send(options(1), bob.local);
    expect(() => clock.runUntilIdle()).toThrow('receiver bug');
  });
});

describe('VirtualNetwork: reliable flows (TCP, TLS, WS, WSS)', () => {
  it('describes TCP, TLS, WS and WSS as reliable; TLS and WSS as secure; WS and WSS as framed', () => {
    const net = new VirtualNetwork({ clock: new VirtualClock() });
    const tcp = net.endpoint({ address: 'h', port: 1, protocol: 'tcp' });
    const tls = net.endpoint({ address: 'h', port: 1, protocol: 'tls' });
    const ws = net.endpoint({ address: 'h', port: 1, protocol: 'ws' });
    const wss = net.endpoint({ address: 'h', port: 1, protocol: 'wss' });
    expect([tcp, tls, ws, wss].map((e) => [e.reliable, e.secure, e.framed])).toEqual([
      [true, false, false],
      [true, true, false],
      [true, false, true],
      [true, true, true],
    ]);
  });

  it('keeps every message, in order, despite jitter, loss, duplication and reordering settings', async () => {
    const conditions = { delay: 10, jitter: 50, loss: 0.5, duplicate: 0.5, reorder: 0.5 };
    const { clock, net, alice, bob, atBob } = setup({ seed: 2, link: conditions }, 'tcp');
    await burst(alice, bob, clock, 200);
    expect(atBob.map((a) => callIdOf(a.event))).toEqual(Array.from({ length: 200 }, (_, i) => `call-${i}`));
    const times = atBob.map((a) => a.time);
    expect(times).toEqual([...times].sort((x, y) => x - y));
    expect(net.counters).toMatchObject({ sent: 200, delivered: 200, lost: 0, duplicated: 0 });
  });

  it('returns a flow id that the receiver sees, and a reply on that flow comes back', async () => {
    const { clock, net, alice, bob, atBob, atAlice } = setup({}, 'tcp');
    const flow = await alice.send(options(1), bob.local);
    expect(flow).toMatch(/\S/);
    clock.runUntilIdle();
    const got = atBob[0]?.event as TransportEvent;
    expect(got.flow).toBe(flow);
    expect(got.source).toEqual(alice.local);
    // The address does not matter while the flow is open.
    expect(await bob.send(options(2), { address: '203.0.113.1', port: 1 }, got.flow)).toBe(flow);
    clock.runUntilIdle();
    expect(atAlice.map((a) => [callIdOf(a.event), a.event.flow])).toEqual([['call-2', flow]]);
    // Later sends either way reuse the connection.
    expect(await alice.send(options(3), bob.local)).toBe(flow);
    expect(await bob.send(options(4), alice.local)).toBe(flow);
    expect(net.trace.every((r) => r.flow === flow)).toBe(true);
  });

  it('rejects with a TransportError when nothing listens at the address, and records the attempt', async () => {
    const { net, alice } = setup({}, 'tcp');
    const udpOnly = net.endpoint({ address: '192.0.2.3', port: 5060 });
    for (const to of [{ address: '192.0.2.99', port: 5060 }, udpOnly.local]) {
      const err = await alice.send(options(1), to).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TransportError);
      expect((err as TransportError).code).toBe('SEND_FAILED');
    }
    expect(net.trace.map((r) => [r.fate, r.reason])).toEqual([
      ['lost', 'unreachable'],
      ['lost', 'unreachable'],
    ]);
  });

  it('hands a double-CRLF up as a ping on its flow, and takes a CRLF pong without an event', async () => {
    const { clock, net, alice, bob, atBob, atAlice } = setup({}, 'tcp');
    const flow = await alice.send(new Uint8Array([13, 10, 13, 10]), bob.local);
    clock.runUntilIdle();
    expect(atBob.map((a) => a.event)).toEqual([{ type: 'ping', source: alice.local, flow }]);
    await bob.send(new Uint8Array([13, 10]), alice.local, flow);
    clock.runUntilIdle();
    expect(atAlice).toHaveLength(0);
    expect(net.trace.map((r) => [r.label, r.fate])).toEqual([
      ['ping', 'delivered'],
      ['pong', 'delivered'],
    ]);
  });

  it('closes flows with their endpoint: in-flight messages are lost, a new send reconnects to whoever listens', async () => {
    const { clock, net, alice, bob, atBob } = setup({ link: { delay: 10 } }, 'tcp');
    const flow = await alice.send(options(1), bob.local);
    await bob.close();
    await bob.close();
    expect(bob.closed).toBe(true);
    clock.runUntilIdle();
    expect(atBob).toHaveLength(0);
    expect(net.trace[0]).toMatchObject({ fate: 'lost', reason: 'unreachable' });
    await expect(alice.send(options(2), bob.local, flow)).rejects.toThrow(TransportError);
    await expect(bob.send(options(3), alice.local)).rejects.toThrow(/closed/);

    const bob2 = net.endpoint({ address: '192.0.2.2', port: 5060, protocol: 'tcp' });
    const got: TransportEvent[] = [];
    bob2.listen((e) => got.push(e));
    const flow2 = await alice.send(options(4), bob2.local, flow);
    expect(flow2).not.toBe(flow);
    clock.runUntilIdle();
    expect(got.map(callIdOf)).toEqual(['call-4']);
  });
});

describe('VirtualNetwork: peers and endpoints', () => {
  it('setDown: datagrams to or from a dead peer vanish, reliable sends fail, and it comes back', async () => {
    const udp = setup({ link: { delay: 10 } });
    await udp.alice.send(options(1), udp.bob.local);
    udp.net.setDown(udp.bob); // while the first is in flight
    await udp.alice.send(options(2), udp.bob.local);
    await udp.bob.send(options(3), udp.alice.local);
    udp.clock.runUntilIdle();
    expect(udp.atBob).toHaveLength(0);
    expect(udp.atAlice).toHaveLength(0);
    expect(udp.net.trace.map((r) => r.reason)).toEqual(['down', 'down', 'down']);
    expect(udp.net.isDown('192.0.2.2:5060')).toBe(true);
    udp.net.setDown(udp.bob, false);
    await udp.alice.send(options(4), udp.bob.local);
    udp.clock.runUntilIdle();
    expect(udp.atBob.map((a) => callIdOf(a.event))).toEqual(['call-4']);

    const tcp = setup({}, 'tcp');
    tcp.net.setDown({ address: '192.0.2.2', port: 5060 });
    await expect(tcp.alice.send(options(1), tcp.bob.local)).rejects.toMatchObject({ code: 'SEND_FAILED' });
    tcp.net.setDown(tcp.bob, false);
    await expect(tcp.alice.send(options(2), tcp.bob.local)).resolves.toMatch(/\S/);
  });

  it('picks free ports from 49152 for port 0, and refuses an address in use', () => {
    const net = new VirtualNetwork({ clock: new VirtualClock() });
    const a = net.endpoint({ address: '192.0.2.1' });
    const b = net.endpoint({ address: '192.0.2.1', port: 0 });
    expect([a.local.port, b.local.port]).toEqual([49152, 49153]);
    expect(() => net.endpoint({ address: '192.0.2.1', port: 49152 })).toThrow(/in use/);
    // The same port on another protocol is another socket.
    expect(net.endpoint({ address: '192.0.2.1', port: 49152, protocol: 'tcp' }).local.port).toBe(49152);
    const v6 = net.endpoint({ address: '2001:db8::1', port: 5060 });
    expect(v6.name).toBe('[2001:db8::1]:5060');
  });

  it('rejects sends from a closed endpoint instead of throwing', async () => {
    const { alice, bob } = setup();
    await alice.close();
    const sent = alice.send(options(1), bob.local);
    await expect(sent).rejects.toMatchObject({ code: 'SEND_FAILED' });
  });
});

describe('reliable flows under a clock that fires timers out of order', () => {
  it('still hands messages over in send order (a real clock rounds delays to whole ms)', async () => {
    const { VirtualNetwork } = await import('../src/index.js');
    // A clock that runs pending timers last-scheduled first when told to.
    const pending: (() => void)[] = [];
    const clock = {
      now: () => 0,
      setTimeout: (cb: () => void) => pending.push(cb),
      clearTimeout: () => undefined,
    };
    const net = new VirtualNetwork({ clock, link: { delay: 1, jitter: 3 } });
    const a = net.endpoint({ address: '10.0.0.1', port: 5060, protocol: 'tcp' });
    const b = net.endpoint({ address: '10.0.0.2', port: 5060, protocol: 'tcp' });
    const got: string[] = [];
    b.listen((e) => {
      if (e.type === 'message' && e.bytes !== undefined)
        got.push(new TextDecoder().decode(e.bytes).split('\r\n')[0] ?? '');
    });
    for (let i = 0; i < 5; i++) await a.send(new TextEncoder().encode(`OPTIONS sip:${i}@x SIP/2.0\r\n\r\n`), b.local);
    for (const run of pending.reverse()) run();
    expect(got).toEqual([0, 1, 2, 3, 4].map((i) => `OPTIONS sip:${i}@x SIP/2.0`));
  });
});

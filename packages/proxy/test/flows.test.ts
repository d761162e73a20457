// RFC 3665 call flows through one proxy, with real user agents (@sipkit/dialog) on the testkit's
// virtual network, and the §16 rules the flows exercise.
import { type IncomingCall, UserAgent } from '@sipkit/dialog';
import { parseMessage, type SipResponse } from '@sipkit/parser';
import { MemoryLocationService, Registrar } from '@sipkit/registrar';
import { type LinkConditions, sip, VirtualClock, VirtualNetwork, withLadder } from '@sipkit/testkit';
import { describe, expect, it } from 'vitest';
import { type ProxyOptions, SipProxy } from '../src/index.js';

/** example.com is the proxy at 10.0.0.10. */
const resolver = {
  naptr: async () => [],
  srv: async () => [],
  a: async (name: string) => (name === 'example.com' ? ['10.0.0.10'] : []),
  aaaa: async () => [],
};

function world(options: Partial<ProxyOptions> = {}, link: LinkConditions = { delay: 5 }, seed = 1) {
  const clock = new VirtualClock();
  const network = new VirtualNetwork({ clock, link, seed });
  const location = new MemoryLocationService();
  const registrar = new Registrar({ domains: ['example.com'], location, now: () => clock.now() });
  const proxy = new SipProxy({
    transports: [network.endpoint({ address: '10.0.0.10', port: 5060 })],
    domains: ['example.com'],
    clock,
    resolver,
    async onRequest(req) {
      return req.method === 'REGISTER' ? registrar.handle(req) : undefined;
    },
    async targets(req) {
      const uri = req.requestUri;
      if (uri.kind !== 'sip') return [];
      const aor = `sip:${uri.user}@${uri.host.toLowerCase()}`;
      return (await location.lookup(aor, clock.now())).map((b) => ({ uri: b.contact, q: b.q }));
    },
    ...options,
  });
  const ua = (user: string, n: number) =>
    new UserAgent({
      transports: [network.endpoint({ address: `10.0.1.${n}`, port: 5060 })],
      aor: `sip:${user}@example.com`,
      outboundRoute: ['<sip:10.0.0.10:5060;lr>'],
      resolver,
      clock,
      sessionExpires: 0,
    });
  return { clock, network, proxy, location, ua };
}

async function settle<T>(clock: VirtualClock, p: Promise<T>): Promise<T> {
  let done = false;
  const q = p.finally(() => {
    done = true;
  });
  for (let i = 0; i < 200 && !done; i++) await clock.advanceAsync(50);
  return q;
}

describe('calls through one proxy (RFC 3665 §3)', () => {
  it('a successful call: INVITE and responses through the proxy, BYE along the Record-Route', async () => {
    const { clock, network, proxy, ua } = world();
    const alice = ua('alice', 1);
    const bob = ua('bob', 2);
    expect((await settle(clock, bob.register('sip:example.com'))).status).toBe(200);
    let inc: IncomingCall | undefined;
    bob.on('invite', (c) => {
      inc = c;
      c.ring();
      c.accept();
    });
    await withLadder(network, async () => {
      network.clearTrace();
      const call = alice.invite('sip:bob@example.com');
      await clock.advanceAsync(300);
      expect(call.state).toBe('established');
      expect(inc?.invite.getValues('Record-Route')).toEqual(['<sip:10.0.0.10:5060;lr>']);
      expect(call.dialog?.routeSet).toEqual(['<sip:10.0.0.10:5060;lr>']);
      // Max-Forwards went down by one at the proxy.
      expect(inc?.invite.maxForwards).toBe(69);
      const bye = await settle(clock, call.bye());
      expect(bye.status).toBe(200);
      const hops = network.trace.map((t) => `${t.from.split(':')[0]}>${t.to.split(':')[0]} ${t.label}`);
      expect(hops).toContain('10.0.1.1>10.0.0.10 BYE');
      expect(hops).toContain('10.0.0.10>10.0.1.2 BYE');
      // 100 Trying from bob is absorbed by the proxy; alice's 100 is the proxy's own.
      expect(hops.filter((h) => h === '10.0.0.10>10.0.1.1 180 Ringing')).toHaveLength(1);
    });
    await clock.runUntilIdleAsync();
    expect(proxy.contexts).toBe(0);
  });

  it('a busy callee: 486 goes back, each hop ACKs its own non-2xx', async () => {
    const { clock, network, ua } = world();
    const alice = ua('alice', 1);
    const bob = ua('bob', 2);
    await settle(clock, bob.register('sip:example.com'));
    bob.on('invite', (c) => c.reject(486));
    network.clearTrace();
    const call = alice.invite('sip:bob@example.com');
    const failed: number[] = [];
    call.on('failed', (r) => failed.push((r as SipResponse).status));
    await clock.advanceAsync(300);
    expect(failed).toEqual([486]);
    const acks = network.trace
      .filter((t) => t.label === 'ACK')
      .map((t) => `${t.from.split(':')[0]}>${t.to.split(':')[0]}`);
    expect(acks.sort()).toEqual(['10.0.0.10>10.0.1.2', '10.0.1.1>10.0.0.10']);
  });

  it('no answer: the caller CANCELs, the proxy answers 200 and CANCELs the branch; 487 comes back', async () => {
    const { clock, network, ua } = world();
    const alice = ua('alice', 1);
    const bob = ua('bob', 2);
    await settle(clock, bob.register('sip:example.com'));
    const ended: string[] = [];
    bob.on('invite', (c) => {
      c.ring();
      c.on('ended', (r) => ended.push(`bob ${r}`));
    });
    const call = alice.invite('sip:bob@example.com');
    call.on('ended', (r) => ended.push(`alice ${r}`));
    await clock.advanceAsync(200);
    network.clearTrace();
    call.cancel();
    await clock.advanceAsync(500);
    expect(ended.sort()).toEqual(['alice cancel', 'bob cancel']);
    const labels = network.trace.map((t) => t.label);
    expect(labels.filter((l) => l === 'CANCEL')).toHaveLength(2);
    expect(labels.filter((l) => l === '487 Request Terminated')).toHaveLength(2);
  });

  it('forks to two registered phones; the first to answer wins and the other is CANCELled', async () => {
    const { clock, network, ua } = world();
    const alice = ua('alice', 1);
    const desk = ua('bob', 2);
    const mobile = ua('bob', 3);
    await settle(clock, desk.register('sip:example.com'));
    await settle(clock, mobile.register('sip:example.com'));
    const mobileEnded: string[] = [];
    desk.on('invite', (c) => {
      c.ring();
      clock.setTimeout(() => c.accept(), 100);
    });
    mobile.on('invite', (c) => {
      c.ring();
      c.on('ended', (r) => mobileEnded.push(r));
    });
    network.clearTrace();
    const call = alice.invite('sip:bob@example.com');
    await clock.advanceAsync(1000);
    expect(call.state).toBe('established');
    expect(call.dialog?.remoteTarget).toContain('10.0.1.2');
    expect(mobileEnded).toEqual(['cancel']);
  });

  it('with every branch failing, picks from the lowest class: 404 over 503 (§16.7 step 6)', async () => {
    const { clock, ua } = world();
    const alice = ua('alice', 1);
    const one = ua('bob', 2);
    const two = ua('bob', 3);
    await settle(clock, one.register('sip:example.com'));
    await settle(clock, two.register('sip:example.com'));
    one.on('invite', (c) => c.reject(404));
    two.on('invite', (c) => clock.setTimeout(() => c.reject(503), 50));
    const call = alice.invite('sip:bob@example.com');
    const failed: number[] = [];
    call.on('failed', (r) => failed.push((r as SipResponse).status));
    await clock.advanceAsync(500);
    expect(failed).toEqual([404]);
  });

  it('answers 480 when nobody is registered, and 6xx ends the search', async () => {
    const { clock, ua } = world();
    const alice = ua('alice', 1);
    const call = alice.invite('sip:nobody@example.com');
    const failed: number[] = [];
    call.on('failed', (r) => failed.push((r as SipResponse).status));
    await clock.advanceAsync(200);
    expect(failed).toEqual([480]);
  });

  it('sequential forking tries the higher q first and the next only after a failure', async () => {
    const { clock, network, ua } = world({ forking: 'sequential' });
    const alice = ua('alice', 1);
    const first = ua('bob', 2);
    const second = ua('bob', 3);
    await settle(
      clock,
      first.request('REGISTER', 'sip:example.com', {
        to: 'sip:bob@example.com',
        headers: [['Contact', '<sip:bob@10.0.1.2:5060>;q=0.9']],
      }),
    );
    await settle(
      clock,
      second.request('REGISTER', 'sip:example.com', {
        to: 'sip:bob@example.com',
        headers: [['Contact', '<sip:bob@10.0.1.3:5060>;q=0.5']],
      }),
    );
    first.on('invite', (c) => c.reject(480));
    second.on('invite', (c) => c.accept());
    network.clearTrace();
    const call = alice.invite('sip:bob@example.com');
    await clock.advanceAsync(500);
    expect(call.state).toBe('established');
    const invites = network.trace
      .filter((t) => t.label === 'INVITE' && t.from.startsWith('10.0.0.10'))
      .map((t) => t.to);
    expect(invites).toEqual(['10.0.1.2:5060', '10.0.1.3:5060']);
  });

  it('runs Timer C: a branch that rings too long is CANCELled and the caller gets 487', async () => {
    const { clock, ua } = world({ timerC: 200_000 });
    const alice = ua('alice', 1);
    const bob = ua('bob', 2);
    await settle(clock, bob.register('sip:example.com'));
    bob.on('invite', (c) => c.ring());
    const call = alice.invite('sip:bob@example.com');
    const failed: number[] = [];
    call.on('failed', (r) => failed.push((r as SipResponse).status));
    await clock.advanceAsync(199_000);
    expect(failed).toEqual([]);
    await clock.advanceAsync(2_000);
    expect(failed).toEqual([487]);
  });
});

describe('§16.3 validation', () => {
  function raw() {
    const w = world();
    const peer = w.network.endpoint({ address: '10.0.2.1', port: 5060 });
    const answers: string[] = [];
    const reasons: string[] = [];
    peer.listen((e) => {
      if (e.type === 'message' && e.bytes !== undefined) {
        const m = parseMessage(e.bytes);
        if (!m.isRequest) {
          answers.push(`${m.status}`);
          reasons.push(m.reason);
        }
      }
    });
    const send = (text: string) => peer.send(new TextEncoder().encode(text), { address: '10.0.0.10', port: 5060 });
    return { ...w, answers, reasons, send };
  }
  const req = (extra: string, uri = 'sip:bob@example.com', branch = 'z9hG4bKv1') => sip`
    OPTIONS ${uri} SIP/2.0
    Via: SIP/2.0/UDP 10.0.2.1:5060;branch=${branch}
    To: <sip:bob@example.com>
    From: <sip:carol@example.com>;tag=c1
    Call-ID: val-${branch}
    CSeq: 1 OPTIONS${extra}
    Content-Length: 0
  `;

  it('answers Max-Forwards 0 with 483, but an OPTIONS at 0 itself', async () => {
    const { clock, send, answers } = raw();
    await send(req('\r\nMax-Forwards: 0'));
    await send(req('\r\nMax-Forwards: 0', 'sip:bob@example.com', 'z9hG4bKv2').replace(/OPTIONS/g, 'MESSAGE'));
    await clock.advanceAsync(50);
    expect(answers.sort()).toEqual(['200', '483']);
  });

  it('answers a request whose mandatory headers are malformed or repeated with 400 and the reason (step 1)', async () => {
    const { clock, send, answers, reasons } = raw();
    await send(req('\r\nMax-Forwards: 70').replace('CSeq: 1 OPTIONS', 'CSeq: one OPTIONS'));
    await send(req('\r\nMax-Forwards: 70\r\nCall-ID: second', 'sip:bob@example.com', 'z9hG4bKv4'));
    await clock.advanceAsync(50);
    expect(answers).toEqual(['400', '400']);
    // The unreadable CSeq is refused by the transaction layer, before any transaction (§8.2).
    expect(reasons).toEqual([expect.stringMatching(/^Bad Request \(CSeq/), 'More than one Call-ID']);
  });

  it('ignores malformed header fields it does not act on (a Date, a Contact), but not a malformed Route (step 1)', async () => {
    const { clock, send, answers, reasons } = raw();
    // Nobody is registered: a request that passes validation is answered 480 (§16.5).
    await send(req('\r\nMax-Forwards: 70\r\nDate: the day after tomorrow\r\nContact: <<sip:nowhere'));
    await send(req('\r\nMax-Forwards: 70\r\nRoute: <sip:10.0.0.10;lr', 'sip:bob@example.com', 'z9hG4bKv5'));
    await clock.advanceAsync(50);
    expect(answers).toEqual(['480', '400']);
    expect(reasons[1]).toMatch(/Route/);
  });

  it('answers an unsupported Proxy-Require with 420, and a tel: Request-URI with 416', async () => {
    const { clock, send, answers } = raw();
    await send(req('\r\nMax-Forwards: 70\r\nProxy-Require: foo'));
    await send(req('\r\nMax-Forwards: 70', 'tel:+15551234567', 'z9hG4bKv3'));
    await clock.advanceAsync(50);
    expect(answers.sort()).toEqual(['416', '420']);
  });

  it('answers a request that loops back to it unchanged with 482', async () => {
    const { clock, network } = raw();
    // A target that is the proxy itself, with the same Request-URI: a loop.
    const looping = new SipProxy({
      transports: [network.endpoint({ address: '10.0.0.20', port: 5060 })],
      domains: ['loop.example'],
      clock,
      targets: () => [{ uri: 'sip:bob@loop.example', route: ['<sip:10.0.0.20:5060;lr>'] }],
    });
    await network
      .endpoint({ address: '10.0.2.2', port: 5060 })
      .send(
        new TextEncoder().encode(
          req('\r\nMax-Forwards: 70', 'sip:bob@loop.example', 'z9hG4bKloop').replace('10.0.2.1:5060', '10.0.2.2:5060'),
        ),
        { address: '10.0.0.20', port: 5060 },
      );
    await clock.advanceAsync(2_000);
    expect(looping.counters.refused).toBe(1);
  });
});

describe('redirect server (§8.3)', () => {
  it('answers 302 with the registered contacts and their q-values; the caller sees the 3xx', async () => {
    const { clock, ua } = world({ mode: 'redirect' });
    const alice = ua('alice', 1);
    const bob = ua('bob', 2);
    await settle(
      clock,
      bob.request('REGISTER', 'sip:example.com', {
        to: 'sip:bob@example.com',
        headers: [['Contact', '<sip:bob@10.0.1.2:5060>;q=0.7']],
      }),
    );
    const call = alice.invite('sip:bob@example.com');
    const failed: string[] = [];
    call.on('failed', (r) =>
      failed.push(`${(r as SipResponse).status} ${(r as SipResponse).getValues('Contact').join(',')}`),
    );
    await clock.advanceAsync(200);
    expect(failed).toEqual(['302 <sip:bob@10.0.1.2:5060>;q=0.7']);
  });
});

describe('the same flows with 20% packet loss on every link (retransmissions carry them)', () => {
  const lossy = { delay: 10, jitter: 5, loss: 0.2 };
  /** Registers; the REGISTER's own retransmissions carry it through the loss. */
  async function registered(clock: VirtualClock, ua: UserAgent): Promise<void> {
    expect((await settle(clock, ua.register('sip:example.com'))).status).toBe(200);
  }
  function outcome(call: ReturnType<UserAgent['invite']>): () => string {
    let seen = 'none';
    call.on('established', () => {
      seen = 'established';
    });
    call.on('failed', (r) => {
      seen = `failed ${(r as SipResponse).status ?? (r as Error).message}`;
    });
    return () => seen;
  }

  it('busy, no answer (CANCEL), forking with one answer and with all failing, redirect: no call lost', async () => {
    const results: string[] = [];
    let lost = 0;
    for (let seed = 1; seed <= 3; seed++) {
      // Busy.
      {
        const { clock, ua, network } = world({}, lossy, seed);
        const alice = ua('alice', 1);
        const bob = ua('bob', 2);
        await registered(clock, bob);
        bob.on('invite', (c) => c.reject(486));
        const seen = outcome(alice.invite('sip:bob@example.com'));
        await clock.advanceAsync(40_000);
        results.push(`busy ${seen()}`);
        lost += network.counters.lost;
      }
      // No answer: the caller cancels while it rings.
      {
        const { clock, ua, network } = world({}, lossy, seed);
        const alice = ua('alice', 1);
        const bob = ua('bob', 2);
        await registered(clock, bob);
        let ringing = false;
        bob.on('invite', (c) => {
          ringing = c.ring();
        });
        const call = alice.invite('sip:bob@example.com');
        const seen = outcome(call);
        let progressed = false;
        call.on('progress', () => {
          progressed = true;
        });
        for (let i = 0; i < 400 && !progressed; i++) await clock.advanceAsync(100);
        call.cancel();
        await clock.advanceAsync(40_000);
        results.push(`cancel ${ringing} ${seen()}`);
        lost += network.counters.lost;
      }
      // Forking: one phone answers, the other is cancelled.
      {
        const { clock, ua, network } = world({}, lossy, seed);
        const alice = ua('alice', 1);
        const desk = ua('bob', 2);
        const mobile = ua('bob', 3);
        await registered(clock, desk);
        await registered(clock, mobile);
        desk.on('invite', (c) => c.accept());
        mobile.on('invite', (c) => c.ring());
        const seen = outcome(alice.invite('sip:bob@example.com'));
        await clock.advanceAsync(40_000);
        results.push(`fork-one ${seen()}`);
        lost += network.counters.lost;
      }
      // Forking: both fail, the lower class wins.
      {
        const { clock, ua, network } = world({}, lossy, seed);
        const alice = ua('alice', 1);
        const one = ua('bob', 2);
        const two = ua('bob', 3);
        await registered(clock, one);
        await registered(clock, two);
        one.on('invite', (c) => c.reject(404));
        two.on('invite', (c) => c.reject(503));
        const seen = outcome(alice.invite('sip:bob@example.com'));
        await clock.advanceAsync(40_000);
        results.push(`fork-fail ${seen()}`);
        lost += network.counters.lost;
      }
      // Redirect.
      {
        const { clock, ua, network } = world({ mode: 'redirect' }, lossy, seed);
        const alice = ua('alice', 1);
        const bob = ua('bob', 2);
        await registered(clock, bob);
        const seen = outcome(alice.invite('sip:bob@example.com'));
        await clock.advanceAsync(40_000);
        results.push(`redirect ${seen()}`);
        lost += network.counters.lost;
      }
    }
    expect(results).toEqual(
      Array.from({ length: 3 }, () => [
        'busy failed 486',
        'cancel true failed 487',
        'fork-one established',
        'fork-fail failed 404',
        'redirect failed 302',
      ]).flat(),
    );
    expect(lost).toBeGreaterThan(20);
  }, 120_000);
});

describe('nextHop: a next hop of our choosing for requests we do not retarget (§16.6 step 7)', () => {
  it('sends a request for another domain to the address nextHop names, Request-URI unchanged', async () => {
    const { clock, network, ua } = world({
      nextHop: (req) => (req.uri.includes('elsewhere.example') ? 'sip:10.0.5.5:5070' : undefined),
    });
    const gateway = network.endpoint({ address: '10.0.5.5', port: 5070 });
    const seen: string[] = [];
    gateway.listen((e) => {
      if (e.type === 'message' && e.bytes !== undefined) {
        const m = parseMessage(e.bytes);
        if (m.isRequest) seen.push(`${m.method} ${m.uri}`);
      }
    });
    const alice = ua('alice', 1);
    alice.invite('sip:carol@elsewhere.example');
    await clock.advanceAsync(100);
    expect(seen).toEqual(['INVITE sip:carol@elsewhere.example']);
  });
});

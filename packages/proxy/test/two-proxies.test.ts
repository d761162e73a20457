// RFC 3665 §3.1 through two proxies (the caller's outbound proxy and the callee's home proxy),
// without and with 20% packet loss, and a spiral that passes.
import { type IncomingCall, UserAgent } from '@sipkit/dialog';
import { MemoryLocationService, Registrar } from '@sipkit/registrar';
import { type LinkConditions, VirtualClock, VirtualNetwork, withLadder } from '@sipkit/testkit';
import { describe, expect, it } from 'vitest';
import { SipProxy } from '../src/index.js';

const hosts: Record<string, string> = { 'atlanta.example': '10.0.0.10', 'biloxi.example': '10.0.0.20' };
const resolver = {
  naptr: async () => [],
  srv: async () => [],
  a: async (name: string) => (hosts[name] === undefined ? [] : [hosts[name] as string]),
  aaaa: async () => [],
};

function world(link: LinkConditions, seed = 1) {
  const clock = new VirtualClock();
  const network = new VirtualNetwork({ clock, link, seed });
  const location = new MemoryLocationService();
  const registrar = new Registrar({ domains: ['biloxi.example'], location, now: () => clock.now() });
  const atlanta = new SipProxy({
    transports: [network.endpoint({ address: '10.0.0.10', port: 5060 })],
    domains: ['atlanta.example'],
    clock,
    resolver,
    targets: () => [],
  });
  const biloxi = new SipProxy({
    transports: [network.endpoint({ address: '10.0.0.20', port: 5060 })],
    domains: ['biloxi.example'],
    clock,
    resolver,
    onRequest: async (req) => (req.method === 'REGISTER' ? registrar.handle(req) : undefined),
    targets: async (req) => {
      const uri = req.requestUri;
      if (uri.kind !== 'sip') return [];
      return (await location.lookup(`sip:${uri.user}@${uri.host.toLowerCase()}`, clock.now())).map((b) => ({
        uri: b.contact,
      }));
    },
  });
  const alice = new UserAgent({
    transports: [network.endpoint({ address: '10.0.1.1', port: 5060 })],
    aor: 'sip:alice@atlanta.example',
    outboundRoute: ['<sip:10.0.0.10:5060;lr>'],
    resolver,
    clock,
    sessionExpires: 0,
  });
  const bob = new UserAgent({
    transports: [network.endpoint({ address: '10.0.2.1', port: 5060 })],
    aor: 'sip:bob@biloxi.example',
    resolver,
    clock,
    sessionExpires: 0,
  });
  return { clock, network, atlanta, biloxi, alice, bob };
}

async function until(clock: VirtualClock, done: () => boolean, ms = 60_000): Promise<void> {
  for (let t = 0; t < ms && !done(); t += 100) await clock.advanceAsync(100);
}

async function callAndHangUp(w: ReturnType<typeof world>): Promise<string> {
  const { clock, alice, bob } = w;
  let inc: IncomingCall | undefined;
  const off = bob.on('invite', (c) => {
    inc = c;
    c.ring();
    c.accept();
  });
  const call = alice.invite('sip:bob@biloxi.example');
  await until(clock, () => call.state === 'established' || call.state === 'terminated');
  off();
  if (call.state !== 'established') return `not established (${call.state})`;
  const bye = call.bye();
  let status = 0;
  void bye.then(
    (r) => {
      status = r.status;
    },
    () => {
      status = -1;
    },
  );
  await until(clock, () => status !== 0);
  await until(clock, () => inc?.state === 'terminated', 5_000);
  return `${status} ${inc?.state}`;
}

describe('a call through two proxies (RFC 3665 §3.1)', () => {
  it('goes alice → atlanta → biloxi → bob, both proxies Record-Route, and BYE takes the same path', async () => {
    const w = world({ delay: 5 });
    const { clock, network, alice, bob } = w;
    await until(clock, () => false, 0);
    const reg = bob.register('sip:biloxi.example');
    await clock.advanceAsync(200);
    expect((await reg).status).toBe(200);
    let inc: IncomingCall | undefined;
    bob.on('invite', (c) => {
      inc = c;
      c.accept();
    });
    await withLadder(network, async () => {
      network.clearTrace();
      const call = alice.invite('sip:bob@biloxi.example');
      await clock.advanceAsync(300);
      expect(call.state).toBe('established');
      expect(inc?.invite.getValues('Record-Route')).toEqual(['<sip:10.0.0.20:5060;lr>', '<sip:10.0.0.10:5060;lr>']);
      expect(inc?.invite.maxForwards).toBe(68);
      expect(call.dialog?.routeSet).toEqual(['<sip:10.0.0.10:5060;lr>', '<sip:10.0.0.20:5060;lr>']);
      network.clearTrace();
      const bye = call.bye();
      await clock.advanceAsync(300);
      expect((await bye).status).toBe(200);
      const path = network.trace.filter((t) => t.label === 'BYE').map((t) => t.to.split(':')[0]);
      expect(path).toEqual(['10.0.0.10', '10.0.0.20', '10.0.2.1']);
    });
  });

  it('loses no call with 20% packet loss on every link', async () => {
    const w = world({ delay: 10, jitter: 5, loss: 0.2 }, 3);
    const { clock, bob } = w;
    const reg = bob.register('sip:biloxi.example');
    let regStatus = 0;
    void reg.then((r) => {
      regStatus = r.status;
    });
    await until(clock, () => regStatus !== 0);
    expect(regStatus).toBe(200);
    const results: string[] = [];
    for (let i = 0; i < 10; i++) results.push(await callAndHangUp(w));
    expect(results).toEqual(Array(10).fill('200 terminated'));
    expect(w.network.counters.lost).toBeGreaterThan(0);
  }, 60_000);
});

describe('spirals', () => {
  it('passes a request that comes back to the same proxy with another Request-URI (§16.3 step 4)', async () => {
    const clock = new VirtualClock();
    const network = new VirtualNetwork({ clock, link: { delay: 5 } });
    // sip:sales@example.com is forwarded to sip:carol@example.com, which comes back here and goes
    // to Carol's phone: the same proxy twice, a spiral, not a loop.
    const proxy = new SipProxy({
      transports: [network.endpoint({ address: '10.0.0.10', port: 5060 })],
      domains: ['example.com'],
      clock,
      resolver: { ...resolver, a: async (n: string) => (n === 'example.com' ? ['10.0.0.10'] : []) },
      targets: (req) => {
        const uri = req.requestUri;
        if (uri.kind === 'sip' && uri.user === 'sales')
          return [{ uri: 'sip:carol@example.com', route: ['<sip:10.0.0.10:5060;lr>'] }];
        return [{ uri: 'sip:carol@10.0.3.1:5060' }];
      },
    });
    const carol = new UserAgent({
      transports: [network.endpoint({ address: '10.0.3.1', port: 5060 })],
      aor: 'sip:carol@example.com',
      clock,
      sessionExpires: 0,
    });
    const alice = new UserAgent({
      transports: [network.endpoint({ address: '10.0.1.1', port: 5060 })],
      aor: 'sip:alice@example.com',
      outboundRoute: ['<sip:10.0.0.10:5060;lr>'],
      clock,
      sessionExpires: 0,
    });
    carol.on('invite', (c) => c.accept());
    const call = alice.invite('sip:sales@example.com');
    await clock.advanceAsync(500);
    expect(call.state).toBe('established');
    expect(proxy.counters.refused).toBe(0);
    expect(proxy.counters.branches).toBe(2);
  });
});

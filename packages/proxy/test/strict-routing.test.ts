// RFC 3261 §16.4 and §16.6 step 7 (§12.2.1.1): a strict router (RFC 2543: it record-routes
// without `lr` and expects its own URI as Request-URI) between two of our proxies, on a whole
// call: alice → P1 → S → P2 → bob, ACK and BYE both ways.
import { type IncomingCall, UserAgent } from '@sipkit/dialog';
import { parseUri, type SipRequest } from '@sipkit/parser';
import { VirtualClock, VirtualNetwork } from '@sipkit/testkit';
import { type Received, resolveTargets, responseDestination, TransportLayer } from '@sipkit/transport';
import { describe, expect, it } from 'vitest';
import { SipProxy } from '../src/index.js';
import { settle } from './helpers.js';

const hosts: Record<string, string> = { 'example.com': '10.0.0.10', 'biloxi.example': '10.0.0.20' };
const resolver = {
  naptr: async () => [],
  srv: async () => [],
  a: async (name: string) => (hosts[name] === undefined ? [] : [hosts[name] as string]),
  aaaa: async () => [],
};

/**
 * A stateless RFC 2543 strict router at 10.0.0.30: when the Request-URI is its own, the first
 * Route becomes the Request-URI; it record-routes initial INVITEs as `<sip:10.0.0.30:5060>` (no
 * lr), and sends each request to its Request-URI, each response to the next Via.
 */
function strictRouter(network: VirtualNetwork) {
  const seen: { method: string; uri: string; routes: string[] }[] = [];
  const endpoint = network.endpoint({ address: '10.0.0.30', port: 5060 });
  const layer: TransportLayer = new TransportLayer({
    transports: [endpoint],
    onRequest: (req: SipRequest) => {
      seen.push({ method: req.method, uri: req.uri, routes: req.getValues('Route') });
      const ruri = req.requestUri;
      if (ruri.kind === 'sip' && ruri.host === '10.0.0.30') {
        const [first, ...rest] = req.getValues('Route');
        if (first === undefined) return;
        req.uri = first.replace(/^\s*<|>\s*$/g, '');
        req.remove('Route');
        for (const r of rest) req.append('Route', r);
      }
      if (req.method === 'INVITE' && req.to?.tag === undefined) req.prepend('Record-Route', '<sip:10.0.0.30:5060>');
      req.prepend('Via', `SIP/2.0/UDP 10.0.0.30:5060;branch=z9hG4bK-s-${req.topVia?.branch ?? ''}`);
      const next = parseUri(req.uri);
      if (next.kind !== 'sip') return;
      void resolveTargets(next, resolver, { transports: ['udp'] }).then((targets) => {
        if (targets[0] !== undefined) return layer.sendRequest(req, targets[0]);
      });
    },
    onResponse: (res) => {
      res.removeFirstValue('Via');
      const d = responseDestination(res);
      if (d === undefined) return;
      const to: Received = { transport: endpoint, source: { address: d.address, port: d.port }, flow: undefined };
      void layer.sendResponse(res, to);
    },
  });
  return { seen };
}

function world() {
  const clock = new VirtualClock();
  const network = new VirtualNetwork({ clock, link: { delay: 5 } });
  // P1 sends calls for example.com users through the strict router to biloxi.example.
  new SipProxy({
    transports: [network.endpoint({ address: '10.0.0.10', port: 5060 })],
    domains: ['example.com'],
    clock,
    resolver,
    targets: (req) => {
      const uri = req.requestUri;
      return uri.kind === 'sip' ? [{ uri: `sip:${uri.user}@biloxi.example`, route: ['<sip:10.0.0.30:5060>'] }] : [];
    },
  });
  new SipProxy({
    transports: [network.endpoint({ address: '10.0.0.20', port: 5060 })],
    domains: ['biloxi.example'],
    clock,
    resolver,
    targets: () => [{ uri: 'sip:bob@10.0.2.1:5060' }],
  });
  const router = strictRouter(network);
  const alice = new UserAgent({
    transports: [network.endpoint({ address: '10.0.1.1', port: 5060 })],
    aor: 'sip:alice@example.com',
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
  return { clock, network, router, alice, bob };
}

describe('a strict router on the path (§16.4, §16.6 step 7)', () => {
  it('gets the Request-URI it expects on INVITE, ACK and BYE, and the call works both ways', async () => {
    const { clock, network, router, alice, bob } = world();
    const calls: IncomingCall[] = [];
    bob.on('invite', (c) => {
      calls.push(c);
      c.accept();
    });
    const path = (method: string) =>
      network.trace.filter((t) => t.label === method).map((t) => `${t.from.split(':')[0]}>${t.to.split(':')[0]}`);

    const call = alice.invite('sip:bob@example.com');
    await clock.advanceAsync(300);
    expect(call.state).toBe('established');
    // §16.6 step 7 at P1: the strict router's Route became the Request-URI, the target the last Route.
    expect(router.seen[0]).toEqual({
      method: 'INVITE',
      uri: 'sip:10.0.0.30:5060',
      routes: ['<sip:bob@biloxi.example>'],
    });
    expect(calls[0]?.invite.getValues('Record-Route')).toEqual([
      '<sip:10.0.0.20:5060;lr>',
      '<sip:10.0.0.30:5060>',
      '<sip:10.0.0.10:5060;lr>',
    ]);
    expect(path('ACK')).toEqual([
      '10.0.1.1>10.0.0.10',
      '10.0.0.10>10.0.0.30',
      '10.0.0.30>10.0.0.20',
      '10.0.0.20>10.0.2.1',
    ]);

    // Alice hangs up: P1 does the strict fix-up, S pops P2's Route into the Request-URI, and P2
    // finds its own Record-Route URI there (§16.4) and takes the last Route instead.
    network.clearTrace();
    const done = new Promise<void>((resolve) => calls[0]?.on('ended', () => resolve()));
    expect((await settle(clock, call.bye())).status).toBe(200);
    await settle(clock, done);
    expect(router.seen.at(-1)).toEqual({
      method: 'BYE',
      uri: 'sip:10.0.0.30:5060',
      routes: ['<sip:10.0.0.20:5060;lr>', '<sip:bob@10.0.2.1:5060>'],
    });
    expect(path('BYE')).toEqual([
      '10.0.1.1>10.0.0.10',
      '10.0.0.10>10.0.0.30',
      '10.0.0.30>10.0.0.20',
      '10.0.0.20>10.0.2.1',
    ]);

    // Bob hangs up a second call: the same the other way.
    network.clearTrace();
    const second = alice.invite('sip:bob@example.com');
    await clock.advanceAsync(300);
    expect(second.state).toBe('established');
    const bye = calls[1]?.bye();
    if (bye === undefined) throw new Error('no second call');
    expect((await settle(clock, bye)).status).toBe(200);
    expect(second.state).toBe('terminated');
    expect(router.seen.at(-1)).toEqual({
      method: 'BYE',
      uri: 'sip:10.0.0.30:5060',
      routes: ['<sip:10.0.0.10:5060;lr>', '<sip:alice@10.0.1.1:5060>'],
    });
    expect(path('BYE')).toEqual([
      '10.0.2.1>10.0.0.20',
      '10.0.0.20>10.0.0.30',
      '10.0.0.30>10.0.0.10',
      '10.0.0.10>10.0.1.1',
    ]);
  });
});

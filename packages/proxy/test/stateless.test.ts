// RFC 3261 §16.11: the stateless proxy, with real user agents and with raw peers that show the
// branches, the Via handling and the single target.
import { type IncomingCall, UserAgent } from '@sipkit/dialog';
import type { SipRequest, SipResponse } from '@sipkit/parser';
import { MemoryLocationService, Registrar } from '@sipkit/registrar';
import { sip, VirtualClock, VirtualNetwork } from '@sipkit/testkit';
import { describe, expect, it } from 'vitest';
import { type ProxyOptions, type ProxyTarget, SipProxy } from '../src/index.js';
import { rawPeer, settle } from './helpers.js';

const resolver = {
  naptr: async () => [],
  srv: async () => [],
  a: async (name: string) => (name === 'example.com' ? ['10.0.0.10'] : []),
  aaaa: async () => [],
};

function world(targets: ProxyOptions['targets'], extra: Partial<ProxyOptions> = {}) {
  const clock = new VirtualClock();
  const network = new VirtualNetwork({ clock, link: { delay: 5 } });
  const proxy = new SipProxy({
    mode: 'stateless',
    transports: [network.endpoint({ address: '10.0.0.10', port: 5060 })],
    domains: ['example.com'],
    clock,
    resolver,
    targets,
    ...extra,
  });
  return { clock, network, proxy };
}

const PROXY = { address: '10.0.0.10', port: 5060 };

/** An INVITE from a raw client whose Via says port 5060 although it sends from 5070 (a NAT). */
const invite = (branch: string, callId = 'sl-1') => sip`
  INVITE sip:bob@example.com SIP/2.0
  Via: SIP/2.0/UDP 10.0.2.1:5060;branch=${branch};rport
  Max-Forwards: 70
  To: <sip:bob@example.com>
  From: <sip:carol@example.com>;tag=c1
  Call-ID: ${callId}
  CSeq: 1 INVITE
  Contact: <sip:carol@10.0.2.1:5070>
  Content-Length: 0
`;

const branchOf = (m: SipRequest | SipResponse) => m.topVia?.branch;

describe('a stateless proxy (§16.11)', () => {
  it('carries a whole call between two user agents and keeps no state', async () => {
    const clock = new VirtualClock();
    const network = new VirtualNetwork({ clock, link: { delay: 5 } });
    const location = new MemoryLocationService();
    const registrar = new Registrar({ domains: ['example.com'], location, now: () => clock.now() });
    const proxy = new SipProxy({
      mode: 'stateless',
      transports: [network.endpoint({ address: '10.0.0.10', port: 5060 })],
      domains: ['example.com'],
      clock,
      resolver,
      onRequest: async (req) => (req.method === 'REGISTER' ? registrar.handle(req) : undefined),
      targets: async (req) => {
        const uri = req.requestUri;
        if (uri.kind !== 'sip') return [];
        return (await location.lookup(`sip:${uri.user}@example.com`, clock.now())).map((b) => ({ uri: b.contact }));
      },
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
    const alice = ua('alice', 1);
    const bob = ua('bob', 2);
    expect((await settle(clock, bob.register('sip:example.com'))).status).toBe(200);
    let inc: IncomingCall | undefined;
    bob.on('invite', (c) => {
      inc = c;
      clock.setTimeout(() => {
        c.ring();
        c.accept();
      }, 1000);
    });
    network.clearTrace();
    const call = alice.invite('sip:bob@example.com');
    await clock.advanceAsync(1300);
    expect(call.state).toBe('established');
    expect(inc?.invite.getValues('Record-Route')).toEqual(['<sip:10.0.0.10:5060;lr>']);
    expect(inc?.invite.maxForwards).toBe(69);
    expect((await settle(clock, call.bye())).status).toBe(200);
    const hops = network.trace.map((t) => `${t.from.split(':')[0]}>${t.to.split(':')[0]} ${t.label}`);
    // Nothing of its own: bob's 100 Trying is forwarded, not absorbed, and the proxy sends no
    // other (a stateful one would have sent its own after 200 ms and absorbed bob's).
    expect(hops.filter((h) => h.endsWith('100 Trying')).sort()).toEqual([
      '10.0.0.10>10.0.1.1 100 Trying',
      '10.0.1.2>10.0.0.10 100 Trying',
    ]);
    for (const m of ['ACK', 'BYE']) expect(hops).toContain(`10.0.0.10>10.0.1.2 ${m}`);
    expect(proxy.layer).toBeUndefined();
    expect(proxy.contexts).toBe(0);
    expect(proxy.counters.stateless).toBe(3); // INVITE, ACK, BYE
  });

  it('gives a retransmission, the CANCEL and the non-2xx ACK the branch of their INVITE, and another INVITE another', async () => {
    const { clock, network } = world(() => [{ uri: 'sip:bob@10.0.2.2:5060' }]);
    const client = rawPeer(network, '10.0.2.1', 5070);
    const server = rawPeer(network, '10.0.2.2');
    const inv = invite('z9hG4bKcl1');
    await client.send(inv, PROXY);
    await clock.advanceAsync(500);
    await client.send(inv, PROXY); // Timer A retransmission
    await client.send(
      inv
        .replace('INVITE sip', 'CANCEL sip')
        .replace('CSeq: 1 INVITE', 'CSeq: 1 CANCEL')
        .replace(/Contact.*\r\n/, ''),
      PROXY,
    );
    await clock.advanceAsync(50);
    const [first, again] = server.requests('INVITE');
    const [cancel] = server.requests('CANCEL');
    if (first === undefined || again === undefined || cancel === undefined) throw new Error('not forwarded');
    expect(first.maxForwards).toBe(69);
    expect(first.uri).toBe('sip:bob@10.0.2.2:5060');
    expect(branchOf(first)).toMatch(/^z9hG4bK\./);
    expect(branchOf(again)).toBe(branchOf(first));
    expect(branchOf(cancel)).toBe(branchOf(first));
    // The UAS answers both; each response loses the proxy's Via and goes to received:rport.
    await server.send(createAnswer(cancel, 200), PROXY);
    await server.send(createAnswer(first, 487), PROXY);
    await clock.advanceAsync(50);
    const answers = client.responses();
    expect(answers.map((r) => `${r.status} ${r.cseq?.method}`).sort()).toEqual(['200 CANCEL', '487 INVITE']);
    for (const r of answers) expect(r.getAll('Via')).toEqual([first.getAll('Via')[1]]);
    expect(first.getAll('Via')[1]).toMatch(/;rport=5070\b/);
    expect(first.getAll('Via')[1]).toContain(';received=10.0.2.1');
    // §17.1.1.3: the ACK for the 487 has the INVITE's branch; so does the proxy's copy.
    const ack = inv
      .replace('INVITE sip', 'ACK sip')
      .replace('CSeq: 1 INVITE', 'CSeq: 1 ACK')
      .replace('To: <sip:bob@example.com>', 'To: <sip:bob@example.com>;tag=b1');
    await client.send(ack, PROXY);
    await client.send(invite('z9hG4bKcl2', 'sl-2'), PROXY);
    await clock.advanceAsync(50);
    expect(branchOf(server.requests('ACK')[0] as SipRequest)).toBe(branchOf(first));
    const other = server.requests('INVITE')[2] as SipRequest;
    expect(branchOf(other)).toMatch(/^z9hG4bK\./);
    expect(branchOf(other)).not.toBe(branchOf(first));
  });

  it('sends to one target only, the first of the highest q (a stateless proxy cannot fork)', async () => {
    const targets: ProxyTarget[] = [
      { uri: 'sip:bob@10.0.2.2:5060', q: 0.5 },
      { uri: 'sip:bob@10.0.2.3:5060', q: 0.9 },
      { uri: 'sip:bob@10.0.2.4:5060', q: 0.9 },
    ];
    const { clock, network } = world(() => targets);
    const client = rawPeer(network, '10.0.2.1', 5070);
    const phones = ['10.0.2.2', '10.0.2.3', '10.0.2.4'].map((a) => rawPeer(network, a));
    await client.send(invite('z9hG4bKq1'), PROXY);
    await clock.advanceAsync(50);
    expect(phones.map((p) => p.requests('INVITE').length)).toEqual([0, 1, 0]);
  });

  it('still applies §16.3: 483 at Max-Forwards 0, OPTIONS answered there, 482 for a loop, all without a transaction', async () => {
    // The target is the proxy's own domain again, through itself: the request comes back unchanged.
    const { clock, network, proxy } = world(() => [{ uri: 'sip:bob@example.com', route: ['<sip:10.0.0.10:5060;lr>'] }]);
    const client = rawPeer(network, '10.0.2.1', 5070);
    await client.send(invite('z9hG4bKmf').replace('Max-Forwards: 70', 'Max-Forwards: 0'), PROXY);
    await client.send(
      invite('z9hG4bKopt')
        .replace('INVITE sip', 'OPTIONS sip')
        .replace('CSeq: 1 INVITE', 'CSeq: 1 OPTIONS')
        .replace('Max-Forwards: 70', 'Max-Forwards: 0'),
      PROXY,
    );
    await client.send(invite('z9hG4bKloop', 'sl-loop'), PROXY);
    await clock.advanceAsync(100);
    expect(client.responses().map((r) => `${r.status} ${r.cseq?.method}`)).toEqual([
      '483 INVITE',
      '200 OPTIONS',
      '482 INVITE',
    ]);
    // The 482 came back through the proxy's own Via: one Via left, the client's.
    expect(client.responses()[2]?.getAll('Via')).toHaveLength(1);
    expect(proxy.counters.refused).toBe(2);
  });

  it('drops a response whose next Via cannot be read, and answers 500 when a hook throws', async () => {
    const { clock, network, proxy } = world(() => {
      throw new Error('location store down');
    });
    const client = rawPeer(network, '10.0.2.1', 5070);
    await client.send(invite('z9hG4bKerr'), PROXY);
    await clock.advanceAsync(50);
    expect(client.responses().map((r) => r.status)).toEqual([500]);
    expect(proxy.counters.errors).toBe(1);
    const server = rawPeer(network, '10.0.2.2');
    await server.send(
      sip`
        SIP/2.0 200 OK
        Via: SIP/2.0/UDP 10.0.0.10:5060;branch=z9hG4bK.x.y
        Via: garbage
        To: <sip:bob@example.com>;tag=1
        From: <sip:carol@example.com>;tag=c1
        Call-ID: bad-via
        CSeq: 1 OPTIONS
        Content-Length: 0
      `,
      PROXY,
    );
    await clock.advanceAsync(50);
    expect(network.trace.filter((t) => t.from.startsWith('10.0.0.10') && t.callId === 'bad-via')).toEqual([]);
  });
});

function createAnswer(req: SipRequest, status: number): string {
  const lines = [`SIP/2.0 ${status} ${status === 200 ? 'OK' : 'Request Terminated'}`];
  for (const v of req.getAll('Via')) lines.push(`Via: ${v}`);
  lines.push(`To: ${req.get('To')};tag=b1`, `From: ${req.get('From')}`, `Call-ID: ${req.callId}`);
  lines.push(`CSeq: ${req.get('CSeq')}`, 'Content-Length: 0', '', '');
  return lines.join('\r\n');
}

// sipkit-server on real loopback sockets, with user agents from @sipkit/dialog.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { UserAgent } from '@sipkit/dialog';
import { digestAuthorization, pickChallenge } from '@sipkit/digest';
import { parseMessage, parseUri, type SipRequest, type SipResponse } from '@sipkit/parser';
import type { MemoryLocationService } from '@sipkit/registrar';
import { udpTransport } from '@sipkit/transport-node';
import { afterEach, describe, expect, it } from 'vitest';
import type { SipKitServer } from '../src/index.js';
import { freePort, portOf, testServer, until, userAgent } from './helpers.js';

let server: SipKitServer | undefined;
const agents: UserAgent[] = [];
afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.close()));
  await server?.close();
  server = undefined;
});

async function started(overrides: Record<string, unknown> = {}) {
  const s = await testServer(overrides);
  server = s.server;
  return s;
}

async function ua(...args: Parameters<typeof userAgent>): Promise<UserAgent> {
  const a = await userAgent(...args);
  agents.push(a);
  return a;
}

/** A bare UDP socket on loopback, and the datagrams it receives (as latin1 text). */
async function rawUdp(): Promise<{ sock: UdpSocket; replies: string[] }> {
  const sock = createSocket('udp4');
  const replies: string[] = [];
  sock.on('message', (m) => replies.push(m.toString('latin1')));
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  return { sock, replies };
}

/** A REGISTER for alice as a bare UA on 127.0.0.1:1 sends it, its branch made of `id` and the CSeq. */
function rawRegister(id: string, { domain = 'sipkit.test', cseq = 1, authorization = '' } = {}): string {
  return (
    `REGISTER sip:${domain} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:1;rport;branch=z9hG4bK${id}${cseq}\r\n` +
    `From: <sip:alice@${domain}>;tag=1\r\nTo: <sip:alice@${domain}>\r\nCall-ID: ${id}\r\n` +
    `CSeq: ${cseq} REGISTER\r\nContact: <sip:alice@127.0.0.1:1>\r\n${authorization}` +
    'Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n'
  );
}

function finalOf(call: { on(event: 'failed', f: (r: unknown) => void): unknown }): Promise<number> {
  return new Promise((resolve) => call.on('failed', (r) => resolve((r as SipResponse).status ?? 0)));
}

describe('sipkit-server', () => {
  it('registers with digest authentication (401, then 200) and refuses a wrong password', async () => {
    const { server } = await started();
    const alice = await ua(server, 'alice');
    const ok = await alice.register('sip:sipkit.test');
    expect(ok.status).toBe(200);
    expect(server.registrar.counters.challenged).toBe(1);
    expect(await server.location.lookup('sip:alice@sipkit.test', Date.now())).toHaveLength(1);
    const mallory = await ua(server, 'bob', { password: 'wrong' });
    const refused = await mallory.register('sip:sipkit.test');
    // One retry with credentials; the second 401 is final.
    expect(refused.status).toBe(401);
    expect(await server.location.lookup('sip:bob@sipkit.test', Date.now())).toHaveLength(0);
  });

  it('connects a call between two registered users (UDP), authenticating the caller with 407', async () => {
    const { server } = await started();
    const alice = await ua(server, 'alice');
    const bob = await ua(server, 'bob');
    expect((await bob.register('sip:sipkit.test')).status).toBe(200);
    bob.on('invite', (call) => {
      call.ring();
      call.accept({ body: 'v=0\r\n' });
    });
    const call = alice.invite('sip:bob@sipkit.test', { body: 'v=0\r\n' });
    const progress: number[] = [];
    call.on('progress', (r) => progress.push(r.status));
    await until(() => call.state === 'established');
    expect(progress).toContain(180);
    await call.bye();
    await until(() => call.state === 'terminated');
    const text = await (await fetch(`${server.http?.url}/metrics`)).text();
    expect(text).toMatch(/sipkit_responses_total\{code="407"\} 1/);
    expect(text).toMatch(/sipkit_requests_total\{method="INVITE"\} 2/);
    expect(text).toMatch(/sipkit_requests_total\{method="BYE"\} 1/);
  });

  it('routes a dialog’s requests to the remote target even when its host is one of our domains (§12.2.1.1, §16.5)', async () => {
    // The embedded defaults serve 127.0.0.1 too, where the user agents' Contacts are.
    const { server } = await started({ domains: ['sipkit.test', '127.0.0.1'] });
    const alice = await ua(server, 'alice');
    const bob = await ua(server, 'bob');
    expect((await bob.register('sip:sipkit.test')).status).toBe(200);
    let incoming: { state: string } | undefined;
    bob.on('invite', (c) => {
      incoming = c;
      c.accept({ body: 'v=0\r\n' });
    });
    const call = alice.invite('sip:bob@sipkit.test', { body: 'v=0\r\n' });
    await until(() => call.state === 'established');
    // The BYE's Request-URI is bob's Contact, sip:bob@127.0.0.1:port: not an AOR to look up.
    expect((await call.bye()).status).toBe(200);
    expect(incoming?.state).toBe('terminated');
  });

  it('connects a call over TCP and sends it over the callee’s own registration connection (RFC 5626 §5.3)', async () => {
    const { server } = await started();
    const alice = await ua(server, 'alice', { transport: 'tcp' });
    const bob = await ua(server, 'bob', { transport: 'tcp' });
    expect((await bob.register('sip:sipkit.test')).status).toBe(200);
    const [binding] = await server.location.lookup('sip:bob@sipkit.test', Date.now());
    expect(binding?.source).toMatch(/^sip:127\.0\.0\.1:\d+;transport=tcp$/);
    bob.on('invite', (call) => call.accept({ body: 'v=0\r\n' }));
    const call = alice.invite('sip:bob@sipkit.test', { body: 'v=0\r\n' });
    await until(() => call.state === 'established');
    await call.bye();
    await until(() => call.state === 'terminated');
  });

  it('answers 404 for an unknown user, 480 for a known one not registered', async () => {
    const { server, logs } = await started();
    const alice = await ua(server, 'alice');
    const unknown = alice.invite('sip:nobody@sipkit.test');
    expect(await finalOf(unknown)).toBe(404);
    const offline = alice.invite('sip:carol@sipkit.test');
    expect(await finalOf(offline)).toBe(480);
    expect(logs.lines.some((l) => l.msg === 'refused' && l.status === 404)).toBe(true);
  });

  it('refuses requests for other domains, and never relays for strangers', async () => {
    const { server } = await started();
    const alice = await ua(server, 'alice');
    const call = alice.invite('sip:someone@elsewhere.example');
    expect(await finalOf(call)).toBe(403);
    await server.close();
    const forwarding = await started({ foreign: 'forward' });
    const stranger = await userAgent(forwarding.server, 'eve');
    agents.push(stranger);
    // eve@sipkit.test is not a user: authentication fails, no relaying.
    const relay = stranger.invite('sip:someone@elsewhere.example');
    expect(await finalOf(relay)).toBe(407);
  });

  it('forwards a call of our own user to another domain when configured to (RFC 3263 §4.1, numeric host)', async () => {
    const { server } = await started({ foreign: 'forward' });
    const alice = await ua(server, 'alice');
    // dave is a UA elsewhere (no registration with us), reached by the address in his URI.
    const daveTransport = await udpTransport({ host: '127.0.0.1', port: 0 });
    const dave = new UserAgent({
      transports: [daveTransport],
      aor: `sip:dave@127.0.0.1:${daveTransport.local.port}`,
      sessionExpires: 0,
    });
    agents.push(dave);
    dave.on('invite', (c) => c.accept({ body: 'v=0\r\n' }));
    const call = alice.invite(`sip:dave@127.0.0.1:${daveTransport.local.port}`, { body: 'v=0\r\n' });
    await until(() => call.state === 'established');
    await call.bye();
    await until(() => call.state === 'terminated');
  });

  it('answers malformed input with 400, counts and logs it, and keeps serving', async () => {
    const { server, logs } = await started();
    const port = portOf(server, 'udp');
    const { sock, replies } = await rawUdp();
    const bad =
      'OPTIONS sip:sipkit.test SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:1;rport;branch=z9hG4bKbad\r\nCSeq: one OPTIONS\r\n' +
      'Call-ID: x\r\nFrom: <sip:a@sipkit.test>;tag=1\r\nTo: <sip:b@sipkit.test>\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n';
    sock.send(bad, port, '127.0.0.1');
    sock.send('\x00\x01garbage that is not SIP at all', port, '127.0.0.1');
    await until(() => replies.length > 0);
    expect(replies[0]).toMatch(/^SIP\/2\.0 400 /);
    // The garbage never parsed: dropped by the transport layer. The bad CSeq parsed far enough
    // to answer: 400 without a transaction. Both are logged and counted.
    await until(() => logs.lines.filter((l) => l.msg === 'dropped' && l.reason === 'malformed').length === 2);
    expect(logs.lines.some((l) => l.msg === 'dropped' && /CSeq/.test(String(l.err)))).toBe(true);
    sock.close();
    const text = await (await fetch(`${server.http?.url}/metrics`)).text();
    expect(text).toMatch(/sipkit_transport_total\{event="malformed"\} 1/);
    expect(text).toMatch(/sipkit_transactions_total\{event="malformedRequests"\} 1/);
    expect(text).toMatch(/sipkit_dropped_total\{reason="malformed"\} 2/);
    // The UDP socket counted both datagrams in, and the 400 out.
    expect(Number(/sipkit_udp_datagrams_total\{event="received"\} (\d+)/.exec(text)?.[1])).toBeGreaterThanOrEqual(2);
    expect(Number(/sipkit_udp_datagrams_total\{event="sent"\} (\d+)/.exec(text)?.[1])).toBeGreaterThanOrEqual(1);
    // Still serving.
    const alice = await ua(server, 'alice');
    expect((await alice.register('sip:sipkit.test')).status).toBe(200);
  });

  it('challenges a REGISTER without credentials statelessly (§8.2.7): no transaction, a retransmission answered anew', async () => {
    const { server } = await started();
    const port = portOf(server, 'udp');
    const { sock, replies } = await rawUdp();
    const register = rawRegister('sl');
    sock.send(register, port, '127.0.0.1');
    await until(() => replies.length === 1);
    sock.send(register, port, '127.0.0.1');
    await until(() => replies.length === 2);
    sock.close();
    const nonces = replies.map((r) => /^SIP\/2\.0 401 [\s\S]*nonce="([^"]+)"/.exec(r)?.[1]);
    // Each copy was challenged on its own: no transaction resent the first 401.
    expect(nonces[0]).toBeDefined();
    expect(nonces[1]).toBeDefined();
    expect(nonces[1]).not.toBe(nonces[0]);
    expect(server.proxy.layer?.size).toMatchObject({ server: 0, completed: 0 });
    const text = await (await fetch(`${server.http?.url}/metrics`)).text();
    expect(text).toMatch(/sipkit_transactions_total\{event="statelessAnswers"\} 2/);
    expect(text).toMatch(/sipkit_requests_total\{method="REGISTER"\} 2/);
    // A client that answers the challenge registers as before (statefully).
    const alice = await ua(server, 'alice');
    expect((await alice.register('sip:sipkit.test')).status).toBe(200);
    expect(server.registrar.counters).toMatchObject({ challenged: 3, ok: 1 });
  });

  it('registers statelessly (§8.2.7): 401 and 200 with no transaction, a retransmitted REGISTER answered 200 again', async () => {
    const { server } = await started();
    const port = portOf(server, 'udp');
    const { sock, replies } = await rawUdp();
    const register = (cseq: number, authorization = '') => rawRegister('sr', { cseq, authorization });
    sock.send(register(1), port, '127.0.0.1');
    await until(() => replies.length === 1);
    const challenge = parseMessage(new TextEncoder().encode(replies[0])) as SipResponse;
    expect(challenge.status).toBe(401);
    const picked = pickChallenge(challenge.wwwAuthenticate);
    if (picked === undefined) throw new Error('no challenge');
    const second = register(2);
    const auth = digestAuthorization(
      picked,
      { username: 'alice', password: 'alice-secret' },
      parseMessage(new TextEncoder().encode(second)) as SipRequest,
    );
    const retried = register(2, `Authorization: ${auth}\r\n`);
    sock.send(retried, port, '127.0.0.1');
    await until(() => replies.length === 2);
    // The 200 was "lost": the UA sends the same request again, the same credentials in it.
    sock.send(retried, port, '127.0.0.1');
    await until(() => replies.length === 3);
    sock.close();
    expect(replies.map((r) => r.slice(0, 15))).toEqual(['SIP/2.0 401 Una', 'SIP/2.0 200 OK\r', 'SIP/2.0 200 OK\r']);
    expect(replies[2]).toMatch(/Contact: <sip:alice@127\.0\.0\.1:1>;expires=\d+/);
    const bindings = await server.location.lookup('sip:alice@sipkit.test', Date.now());
    expect(bindings.map((b) => [b.contact, b.cseq])).toEqual([['sip:alice@127.0.0.1:1', 2]]);
    // Nothing was kept per REGISTER: no server transaction, no completed entry.
    expect(server.proxy.layer?.counters.serverStarted).toBe(0);
    expect(server.proxy.layer?.size).toMatchObject({ server: 0, completed: 0 });
    expect(server.registrar.counters).toMatchObject({ challenged: 1, ok: 2 });
  });

  it('refuses a REGISTER for another domain with 404 (§10.3 step 1), with no transaction', async () => {
    const { server } = await started();
    const port = portOf(server, 'udp');
    const { sock, replies } = await rawUdp();
    sock.send(rawRegister('fd', { domain: 'elsewhere.test' }), port, '127.0.0.1');
    await until(() => replies.length === 1);
    sock.close();
    expect(replies[0]).toMatch(/^SIP\/2\.0 404 Not Found \(not a domain of this registrar\)\r\n/);
    expect(server.proxy.layer?.counters.serverStarted).toBe(0);
    expect(server.proxy.layer?.size).toMatchObject({ server: 0, completed: 0 });
  });

  it('discards a retransmitted REGISTER while its first copy is still with the location service (§17.2.2)', async () => {
    // A "Redis" that accepts the connection and never answers: every location update hangs.
    const held = new Set<Socket>();
    const silent = createServer((c) => {
      held.add(c);
      c.on('error', () => undefined);
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const redisPort = (silent.address() as AddressInfo).port;
    try {
      const { server } = await started({
        location: { type: 'redis', url: `redis://127.0.0.1:${redisPort}` },
        auth: { register: false, secret: 'a test secret of enough length' },
      });
      const port = portOf(server, 'udp');
      const { sock, replies } = await rawUdp();
      const register = rawRegister('sp');
      for (let i = 0; i < 3; i++) {
        sock.send(register, port, '127.0.0.1');
        await new Promise((r) => setTimeout(r, 100));
      }
      sock.close();
      // One request taken (the first), its answer pending; the two copies discarded, no transaction.
      expect(replies).toEqual([]);
      const text = await (await fetch(`${server.http?.url}/metrics`)).text();
      expect(text).toMatch(/sipkit_requests_total\{method="REGISTER"\} 1\n/);
      expect(server.proxy.layer?.size).toMatchObject({ server: 0, completed: 0 });
    } finally {
      await server?.close();
      server = undefined;
      for (const c of held) c.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });

  it('sweeps expired registrations out of the memory store once a second', async () => {
    const { server } = await started();
    const memory = server.location as MemoryLocationService;
    const now = Date.now();
    const binding = {
      key: 'sip:gone@127.0.0.1:9',
      contact: 'sip:gone@127.0.0.1:9',
      expires: now + 300,
      callId: 'c',
      cseq: 1,
      updated: now,
    };
    expect((await memory.update('sip:gone@sipkit.test', [{ binding, remove: false }], now, 10)).ok).toBe(true);
    expect(memory.size).toBe(1);
    // Reads never see it once expired; the sweep frees it.
    await until(() => memory.size === 0, 5_000);
    expect(await memory.lookup('sip:gone@sipkit.test', Date.now())).toEqual([]);
  });

  it('advertises a reachable host for a listener bound to every interface (Via, Record-Route), and takes Routes to it', async () => {
    const port = await freePort();
    const { server, logs } = await started({
      listen: [{ transport: 'udp', host: '0.0.0.0', port, advertise: '127.0.0.1' }],
    });
    expect(server.listeners).toEqual([{ transport: 'udp', host: '0.0.0.0', port }]);
    expect(server.proxy.recordRouteUri).toBe(`sip:127.0.0.1:${port};lr`);
    expect(logs.lines.some((l) => l.key === 'listen.0.advertise')).toBe(false);
    const alice = await ua(port, 'alice');
    const bob = await ua(port, 'bob');
    expect((await bob.register('sip:sipkit.test')).status).toBe(200);
    let invite: SipRequest | undefined;
    bob.on('invite', (call) => {
      invite = call.invite;
      call.accept({ body: 'v=0\r\n' });
    });
    const call = alice.invite('sip:bob@sipkit.test', { body: 'v=0\r\n' });
    await until(() => call.state === 'established');
    expect(invite?.vias[0]?.host).toBe('127.0.0.1');
    expect(invite?.getAll('Record-Route')).toEqual([`<sip:127.0.0.1:${port};lr>`]);
    expect(invite?.getAll('Via').join()).not.toContain('0.0.0.0');
    // The BYE comes back along the Record-Route: to the advertised host, ours.
    await call.bye();
    await until(() => call.state === 'terminated');
  });

  it('behind a one-to-one NAT: names the advertised host, and takes the bound address as ours too', async () => {
    const port = await freePort();
    const { server } = await started({
      listen: [{ transport: 'udp', host: '127.0.0.1', port, advertise: 'sip.example.test' }],
    });
    expect(server.proxy.recordRouteUri).toBe(`sip:sip.example.test:${port};lr`);
    expect(server.proxy.isLocal(parseUri(`sip:sip.example.test:${port}`))).toBe(true);
    expect(server.proxy.isLocal(parseUri(`sip:127.0.0.1:${port}`))).toBe(true);
    expect(server.proxy.isLocal(parseUri(`sip:127.0.0.1:${port + 1}`))).toBe(false);
  });

  it('picks an interface address for a listener on every interface with no advertise, and says which key to set', async () => {
    const port = await freePort();
    const { server, logs } = await started({ listen: [{ transport: 'udp', host: '0.0.0.0', port }] });
    const warned = logs.lines.find((l) => l.key === 'listen.0.advertise');
    expect(warned?.advertise).toEqual(expect.any(String));
    expect(warned?.advertise).not.toBe('0.0.0.0');
    expect(server.proxy.recordRouteUri).toBe(`sip:${String(warned?.advertise)}:${port};lr`);
    // Every interface address on that port is ours (§16.4), loopback included.
    expect(server.proxy.isLocal(parseUri(`sip:127.0.0.1:${port}`))).toBe(true);
  });

  it('counts every dropped datagram but logs at most 20 a second one by one, then sums up the rest', async () => {
    const { server, logs } = await started();
    const port = portOf(server, 'udp');
    const sock = createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    for (let i = 0; i < 50; i++) sock.send(`garbage ${i}\x00`, port, '127.0.0.1');
    await until(() => (server.proxy.layer?.transport.counters.malformed ?? 0) >= 50);
    await new Promise((r) => setTimeout(r, 1100));
    sock.send('one more\x00', port, '127.0.0.1');
    await until(() => logs.lines.some((l) => l.msg === 'dropped (more, not logged one by one)'));
    sock.close();
    expect(logs.lines.filter((l) => l.msg === 'dropped')).toHaveLength(21);
    expect(logs.lines.find((l) => l.msg === 'dropped (more, not logged one by one)')?.suppressed).toBe(30);
  });

  it('drains on request: health turns 503, no new connections, new calls get 503, then it closes', async () => {
    const { server } = await started();
    const tcpPort = portOf(server, 'tcp');
    const connectTcp = () =>
      new Promise<Socket>((resolve, reject) => {
        const s = connect({ host: '127.0.0.1', port: tcpPort }, () => resolve(s));
        s.once('error', reject);
      });
    const kept = await connectTcp();
    expect((await fetch(`${server.http?.url}/health`)).status).toBe(200);
    const alice = await ua(server, 'alice');
    const bob = await ua(server, 'bob');
    expect((await bob.register('sip:sipkit.test')).status).toBe(200);
    let answer: (() => void) | undefined;
    bob.on('invite', (call) => {
      call.ring();
      answer = () => call.accept({ body: 'v=0\r\n' });
    });
    // A call in progress when the drain starts still completes.
    const live = alice.invite('sip:bob@sipkit.test', { body: 'v=0\r\n' });
    await until(() => answer !== undefined);
    const drained = server.drain(3000);
    expect((await fetch(`${server.http?.url}/health`)).status).toBe(503);
    // No new connection is accepted; one opened before still carries requests (answered 503).
    await expect(connectTcp()).rejects.toThrow(/ECONNREFUSED/);
    const reply = new Promise<string>((resolve) => kept.once('data', (d: Buffer) => resolve(d.toString('latin1'))));
    kept.write(
      'OPTIONS sip:sipkit.test SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bKdrain1\r\nMax-Forwards: 70\r\n' +
        'From: <sip:alice@sipkit.test>;tag=1\r\nTo: <sip:sipkit.test>\r\nCall-ID: drain1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n',
    );
    expect(await reply).toMatch(/^SIP\/2\.0 503 /);
    kept.destroy();
    const late = alice.invite('sip:bob@sipkit.test');
    expect(await finalOf(late)).toBe(503);
    answer?.();
    await until(() => live.state === 'established');
    await drained;
    expect(live.state).toBe('established');
  });
});

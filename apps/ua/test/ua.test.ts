// sipkit-ua on real loopback sockets against a registrar and proxy built from the SIPKit
// packages (test/server.ts): registration with digest, calls through the proxy over UDP, TCP
// and WebSocket, failures, CANCEL, MESSAGE, OPTIONS, and the command line's own errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { names, ua } from './harness.js';
import { startServer, type TestServer, TLS } from './server.js';

let server: TestServer;
let proxy: string;
beforeAll(async () => {
  server = await startServer();
  proxy = server.uri;
});
afterAll(async () => {
  await server.close();
});

const alice = () => ['--aor', 'sip:alice@example.com', '--password', 'wonderland'];
const bob = () => ['--aor', 'sip:bob@example.com', '--password', 'builder'];
const bindings = async (user: string) =>
  (await server.location.lookup(`sip:${user}@example.com`, Date.now())).map((b) => b.contact);

describe('register (RFC 3261 §10.2)', () => {
  it('answers the 401 with digest credentials and is registered by the 200 (RFC 3665 §2.1)', async () => {
    const before = { ...server.registrar.counters };
    const run = ua(['register', ...alice(), '--registrar', proxy, '--expires', '600', '--verbose']);
    expect(await run.exit).toBe(0);
    const out = run.stdout();
    // --verbose shows the exchange: REGISTER, 401 with a challenge, REGISTER with credentials, 200.
    const challenge = out.indexOf('SIP/2.0 401 ');
    const ok = out.indexOf('SIP/2.0 200 OK');
    expect(challenge).toBeGreaterThan(0);
    expect(ok).toBeGreaterThan(challenge);
    expect(out).toMatch(/WWW-Authenticate: Digest /);
    expect(out).toMatch(/Authorization: Digest username="alice"/);
    expect(out).toMatch(/^\d\d:\d\d:\d\d\.\d{3} 200 OK: registered sip:alice@127\.0\.0\.1:\d+ for 600 s/m);
    expect(server.registrar.counters.challenged - before.challenged).toBe(1);
    expect(server.registrar.counters.ok - before.ok).toBe(1);
    const contact = /registered (sip:alice@127\.0\.0\.1:\d+)/.exec(out)?.[1];
    expect(await bindings('alice')).toContain(contact);

    // --unregister from the same address removes that binding (Expires 0).
    const port = contact?.split(':')[2] ?? '';
    const un = ua([
      'register',
      ...alice(),
      '--registrar',
      proxy,
      '--unregister',
      '--local',
      `127.0.0.1:${port}`,
      '--json',
    ]);
    expect(await un.exit).toBe(0);
    expect(names(un)).toEqual(['registering', 'unregistered']);
    expect(await bindings('alice')).toEqual([]);
  });

  it('without credentials is refused: the 401 is shown and the exit code is 1', async () => {
    const run = ua(['register', '--aor', 'sip:carol@example.com', '--registrar', proxy, '--json']);
    expect(await run.exit).toBe(1);
    const failed = run.events().find((e) => e.event === 'register-failed');
    expect(failed).toMatchObject({ status: 401, reason: 'Unauthorized' });
    expect(await bindings('carol')).toEqual([]);
  });

  it('with a wrong password is refused after one retry (401 twice, exit 1)', async () => {
    const run = ua(['register', '--aor', 'sip:carol@example.com', '--password', 'wrong', '--registrar', proxy]);
    expect(await run.exit).toBe(1);
    expect(run.stdout()).toMatch(/registration refused: 401 Unauthorized \(the credentials were refused\)/);
  });
});

describe('call and answer through the proxy', () => {
  it('rings, is answered with SDP, and the caller hangs up with BYE after --hangup-after', async () => {
    const callee = ua(['answer', ...bob(), '--register', '--proxy', proxy, '--max-calls', '1', '--json']);
    await callee.next('registered');
    const started = Date.now();
    const caller = ua(['call', 'sip:bob@example.com', ...alice(), '--proxy', proxy, '--hangup-after', '0.3', '--json']);
    expect(await caller.exit).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    const events = caller.events();
    // 100 Trying comes only when an element takes longer than 200 ms (§17.2.1); 180 always.
    const progress = events.filter((e) => e.event === 'progress').map((e) => e.status);
    expect([...new Set(progress.filter((s) => s !== 100))]).toEqual([180]);
    const established = events.find((e) => e.event === 'established');
    expect(established).toMatchObject({ status: 200, reason: 'OK' });
    expect(String(established?.sdp)).toMatch(/^audio \d+ PCMU,PCMA,telephone-event at 127\.0\.0\.1$/);
    expect(names(caller).filter((n) => n !== 'progress')).toEqual(['calling', 'established', 'hangup', 'bye']);
    expect(events.find((e) => e.event === 'bye')).toMatchObject({ status: 200 });
    // The proxy challenged alice's INVITE (407) and the UA answered it.
    expect(server.proxyChallenges).toContain('INVITE');

    // The callee saw the call through, then unregistered and exited after --max-calls 1.
    expect(await callee.exit).toBe(0);
    expect(names(callee)).toEqual([
      'listening',
      'registering',
      'registered',
      'incoming',
      'ringing',
      'answered',
      'established',
      'ended',
      'registering',
      'unregistered',
    ]);
    expect(callee.events().find((e) => e.event === 'ended')).toMatchObject({ reason: 'bye' });
    expect(String(callee.events().find((e) => e.event === 'incoming')?.sdp)).toMatch(/^audio \d+ PCMU/);
    expect(await bindings('bob')).toEqual([]);
  });

  it('shows progress lines with timestamps in text mode (183 with early media), and the callee can hang up', async () => {
    const callee = ua([
      'answer',
      ...bob(),
      '--register',
      '--proxy',
      proxy,
      '--max-calls',
      '1',
      '--early-media',
      '--auto-answer-after',
      '0.1',
      '--hangup-after',
      '0.2',
    ]);
    while (!/registered/.test(callee.stdout())) await new Promise((r) => setTimeout(r, 5));
    const caller = ua(['call', 'sip:bob@example.com', ...alice(), '--proxy', proxy]);
    expect(await caller.exit).toBe(0);
    const out = caller.stdout();
    expect(out).toMatch(/^\d\d:\d\d:\d\d\.\d{3} calling sip:bob@example\.com from sip:alice@example\.com via /m);
    expect(out).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} 183 Session Progress \(early media: audio \d+ PCMU,PCMA,telephone-event at 127\.0\.0\.1\)$/m,
    );
    expect(out).toMatch(/^\d\d:\d\d:\d\d\.\d{3} 200 OK: call established \(answer: audio \d+ /m);
    expect(out).toMatch(/^\d\d:\d\d:\d\d\.\d{3} the other side hung up after \d+\.\d s$/m);
    expect(await callee.exit).toBe(0);
    expect(callee.stdout()).toMatch(/BYE answered 200 OK/);
  });

  it('fails with exit code 1 and the status for an unknown user (404) and an offline one (480)', async () => {
    const unknown = ua(['call', 'sip:nobody@example.com', ...alice(), '--proxy', proxy]);
    expect(await unknown.exit).toBe(1);
    expect(unknown.stdout()).toMatch(/call failed: 404 Not Found/);
    const offline = ua(['call', 'sip:carol@example.com', ...alice(), '--proxy', proxy, '--json']);
    expect(await offline.exit).toBe(1);
    expect(offline.events().at(-1)).toMatchObject({ event: 'failed', status: 480 });
  });

  it('fails with the callee’s refusal (486 Busy Here)', async () => {
    const callee = ua(['answer', ...bob(), '--register', '--proxy', proxy, '--max-calls', '1', '--reject', '486']);
    while (!/registered/.test(callee.stdout())) await new Promise((r) => setTimeout(r, 5));
    const caller = ua(['call', 'sip:bob@example.com', ...alice(), '--proxy', proxy, '--json']);
    expect(await caller.exit).toBe(1);
    expect(caller.events().at(-1)).toMatchObject({ event: 'failed', status: 486, reason: 'Busy Here' });
    expect(await callee.exit).toBe(0);
  });

  it('cancels a ringing call (§9.1): 487, exit 1, and the callee sees the CANCEL', async () => {
    const callee = ua([
      'answer',
      ...bob(),
      '--register',
      '--proxy',
      proxy,
      '--max-calls',
      '1',
      '--auto-answer-after',
      '30',
      '--json',
    ]);
    await callee.next('registered');
    const caller = ua(['call', 'sip:bob@example.com', ...alice(), '--proxy', proxy, '--cancel-after', '0.2', '--json']);
    expect(await caller.exit).toBe(1);
    expect(names(caller)).toContain('cancelling');
    expect(caller.events().at(-1)).toMatchObject({ event: 'failed', status: 487 });
    expect(await callee.exit).toBe(0);
    expect(callee.events().find((e) => e.event === 'ended')).toMatchObject({ reason: 'cancel' });
  });

  it('hangs up on SIGINT and on a key press', async () => {
    const callee = ua(['answer', ...bob(), '--register', '--proxy', proxy, '--json']);
    await callee.next('registered');
    const first = ua(['call', 'sip:bob@example.com', ...alice(), '--proxy', proxy, '--json']);
    await first.next('established');
    first.interrupt();
    expect(await first.exit).toBe(0);
    expect(first.events().find((e) => e.event === 'hangup')).toMatchObject({ reason: 'interrupted' });
    const second = ua(['call', 'sip:bob@example.com', ...alice(), '--proxy', proxy, '--json']);
    await second.next('established');
    second.press('q');
    expect(await second.exit).toBe(0);
    expect(second.events().find((e) => e.event === 'bye')).toMatchObject({ status: 200 });
    // The callee answers until SIGINT, then unregisters.
    callee.interrupt();
    expect(await callee.exit).toBe(0);
    expect(
      callee
        .events()
        .filter((e) => e.event === 'ended')
        .map((e) => e.reason),
    ).toEqual(['bye', 'bye']);
    expect(names(callee).at(-1)).toBe('unregistered');
  });
});

describe('message and options', () => {
  it('delivers a MESSAGE (RFC 3428) to a registered UA, which prints it', async () => {
    const callee = ua(['answer', ...bob(), '--register', '--proxy', proxy, '--json']);
    await callee.next('registered');
    const run = ua(['message', 'sip:bob@example.com', 'hello, bob', ...alice(), '--proxy', proxy, '--json']);
    expect(await run.exit).toBe(0);
    expect(run.events()).toMatchObject([{ event: 'response', method: 'MESSAGE', status: 200 }]);
    expect(server.proxyChallenges).toContain('MESSAGE');
    expect(await callee.next('message')).toMatchObject({ from: 'sip:alice@example.com', text: 'hello, bob' });
    callee.interrupt();
    expect(await callee.exit).toBe(0);
    const offline = ua(['message', 'sip:carol@example.com', 'anyone?', ...alice(), '--proxy', proxy]);
    expect(await offline.exit).toBe(1);
    expect(offline.stdout()).toMatch(/MESSAGE to sip:carol@example\.com: 480 /);
  });

  it('sends OPTIONS and shows the status and capabilities', async () => {
    const callee = ua(['answer', '--local', '127.0.0.1', '--json']);
    const listening = await callee.next('listening');
    const run = ua(['options', `sip:127.0.0.1:${listening.port}`, '--json']);
    expect(await run.exit).toBe(0);
    const res = run.events()[0];
    expect(res).toMatchObject({ event: 'response', method: 'OPTIONS', status: 200 });
    expect(String(res?.Allow)).toMatch(/INVITE.*MESSAGE/);
    callee.interrupt();
    expect(await callee.exit).toBe(0);
    const toProxy = ua(['options', proxy]);
    expect(await toProxy.exit).toBe(0);
    expect(toProxy.stdout()).toMatch(/OPTIONS to sip:127\.0\.0\.1:\d+: 200 OK; Allow: /);
  });
});

describe('over TCP, TLS and WebSocket', () => {
  it('registers and calls over TCP', async () => {
    const tcp = ['--transport', 'tcp', '--proxy', `${proxy};transport=tcp`];
    const callee = ua(['answer', ...bob(), ...tcp, '--register', '--max-calls', '1', '--json']);
    await callee.next('registered');
    expect(await bindings('bob')).toEqual([expect.stringMatching(/;transport=tcp$/)]);
    const caller = ua(['call', 'sip:bob@example.com', ...alice(), ...tcp, '--hangup-after', '0.1', '--json']);
    expect(await caller.exit).toBe(0);
    expect(names(caller)).toContain('established');
    expect(await callee.exit).toBe(0);
    expect(names(callee).slice(3, 8)).toEqual(['incoming', 'ringing', 'answered', 'established', 'ended']);
    expect(server.seen).toContain('INVITE/TCP');
    expect(server.seen).toContain('BYE/TCP');
  });

  it('registers and calls over TLS, verifying the certificates', async () => {
    const tls = [
      '--transport',
      'tls',
      '--tls-cert',
      TLS.certFile,
      '--tls-key',
      TLS.keyFile,
      '--tls-ca',
      TLS.certFile,
      '--proxy',
      `sip:127.0.0.1:${server.tlsPort};transport=tls`,
    ];
    const callee = ua(['answer', ...bob(), ...tls, '--register', '--max-calls', '1', '--json']);
    await callee.next('registered');
    expect(await bindings('bob')).toEqual([expect.stringMatching(/;transport=tls$/)]);
    const caller = ua(['call', 'sip:bob@example.com', ...alice(), ...tls, '--hangup-after', '0.1', '--json']);
    expect(await caller.exit).toBe(0);
    expect(names(caller)).toContain('established');
    expect(await callee.exit).toBe(0);
    expect(names(callee).slice(3, 8)).toEqual(['incoming', 'ringing', 'answered', 'established', 'ended']);
    expect(server.seen).toContain('INVITE/TLS');
    expect(server.seen).toContain('BYE/TLS');
  });

  it('does not call over TLS when the proxy certificate is not trusted', async () => {
    // Without --tls-ca the system store is used, which does not know the test certificate.
    const tls = ['--transport', 'tls', '--tls-cert', TLS.certFile, '--tls-key', TLS.keyFile];
    const run = ua(['options', `sip:127.0.0.1:${server.tlsPort};transport=tls`, ...tls, '--json']);
    expect(await run.exit).toBe(3);
    expect(run.events()[0]).toMatchObject({ event: 'failed', method: 'OPTIONS' });
  });

  it('registers and calls over WebSocket (RFC 7118), both ends on ws', async () => {
    const ws = ['--transport', 'ws', '--proxy', `sip:127.0.0.1:${server.wsPort};transport=ws`];
    const callee = ua(['answer', ...bob(), ...ws, '--register', '--max-calls', '1', '--json']);
    const registered = await callee.next('registered');
    expect(String((registered.contacts as string[])[0])).toMatch(/^sip:bob@[a-z0-9]+\.invalid;transport=ws$/);
    const caller = ua(['call', 'sip:bob@example.com', ...alice(), ...ws, '--hangup-after', '0.1', '--json']);
    expect(await caller.exit).toBe(0);
    expect(names(caller).filter((n) => n !== 'progress')).toEqual(['calling', 'established', 'hangup', 'bye']);
    expect(caller.events().find((e) => e.event === 'progress' && e.status === 180)).toBeDefined();
    expect(await callee.exit).toBe(0);
    // The callee got the INVITE, the ACK and the BYE over its own connection.
    expect(names(callee).slice(3, 8)).toEqual(['incoming', 'ringing', 'answered', 'established', 'ended']);
    expect(server.seen).toContain('INVITE/WS');
    expect(server.seen).toContain('BYE/WS');
  });
});

describe('the command line', () => {
  const bad: [string, string[], RegExp][] = [
    ['an unknown flag', ['call', 'sip:bob@example.com', '--frobnicate'], /unknown flag --frobnicate for call/],
    [
      'a flag of another command',
      ['call', 'sip:bob@example.com', '--unregister'],
      /--unregister is not a flag of call/,
    ],
    [
      'a bad transport',
      ['options', 'sip:a@b', '--transport', 'smtp'],
      /--transport must be one of udp, tcp, tls, ws, wss/,
    ],
    ['a flag without its value', ['register', '--aor'], /--aor needs a value \(URI\)/],
    ['a bad --aor', ['register', '--aor', 'mailto:a@b'], /--aor must be a sip: or sips: URI/],
    ['bad seconds', ['call', 'sip:b@c', '--hangup-after', 'soon'], /--hangup-after must be a number of seconds/],
    ['a bad --local', ['call', 'sip:b@c', '--local', 'example.com:5060'], /--local must be an IP address/],
    ['a bad --max-calls', ['answer', '--max-calls', '0'], /--max-calls must be a whole number from 1/],
    ['a missing target', ['call'], /call needs a URI/],
    ['a missing text', ['message', 'sip:bob@example.com'], /message needs a URI and a TEXT/],
    ['an unknown command', ['dial', 'sip:bob@example.com'], /unknown command "dial"/],
    ['no command', [], /a command is needed/],
    ['register without --aor', ['register', '--registrar', 'sip:127.0.0.1'], /register needs --aor/],
  ];
  for (const [what, args, message] of bad) {
    it(`exits 2 naming the problem for ${what}`, async () => {
      const run = ua(args);
      expect(await run.exit).toBe(2);
      expect(run.stderr()).toMatch(message);
      expect(run.stdout()).toBe('');
    });
  }

  it('prints help and exits 0', async () => {
    const run = ua(['call', '--help']);
    expect(await run.exit).toBe(0);
    expect(run.stdout()).toMatch(/^usage: sipkit-ua call URI/);
    expect(run.stdout()).toMatch(/--hangup-after SECONDS/);
  });

  it('exits 3 when nothing answers (no response to OPTIONS: transport error)', async () => {
    // A TCP port nobody listens on: the connection is refused at once.
    const run = ua(['options', 'sip:127.0.0.1:9;transport=tcp', '--transport', 'tcp', '--json']);
    expect(await run.exit).toBe(3);
    expect(run.events()[0]).toMatchObject({ event: 'failed', method: 'OPTIONS' });
  });
});

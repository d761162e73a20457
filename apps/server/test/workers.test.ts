// `sipkit-server --workers N`: every message of a call reaches the worker that owns it, over UDP
// and over a connection another worker holds; a killed worker is restarted and the registrations
// survive it; SIGTERM drains them all.
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IncomingCall, UserAgent } from '@sipkit/dialog';
import { nativeUdpAvailable } from '@sipkit/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callIdHash, callIdStringHash } from '../src/owner.js';
import { freePort, type RunningServer, runServer, until, userAgent } from './helpers.js';

describe('the owner of a message (Call-ID hash)', () => {
  const msg = (head: string) => Buffer.from(`INVITE sip:b@x SIP/2.0\r\n${head}\r\n\r\nCall-ID: not-this\r\n`);
  it('reads the long and the compact form, any case, without surrounding whitespace (RFC 3261 §7.3.1, §7.3.3)', () => {
    const want = callIdStringHash('a84b4c76e66710@pc33.atlanta.com');
    expect(callIdHash(msg('Via: SIP/2.0/UDP h\r\nCall-ID: a84b4c76e66710@pc33.atlanta.com'))).toBe(want);
    expect(callIdHash(msg('CALL-ID :  a84b4c76e66710@pc33.atlanta.com  '))).toBe(want);
    expect(callIdHash(msg('To: <sip:b@x>\r\ni:a84b4c76e66710@pc33.atlanta.com'))).toBe(want);
    expect(callIdHash(msg('I\t: a84b4c76e66710@pc33.atlanta.com'))).toBe(want);
    expect(callIdHash(msg('Call-ID: other@pc33.atlanta.com'))).not.toBe(want);
  });
  it('is -1 when the head has no Call-ID (one in the body does not count) or an empty one', () => {
    expect(callIdHash(msg('Via: SIP/2.0/UDP h\r\nCall-Info: <http://x>\r\nIn-Reply-To: x'))).toBe(-1);
    expect(callIdHash(msg('Call-ID:   '))).toBe(-1);
    expect(callIdHash(Buffer.from('garbage'))).toBe(-1);
  });
});

/** One sample of a metric family from the Prometheus text, summed over its label values. */
function metric(text: string, name: string, label?: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (!rest.startsWith(' ') && !rest.startsWith('{')) continue;
    if (label !== undefined && !rest.includes(label)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** The password the primary printed for a demo user (`alice`, `bob`). */
function demoPassword(server: RunningServer, user: string): string {
  return String(
    server.lines.find((l) => l.msg === 'demo user (no users configured)' && l.user === `${user}@sipkit.test`)?.password,
  );
}

/** `count` calls from `caller` to `callee`, each established, then ended by the caller's BYE. */
async function callAndHangUp(caller: UserAgent, callee: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const call = caller.invite(`sip:${callee}@sipkit.test`, { body: 'v=0\r\n' });
    await until(() => call.state === 'established');
    await call.bye();
    await until(() => call.state === 'terminated');
  }
}

describe('sipkit-server --workers 2', () => {
  let server: RunningServer;
  let port: number;
  let http: string;
  const agents: UserAgent[] = [];
  const passwords = new Map<string, string>();

  beforeAll(async () => {
    port = await freePort();
    server = runServer([
      '--workers',
      '2',
      '--udp',
      `127.0.0.1:${port}`,
      '--tcp',
      `127.0.0.1:${port}`,
      '--http',
      '127.0.0.1:0',
      '--domain',
      'sipkit.test',
    ]);
    const started = await until(() => server.lines.find((l) => l.msg === 'sipkit-server started'), 20_000);
    http = started.http as string;
    for (const l of server.lines.filter((x) => x.msg === 'demo user (no users configured)'))
      passwords.set(String(l.user).split('@')[0] as string, String(l.password));
  }, 30_000);

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.close()));
    server.child.kill('SIGKILL');
  });

  it('starts two workers and prints the demo users once', async () => {
    const started = server.lines.find((l) => l.msg === 'sipkit-server started') as Record<string, unknown>;
    expect(started.workers).toEqual([
      { slot: 0, pid: expect.any(Number) },
      { slot: 1, pid: expect.any(Number) },
    ]);
    expect(started.listeners).toEqual([`udp:127.0.0.1:${port}`, `tcp:127.0.0.1:${port}`]);
    expect([...passwords.keys()]).toEqual(['alice', 'bob']);
    // Each worker writes its own line to the shared stdout, and tells the primary it is ready
    // over IPC: the primary's line may come first.
    await until(() => server.lines.filter((l) => l.msg === 'worker started').length >= 2, 5000);
    expect(server.lines.filter((l) => l.msg === 'worker started')).toHaveLength(2);
  });

  it('shares one UDP socket among the workers through node:cluster by default', () => {
    const started = server.lines.find((l) => l.msg === 'sipkit-server started') as Record<string, unknown>;
    expect(started.udpSockets).toEqual(['cluster']);
  });

  it('completes calls whose messages land on either worker: each reaches the owner of its Call-ID', async () => {
    const alice = await userAgent(port, 'alice', { transport: 'udp', password: passwords.get('alice') as string });
    const bob = await userAgent(port, 'bob', { transport: 'udp', password: passwords.get('bob') as string });
    agents.push(alice, bob);
    // Registered through one worker, the binding is there for both (the primary holds it).
    expect((await bob.register('sip:sipkit.test')).status).toBe(200);
    bob.on('invite', (call) => call.accept({ body: 'v=0\r\n' }));
    // Twenty calls, twenty Call-IDs: both workers own some, and each worker reads messages the
    // other owns. With digest (407 then a new INVITE), CANCEL-free, ACK and BYE from each side.
    await callAndHangUp(alice, 'bob', 20);
    const text = await (await fetch(`${http}/metrics`)).text();
    // Both workers proxied requests, and messages crossed between them.
    expect(metric(text, 'sipkit_requests_total', 'method="INVITE"')).toBeGreaterThanOrEqual(40);
    expect(metric(text, 'sipkit_worker_messages_total', 'kind="forwarded"')).toBeGreaterThan(0);
    expect(metric(text, 'sipkit_worker_messages_total', 'kind="received"')).toBe(
      metric(text, 'sipkit_worker_messages_total', 'kind="forwarded"'),
    );
    // No transaction was started twice: every INVITE transaction ended with its call.
    expect(metric(text, 'sipkit_transactions_total', 'event="timeouts"')).toBe(0);
    // Each call's lookup was answered from the worker's copy of the registrations; only bob's
    // REGISTER (an update) went to the primary.
    expect(metric(text, 'sipkit_worker_messages_total', 'kind="localLookups"')).toBeGreaterThanOrEqual(20);
    expect(metric(text, 'sipkit_worker_messages_total', 'kind="locationCalls"')).toBe(1);
  }, 60_000);

  it('reaches a user registered over TCP from either worker, over the connection the other holds (RFC 5626)', async () => {
    // alice registers over TCP (one worker holds the connection); bob calls from UDP.
    const bob = await userAgent(port, 'bob', { transport: 'udp', password: passwords.get('bob') as string });
    const alice = await userAgent(port, 'alice', { transport: 'tcp', password: passwords.get('alice') as string });
    agents.push(bob, alice);
    expect((await alice.register('sip:sipkit.test')).status).toBe(200);
    let reached = 0;
    alice.on('invite', (call) => {
      reached++;
      call.accept({ body: 'v=0\r\n' });
    });
    await callAndHangUp(bob, 'alice', 10);
    expect(reached).toBe(10);
    const text = await (await fetch(`${http}/metrics`)).text();
    // Some INVITEs were owned by the worker without the connection: it sent through the other.
    expect(metric(text, 'sipkit_worker_messages_total', 'kind="remoteSends"')).toBeGreaterThan(0);
  }, 60_000);

  it('restarts a killed worker; registrations survive and calls go on', async () => {
    const started = server.lines.find((l) => l.msg === 'sipkit-server started') as { workers: { pid: number }[] };
    const victim = started.workers[1]?.pid as number;
    process.kill(victim, 'SIGKILL');
    await until(() => server.lines.find((l) => l.msg === 'worker died' && l.pid === victim));
    const restarted = await until(() => server.lines.find((l) => l.msg === 'worker restarted' && l.slot === 1));
    expect(restarted.pid).not.toBe(victim);
    const alice = await userAgent(port, 'alice', { transport: 'udp', password: passwords.get('alice') as string });
    agents.push(alice);
    // bob (UDP) registered before the kill and did not register again: the new worker's copy
    // of the registrations came from the primary when it started.
    for (let i = 0; i < 10; i++) {
      const call = alice.invite('sip:bob@sipkit.test', { body: 'v=0\r\n' });
      await until(() => call.state === 'established' || call.state === 'terminated');
      expect(call.state).toBe('established');
      await call.bye();
      await until(() => call.state === 'terminated');
    }
  }, 60_000);

  it('drains every worker on SIGTERM and exits 0', async () => {
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(server.lines.filter((l) => l.msg === 'worker stopped')).toHaveLength(2);
    expect(server.lines.at(-1)?.msg).toBe('sipkit-server stopped');
  }, 60_000);
});

/** A base port with `n` consecutive UDP ports free on 127.0.0.1 at the moment. */
async function freeUdpPorts(n: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    const sockets = await Promise.all(
      Array.from({ length: n }, (_, i) => {
        const s = createSocket('udp4');
        return new Promise<Socket | undefined>((resolve) => {
          s.once('error', () => resolve(undefined));
          s.bind(base + i, '127.0.0.1', () => resolve(s));
        });
      }),
    );
    for (const s of sockets) s?.close();
    if (sockets.every((s) => s !== undefined)) return base;
  }
  throw new Error('no free UDP port range');
}

describe('sipkit-server --workers 2 --worker-port-base', () => {
  it('keeps a dialog reachable through its worker after that worker is restarted: the BYE still gets through', async () => {
    const port = await freePort();
    const base = await freeUdpPorts(2);
    // On every interface, advertising loopback: the workers' own sockets are bound to 0.0.0.0
    // too, and their Via and Record-Route must name 127.0.0.1.
    const server = runServer([
      '--workers',
      '2',
      '--udp',
      `0.0.0.0:${port}`,
      '--advertise',
      '127.0.0.1',
      '--worker-port-base',
      String(base),
      '--no-http',
    ]);
    const agents: UserAgent[] = [];
    try {
      const started = await until(() => server.lines.find((l) => l.msg === 'sipkit-server started'), 20_000);
      const alice = await userAgent(port, 'alice', { transport: 'udp', password: demoPassword(server, 'alice') });
      const bob = await userAgent(port, 'bob', { transport: 'udp', password: demoPassword(server, 'bob') });
      agents.push(alice, bob);
      expect((await bob.register('sip:sipkit.test')).status).toBe(200);
      let rr: string | undefined;
      let incoming: IncomingCall | undefined;
      bob.on('invite', (c) => {
        incoming = c;
        rr = c.invite.getValues('Record-Route')[0];
        c.accept({ body: 'v=0\r\n' });
      });
      const call = alice.invite('sip:bob@sipkit.test', { body: 'v=0\r\n' });
      await until(() => call.state === 'established');
      // The dialog's route names one worker's own fixed port: base + slot.
      const rrPort = Number(/:(\d+);lr>$/.exec(rr ?? '')?.[1]);
      expect([base, base + 1]).toContain(rrPort);
      expect(rr).toBe(`<sip:127.0.0.1:${rrPort};lr>`);
      const slot = rrPort - base;
      const victim = (started.workers as { slot: number; pid: number }[])[slot]?.pid as number;
      process.kill(victim, 'SIGKILL');
      await until(() => server.lines.find((l) => l.msg === 'worker restarted' && l.slot === slot), 10_000);
      // The restarted worker holds no state for the call, but the BYE is routed by its Route
      // header (§16.4, §16.6): it reaches bob, and bob's 200 comes back.
      const answer = await call.bye();
      expect(answer.status).toBe(200);
      // Bob got it: his side of the call ended on the BYE, not on a timeout of ours.
      expect(incoming?.state).toBe('terminated');
    } finally {
      await Promise.all(agents.map((a) => a.close()));
      server.child.kill('SIGKILL');
    }
  }, 60_000);
});

describe.runIf(nativeUdpAvailable())('sipkit-server --workers 2 with udpReusePort: true', () => {
  it('binds the UDP port in each worker (SO_REUSEPORT), completes calls, and refuses a second server on that port', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sipkit-workers-'));
    const file = join(dir, 'sipkit.yaml');
    writeFileSync(file, 'udpReusePort: true\n');
    const port = await freePort();
    const server = runServer(['--config', file, '--workers', '2', '--udp', `127.0.0.1:${port}`, '--no-http']);
    const agents: UserAgent[] = [];
    try {
      const started = await until(() => server.lines.find((l) => l.msg === 'sipkit-server started'), 20_000);
      expect(started.udpSockets).toEqual(['reusePort']);
      const alice = await userAgent(port, 'alice', { transport: 'udp', password: demoPassword(server, 'alice') });
      const bob = await userAgent(port, 'bob', { transport: 'udp', password: demoPassword(server, 'bob') });
      agents.push(alice, bob);
      expect((await bob.register('sip:sipkit.test')).status).toBe(200);
      bob.on('invite', (call) => call.accept({ body: 'v=0\r\n' }));
      await callAndHangUp(alice, 'bob', 6);
      // Without the primary's plain bind first, this one's workers would join the group and take
      // part of the first server's traffic.
      const second = runServer(['--config', file, '--workers', '2', '--udp', `127.0.0.1:${port}`, '--no-http']);
      try {
        const outcome = await Promise.race([
          second.exited.then((code) => `exit ${code}`),
          until(() => second.lines.some((l) => l.msg === 'sipkit-server started'), 20_000).then(() => 'started'),
        ]);
        expect(outcome).toBe('exit 1');
        const refusal = second.lines.find((l) => l.msg === 'could not start');
        expect(refusal?.listener).toBe(`udp:127.0.0.1:${port}`);
        expect(String(refusal?.err)).toMatch(/EADDRINUSE|in use/);
      } finally {
        second.child.kill('SIGKILL');
      }
    } finally {
      await Promise.all(agents.map((a) => a.close()));
      server.child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

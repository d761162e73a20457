// Two sipkit-server instances sharing registrations through a real redis-server on loopback.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { UserAgent } from '@sipkit/dialog';
import type { SipResponse } from '@sipkit/parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SipKitServer } from '../src/index.js';
import { freePort, testServer, until, userAgent } from './helpers.js';

let redis: ChildProcess;
let redisPort: number;
const dir = mkdtempSync(join(tmpdir(), 'sipkit-redis-'));
const servers: SipKitServer[] = [];
const agents: UserAgent[] = [];

async function startRedis(): Promise<void> {
  redis = spawn(
    'redis-server',
    ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    {
      stdio: 'ignore',
    },
  );
  // Ready when it answers PING.
  const deadline = Date.now() + 10_000;
  while (!(await ping())) {
    if (Date.now() > deadline) throw new Error('redis-server did not start');
    await new Promise((r) => setTimeout(r, 25));
  }
}

function ping(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(redisPort, '127.0.0.1');
    socket.setTimeout(500);
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => {
      socket.destroy();
      resolve(d.toString().startsWith('+PONG'));
    });
    socket.on('error', () => resolve(false));
    socket.on('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

async function stopRedis(): Promise<void> {
  if (redis.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    redis.once('exit', () => resolve());
    redis.kill('SIGKILL');
  });
}

beforeAll(async () => {
  redisPort = await freePort();
  await startRedis();
});

afterAll(async () => {
  await Promise.all(agents.map((a) => a.close()));
  await Promise.all(servers.map((s) => s.close()));
  await stopRedis();
  rmSync(dir, { recursive: true, force: true });
});

async function instance(): Promise<SipKitServer> {
  const { server } = await testServer({ location: { type: 'redis', url: `redis://127.0.0.1:${redisPort}` } });
  servers.push(server);
  return server;
}

describe('sipkit-server on Redis', () => {
  it('finds a user registered through one instance when called through another', async () => {
    const a = await instance();
    const b = await instance();
    const bob = await userAgent(a, 'bob');
    const alice = await userAgent(b, 'alice');
    agents.push(bob, alice);
    expect((await bob.register('sip:sipkit.test')).status).toBe(200);
    // Instance B sees the binding A wrote, and its nonces verify at A too (same secret).
    expect(await b.location.lookup('sip:bob@sipkit.test', Date.now())).toHaveLength(1);
    bob.on('invite', (call) => call.accept({ body: 'v=0\r\n' }));
    const call = alice.invite('sip:bob@sipkit.test', { body: 'v=0\r\n' });
    await until(() => call.state === 'established');
    await call.bye();
    await until(() => call.state === 'terminated');
  });

  it('reaches a user registered over TCP at one instance, through the instance holding the connection (RFC 5626 §5.2-5.3, RFC 3327 Path)', async () => {
    const a = await instance();
    const b = await instance();
    const bob = await userAgent(a, 'bob', { transport: 'tcp' });
    const alice = await userAgent(b, 'alice');
    agents.push(bob, alice);
    expect((await bob.register('sip:sipkit.test')).status).toBe(200);
    const [binding] = await b.location.lookup('sip:bob@sipkit.test', Date.now());
    // The Path names instance a, the flow signed in its user part.
    expect(binding?.path?.[0]).toMatch(
      new RegExp(`^<sip:[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+@127\\.0\\.0\\.1:${a.listeners[0]?.port};lr;ob>$`),
    );
    const reached: string[] = [];
    bob.on('invite', (call) => {
      reached.push(call.invite.getValues('Via').length.toString());
      call.accept({ body: 'v=0\r\n' });
    });
    const requestsAtA = a.proxy.counters.requests;
    const call = alice.invite('sip:bob@sipkit.test', { body: 'v=0\r\n' });
    await until(() => call.state === 'established');
    // alice → b → a → bob: three Vias at bob (alice's, b's, a's).
    expect(reached).toEqual(['3']);
    expect(a.proxy.counters.requests).toBeGreaterThan(requestsAtA);
    await call.bye();
    await until(() => call.state === 'terminated');
  });

  it('keeps running while Redis is down, answering 500, and recovers when it is back', async () => {
    const { server: a, logs } = await testServer({
      location: { type: 'redis', url: `redis://127.0.0.1:${redisPort}` },
    });
    servers.push(a);
    const carol = await userAgent(a, 'carol');
    agents.push(carol);
    await stopRedis();
    const failed = await carol.register('sip:sipkit.test');
    expect(failed.status).toBeGreaterThanOrEqual(500);
    await startRedis();
    let ok: SipResponse | undefined;
    for (let i = 0; i < 40 && ok?.status !== 200; i++) {
      ok = await carol.register('sip:sipkit.test');
      if (ok.status !== 200) await new Promise((r) => setTimeout(r, 250));
    }
    expect(ok?.status).toBe(200);
    expect(logs.lines.filter((l) => l.msg === 'redis unreachable')).toHaveLength(1);
    expect(logs.lines.some((l) => l.msg === 'redis reachable again')).toBe(true);
  }, 30_000);
});

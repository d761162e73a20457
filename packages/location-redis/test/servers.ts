// Real redis-server processes for the tests: one standalone server and a three-master cluster,
// each on free loopback ports, with their files in a temporary directory that is removed after.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A running set of redis-server processes. */
export interface RedisServers {
  /** The ports clients connect to. */
  readonly ports: readonly number[];
  /** Stops every process and removes the temporary directory. */
  stop(): Promise<void>;
}

/** Fails with what to do when a Redis program is missing: the tests need the real server. */
async function need(program: string): Promise<void> {
  try {
    await run(program, ['--version']);
  } catch {
    throw new Error(
      `${program} was not found on PATH. The @sipkit/location-redis tests run against a real Redis and do not ` +
        'skip without one: install it (Debian/Ubuntu: apt-get install -y redis-server; macOS: brew install redis).',
    );
  }
}

/** A loopback port that was free a moment ago: bind port 0, read the port, close. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A free port p whose cluster bus port p + 10000 is free too. */
async function freeClusterPort(): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const p = await freePort();
    if (p + 10000 <= 65535 && (await isFree(p + 10000))) return p;
  }
  throw new Error('no free port p with p + 10000 free on 127.0.0.1');
}

/** Sends one inline command and resolves with the first reply line, or rejects. */
function ask(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    let got = '';
    socket.setTimeout(1000, () => socket.destroy(new Error('timeout')));
    socket.on('connect', () => socket.write(`${command}\r\n`));
    socket.on('data', (d) => {
      got += d.toString('latin1');
      if (got.includes('\r\n')) {
        socket.end();
        resolve(got);
      }
    });
    socket.on('error', reject);
  });
}

async function until(what: string, ms: number, test: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      if (await test()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`gave up after ${ms} ms waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function startProcess(port: number, dir: string, extra: readonly string[]): ChildProcess {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
  const child = spawn('redis-server', [...args, ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const keep = (d: Buffer): void => {
    log = (log + d.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.on('exit', (code) => {
    if (code !== 0 && code !== null) console.error(`redis-server on ${port} exited with ${code}:\n${log}`);
  });
  return child;
}

async function stopAll(children: readonly ChildProcess[], dir: string): Promise<void> {
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          const force = setTimeout(() => c.kill('SIGKILL'), 3000);
          c.once('exit', () => {
            clearTimeout(force);
            resolve();
          });
          c.kill('SIGTERM');
        }),
    ),
  );
  rmSync(dir, { recursive: true, force: true });
}

/** Starts `redis-server` processes, waits until each answers PING, and returns their ports. */
async function startNodes(
  count: number,
  cluster: boolean,
): Promise<{ ports: number[]; children: ChildProcess[]; dir: string }> {
  await need('redis-server');
  const dir = mkdtempSync(join(tmpdir(), 'sipkit-redis-'));
  const ports: number[] = [];
  const children: ChildProcess[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const port = cluster ? await freeClusterPort() : await freePort();
      const extra = cluster
        ? [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            join(dir, `nodes-${port}.conf`),
            '--cluster-node-timeout',
            '5000',
          ]
        : [];
      ports.push(port);
      children.push(startProcess(port, dir, extra));
    }
    for (const port of ports)
      await until(`redis-server on ${port} answers PING`, 10_000, async () =>
        (await ask(port, 'PING')).startsWith('+PONG'),
      );
    return { ports, children, dir };
  } catch (e) {
    await stopAll(children, dir);
    throw e;
  }
}

/** One standalone redis-server on a free loopback port. */
export async function startRedis(): Promise<RedisServers> {
  const { ports, children, dir } = await startNodes(1, false);
  return { ports, stop: () => stopAll(children, dir) };
}

/** Three cluster-enabled redis-servers joined into one cluster of three masters, no replicas. */
export async function startRedisCluster(): Promise<RedisServers> {
  await need('redis-cli');
  const { ports, children, dir } = await startNodes(3, true);
  try {
    await run(
      'redis-cli',
      ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'],
      { timeout: 30_000 },
    );
    for (const port of ports) {
      await until(`the node on ${port} says cluster_state:ok`, 20_000, async () => {
        const { stdout } = await run('redis-cli', ['-p', String(port), 'cluster', 'info']);
        return stdout.includes('cluster_state:ok');
      });
    }
    return { ports, stop: () => stopAll(children, dir) };
  } catch (e) {
    await stopAll(children, dir);
    throw e;
  }
}

// Shared by the server tests: a server on free loopback ports, user agents, a log sink.
import { type ChildProcess, spawn } from 'node:child_process';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { UserAgent } from '@sipkit/dialog';
import type { Transport } from '@sipkit/transport';
import { tcpTransport, udpTransport } from '@sipkit/transport-node';
import { checkConfig, createLogger, type SipKitServer, startServer } from '../src/index.js';

/** Log lines, parsed, for assertions. */
export class LogSink extends Writable {
  readonly lines: Record<string, unknown>[] = [];
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') this.lines.push(JSON.parse(line));
    done();
  }
}

/** A server on port 0 everywhere (UDP, TCP, WS, HTTP), users alice/bob/carol. */
export async function testServer(
  overrides: Record<string, unknown> = {},
): Promise<{ server: SipKitServer; logs: LogSink }> {
  // UDP and TCP on one port, as on 5060 in production.
  const port = await freePort();
  const config = checkConfig({
    listen: [
      { transport: 'udp', host: '127.0.0.1', port },
      { transport: 'tcp', host: '127.0.0.1', port },
      { transport: 'ws', host: '127.0.0.1', port: 0 },
    ],
    domains: ['sipkit.test'],
    users: [
      { name: 'alice', password: 'alice-secret' },
      { name: 'bob', password: 'bob-secret' },
      { name: 'carol', password: 'carol-secret' },
    ],
    auth: { secret: 'a test secret of enough length' },
    http: '127.0.0.1:0',
    log: { level: 'info' },
    ...overrides,
  });
  const logs = new LogSink();
  const server = await startServer(config, createLogger(config.log, logs));
  return { server, logs };
}

/** A TCP port free at the moment (its UDP twin is almost always free too). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** The bound port of one of the server's listeners. */
export function portOf(server: SipKitServer, transport: string): number {
  const l = server.listeners.find((x) => x.transport === transport);
  if (l === undefined) throw new Error(`no ${transport} listener`);
  return l.port;
}

/**
 * A user agent for `user` on its own UDP (or TCP) socket, routed through the server (or a
 * server's port, UDP and TCP alike, for one running as a process).
 */
export async function userAgent(
  server: SipKitServer | number,
  user: string,
  options: { transport?: 'udp' | 'tcp'; password?: string } = {},
): Promise<UserAgent> {
  const protocol = options.transport ?? 'udp';
  const transport: Transport =
    protocol === 'udp'
      ? await udpTransport({ host: '127.0.0.1', port: 0 })
      : await tcpTransport({ host: '127.0.0.1', port: 0 });
  const port = typeof server === 'number' ? server : portOf(server, protocol);
  return new UserAgent({
    transports: [transport],
    aor: `sip:${user}@sipkit.test`,
    credentials: { username: user, password: options.password ?? `${user}-secret` },
    outboundRoute: [`<sip:127.0.0.1:${port};transport=${protocol};lr>`],
    sessionExpires: 0,
  });
}

/**
 * Polls `read` until it gives something other than `false` or `undefined`, and resolves with it;
 * rejects after `ms`.
 */
export async function until<T>(read: () => T | false | undefined, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = read();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** sipkit-server as a process: its JSON log lines parsed as they come. */
export interface RunningServer {
  readonly child: ChildProcess;
  readonly lines: Record<string, unknown>[];
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
}

/** Starts the built command (`dist/main.js`) with `args`. */
export function runServer(args: readonly string[]): RunningServer {
  const child = spawn(process.execPath, [join(import.meta.dirname, '..', 'dist', 'main.js'), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
    let nl = out.indexOf('\n');
    while (nl >= 0) {
      const line = out.slice(0, nl);
      out = out.slice(nl + 1);
      if (line.trim() !== '') lines.push(JSON.parse(line));
      nl = out.indexOf('\n');
    }
  });
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, lines, stderr: () => err, exited };
}

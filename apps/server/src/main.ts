#!/usr/bin/env node
// The sipkit-server command: flags and configuration in, a running server out, graceful stop on
// SIGTERM and SIGINT.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { Logger } from 'pino';
import { AggregatorRegistry } from 'prom-client';
import { ConfigError, configFromFlags, type ServerConfig, USAGE } from './config.js';
import { createLogger } from './log.js';
import { startServer } from './server.js';
import { isWorker, runPrimary, WorkerLink } from './workers.js';

const repeatable = { type: 'string', multiple: true } as const;

async function main(argv: string[]): Promise<number> {
  let flags: ReturnType<typeof parseArgs>['values'];
  try {
    ({ values: flags } = parseArgs({
      args: argv,
      strict: true,
      options: {
        config: { type: 'string' },
        udp: repeatable,
        tcp: repeatable,
        tls: repeatable,
        ws: repeatable,
        wss: repeatable,
        cert: { type: 'string' },
        key: { type: 'string' },
        domain: repeatable,
        users: { type: 'string' },
        redis: { type: 'string' },
        foreign: { type: 'string' },
        'no-auth': { type: 'boolean' },
        'max-connections': { type: 'string' },
        http: { type: 'string' },
        'no-http': { type: 'boolean' },
        'log-level': { type: 'string' },
        workers: { type: 'string' },
        'worker-port-base': { type: 'string' },
        advertise: { type: 'string' },
        pretty: { type: 'boolean' },
        help: { type: 'boolean' },
      },
    }));
  } catch (e) {
    process.stderr.write(`sipkit-server: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (flags.help === true) {
    process.stdout.write(USAGE);
    return 0;
  }
  let config: ReturnType<typeof configFromFlags>;
  try {
    config = configFromFlags(flags);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(`sipkit-server: bad configuration: ${e.message}\n`);
    return 2;
  }
  const log = createLogger(config.log);
  if (isWorker()) return worker(config, log);
  if (config.workers > 1) {
    // The primary makes the demo users, so that every worker has the same passwords.
    const demoUsers =
      config.users.length === 0 && config.usersFile === undefined
        ? ['alice', 'bob'].map((name) => ({ name, password: randomBytes(6).toString('base64url') }))
        : [];
    for (const u of demoUsers) {
      log.info({ user: `${u.name}@${config.domains[0]}`, password: u.password }, 'demo user (no users configured)');
    }
    return runPrimary(config, log, demoUsers);
  }
  const server = await startServer(config, log).catch((e: unknown) => {
    log.fatal({ err: String(e) }, 'could not start');
    return undefined;
  });
  if (server === undefined) return 1;
  for (const u of server.demoUsers) {
    log.info({ user: `${u.name}@${config.domains[0]}`, password: u.password }, 'demo user (no users configured)');
  }
  // Bad input from the network is handled where it arrives; anything that still escapes is
  // logged and the server keeps running.
  process.on('uncaughtException', (e) => log.error({ err: String(e), stack: e.stack }, 'uncaught exception'));
  process.on('unhandledRejection', (e) => log.error({ err: String(e) }, 'unhandled rejection'));
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info({ signal }, 'stopping');
      void server.drain().then(resolve);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  return 0;
}

/** One worker of several: serves until the primary asks it to drain, or goes away. */
async function worker(config: ServerConfig, parent: Logger): Promise<number> {
  const link = await WorkerLink.start();
  const log = parent.child({ worker: link.slot });
  // Each worker's registry answers the primary's /metrics, which sums them.
  const server = await startServer(config, log, { worker: link }).catch((e: unknown) => {
    log.fatal({ err: String(e) }, 'could not start');
    return undefined;
  });
  if (server === undefined) return 1;
  // Constructing one installs prom-client's answer to the primary's requests for metrics.
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries(server.metrics.registry);
  process.on('uncaughtException', (e) => log.error({ err: String(e), stack: e.stack }, 'uncaught exception'));
  process.on('unhandledRejection', (e) => log.error({ err: String(e) }, 'unhandled rejection'));
  // Signals from a terminal reach the whole process group: the primary decides, and asks.
  process.on('SIGTERM', () => undefined);
  process.on('SIGINT', () => undefined);
  await new Promise<void>((resolve) => {
    link.onDrain = () => void server.drain().then(resolve);
    // The primary is gone (killed): close at once.
    process.once('disconnect', () => void server.close().then(resolve));
    link.ready(server.listeners.map((l) => `${l.transport}:${l.host}:${l.port}`));
  });
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    if (isWorker()) {
      // The IPC channel to the primary keeps a worker alive: closing it lets the process end.
      process.disconnect();
      setTimeout(() => process.exit(code), 2000).unref();
    }
  },
  (e: unknown) => {
    process.stderr.write(`sipkit-server: ${String(e)}\n`);
    process.exitCode = 1;
  },
);

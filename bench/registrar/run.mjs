// Registrar benchmark: REGISTER handling per second through the registrar logic (no sockets),
// with the memory store and (when redis-server is installed) with Redis, and memory per binding
// with 1,000,000 bindings in the memory store.
//
// Run: node --expose-gc registrar/run.mjs [--rate N] [--bindings N] [--redis]
// (pnpm --filter @sipkit/bench bench:registrar)

import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseMessage } from '@sipkit/parser';
import { MemoryLocationService, Registrar } from '@sipkit/registrar';

if (typeof globalThis.gc !== 'function') {
  console.error('run with node --expose-gc');
  process.exit(2);
}
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? dflt : Number(process.argv[i + 1]);
};
const RATE_N = arg('--rate', 50_000);
const BINDINGS = arg('--bindings', 1_000_000);
const fmt = (n, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const encoder = new TextEncoder();

/** A REGISTER from user i (its own AOR and Call-ID; refreshes bump the CSeq). */
function register(i, cseq = 1) {
  const u = `user${i}`;
  return encoder.encode(
    'REGISTER sip:example.com SIP/2.0\r\n' +
      `Via: SIP/2.0/UDP 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:5060;branch=z9hG4bK${i.toString(36)}x${cseq};rport=5060;received=10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}\r\n` +
      'Max-Forwards: 70\r\n' +
      `To: <sip:${u}@example.com>\r\n` +
      `From: <sip:${u}@example.com>;tag=${i.toString(36)}456248\r\n` +
      `Call-ID: ${i.toString(36)}843817637684230@998sdasdh09\r\n` +
      `CSeq: ${cseq} REGISTER\r\n` +
      `Contact: <sip:${u}@10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:5060;transport=udp>;expires=3600\r\n` +
      'User-Agent: bench/1.0\r\n' +
      'Content-Length: 0\r\n\r\n',
  );
}

function memory() {
  globalThis.gc();
  globalThis.gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** Handles `n` REGISTERs with `window` in flight at once (different AORs), returns the rate. */
async function concurrentRate(registrar, n, window, base) {
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const res = await registrar.handle(parseMessage(register(base + i)), '10.0.0.1:5060');
      if (res.status !== 200) throw new Error(`REGISTER ${i}: ${res.status} ${res.reason}`);
    }
  };
  await Promise.all(Array.from({ length: window }, worker));
  return n / ((performance.now() - t0) / 1000);
}

/** Handles `n` REGISTERs (new AORs, then a refresh of each) and returns the rate. */
async function rate(registrar, n) {
  // Warm-up on other AORs.
  for (let i = 0; i < 2000; i++) await registrar.handle(parseMessage(register(10_000_000 + i)), '10.0.0.1:5060');
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const res = await registrar.handle(parseMessage(register(i)), '10.0.0.1:5060');
    if (res.status !== 200) throw new Error(`REGISTER ${i}: ${res.status} ${res.reason}`);
  }
  const t1 = performance.now();
  for (let i = 0; i < n; i++) {
    const res = await registrar.handle(parseMessage(register(i, 2)), '10.0.0.1:5060');
    if (res.status !== 200) throw new Error(`refresh ${i}: ${res.status} ${res.reason}`);
  }
  const t2 = performance.now();
  return { fresh: n / ((t1 - t0) / 1000), refresh: n / ((t2 - t1) / 1000) };
}

async function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function withRedis(fn) {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  const failed = new Promise((_, reject) => child.on('error', reject));
  try {
    const { default: Redis } = await import('ioredis');
    const redis = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1 });
    for (let i = 0; ; i++) {
      try {
        await Promise.race([redis.connect(), failed]);
        break;
      } catch (e) {
        if (i > 50) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    try {
      return await fn(redis);
    } finally {
      redis.disconnect();
    }
  } finally {
    child.kill();
  }
}

console.log(`# bench/registrar — node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}`);
console.log(`# ${new Date().toISOString()}`);

// ---- 1. rate, memory store ----
{
  const location = new MemoryLocationService();
  const registrar = new Registrar({ domains: ['example.com'], location });
  const r = await rate(registrar, RATE_N);
  console.log(`\n## REGISTER through Registrar.handle, parse included, ${fmt(RATE_N)} AORs`);
  console.log(`memory store: ${fmt(r.fresh)} new bindings/s, ${fmt(r.refresh)} refreshes/s`);
  const auth = await import('@sipkit/digest').catch(() => undefined);
  if (auth !== undefined) {
    // With digest: each REGISTER carries valid credentials (a fresh nc on one nonce).
    const server = new auth.DigestServer({
      secret: 'bench secret, long enough',
      realm: 'example.com',
      credentials: { lookup: () => ({ password: 'pw' }) },
      algorithms: ['SHA-256'],
      maxNonces: 1_000_000,
    });
    const reg = new Registrar({ domains: ['example.com'], location: new MemoryLocationService(), auth: server });
    const challenge = await reg.handle(parseMessage(register(1)));
    const n = Math.min(RATE_N, 20_000);
    const msgs = [];
    const challengeValue = challenge.get('WWW-Authenticate');
    for (let i = 0; i < n; i++) {
      // One nonce for all, its nonce-count going up as the server requires (RFC 7616 §3.4).
      const value = auth.digestAuthorization(
        challengeValue,
        { username: `user${20_000_000 + i}`, password: 'pw' },
        { method: 'REGISTER', uri: 'sip:example.com' },
        { nc: i + 1 },
      );
      const text = new TextDecoder()
        .decode(register(20_000_000 + i))
        .replace('Content-Length: 0', `Authorization: ${value}\r\nContent-Length: 0`);
      msgs.push(encoder.encode(text));
    }
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const res = await reg.handle(parseMessage(msgs[i]), '10.0.0.1:5060');
      if (res.status !== 200) throw new Error(`digest REGISTER ${i}: ${res.status} ${res.reason}`);
    }
    console.log(
      `memory store with SHA-256 digest verified on every REGISTER: ${fmt(n / ((performance.now() - t0) / 1000))} /s`,
    );
  }
}

// ---- 2. rate, Redis ----
if (process.argv.includes('--redis') || process.env.BENCH_REDIS === '1') {
  try {
    const { RedisLocationService } = await import('@sipkit/location-redis');
    await withRedis(async (redis) => {
      const location = new RedisLocationService({ redis });
      const registrar = new Registrar({ domains: ['example.com'], location });
      const n = Math.min(RATE_N, 20_000);
      const r = await rate(registrar, n);
      console.log(
        `redis store (one connection, one REGISTER at a time): ${fmt(r.fresh)} new/s, ${fmt(r.refresh)} refreshes/s (${fmt(n)} AORs)`,
      );
      // A server has many REGISTERs in flight; ioredis pipelines them on its one connection.
      const c = await concurrentRate(registrar, n, 64, 5_000_000);
      console.log(`redis store (one connection, 64 REGISTERs in flight): ${fmt(c)} new/s`);
    });
  } catch (e) {
    console.log(`redis store: not measured (${e.message})`);
  }
}

// ---- 3. memory per binding ----
{
  const location = new MemoryLocationService();
  const registrar = new Registrar({ domains: ['example.com'], location });
  const before = memory();
  const t0 = performance.now();
  for (let i = 0; i < BINDINGS; i++) await registrar.handle(parseMessage(register(i)), '10.0.0.1:5060');
  const ms = performance.now() - t0;
  const after = memory();
  const sample = (await location.lookup('sip:user1@example.com', Date.now()))[0];
  console.log(`\n## ${fmt(BINDINGS)} bindings in the memory store (one per AOR, made by REGISTERs)`);
  console.log(`memory per binding: ${fmt((after - before) / BINDINGS)} bytes; target < 500`);
  console.log(`filled at ${fmt(BINDINGS / (ms / 1000))} REGISTER/s; AORs held: ${fmt(location.size)}`);
  console.log(`a binding: ${JSON.stringify(sample)}`);
}

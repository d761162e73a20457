// What the Redis store does in Redis: its key layout, key expiry, script cache fallback, cluster
// slots, and who owns the connection.
import type { Binding, BindingChange } from '@sipkit/registrar';
import type { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisLocationService } from '../src/index.js';
import { connectCluster, connectSingle } from './clients.js';

const T0 = 1_700_000_000_000;
let n = 0;
const aorOf = (name: string): string => `sip:${name}-${++n}-${process.pid}@example.com`;

const binding = (key: string, over: Partial<Binding> = {}): Binding => ({
  key,
  contact: key,
  expires: T0 + 3_600_000,
  callId: 'call-1',
  cseq: 1,
  updated: T0,
  ...over,
});
const write = (b: Binding): BindingChange => ({ binding: b, remove: false });
const erase = (b: Binding): BindingChange => ({ binding: b, remove: true });

describe('RedisLocationService on a standalone Redis', () => {
  let redis: Redis;
  beforeAll(() => {
    redis = connectSingle();
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('keeps each AOR in one hash under prefix{aor}: field the binding key, value the binding as JSON', async () => {
    const location = new RedisLocationService({ redis, prefix: 'test:layout:' });
    const aor = aorOf('layout');
    const key = `test:layout:{${aor}}`;
    expect(location.keyFor(aor)).toBe(key);
    const b1 = binding('sip:a@192.0.2.1', { q: 0.5, path: ['<sip:edge.example.com;lr>'] });
    const b2 = binding('sip:b@192.0.2.2');
    await location.update(aor, [write(b1), write(b2)], T0, 10);
    expect(await redis.type(key)).toBe('hash');
    const stored = await redis.hgetall(key);
    expect(Object.keys(stored).sort()).toEqual([b1.key, b2.key]);
    expect(JSON.parse(stored[b1.key] as string)).toEqual(b1);
    expect(await new RedisLocationService({ redis }).lookup(aor, T0)).toEqual([]);
  });

  it('sets the AOR key to expire with its latest binding, counted from the caller’s now (PTTL)', async () => {
    const location = new RedisLocationService({ redis });
    const aor = aorOf('pttl');
    const key = location.keyFor(aor);
    const short = binding('sip:short@192.0.2.1', { expires: T0 + 60_000 });
    const long = binding('sip:long@192.0.2.1', { expires: T0 + 120_000 });
    await location.update(aor, [write(short), write(long)], T0, 10);
    expect(await redis.pttl(key)).toBeGreaterThan(119_000);
    expect(await redis.pttl(key)).toBeLessThanOrEqual(120_000);

    // Removing the latest binding brings the key's expiry down to the one left.
    await location.update(aor, [erase(binding(long.key, { cseq: 2 }))], T0 + 1_000, 10);
    expect(await redis.pttl(key)).toBeGreaterThan(58_000);
    expect(await redis.pttl(key)).toBeLessThanOrEqual(59_000);

    // A refresh pushes it out again, from the new now.
    const refreshed = binding(short.key, { cseq: 3, expires: T0 + 30_000 + 600_000, updated: T0 + 30_000 });
    await location.update(aor, [write(refreshed)], T0 + 30_000, 10);
    expect(await redis.pttl(key)).toBeGreaterThan(599_000);
    expect(await redis.pttl(key)).toBeLessThanOrEqual(600_000);

    // Removing the last binding removes the key.
    await location.update(aor, [erase(binding(short.key, { cseq: 4 }))], T0 + 31_000, 10);
    expect(await redis.exists(key)).toBe(0);
  });

  it('removes the AOR key on removeAll, and leaves it when removeAll is out of order', async () => {
    const location = new RedisLocationService({ redis });
    const aor = aorOf('remove-all');
    await location.update(aor, [write(binding('sip:a@192.0.2.1', { cseq: 5 }))], T0, 10);
    expect((await location.removeAll(aor, 'call-1', 5, T0 + 1)).ok).toBe(false);
    expect(await redis.exists(location.keyFor(aor))).toBe(1);
    expect(await location.removeAll(aor, 'call-1', 6, T0 + 1)).toEqual({ ok: true, bindings: [] });
    expect(await redis.exists(location.keyFor(aor))).toBe(0);
  });

  it('lets Redis delete the AOR key by itself once its last binding has expired (real time)', async () => {
    const location = new RedisLocationService({ redis });
    const aor = aorOf('expire');
    const key = location.keyFor(aor);
    const now = Date.now();
    await location.update(aor, [write(binding('sip:a@192.0.2.1', { expires: now + 300, updated: now }))], now, 10);
    expect(await redis.exists(key)).toBe(1);
    const started = Date.now();
    while ((await redis.exists(key)) === 1) {
      expect(Date.now() - started, 'the key outlived its binding by more than a second').toBeLessThan(1_300);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(Date.now() - now).toBeGreaterThanOrEqual(250);
  });

  it('skips expired bindings of a live AOR on lookup, and drops them from the hash on the next update', async () => {
    const location = new RedisLocationService({ redis });
    const aor = aorOf('stale');
    const key = location.keyFor(aor);
    const short = binding('sip:short@192.0.2.1', { expires: T0 + 1_000 });
    const long = binding('sip:long@192.0.2.1');
    await location.update(aor, [write(short), write(long)], T0, 10);
    expect(await location.lookup(aor, T0 + 1_000)).toEqual([long]);
    expect(await location.sweep(T0 + 1_000)).toBe(0);
    expect(await redis.hlen(key)).toBe(2);
    const other = binding('sip:other@192.0.2.3', { updated: T0 + 2_000 });
    await location.update(aor, [write(other)], T0 + 2_000, 10);
    expect((await redis.hkeys(key)).sort()).toEqual([long.key, other.key]);
  });

  it('sends the script whole when the server has forgotten it (SCRIPT FLUSH)', async () => {
    const location = new RedisLocationService({ redis });
    const aor = aorOf('flush');
    await redis.script('FLUSH');
    expect((await location.update(aor, [write(binding('sip:a@192.0.2.1'))], T0, 10)).ok).toBe(true);
    await redis.script('FLUSH');
    expect((await location.removeAll(aor, 'call-2', 1, T0 + 1)).ok).toBe(true);
    expect(await location.lookup(aor, T0 + 1)).toEqual([]);
  });

  it('leaves the caller’s client connected on close; the closed service refuses calls', async () => {
    const location = new RedisLocationService({ redis });
    await location.close();
    expect(await redis.ping()).toBe('PONG');
    await expect(location.lookup(aorOf('closed'), T0)).rejects.toThrow(/closed/);
    await expect(location.update(aorOf('closed'), [], T0, 1)).rejects.toThrow(/closed/);
  });

  it('refuses a prefix with braces, which would take the hash tag from the prefix', () => {
    expect(() => new RedisLocationService({ redis, prefix: 'loc:{x}:' })).toThrow(TypeError);
  });
});

describe('RedisLocationService on Redis Cluster', () => {
  let cluster: Cluster;
  beforeAll(() => {
    cluster = connectCluster();
  });
  afterAll(async () => {
    await cluster.quit();
  });

  it('puts each AOR in the slot of its {aor} hash tag, and AORs on every master', async () => {
    const location = new RedisLocationService({ redis: cluster, prefix: 'test:slots:' });
    const aors = Array.from({ length: 30 }, () => aorOf('slot'));
    await Promise.all(aors.map((aor) => location.update(aor, [write(binding('sip:a@192.0.2.1'))], T0, 10)));
    for (const aor of aors.slice(0, 5)) {
      expect(await cluster.cluster('KEYSLOT', location.keyFor(aor))).toBe(await cluster.cluster('KEYSLOT', `{${aor}}`));
    }
    const masters = cluster.nodes('master');
    expect(masters).toHaveLength(3);
    const counts = await Promise.all(masters.map((m) => m.keys('test:slots:*').then((k) => k.length)));
    expect(counts.reduce((x, y) => x + y)).toBe(30);
    for (const c of counts) expect(c).toBeGreaterThan(0);
  });

  it('sends the script whole when the masters have forgotten it (SCRIPT FLUSH)', async () => {
    const location = new RedisLocationService({ redis: cluster });
    const aor = aorOf('cluster-flush');
    await location.update(aor, [write(binding('sip:a@192.0.2.1'))], T0, 10);
    await Promise.all(cluster.nodes('master').map((m) => m.script('FLUSH')));
    const again = binding('sip:a@192.0.2.1', { cseq: 2, updated: T0 + 1 });
    expect(await location.update(aor, [write(again)], T0 + 1, 10)).toEqual({ ok: true, bindings: [again] });
  });

  it('sets the AOR key to expire with its latest binding (PTTL)', async () => {
    const location = new RedisLocationService({ redis: cluster });
    const aor = aorOf('cluster-pttl');
    await location.update(aor, [write(binding('sip:a@192.0.2.1', { expires: T0 + 45_000 }))], T0, 10);
    const pttl = await cluster.pttl(location.keyFor(aor));
    expect(pttl).toBeGreaterThan(44_000);
    expect(pttl).toBeLessThanOrEqual(45_000);
  });
});

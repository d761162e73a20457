// The testkit's location service compliance suite, the one MemoryLocationService passes, against
// real Redis: two RedisLocationService instances on two connections, as two servers would be,
// on one standalone server and on a three-master cluster.
import { type LocationPair, locationServiceComplianceChecks } from '@sipkit/testkit';
import type { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { RedisLocationService } from '../src/index.js';
import { connectCluster, connectSingle } from './clients.js';

const kinds: [string, () => Redis | Cluster][] = [
  ['a standalone Redis', connectSingle],
  ['Redis Cluster', connectCluster],
];

describe.each(kinds)('RedisLocationService on %s (location service compliance)', (_name, connect) => {
  let one: Redis | Cluster;
  let two: Redis | Cluster;
  beforeAll(() => {
    one = connect();
    two = connect();
  });
  afterAll(async () => {
    await Promise.all([one.quit(), two.quit()]);
  });

  const make = async (): Promise<LocationPair> => {
    const a = new RedisLocationService({ redis: one });
    const b = new RedisLocationService({ redis: two });
    return { a, b, close: async () => void (await Promise.all([a.close(), b.close()])) };
  };
  for (const c of locationServiceComplianceChecks(make)) it(c.name, () => c.run());
});

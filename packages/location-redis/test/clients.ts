// ioredis clients of the servers that test/global-setup.ts started.
import { Cluster, Redis } from 'ioredis';
import { inject } from 'vitest';

/** The standalone server's URL. */
export const redisUrl = (): string => `redis://127.0.0.1:${inject('redisPort')}`;

/** A new connection to the standalone server. */
export const connectSingle = (): Redis => new Redis(redisUrl(), { maxRetriesPerRequest: 1 });

/** A new client of the cluster. */
export const connectCluster = (): Cluster =>
  new Cluster(
    inject('clusterPorts').map((port) => ({ host: '127.0.0.1', port })),
    { redisOptions: { maxRetriesPerRequest: 1 } },
  );

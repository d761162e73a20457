// Starts the real Redis servers once for every test file: a standalone server and a
// three-master cluster. Without redis-server on PATH this fails the run, with what to install.
import type { TestProject } from 'vitest/node';
import { startRedis, startRedisCluster } from './servers.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Port of the standalone redis-server. */
    redisPort: number;
    /** Ports of the three cluster masters. */
    clusterPorts: number[];
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const single = await startRedis();
  let cluster: Awaited<ReturnType<typeof startRedisCluster>>;
  try {
    cluster = await startRedisCluster();
  } catch (e) {
    await single.stop();
    throw e;
  }
  project.provide('redisPort', single.ports[0] as number);
  project.provide('clusterPorts', [...cluster.ports]);
  return async () => {
    await Promise.all([single.stop(), cluster.stop()]);
  };
}

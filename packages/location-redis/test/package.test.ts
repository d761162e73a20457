// Package-level promises: the README example runs as written against a real Redis (its URL from
// the environment, as the README reads it) and prints what the README says; the entry exports
// its API by name.
import { readFileSync } from 'node:fs';
import * as ioredis from 'ioredis';
import { describe, expect, it, vi } from 'vitest';
import * as locationRedis from '../src/index.js';
import { redisUrl } from './clients.js';

const root = new URL('../', import.meta.url);

describe('@sipkit/location-redis package', () => {
  it('runs the README example as written, with REDIS_URL from the environment', async () => {
    const readme = readFileSync(new URL('README.md', root), 'utf8');
    const example = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] as string)[0] as string;
    const body = example
      .replace(/^import \{([^}]*)\} from '@sipkit\/location-redis';$/m, 'const {$1} = locationRedis;')
      .replace(/^import \{([^}]*)\} from 'ioredis';$/m, 'const {$1} = ioredis;');
    expect(body).not.toMatch(/^import /m);
    const log = vi.fn();
    const env = { env: { REDIS_URL: redisUrl() } };
    await new Function('locationRedis', 'ioredis', 'console', 'process', `return (async () => {${body}})();`)(
      locationRedis,
      ioredis,
      { log },
      env,
    );
    expect(log.mock.calls).toEqual([[true], ['sip:alice@192.0.2.10:5060'], ['out-of-order'], [0]]);
    expect(readme).toContain('prints `true`, `sip:alice@192.0.2.10:5060`, `out-of-order` and `0`');
  });

  it('exports its API by name from the package entry', () => {
    expect(Object.keys(locationRedis).sort()).toEqual(['RedisLocationService']);
  });
});

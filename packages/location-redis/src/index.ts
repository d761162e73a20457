/**
 * A `LocationService` of `@sipkit/registrar` on Redis or Redis Cluster
 * ({@link RedisLocationService}), so that several SIP server instances share one location
 * service: a phone registered through one is found by all. Each AOR is one hash in one cluster
 * slot; every update is one atomic Lua script with the RFC 3261 §10.3 step 7 rules; Redis expires
 * an AOR's key with its last binding.
 *
 * @example
 * ```ts
 * import { Registrar } from '@sipkit/registrar';
 * import { RedisLocationService } from '@sipkit/location-redis';
 * import { Cluster } from 'ioredis';
 *
 * const redis = new Cluster([{ host: '10.0.0.5', port: 6379 }]);
 * const location = new RedisLocationService({ redis });
 * const registrar = new Registrar({ domains: ['example.com'], location });
 * ```
 *
 * @packageDocumentation
 */

export { RedisLocationService, type RedisLocationServiceOptions } from './redis-location.js';

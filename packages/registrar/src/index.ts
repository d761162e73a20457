/**
 * The SIP registrar of RFC 3261 §10 as logic without I/O ({@link Registrar}: a REGISTER in, its
 * response out), with Path (RFC 3327), outbound (RFC 5626) and public GRUUs (RFC 5627); the
 * {@link LocationService} interface registrars and proxies share, and an in-memory store.
 *
 * @example
 * ```ts
 * import { parseMessage } from '@sipkit/parser';
 * import { MemoryLocationService, Registrar } from '@sipkit/registrar';
 *
 * const location = new MemoryLocationService();
 * const registrar = new Registrar({ domains: ['example.com'], location });
 * const response = await registrar.handle(parseMessage(registerBytes));
 * ```
 *
 * @packageDocumentation
 */

export type { Binding, BindingChange, LocationService, UpdateResult } from './location.js';
export { applyChanges, MemoryLocationService, sortBindings } from './memory.js';
export {
  bindingKey,
  canonicalAor,
  type ExpiryOptions,
  Registrar,
  type RegistrarAuthenticator,
  type RegistrarCounters,
  type RegistrarOptions,
  type RespondingTransaction,
  registrarUser,
} from './registrar.js';

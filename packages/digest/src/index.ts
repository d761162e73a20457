/**
 * SIP digest authentication (RFC 3261 §22, RFC 7616, RFC 8760) for any JavaScript runtime.
 *
 * The server half, {@link DigestServer}, challenges requests with one WWW-Authenticate (or
 * Proxy-Authenticate) per algorithm and verifies the credentials that come back: MD5, SHA-256
 * and SHA-512-256, qop `auth` and `auth-int`, stateless HMAC-signed nonces that any instance
 * with the same secret accepts, nonce-count replay checks and per-source throttling. Outcomes
 * are values ({@link DigestResult}), never exceptions. The client half answers challenges:
 * {@link pickChallenge}, {@link digestAuthorization} and {@link DigestClient}. The hashes are
 * implemented here in TypeScript, synchronous and without platform imports.
 *
 * @example
 * ```ts
 * import { DigestServer } from '@sipkit/digest';
 * import { createResponse } from '@sipkit/parser';
 *
 * const server = new DigestServer({
 *   secret: 'one long random secret shared by every instance',
 *   realm: 'example.com',
 *   credentials: { lookup: async (username) => (username === 'alice' ? { password: 'wonderland' } : undefined) },
 * });
 * // For each REGISTER: a 401 with challenges, or who sent it.
 * const result = await server.verify(request, { source: '192.0.2.10' });
 * const reply = result.ok ? createResponse(request, 200) : server.challenge(request, { stale: result.stale ?? false });
 * ```
 *
 * @packageDocumentation
 */

export {
  builtinHash,
  computeHa1,
  DIGEST_ALGORITHMS,
  type DigestAlgorithm,
  type DigestHash,
  type DigestHexHash,
} from './algorithms.js';
export {
  type DigestAuthorizationOptions,
  DigestClient,
  type DigestClientOptions,
  type DigestCredentials,
  type DigestRequest,
  digestAuthorization,
  pickChallenge,
} from './client.js';
export {
  type ChallengeOptions,
  type Credential,
  type CredentialStore,
  type DigestFailure,
  type DigestFailureReason,
  type DigestQop,
  type DigestResult,
  DigestServer,
  type DigestServerOptions,
  type DigestServerSize,
  type DigestSuccess,
  type ThrottleOptions,
  type VerifyOptions,
} from './server.js';

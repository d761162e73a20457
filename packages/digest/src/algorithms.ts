import { hex, utf8 } from './internal/bytes.js';
import { md5 } from './internal/md5.js';
import { sha256 } from './internal/sha256.js';
import { sha512_256 } from './internal/sha512.js';

/**
 * A digest algorithm, as named in the `algorithm` parameter (RFC 7616 §3.3, RFC 8760 §2).
 * The `-sess` variants are answered by the client (RFC 7616 §3.4.2) but not offered or
 * checked by the server: SIP servers do not use them.
 *
 * @public
 */
export type DigestAlgorithm = 'MD5' | 'SHA-256' | 'SHA-512-256';

/**
 * Every supported algorithm, strongest first: the order in which a client prefers them
 * (RFC 8760 §2.4).
 *
 * @public
 */
export const DIGEST_ALGORITHMS: readonly DigestAlgorithm[] = ['SHA-512-256', 'SHA-256', 'MD5'];

/**
 * The algorithm an `algorithm` parameter names (any case), `MD5` when it is absent (RFC 7616
 * §3.3), `undefined` when it names one this package does not support.
 *
 * @internal
 */
export function algorithmOf(param: string | null | undefined): DigestAlgorithm | undefined {
  if (param === undefined) return 'MD5';
  switch (param?.toUpperCase()) {
    case 'MD5':
      return 'MD5';
    case 'SHA-256':
      return 'SHA-256';
    case 'SHA-512-256':
      return 'SHA-512-256';
    default:
      return undefined;
  }
}

/**
 * The hash function behind an algorithm.
 *
 * @internal
 */
export function hashOf(algorithm: DigestAlgorithm): (data: Uint8Array) => Uint8Array {
  return algorithm === 'MD5' ? md5 : algorithm === 'SHA-256' ? sha256 : sha512_256;
}

/**
 * The hash function digest runs on: the algorithm's digest of some bytes. The default,
 * {@link builtinHash}, is this package's own TypeScript MD5, SHA-256 and SHA-512/256, which run in
 * any JavaScript runtime; a server may plug in a faster one (`node:crypto`'s `createHash`, say).
 *
 * @public
 */
export type DigestHash = (algorithm: DigestAlgorithm, data: Uint8Array) => Uint8Array;

/**
 * H(data) of RFC 7616 §3.4.1 straight from text: the lowercase hex digest of the UTF-8 bytes of
 * `data` under `algorithm`. A platform's one-shot hash does this without the byte arrays in
 * between (`node:crypto`'s `hash(name, data, 'hex')`, about four times faster than
 * {@link DigestHash} through `createHash` for the short strings of digest).
 *
 * @public
 */
export type DigestHexHash = (algorithm: DigestAlgorithm, data: string) => string;

/**
 * The hashes written in this package (RFC 1321 MD5, FIPS 180-4 SHA-256 and SHA-512/256).
 *
 * @public
 */
export const builtinHash: DigestHash = (algorithm, data) => hashOf(algorithm)(data);

/**
 * H(data) of RFC 7616 §3.4.1: the lowercase hex digest of the UTF-8 bytes of `data`.
 *
 * @internal
 */
export function H(
  algorithm: DigestAlgorithm,
  data: string | Uint8Array,
  hash: DigestHash = builtinHash,
  hexHash?: DigestHexHash,
): string {
  if (typeof data === 'string')
    return hexHash === undefined ? hex(hash(algorithm, utf8(data))) : hexHash(algorithm, data);
  return hex(hash(algorithm, data));
}

/**
 * The length of a hex digest of this algorithm.
 *
 * @internal
 */
export function hexLength(algorithm: DigestAlgorithm): number {
  return algorithm === 'MD5' ? 32 : 64;
}

/**
 * HA1, the hash of A1 = `username:realm:password` (RFC 7616 §3.4.2, RFC 3261 §22.4): what a
 * credential store can keep instead of the password, one per algorithm.
 *
 * @example
 * ```ts
 * computeHa1('MD5', 'Mufasa', 'http-auth@example.org', 'Circle of Life');
 * // '3d78807defe7de2157e2b0b6573a855f'
 * ```
 *
 * @param algorithm - the digest algorithm
 * @param username - the user name, as the client sends it
 * @param realm - the realm
 * @param password - the password
 * @param hash - the hash function (the built-in one by default)
 * @returns the lowercase hex digest
 * @public
 */
export function computeHa1(
  algorithm: DigestAlgorithm,
  username: string,
  realm: string,
  password: string,
  hash: DigestHash = builtinHash,
): string {
  return H(algorithm, `${username}:${realm}:${password}`, hash);
}

/**
 * The `response` value (RFC 7616 §3.4.1; RFC 2069 form without qop, RFC 3261 §22.4).
 *
 * @internal
 */
export function computeResponse(
  algorithm: DigestAlgorithm,
  ha1: string,
  parts: {
    method: string;
    uri: string;
    nonce: string;
    qop: 'auth' | 'auth-int' | undefined;
    nc: string;
    cnonce: string;
    body: Uint8Array | undefined;
  },
  hash: DigestHash = builtinHash,
  hexHash?: DigestHexHash,
): string {
  // RFC 7616 §3.4.3: A2 = Method:request-uri, with :H(entity-body) for auth-int.
  const a2 =
    parts.qop === 'auth-int'
      ? `${parts.method}:${parts.uri}:${H(algorithm, parts.body ?? new Uint8Array(0), hash)}`
      : `${parts.method}:${parts.uri}`;
  return responseOf(algorithm, ha1, H(algorithm, a2, hash, hexHash), parts, hash, hexHash);
}

/**
 * The `response` value from HA1 and HA2 (RFC 7616 §3.4.1; RFC 2069 form without qop).
 *
 * @internal
 */
export function responseOf(
  algorithm: DigestAlgorithm,
  ha1: string,
  ha2: string,
  parts: { nonce: string; qop: 'auth' | 'auth-int' | undefined; nc: string; cnonce: string },
  hash: DigestHash = builtinHash,
  hexHash?: DigestHexHash,
): string {
  if (parts.qop === undefined) return H(algorithm, `${ha1}:${parts.nonce}:${ha2}`, hash, hexHash);
  return H(algorithm, `${ha1}:${parts.nonce}:${parts.nc}:${parts.cnonce}:${parts.qop}:${ha2}`, hash, hexHash);
}

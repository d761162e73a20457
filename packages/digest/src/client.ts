import { type AuthValue, parseAuth, quote, type SipResponse } from '@sipkit/parser';
import {
  algorithmOf,
  builtinHash,
  computeHa1,
  computeResponse,
  DIGEST_ALGORITHMS,
  type DigestAlgorithm,
  type DigestHash,
  H,
} from './algorithms.js';
import { hex, randomBytes } from './internal/bytes.js';
import { isDigest, param, qopList, readAuth } from './internal/headers.js';
import type { DigestQop } from './server.js';

/**
 * A user name and password.
 *
 * @public
 */
export interface DigestCredentials {
  /** The user name (RFC 3261 §22.4: usually the user part of the AOR, or an account name). */
  username: string;
  /** The password. */
  password: string;
}

/**
 * The parts of a request that the response digest covers. A `SipRequest` is one.
 *
 * @public
 */
export interface DigestRequest {
  /** The method, e.g. `REGISTER`. */
  method: string;
  /** The Request-URI, exactly as it will be sent: it goes into `uri` and into the hash. */
  uri: string;
  /** The body, hashed for qop `auth-int`. */
  body?: Uint8Array;
}

/**
 * Options of {@link digestAuthorization}.
 *
 * @public
 */
export interface DigestAuthorizationOptions {
  /**
   * The client nonce.
   * @defaultValue 16 random hex digits
   */
  cnonce?: string;
  /**
   * The nonce-count: 1 for the first request with this nonce, then 2, 3 … (RFC 7616 §3.4).
   * @defaultValue 1
   */
  nc?: number;
  /**
   * The hash function.
   * @defaultValue {@link builtinHash}
   */
  hash?: DigestHash;
  /**
   * The qop wanted, used when the challenge offers it; otherwise `auth` when offered, else
   * `auth-int`.
   */
  qop?: DigestQop;
}

/**
 * The rank of a challenge's algorithm: 0 for the strongest, -1 when unsupported.
 */
function rank(challenge: AuthValue): number {
  if (!isDigest(challenge)) return -1;
  const algorithm = clientAlgorithm(challenge.params.get('algorithm'));
  return algorithm === undefined ? -1 : DIGEST_ALGORITHMS.indexOf(algorithm.base);
}

/**
 * The algorithm a client answers with: MD5, SHA-256 or SHA-512-256, or their `-sess` forms
 * (RFC 7616 §3.4.2), MD5 when the parameter is absent.
 */
function clientAlgorithm(param: string | null | undefined): { base: DigestAlgorithm; sess: boolean } | undefined {
  if (param === undefined) return { base: 'MD5', sess: false };
  const p = String(param);
  const sess = /-sess$/i.test(p);
  const base = algorithmOf(sess ? p.slice(0, -5) : p);
  return base === undefined ? undefined : { base, sess };
}

/**
 * The challenge to answer among several: a Digest one with the strongest supported algorithm
 * (SHA-512-256, then SHA-256, then MD5, RFC 8760 §2.4), the first such when there are several.
 * Challenges of other schemes and unknown algorithms are skipped.
 *
 * @param challenges - WWW-Authenticate or Proxy-Authenticate values, e.g. `response.wwwAuthenticate`
 * @returns the challenge, or `undefined` when none is supported
 * @public
 */
export function pickChallenge(challenges: readonly AuthValue[]): AuthValue | undefined {
  let best: AuthValue | undefined;
  let bestRank = Number.POSITIVE_INFINITY;
  for (const c of challenges) {
    const r = rank(c);
    if (r >= 0 && r < bestRank) {
      best = c;
      bestRank = r;
    }
  }
  return best;
}

/**
 * An Authorization (or Proxy-Authorization) value answering a Digest challenge (RFC 7616 §3.4,
 * RFC 3261 §22.2): `Digest username="…", realm="…", nonce="…", uri="…", response="…", …`.
 * With qop it sends `cnonce` and `nc`; without qop in the challenge it answers in the RFC 2069
 * form. `opaque` is returned as it came.
 *
 * @example
 * ```ts
 * const best = pickChallenge(response.wwwAuthenticate);
 * if (best) request.append('Authorization', digestAuthorization(best, { username: 'alice', password: 'secret' }, request));
 * ```
 *
 * @param challenge - a parsed challenge (see {@link pickChallenge}) or a header value
 * @param credentials - user name and password
 * @param request - method, Request-URI and body of the request to send (a `SipRequest` will do)
 * @param options - cnonce, nc and qop
 * @returns the header value
 * @throws `SipParseError` when `challenge` is a string that does not parse
 * @throws RangeError when the challenge is not Digest, lacks realm or nonce, names an
 * unsupported algorithm or offers only unknown qop values, or `nc` is not in 1 … 2³² − 1
 * @public
 */
export function digestAuthorization(
  challenge: AuthValue | string,
  credentials: DigestCredentials,
  request: DigestRequest,
  options: DigestAuthorizationOptions = {},
): string {
  const ch = typeof challenge === 'string' ? parseAuth(challenge, 'WWW-Authenticate') : challenge;
  if (!isDigest(ch)) throw new RangeError(`not a Digest challenge: scheme ${ch.scheme}`);
  const algorithmParam = ch.params.get('algorithm');
  const chosen = clientAlgorithm(algorithmParam);
  if (chosen === undefined) throw new RangeError(`unsupported digest algorithm ${String(algorithmParam)}`);
  const algorithm = chosen.base;
  const realm = param(ch, 'realm');
  const nonce = param(ch, 'nonce');
  if (realm === undefined || nonce === undefined) throw new RangeError('a Digest challenge needs realm and nonce');
  const nc = options.nc ?? 1;
  if (!Number.isInteger(nc) || nc < 1 || nc > 0xffffffff) throw new RangeError(`nc must be in 1 … 2^32 - 1, got ${nc}`);

  const offered = qopList(ch);
  let qop: DigestQop | undefined;
  if (offered.length > 0) {
    // RFC 7616 §3.4: when the challenge offers qop, the client must use one of its values.
    if (options.qop !== undefined && offered.includes(options.qop)) qop = options.qop;
    else if (offered.includes('auth')) qop = 'auth';
    else if (offered.includes('auth-int')) qop = 'auth-int';
    else throw new RangeError(`no supported qop in ${offered.join(',')}`);
  }
  const cnonce = options.cnonce ?? hex(randomBytes(8));
  const ncText = nc.toString(16).padStart(8, '0');
  const hash = options.hash ?? builtinHash;
  let ha1 = computeHa1(algorithm, credentials.username, realm, credentials.password, hash);
  // RFC 7616 §3.4.2: for a -sess algorithm, A1 also takes the nonce and cnonce.
  if (chosen.sess) ha1 = H(algorithm, `${ha1}:${nonce}:${cnonce}`, hash);
  // RFC 7616 §3.4.4: with userhash the user name travels as H(username:realm).
  const userhash = String(ch.params.get('userhash') ?? '').toLowerCase() === 'true';
  const username = userhash ? H(algorithm, `${credentials.username}:${realm}`, hash) : credentials.username;
  const response = computeResponse(
    algorithm,
    ha1,
    {
      method: request.method,
      uri: request.uri,
      nonce,
      qop,
      nc: ncText,
      cnonce,
      body: request.body,
    },
    hash,
  );
  let out = `Digest username=${quote(username)}, realm=${quote(realm)}, nonce=${quote(nonce)}, uri=${quote(request.uri)}, response="${response}"`;
  if (algorithmParam !== undefined) out += `, algorithm=${algorithmParam}`;
  if (userhash) out += ', userhash=true';
  if (qop !== undefined) out += `, cnonce=${quote(cnonce)}, qop=${qop}, nc=${ncText}`;
  const opaque = param(ch, 'opaque');
  if (opaque !== undefined) out += `, opaque=${quote(opaque)}`;
  return out;
}

/**
 * Options of {@link DigestClient}.
 *
 * @public
 */
export interface DigestClientOptions {
  /** The qop wanted when a challenge offers several (see {@link DigestAuthorizationOptions.qop}). */
  qop?: DigestQop;
  /**
   * The hash function.
   * @defaultValue {@link builtinHash}
   */
  hash?: DigestHash;
  /**
   * Nonces whose nonce-count the client remembers at most; the oldest is forgotten first.
   * @defaultValue 64
   */
  maxNonces?: number;
}

/**
 * A client that answers challenges and counts nonce-counts per nonce, so requests sent with a
 * nonce the server handed out earlier carry nc 2, 3 … (RFC 7616 §3.4).
 *
 * @example
 * ```ts
 * const client = new DigestClient({ username: 'alice', password: 'secret' });
 * // on a 401 or 407 to `request`: retry with credentials for every realm that challenged
 * const retry = createRequest({ method: request.method, uri: request.uri, headers: [...] });
 * for (const [name, value] of client.authorize(response, retry)) retry.append(name, value);
 * ```
 *
 * @public
 */
export class DigestClient {
  readonly #credentials: (realm: string) => DigestCredentials | undefined;
  readonly #qop: DigestQop | undefined;
  readonly #hash: DigestHash | undefined;
  readonly #max: number;
  readonly #counts = new Map<string, number>();

  /**
   * @param credentials - one user name and password for every realm, or a function that gives
   * them per realm (`undefined` for a realm the client has none for)
   * @param options - qop preference and the nonce memory bound
   */
  constructor(
    credentials: DigestCredentials | ((realm: string) => DigestCredentials | undefined),
    options: DigestClientOptions = {},
  ) {
    this.#credentials = typeof credentials === 'function' ? credentials : () => credentials;
    this.#qop = options.qop;
    this.#hash = options.hash;
    this.#max = options.maxNonces ?? 64;
    if (!Number.isInteger(this.#max) || this.#max < 1) {
      throw new RangeError(`DigestClientOptions.maxNonces must be a positive integer, got ${this.#max}`);
    }
  }

  /**
   * A header value answering `challenge`, with the next nonce-count for its nonce.
   *
   * @param challenge - a parsed challenge or a header value
   * @param request - the request to send
   * @throws as {@link digestAuthorization} does, and RangeError when there are no credentials
   * for the challenge's realm
   */
  authorization(challenge: AuthValue | string, request: DigestRequest): string {
    const ch = typeof challenge === 'string' ? parseAuth(challenge, 'WWW-Authenticate') : challenge;
    const realm = param(ch, 'realm') ?? '';
    const credentials = this.#credentials(realm);
    if (credentials === undefined) throw new RangeError(`no credentials for realm ${JSON.stringify(realm)}`);
    const nonce = param(ch, 'nonce') ?? '';
    const nc = (this.#counts.get(nonce) ?? 0) + 1;
    const options: DigestAuthorizationOptions = { nc };
    if (this.#hash !== undefined) options.hash = this.#hash;
    if (this.#qop !== undefined) options.qop = this.#qop;
    const value = digestAuthorization(ch, credentials, request, options);
    this.#counts.delete(nonce);
    this.#counts.set(nonce, nc);
    if (this.#counts.size > this.#max) this.#counts.delete(this.#counts.keys().next().value as string);
    return value;
  }

  /**
   * The header fields that answer a 401 or 407: for each realm that challenged (in
   * WWW-Authenticate or Proxy-Authenticate), the strongest supported challenge answered in an
   * Authorization or Proxy-Authorization field. Realms without credentials, unsupported
   * challenges and fields that do not parse are skipped, so the result may be empty (then give
   * up: retrying cannot succeed).
   *
   * @param response - the 401 or 407
   * @param request - the request to send next (a new CSeq, same Request-URI)
   * @returns `[name, value]` pairs to append to `request`
   */
  authorize(response: SipResponse, request: DigestRequest): [string, string][] {
    const out: [string, string][] = [];
    for (const [header, name] of [
      ['wwwAuthenticate', 'Authorization'],
      ['proxyAuthenticate', 'Proxy-Authorization'],
    ] as const) {
      const byRealm = new Map<string, AuthValue[]>();
      for (const c of readAuth(response, header).values) {
        const realm = param(c, 'realm');
        if (realm === undefined || !isDigest(c)) continue;
        const list = byRealm.get(realm);
        if (list === undefined) byRealm.set(realm, [c]);
        else list.push(c);
      }
      for (const [realm, challenges] of byRealm) {
        const best = pickChallenge(challenges);
        if (best === undefined || this.#credentials(realm) === undefined) continue;
        try {
          out.push([name, this.authorization(best, request)]);
        } catch {
          // A challenge we cannot answer (no nonce, only unknown qop values): skip it.
        }
      }
    }
    return out;
  }
}

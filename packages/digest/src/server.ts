import { type AuthValue, createResponse, detached, quote, type SipRequest, type SipResponse } from '@sipkit/parser';
import {
  algorithmOf,
  builtinHash,
  type DigestAlgorithm,
  type DigestHash,
  type DigestHexHash,
  H,
  hexLength,
  responseOf,
} from './algorithms.js';
import { constantTimeEqual, utf8 } from './internal/bytes.js';
import { isDigest, param, readAuth, sameUri } from './internal/headers.js';
import { NonceBook } from './internal/nonce.js';
import { Throttle } from './internal/throttle.js';

/**
 * A quality of protection (RFC 7616 §3.3): `auth` covers the method and Request-URI,
 * `auth-int` the body as well.
 *
 * @public
 */
export type DigestQop = 'auth' | 'auth-int';

/**
 * What a {@link CredentialStore} knows of a user: the password, or HA1 per algorithm (the hex
 * digest of `username:realm:password`, see {@link computeHa1}), so the password itself need not
 * be stored. For an HA1 credential, only the algorithms it has an HA1 for can be verified.
 *
 * @public
 */
export type Credential = { password: string } | { ha1: Partial<Record<DigestAlgorithm, string>> };

/**
 * Where {@link DigestServer} finds users.
 *
 * @public
 */
export interface CredentialStore {
  /**
   * The credential of `username` in `realm`, or `undefined` for an unknown user.
   *
   * @param username - the user name the client sent
   * @param realm - the realm it authenticates in
   */
  lookup(username: string, realm: string): Promise<Credential | undefined> | Credential | undefined;
}

/**
 * Brute-force throttling of {@link DigestServer.verify}, per source address.
 *
 * @public
 */
export interface ThrottleOptions {
  /**
   * Failures (`bad-response`, `unknown-user`) from one source within `windowMs` after which it
   * is blocked.
   * @defaultValue 5
   */
  failures?: number;
  /**
   * The window failures are counted in, in milliseconds.
   * @defaultValue 60_000
   */
  windowMs?: number;
  /**
   * How long a blocked source stays blocked, in milliseconds.
   * @defaultValue 60_000
   */
  blockMs?: number;
  /**
   * Sources remembered at most; past that, the one that failed longest ago is forgotten.
   * @defaultValue 10_000
   */
  maxSources?: number;
}

/**
 * Options of {@link DigestServer}.
 *
 * @public
 */
export interface DigestServerOptions {
  /**
   * The hash function: for HA1, HA2 and the response. Plug in a native one where the platform
   * has it (`node:crypto`'s `createHash`). The HMAC that signs nonces always runs on this
   * package's SHA-256, from the state after each padded key (two SHA-256 blocks per nonce,
   * cheaper than two calls into a native hash).
   * @defaultValue {@link builtinHash}
   */
  hash?: DigestHash;
  /**
   * The same hashes straight from text to hex, for the per-request ones (HA2 and the response,
   * HA1 from a password): faster where the platform has a one-shot hash. It must agree with
   * `hash`. By default `hash`, with the text encoded as UTF-8 and the digest as hex.
   */
  hexHash?: DigestHexHash;
  /**
   * The key nonces are signed with (HMAC-SHA-256), at least 16 bytes. Every server instance that
   * should accept another's nonces needs the same secret.
   */
  secret: string | Uint8Array;
  /**
   * The realm (RFC 3261 §22.1: usually the domain), or a function that picks it per request,
   * for a server that hosts several domains.
   */
  realm: string | ((request: SipRequest) => string);
  /** Where users are looked up. */
  credentials: CredentialStore;
  /**
   * The algorithms challenged with, in order of preference: one challenge header each, in this
   * order (RFC 8760 §2.4).
   * @defaultValue ['SHA-256', 'MD5']
   */
  algorithms?: readonly DigestAlgorithm[];
  /**
   * The qop values offered.
   * @defaultValue ['auth']
   */
  qop?: readonly DigestQop[];
  /**
   * How long a nonce is good for, in milliseconds. An older one verifies as `stale`, and the
   * caller challenges again with `stale: true`.
   * @defaultValue 300_000
   */
  nonceTtlMs?: number;
  /**
   * Nonces whose nonce-count this instance tracks at most (see {@link DigestServer.verify}): this
   * many of the latest it minted, and as many again minted by other instances with the same
   * secret. Past that, the oldest are dropped, and a client using one is challenged afresh
   * (`stale`).
   * @defaultValue 100_000
   */
  maxNonces?: number;
  /**
   * For a server that verifies requests without a server transaction (a stateless UAS, RFC 3261
   * §8.2.7, such as a registrar that answers through no transaction): for this many
   * milliseconds after credentials with qop were accepted, the very same credentials (nonce,
   * nonce-count, cnonce and response) verify again instead of as `replay`, because a
   * retransmission of a request is the same request (§17.2.2) and a stateful server would have
   * answered it from its transaction. Only for nonces this instance minted. A replay of the
   * whole request within the window then verifies too, so use it only where handling the same
   * request twice does no harm (a REGISTER, §10.3 step 7), and keep it near the 64×T1 a
   * transaction would have lived (32,000). 0 turns it off.
   * @defaultValue 0
   */
  retransmissionWindowMs?: number;
  /**
   * An `opaque` value sent in every challenge, which clients must return unchanged; none when
   * absent.
   */
  opaque?: string;
  /**
   * The clock, in milliseconds.
   * @defaultValue Date.now
   */
  now?: () => number;
  /**
   * Throttling of failures per source, or `false` for none.
   * @defaultValue \{ failures: 5, windowMs: 60_000, blockMs: 60_000, maxSources: 10_000 \}
   */
  throttle?: ThrottleOptions | false;
}

/**
 * Options of {@link DigestServer.challenge}.
 *
 * @public
 */
export interface ChallengeOptions {
  /** Add `stale=true`: the client's nonce was stale but its credentials good (RFC 7616 §3.3). */
  stale?: boolean;
  /** Answer 407 with Proxy-Authenticate (a proxy, RFC 3261 §22.3) instead of 401 with WWW-Authenticate. */
  proxy?: boolean;
}

/**
 * Options of {@link DigestServer.verify}.
 *
 * @public
 */
export interface VerifyOptions {
  /** Read Proxy-Authorization instead of Authorization (RFC 3261 §22.3). */
  proxy?: boolean;
  /**
   * Where the request came from (for example `192.0.2.1` or `192.0.2.1:5060`), for
   * throttling; no throttling without it.
   */
  source?: string;
}

/**
 * Why {@link DigestServer.verify} refused a request:
 *
 * - `missing`: no Digest credentials (challenge).
 * - `malformed`: credentials that do not parse or lack a required parameter (answer 400, or challenge).
 * - `wrong-realm`: Digest credentials, none for this realm (challenge).
 * - `unsupported-algorithm`: an algorithm not offered, or one the user has no HA1 for (challenge).
 * - `bad-nonce`: a nonce this server's secret did not make, or a wrong `opaque` (challenge).
 * - `stale`: a good response to an expired nonce (challenge with `stale: true`).
 * - `unknown-user`: the store does not know the user (challenge, or 403).
 * - `bad-response`: the wrong password (challenge, or 403).
 * - `replay`: a nonce-count already used with this nonce (challenge).
 * - `throttled`: too many failures from this source (403, or drop).
 * - `uri-mismatch`: the digest `uri` is not the Request-URI (400, RFC 7616 §3.4.6).
 *
 * @public
 */
export type DigestFailureReason =
  | 'missing'
  | 'malformed'
  | 'wrong-realm'
  | 'unsupported-algorithm'
  | 'bad-nonce'
  | 'stale'
  | 'unknown-user'
  | 'bad-response'
  | 'replay'
  | 'throttled'
  | 'uri-mismatch';

/**
 * A request whose credentials verified.
 *
 * @public
 */
export interface DigestSuccess {
  /** Discriminant. */
  ok: true;
  /**
   * The authenticated user. Whether this user may act for the identity in the request (its
   * From or To) is the caller's policy, not digest's.
   */
  username: string;
  /** The realm authenticated in. */
  realm: string;
  /** The algorithm the client used. */
  algorithm: DigestAlgorithm;
}

/**
 * A request whose credentials did not verify.
 *
 * @public
 */
export interface DigestFailure {
  /** Discriminant. */
  ok: false;
  /** Why. */
  reason: DigestFailureReason;
  /** True for `stale`: challenge again with `stale: true`. */
  stale?: boolean;
  /** The user name the credentials gave, when they got that far. */
  username?: string;
}

/**
 * The outcome of {@link DigestServer.verify}.
 *
 * @public
 */
export type DigestResult = DigestSuccess | DigestFailure;

/**
 * What a {@link DigestServer} holds in memory.
 *
 * @public
 */
export interface DigestServerSize {
  /** Nonces whose nonce-count is tracked. */
  nonces: number;
  /** Sources with failures counted or blocked. */
  sources: number;
}

const HEX8 = /^[0-9a-fA-F]{8}$/;

function positive(name: string, value: number | undefined, fallback: number, integer = false): number {
  if (value === undefined) return fallback;
  if (!(value > 0) || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new RangeError(
      `DigestServerOptions.${name} must be a positive ${integer ? 'integer' : 'number'}, got ${value}`,
    );
  }
  return value;
}

function nonNegative(name: string, value: number | undefined): number {
  if (value === undefined) return 0;
  if (!(value >= 0) || !Number.isFinite(value)) {
    throw new RangeError(`DigestServerOptions.${name} must be a number of milliseconds, 0 or more, got ${value}`);
  }
  return value;
}

/**
 * The server half of SIP digest authentication (RFC 3261 §22.4, RFC 7616, RFC 8760), for a
 * registrar or UAS (401) and for a proxy (407).
 *
 * {@link DigestServer.challenge} answers a request with one challenge per algorithm;
 * {@link DigestServer.verify} checks the credentials of the retried request and says who sent
 * it, or why not, as a value. Nonces are stateless: each carries its issue time and an HMAC
 * under `secret`, so every instance with the same secret accepts the nonces of the others.
 *
 * Replay detection is per instance: each instance remembers the highest nonce-count it has seen
 * per nonce (bounded by `maxNonces`), so a captured request could be replayed once to each other
 * instance within the nonce's lifetime. Where that matters, send a client's requests to one
 * instance (for example by source address) or keep `nonceTtlMs` short.
 *
 * @example
 * ```ts
 * const server = new DigestServer({
 *   secret: process.env.DIGEST_SECRET ?? '',
 *   realm: 'example.com',
 *   credentials: { lookup: async (user) => users.get(user) },
 * });
 * const result = await server.verify(request, { source: remoteAddress });
 * if (!result.ok) send(server.challenge(request, { stale: result.stale ?? false }));
 * ```
 *
 * @public
 */
export class DigestServer {
  readonly #realm: string | ((request: SipRequest) => string);
  readonly #store: CredentialStore;
  readonly #algorithms: readonly DigestAlgorithm[];
  readonly #qop: readonly DigestQop[];
  readonly #qopHeader: string;
  readonly #ttl: number;
  readonly #opaque: string | undefined;
  readonly #now: () => number;
  readonly #throttle: Throttle | undefined;
  readonly #hash: DigestHash;
  readonly #hexHash: DigestHexHash | undefined;
  readonly #nonces: NonceBook;
  /** The last A2 (`method:uri`) hashed, per algorithm, and its hash: a registrar sees the same one again and again. */
  readonly #lastA2 = new Map<DigestAlgorithm, { a2: string; ha2: string }>();
  /**
   * HA1 per credential object the store handed out, while its password, the user name and the
   * realm stay the same: a store that keeps its users in memory hands out the same object at each
   * lookup, and HA1 is then one hash less per request. Weak: a credential the store dropped goes.
   */
  readonly #ha1s = new WeakMap<object, { a1: string; algorithm: DigestAlgorithm; ha1: string }>();
  /** The last realm challenged in, and its quoted form. */
  #quotedFor: string | undefined;
  #quotedRealm = '';

  /**
   * @param options - secret, realm, credential store and the rest
   * @throws RangeError when an option is missing or out of range (the message names it)
   */
  constructor(options: DigestServerOptions) {
    const secret = options?.secret;
    if (secret === undefined || secret === null || (typeof secret !== 'string' && !(secret instanceof Uint8Array))) {
      throw new RangeError('DigestServerOptions.secret is required: a string or bytes, at least 16 bytes long');
    }
    const key = typeof secret === 'string' ? utf8(secret) : secret.slice();
    this.#hash = options.hash ?? builtinHash;
    this.#hexHash = options.hexHash;
    if (key.length < 16) {
      throw new RangeError(`DigestServerOptions.secret must be at least 16 bytes, got ${key.length}`);
    }
    if (typeof options.realm !== 'function' && (typeof options.realm !== 'string' || options.realm === '')) {
      throw new RangeError('DigestServerOptions.realm is required: a non-empty string or a function');
    }
    this.#realm = options.realm;
    if (typeof options.credentials?.lookup !== 'function') {
      throw new RangeError('DigestServerOptions.credentials is required: an object with lookup(username, realm)');
    }
    this.#store = options.credentials;
    const algorithms = options.algorithms ?? ['SHA-256', 'MD5'];
    if (
      algorithms.length === 0 ||
      new Set(algorithms).size !== algorithms.length ||
      algorithms.some((a) => algorithmOf(a) !== a)
    ) {
      throw new RangeError(
        `DigestServerOptions.algorithms must list distinct values of MD5, SHA-256, SHA-512-256, got ${JSON.stringify(algorithms)}`,
      );
    }
    this.#algorithms = [...algorithms];
    const qop = options.qop ?? ['auth'];
    if (qop.length === 0 || new Set(qop).size !== qop.length || qop.some((q) => q !== 'auth' && q !== 'auth-int')) {
      throw new RangeError(
        `DigestServerOptions.qop must list distinct values of auth, auth-int, got ${JSON.stringify(qop)}`,
      );
    }
    this.#qop = [...qop];
    this.#qopHeader = quote(this.#qop.join(','));
    this.#ttl = positive('nonceTtlMs', options.nonceTtlMs, 300_000);
    this.#opaque = options.opaque;
    this.#now = options.now ?? Date.now;
    this.#nonces = new NonceBook(key, {
      capacity: positive('maxNonces', options.maxNonces, 100_000, true),
      ttlMs: this.#ttl,
      repeatMs: nonNegative('retransmissionWindowMs', options.retransmissionWindowMs),
    });
    const t = options.throttle;
    this.#throttle =
      t === false
        ? undefined
        : new Throttle(
            positive('throttle.failures', t?.failures, 5, true),
            positive('throttle.windowMs', t?.windowMs, 60_000),
            positive('throttle.blockMs', t?.blockMs, 60_000),
            positive('throttle.maxSources', t?.maxSources, 10_000, true),
          );
  }

  /** What this instance holds in memory: tracked nonces and throttled sources. */
  get size(): DigestServerSize {
    return { nonces: this.#nonces.size, sources: this.#throttle?.size ?? 0 };
  }

  /**
   * A 401 (or, for a proxy, 407) response to `request` with a fresh nonce and one
   * WWW-Authenticate (or Proxy-Authenticate) field per algorithm, in order of preference
   * (RFC 8760 §2.4), each with realm, nonce, opaque when configured, algorithm and qop.
   *
   * @param request - the request to challenge
   * @param options - `stale: true` after a `stale` result; `proxy: true` for 407
   */
  challenge(request: SipRequest, options: ChallengeOptions = {}): SipResponse {
    const realm = this.#realmOf(request);
    const nonce = this.#nonces.mint(realm, this.#now());
    if (realm !== this.#quotedFor) {
      this.#quotedFor = realm;
      this.#quotedRealm = quote(realm);
    }
    let common = `realm=${this.#quotedRealm}, nonce="${nonce}"`;
    if (this.#opaque !== undefined) common += `, opaque=${quote(this.#opaque)}`;
    const tail = `, qop=${this.#qopHeader}${options.stale === true ? ', stale=true' : ''}`;
    const name = options.proxy === true ? 'Proxy-Authenticate' : 'WWW-Authenticate';
    const headers: [string, string][] = [];
    for (const algorithm of this.#algorithms) headers.push([name, `Digest ${common}, algorithm=${algorithm}${tail}`]);
    return createResponse(request, options.proxy === true ? 407 : 401, { headers });
  }

  /**
   * Checks the Digest credentials of `request` (RFC 3261 §22.4, RFC 7616 §3.4). It picks the
   * Authorization (or Proxy-Authorization) field for this realm, checks that its `uri` is the
   * Request-URI, that the nonce is one of ours and fresh, looks the user up and compares the
   * response in constant time. With qop, each nonce-count may be used once and must increase
   * per nonce, or the result is `replay` (a nonce whose entry was evicted to keep the map
   * bounded verifies as `stale`, so the client moves to a fresh one). Without qop (RFC 2069),
   * only MD5 is accepted. Only `bad-response` and `unknown-user` count as failures for
   * throttling; a success does not reset the count.
   *
   * Never throws for anything in the request; a credential store that rejects makes the
   * promise reject.
   *
   * @param request - the request carrying credentials
   * @param options - `proxy: true` for Proxy-Authorization; `source` for throttling
   */
  async verify(request: SipRequest, options: VerifyOptions = {}): Promise<DigestResult> {
    const source = options.source;
    if (source !== undefined && this.#throttle?.blocked(source, this.#now()) === true) {
      return { ok: false, reason: 'throttled' };
    }
    const realm = this.#realmOf(request);
    const { values, malformed } = readAuth(request, options.proxy === true ? 'proxyAuthorization' : 'authorization');
    const chosen = this.#pick(values, realm);
    if (typeof chosen === 'string') {
      // A field that did not parse may have been ours.
      return { ok: false, reason: malformed > 0 && chosen !== 'unsupported-algorithm' ? 'malformed' : chosen };
    }
    const { credentials: c, algorithm } = chosen;

    const username = usernameOf(c);
    if (username === undefined) return { ok: false, reason: 'malformed' };
    const nonce = param(c, 'nonce');
    const uri = param(c, 'uri');
    const response = param(c, 'response');
    if (nonce === undefined || uri === undefined || response === undefined) {
      return { ok: false, reason: 'malformed', username };
    }
    let qop: DigestQop | undefined;
    let nc = '';
    let count = 0;
    let cnonce = '';
    const q = param(c, 'qop');
    if (q === undefined) {
      // RFC 3261 §22.4 keeps RFC 2069 (no qop) for backward compatibility; RFC 7616 requires
      // qop, so only MD5 may go without it.
      if (algorithm !== 'MD5' || c.params.has('qop')) return { ok: false, reason: 'malformed', username };
    } else {
      const lower = q.toLowerCase();
      if (lower !== 'auth' && lower !== 'auth-int') return { ok: false, reason: 'malformed', username };
      if (!this.#qop.includes(lower)) return { ok: false, reason: 'malformed', username };
      qop = lower;
      // RFC 7616 §3.4: with qop, cnonce and an 8-digit hex nc are required.
      nc = param(c, 'nc') ?? '';
      cnonce = param(c, 'cnonce') ?? '';
      if (!HEX8.test(nc) || cnonce === '') return { ok: false, reason: 'malformed', username };
      count = Number.parseInt(nc, 16);
      if (count === 0) return { ok: false, reason: 'malformed', username };
    }
    // RFC 7616 §3.4.6, RFC 3261 §22.4: the digest uri must name the Request-URI, or a captured
    // response could be replayed against another resource.
    if (!sameUri(request.uri, uri)) return { ok: false, reason: 'uri-mismatch', username };

    const issued = this.#nonces.check(realm, nonce);
    if (issued === undefined) return { ok: false, reason: 'bad-nonce', username };
    if (this.#opaque !== undefined && param(c, 'opaque') !== this.#opaque) {
      return { ok: false, reason: 'bad-nonce', username };
    }

    const credential = await this.#store.lookup(username, realm);
    // Time is read after the lookup: it may have taken a while.
    if (credential === undefined) return this.#fail(source, { ok: false, reason: 'unknown-user', username });
    let ha1: string | undefined;
    const hash = this.#hash;
    // HA1 = H(username:realm:password), RFC 7616 §3.4.2.
    if ('password' in credential) {
      const a1 = `${username}:${realm}:${credential.password}`;
      const known = this.#ha1s.get(credential);
      if (known !== undefined && known.algorithm === algorithm && known.a1 === a1) ha1 = known.ha1;
      else {
        ha1 = H(algorithm, a1, hash, this.#hexHash);
        // Copied: `username` may be a view of the request's text.
        this.#ha1s.set(credential, { a1: detached(a1), algorithm, ha1 });
      }
    } else ha1 = credential.ha1[algorithm]?.toLowerCase();
    if (ha1 === undefined) return { ok: false, reason: 'unsupported-algorithm', username };

    // RFC 7616 §3.4.3: A2 = Method:request-uri, with :H(entity-body) for auth-int.
    const method = request.method;
    const ha2 =
      qop === 'auth-int'
        ? H(algorithm, `${method}:${uri}:${H(algorithm, request.body ?? new Uint8Array(0), hash)}`, hash)
        : this.#ha2(algorithm, method, uri);
    const expected = responseOf(algorithm, ha1, ha2, { nonce, qop, nc, cnonce }, hash, this.#hexHash);
    const given = response.length === hexLength(algorithm) ? response.toLowerCase() : response;
    if (!constantTimeEqual(expected, given)) return this.#fail(source, { ok: false, reason: 'bad-response', username });

    const now = this.#now();
    // RFC 7616 §3.3: stale only when the response was right for the expired nonce, so the client
    // may retry with a new nonce without asking the user again.
    if (now - issued >= this.#ttl) return { ok: false, reason: 'stale', stale: true, username };
    if (qop !== undefined) {
      const use = this.#nonces.use(nonce, issued, count, now, given);
      if (use === 'replay') return { ok: false, reason: 'replay', username };
      if (use === 'forgotten') return { ok: false, reason: 'stale', stale: true, username };
    }
    return { ok: true, username, realm, algorithm };
  }

  /** HA2 of qop `auth` or none: H(method:uri), RFC 7616 §3.4.3. */
  #ha2(algorithm: DigestAlgorithm, method: string, uri: string): string {
    const a2 = `${method}:${uri}`;
    const last = this.#lastA2.get(algorithm);
    if (last !== undefined && last.a2 === a2) return last.ha2;
    const ha2 = H(algorithm, a2, this.#hash, this.#hexHash);
    // Copied: the key outlives the request, whose text `uri` may be a view of.
    this.#lastA2.set(algorithm, { a2: detached(a2), ha2 });
    return ha2;
  }

  #realmOf(request: SipRequest): string {
    return typeof this.#realm === 'string' ? this.#realm : this.#realm(request);
  }

  #fail(source: string | undefined, result: DigestFailure): DigestFailure {
    if (source !== undefined) this.#throttle?.fail(source, this.#now());
    return result;
  }

  /** The credentials for `realm` with the algorithm we prefer most, or why there are none. */
  #pick(
    values: readonly AuthValue[],
    realm: string,
  ):
    | { credentials: AuthValue; algorithm: DigestAlgorithm }
    | 'missing'
    | 'wrong-realm'
    | 'malformed'
    | 'unsupported-algorithm' {
    let digest = false;
    let noRealm = false;
    let best: AuthValue | undefined;
    let bestRank = Number.POSITIVE_INFINITY;
    let bestAlgorithm: DigestAlgorithm = 'MD5';
    let ours = false;
    for (const v of values) {
      if (!isDigest(v)) continue;
      digest = true;
      const r = param(v, 'realm');
      if (r === undefined) noRealm = true;
      if (r !== realm) continue;
      ours = true;
      const algorithm = algorithmOf(v.params.get('algorithm'));
      const rank = algorithm === undefined ? -1 : this.#algorithms.indexOf(algorithm);
      if (algorithm !== undefined && rank >= 0 && rank < bestRank) {
        best = v;
        bestRank = rank;
        bestAlgorithm = algorithm;
      }
    }
    if (best !== undefined) return { credentials: best, algorithm: bestAlgorithm };
    if (ours) return 'unsupported-algorithm';
    if (noRealm) return 'malformed';
    return digest ? 'wrong-realm' : 'missing';
  }
}

/**
 * The user name of credentials: `username`, or RFC 7616 §3.4.4 `username*` (an RFC 8187
 * ext-value such as `UTF-8''J%C3%A4s%C3%B8n`); `undefined` when neither or both are given, or
 * when `userhash` is set (this server never offers it).
 */
function usernameOf(c: AuthValue): string | undefined {
  const plain = param(c, 'username');
  const ext = param(c, 'username*');
  if (param(c, 'userhash')?.toLowerCase() === 'true') return undefined;
  if (ext === undefined) return plain === '' ? undefined : plain;
  if (plain !== undefined) return undefined;
  const m = /^utf-8'[^']*'(.+)$/i.exec(ext);
  if (m === null) return undefined;
  try {
    return decodeURIComponent(m[1] as string);
  } catch {
    return undefined;
  }
}

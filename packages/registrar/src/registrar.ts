import {
  createResponse,
  detached,
  formatDate,
  NameAddr,
  parseDeltaSeconds,
  SipParseError,
  type SipRequest,
  type SipResponse,
  type SipUri,
} from '@sipkit/parser';
import type { Binding, BindingChange, LocationService, UpdateResult } from './location.js';

/**
 * What the registrar needs from a digest server (`DigestServer` of `@sipkit/digest` fits):
 * challenge a request, and verify its credentials.
 *
 * @public
 */
export interface RegistrarAuthenticator {
  /** A 401 with fresh challenges; `stale` when the nonce only expired (RFC 7616 §3.3). */
  challenge(request: SipRequest, options?: { stale?: boolean }): SipResponse;
  /** Checks the request's credentials; `source` is where it came from, for throttling. */
  verify(
    request: SipRequest,
    options?: { source?: string },
  ): Promise<{ readonly ok: true; readonly username: string } | { readonly ok: false; readonly reason: string }>;
}

/**
 * Expiry bounds in seconds (RFC 3261 §10.3 step 7, §20.19, §20.23).
 *
 * @public
 */
export interface ExpiryOptions {
  /**
   * Used when neither the Contact's `expires` nor an Expires header says.
   * @defaultValue 3600
   */
  readonly default: number;
  /**
   * Shortest registration accepted; a shorter non-zero one gets 423 with Min-Expires.
   * @defaultValue 60
   */
  readonly min: number;
  /**
   * Longest registration granted; a longer one is cut to this.
   * @defaultValue 86400
   */
  readonly max: number;
}

/**
 * Options for {@link Registrar}.
 *
 * @public
 */
export interface RegistrarOptions {
  /**
   * The domains this registrar holds bindings for (§10.3 step 1, step 5), compared without case,
   * or a predicate on a host.
   */
  readonly domains: readonly string[] | ((host: string) => boolean);
  /** Where bindings live. */
  readonly location: LocationService;
  /** When given, every REGISTER must carry valid credentials (§10.3 step 3, §22). */
  readonly auth?: RegistrarAuthenticator;
  /**
   * §10.3 step 4: may this authenticated user change this AOR's bindings? By default a user may
   * change only the AOR whose user part is the user name.
   */
  readonly authorize?: (username: string, aor: SipUri, request: SipRequest) => boolean;
  /** Expiry bounds. */
  readonly expires?: Partial<ExpiryOptions>;
  /**
   * Most bindings one AOR may hold; more are refused with 403.
   * @defaultValue 10
   */
  readonly maxContacts?: number;
  /**
   * Option tags supported, for the Require check (§10.3 step 2, §8.2.2.3).
   * @defaultValue ['path', 'outbound', 'gruu']
   */
  readonly supported?: readonly string[];
  /**
   * Current time in ms.
   * @defaultValue Date.now
   */
  readonly now?: () => number;
}

/**
 * Counts of what the registrar answered, for metrics.
 *
 * @public
 */
export interface RegistrarCounters {
  /** REGISTER requests handled. */
  requests: number;
  /** 200 responses. */
  ok: number;
  /** 401 challenges sent. */
  challenged: number;
  /** Refusals (every status other than 200 and 401). */
  refused: number;
}

/** A refusal: status, reason, extra headers. */
class Refusal {
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly headers: [string, string][] = [],
  ) {}
}

/** RFC 3261 §20.19: Expires and expires params are delta-seconds up to 2^32-1. */
const MAX_DELTA = 0xffffffff;

/**
 * The canonical form of an address-of-record (RFC 3261 §10.3 step 5): scheme, user and host
 * (lower case) and port, with every URI parameter removed and escapes already undone by the
 * parser. It indexes the location service.
 *
 * @param uri - the To URI of a REGISTER, or any SIP URI
 * @public
 */
export function canonicalAor(uri: SipUri): string {
  const user = uri.user === undefined ? '' : `${escapeUser(uri.user)}@`;
  const port = uri.port === undefined ? '' : `:${uri.port}`;
  // Flat and on its own: a location store keeps it as a key for as long as the AOR has bindings.
  return detached(`${uri.scheme}:${user}${uri.host.toLowerCase()}${port}`);
}

/** Characters that stand in a userinfo as they are (RFC 3261 §25.1 user: unreserved, user-unreserved). */
const USER_CHARS = "A-Za-z0-9\\-_.!~*'()&=+$,;?/";
const USER_PLAIN = new RegExp(`^[${USER_CHARS}]*$`);
const USER_ESCAPED = new RegExp(`[^${USER_CHARS}]`, 'g');

/** Re-escapes what may not stand in a userinfo, so the canonical AOR is a valid URI again. */
function escapeUser(user: string): string {
  if (USER_PLAIN.test(user)) return user;
  return user.replace(USER_ESCAPED, (c) => {
    let out = '';
    for (const b of new TextEncoder().encode(c)) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
    return out;
  });
}

/**
 * The key of a binding within its AOR: `instance|reg-id` for an RFC 5626 registration, the
 * instance alone for an RFC 5627 one, else the contact URI in a canonical form (§10.3 step 6
 * compares contacts as URIs, §19.1.4): scheme, user, host in lower case, port, and the
 * parameters sorted by name with case-insensitive values lower-cased.
 *
 * @param contact - the contact's URI
 * @param instance - its `+sip.instance`, when given
 * @param regId - its `reg-id`, when given with an instance
 * @public
 */
export function bindingKey(contact: SipUri, instance?: string, regId?: number): string {
  if (instance !== undefined) return regId === undefined ? instance : `${instance}|${regId}`;
  const params = [...contact.params.entries()]
    .map(([k, v]) => {
      const name = k.toLowerCase();
      // §19.1.4: parameter values compare case-insensitively except where their grammar says not.
      return v === null ? name : `${name}=${v.toLowerCase()}`;
    })
    .sort();
  const base = canonicalAor(contact);
  return params.length === 0 ? base : `${base};${params.join(';')}`;
}

/**
 * The RFC 3261 §10.3 registrar as logic without I/O: a REGISTER in, the response out, the
 * location service updated between. Steps in the RFC's order: domain (404), Require (420),
 * authentication (401), authorization (403), the AOR (404), `Contact: *` (400 unless alone with
 * Expires 0), expiry (423 below the minimum, cut to the maximum), Call-ID/CSeq order per binding,
 * the contact limit (403), and a 200 listing every current binding with its remaining time.
 * Also Path (RFC 3327), outbound (RFC 5626: reg-id and instance as the binding key, 439 when the
 * first hop cannot keep the flow) and public GRUUs (RFC 5627).
 *
 * Use {@link registrarUser} to put it above a transaction layer.
 *
 * @public
 */
export class Registrar {
  /** Counts of what was answered. */
  readonly counters: RegistrarCounters = { requests: 0, ok: 0, challenged: 0, refused: 0 };
  readonly #o: RegistrarOptions;
  readonly #expires: ExpiryOptions;
  readonly #maxContacts: number;
  readonly #supported: ReadonlySet<string>;
  readonly #now: () => number;
  readonly #ours: (host: string) => boolean;
  #dateSecond = Number.NaN;
  #dateText = '';

  /**
   * @param options - domains, location service, authentication, bounds
   * @throws RangeError naming the key of a bad option
   */
  constructor(options: RegistrarOptions) {
    this.#o = options;
    const e = { default: 3600, min: 60, max: 86400, ...options.expires };
    for (const k of ['default', 'min', 'max'] as const) {
      if (!Number.isInteger(e[k]) || e[k] < 0 || e[k] > MAX_DELTA) {
        throw new RangeError(`expires.${k} must be a whole number of seconds, got ${String(e[k])}`);
      }
    }
    if (e.min > e.max) throw new RangeError(`expires.min (${e.min}) must not exceed expires.max (${e.max})`);
    this.#expires = e;
    this.#maxContacts = options.maxContacts ?? 10;
    if (!Number.isInteger(this.#maxContacts) || this.#maxContacts < 1) {
      throw new RangeError(`maxContacts must be a positive whole number, got ${String(options.maxContacts)}`);
    }
    this.#supported = new Set((options.supported ?? ['path', 'outbound', 'gruu']).map((t) => t.toLowerCase()));
    this.#now = options.now ?? Date.now;
    const d = options.domains;
    if (typeof d === 'function') this.#ours = d;
    else {
      const set = new Set(d.map((x) => x.toLowerCase()));
      this.#ours = (host) => set.has(host.toLowerCase());
    }
  }

  /**
   * Handles one REGISTER and returns the response to send. Malformed header fields give 400 with
   * the parser's reason; nothing throws for anything a client sends.
   *
   * @param request - the REGISTER
   * @param source - where it came from (`address:port`), for authentication throttling and
   * outbound flows
   */
  async handle(request: SipRequest, source?: string): Promise<SipResponse> {
    this.counters.requests++;
    let res: SipResponse;
    try {
      res = await this.#handle(request, source);
    } catch (e) {
      res = this.#refusal(request, e);
    }
    this.#count(res);
    return res;
  }

  #count(res: SipResponse): void {
    if (res.status === 200) this.counters.ok++;
    else if (res.status === 401) this.counters.challenged++;
    else this.counters.refused++;
  }

  /** The response for what `#handle` threw. */
  #refusal(request: SipRequest, e: unknown): SipResponse {
    if (e instanceof Refusal) return createResponse(request, e.status, { reason: e.reason, headers: e.headers });
    if (e instanceof SipParseError) {
      const detail = e.message.replace(/[\x00-\x1f\x7f]/g, ' ').slice(0, 120);
      return createResponse(request, 400, { reason: `Bad Request (${detail})` });
    }
    // A location service that failed: §10.3 step 7, the request fails with 500.
    return createResponse(request, 500, { reason: 'Server Internal Error (location service)' });
  }

  /**
   * The answer to `request` when it needs neither state nor the location service, else
   * undefined (then call {@link Registrar.handle}): steps 1 and 2 of §10.3 (404, 420, 405 for
   * another method, 400 for what does not parse) and, with `auth`, the challenge of step 3 to a
   * REGISTER that carries no Authorization field at all. A stateless registrar (RFC 3261 §8.2.7)
   * sends these without a server transaction, so that a flood of unauthenticated REGISTERs
   * costs no memory; a retransmission is answered anew (with a fresh nonce). Counted as
   * `handle` counts.
   *
   * @param request - the REGISTER
   */
  statelessAnswer(request: SipRequest): SipResponse | undefined {
    let res: SipResponse | undefined;
    try {
      this.#precheck(request);
      if (this.#o.auth === undefined || request.has('Authorization')) return undefined;
      res = this.#o.auth.challenge(request, { stale: false });
    } catch (e) {
      res = this.#refusal(request, e);
    }
    this.counters.requests++;
    this.#count(res);
    return res;
  }

  /** Steps 1 and 2 of §10.3 (and the method); throws the refusal. */
  #precheck(request: SipRequest): void {
    if (request.method !== 'REGISTER') throw new Refusal(405, 'Method Not Allowed', [['Allow', 'REGISTER']]);
    // Step 1: is the Request-URI's domain ours?
    const ruri = request.requestUri;
    if (ruri.kind !== 'sip' || !this.#ours(ruri.host)) throw new Refusal(404, 'Not Found (domain not served here)');
    // Step 2: Require, as a UAS does (§8.2.2.3).
    const unsupported = request.require.filter((t) => !this.#supported.has(t.toLowerCase()));
    if (unsupported.length > 0) throw new Refusal(420, 'Bad Extension', [['Unsupported', unsupported.join(', ')]]);
  }

  async #handle(request: SipRequest, source: string | undefined): Promise<SipResponse> {
    this.#precheck(request);
    // Step 3: authentication.
    let username: string | undefined;
    if (this.#o.auth !== undefined) {
      const v = await this.#o.auth.verify(request, source === undefined ? {} : { source });
      if (!v.ok) {
        if (v.reason === 'throttled') throw new Refusal(403, 'Forbidden (too many failed attempts)');
        return this.#o.auth.challenge(request, { stale: v.reason === 'stale' });
      }
      username = v.username;
    }
    // Step 5 (read first, step 4 needs it): the AOR from To, canonical, in one of our domains.
    const to = request.to;
    if (to === undefined) throw new Refusal(400, 'Bad Request (no To)');
    const toUri = to.uri;
    if (toUri.kind !== 'sip' || !this.#ours(toUri.host))
      throw new Refusal(404, 'Not Found (address-of-record not served here)');
    const aor = canonicalAor(toUri);
    // Step 4: may this user touch this AOR?
    if (username !== undefined) {
      const allowed = this.#o.authorize?.(username, toUri, request) ?? toUri.user === username;
      if (!allowed) throw new Refusal(403, 'Forbidden (not your address-of-record)');
    }
    const rawCallId = request.callId;
    const callId = rawCallId === undefined ? undefined : detached(rawCallId);
    const cseq = request.cseq;
    if (callId === undefined || cseq === undefined) throw new Refusal(400, 'Bad Request (Call-ID and CSeq required)');
    const now = this.#now();
    const contacts = request.contacts;
    const headerExpires = request.has('Expires') ? parseDeltaSeconds(request.get('Expires') ?? '') : undefined;

    let result: UpdateResult;
    if (contacts === '*') {
      // Step 6: `*` only alone and with Expires 0.
      if (request.count('Contact') !== 1 || headerExpires !== 0) {
        throw new Refusal(400, 'Bad Request (Contact: * needs Expires: 0 and no other Contact)');
      }
      result = await this.#o.location.removeAll(aor, callId, cseq.seq, now);
    } else if (contacts.length === 0) {
      // A query: the bindings as they are (§10.2.3).
      result = { ok: true, bindings: await this.#o.location.lookup(aor, now) };
    } else {
      const changes = this.#changes(request, contacts, headerExpires, callId, cseq.seq, now, source);
      result = await this.#o.location.update(aor, changes, now, this.#maxContacts);
    }
    if (!result.ok) {
      if (result.reason === 'too-many') throw new Refusal(403, `Forbidden (more than ${this.#maxContacts} contacts)`);
      // Step 7: an older CSeq for the same Call-ID aborts the update.
      throw new Refusal(400, 'Bad Request (CSeq out of order for this Call-ID)');
    }
    return this.#ok(request, result.bindings, aor, now);
  }

  /** Step 7: one change per Contact, with its expiry, and outbound/GRUU keys. */
  #changes(
    request: SipRequest,
    contacts: readonly NameAddr[],
    headerExpires: number | undefined,
    callId: string,
    cseq: number,
    now: number,
    source: string | undefined,
  ): BindingChange[] {
    const path = request.getValues('Path').map((p) => detached(p));
    const vias = request.vias.length;
    const changes: BindingChange[] = [];
    for (const c of contacts) {
      const uri = c.uri;
      if (uri.kind !== 'sip') throw new Refusal(400, 'Bad Request (a contact must be a SIP URI)');
      const p = c.params;
      const raw = p.get('expires');
      let seconds =
        raw === undefined || raw === null ? (headerExpires ?? this.#expires.default) : parseDeltaSeconds(raw);
      if (seconds !== 0 && seconds < this.#expires.min) {
        throw new Refusal(423, 'Interval Too Brief', [['Min-Expires', String(this.#expires.min)]]);
      }
      if (seconds > this.#expires.max) seconds = this.#expires.max;
      const qRaw = p.get('q');
      let q: number | undefined;
      if (qRaw !== undefined && qRaw !== null) {
        q = Number(qRaw);
        if (!/^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(qRaw))
          throw new Refusal(400, `Bad Request (q=${qRaw.slice(0, 20)})`);
      }
      const inst = p.get('+sip.instance');
      const instance = inst === undefined || inst === null ? undefined : unquoteInstance(inst);
      const regRaw = p.get('reg-id');
      let regId: number | undefined;
      if (instance !== undefined && regRaw !== undefined && regRaw !== null) {
        if (!/^\d{1,10}$/.test(regRaw) || Number(regRaw) < 1) throw new Refusal(400, 'Bad Request (reg-id)');
        regId = Number(regRaw);
        // RFC 5626 §6: outbound needs the first hop to keep the flow: the UA is that hop (one
        // Via), or the first Path entry is an edge proxy that says `ob`.
        if (vias > 1 && !(path[0] !== undefined && /;\s*ob(\s*[;>]|\s*$)/i.test(path[0]))) {
          throw new Refusal(439, 'First Hop Lacks Outbound Support');
        }
      }
      const contact = detached(c.uriText);
      const key = bindingKey(uri, instance, regId);
      // One shape for every binding (absent fields undefined): V8 then lays them all out alike,
      // in the object itself, which a million bindings notice.
      const binding: Binding = {
        // Kept for the life of the binding: copies, not substrings that would pin the message.
        key: key === contact ? contact : detached(key),
        contact,
        expires: now + seconds * 1000,
        q,
        callId,
        cseq,
        path: path.length > 0 ? path : undefined,
        instance: instance === undefined ? undefined : detached(instance),
        regId,
        source: source === undefined ? undefined : detached(source),
        updated: now,
      };
      changes.push({ binding, remove: seconds === 0 });
    }
    return changes;
  }

  /** The Date field for `now` (§10.3 step 8, §20.17), written once a second. */
  #date(now: number): string {
    const second = Math.floor(now / 1000);
    if (second !== this.#dateSecond) {
      this.#dateSecond = second;
      this.#dateText = formatDate(new Date(second * 1000));
    }
    return this.#dateText;
  }

  /** Step 8: 200 with every current binding and its remaining time, Date, Path, Require. */
  #ok(request: SipRequest, bindings: readonly Binding[], aor: string, now: number): SipResponse {
    const headers: [string, string][] = [];
    const supported = new Set<string>();
    for (const t of request.supported) supported.add(t.toLowerCase());
    let outbound = false;
    for (const b of bindings) {
      const expires = String(Math.max(0, Math.round((b.expires - now) / 1000)));
      if (b.instance === undefined && b.regId === undefined) {
        // The usual binding: what the NameAddr below would render, without building one.
        headers.push(['Contact', `<${b.contact}>;expires=${expires}${b.q === undefined ? '' : `;q=${b.q}`}`]);
        continue;
      }
      let na = new NameAddr(undefined, b.contact).withParam('expires', expires);
      if (b.q !== undefined) na = na.withParam('q', String(b.q));
      if (b.instance !== undefined) {
        na = na.withParam('+sip.instance', `<${b.instance}>`);
        // RFC 5627 §6: a public GRUU for a UA that said it supports GRUU and gave an instance.
        if (supported.has('gruu')) na = na.withParam('pub-gruu', `${aor};gr=${b.instance}`);
      }
      if (b.regId !== undefined) {
        na = na.withParam('reg-id', String(b.regId));
        outbound = true;
      }
      headers.push(['Contact', na.toString()]);
    }
    // RFC 3327 §5.3: the Path values stored are returned when the UA supports Path.
    if (supported.has('path')) for (const p of request.getValues('Path')) headers.push(['Path', p]);
    // RFC 5626 §6: the registrar says it applied outbound processing.
    if (outbound && supported.has('outbound')) headers.push(['Require', 'outbound']);
    headers.push(['Date', this.#date(now)]);
    return createResponse(request, 200, { headers });
  }
}

/** `+sip.instance` is a quoted `"<urn:…>"`; the binding keeps the URN. */
function unquoteInstance(v: string): string {
  let s = v.trim();
  if (s.startsWith('"') && s.endsWith('"')) s = s.slice(1, -1);
  if (s.startsWith('<') && s.endsWith('>')) s = s.slice(1, -1);
  return s;
}

/**
 * What {@link registrarUser} needs of a server transaction: `respond` (any `ServerTransaction`
 * of `@sipkit/transaction` fits).
 *
 * @public
 */
export interface RespondingTransaction {
  /** Sends a response through the transaction. */
  respond(response: SipResponse): unknown;
  /** Where the request came from. */
  readonly from?: { readonly source: { readonly address: string; readonly port: number } };
}

/**
 * A transaction user for a registrar-only element: REGISTER goes to the registrar, any other
 * request gets 405 (with Allow), and ACK is ignored. Pass it as `tu` to a `TransactionLayer`.
 *
 * @param registrar - the registrar
 * @returns an object with `onRequest`
 * @public
 */
export function registrarUser(registrar: Registrar): {
  onRequest(request: SipRequest, transaction: RespondingTransaction): void;
} {
  return {
    onRequest(request, transaction) {
      if (request.method !== 'REGISTER') {
        transaction.respond(createResponse(request, 405, { headers: [['Allow', 'REGISTER']] }));
        return;
      }
      const src = transaction.from?.source;
      void registrar
        .handle(request, src === undefined ? undefined : `${src.address}:${src.port}`)
        .then((res) => transaction.respond(res));
    },
  };
}

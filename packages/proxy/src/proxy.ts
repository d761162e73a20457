import {
  createResponse,
  parseMessage,
  parseNameAddr,
  parseUri,
  type SipRequest,
  type SipResponse,
  serialize,
  type Uri,
  uriEquals,
  validateRequest,
} from '@sipkit/parser';
import {
  type ClientTransaction,
  type ClientTransactionHandler,
  type Clock,
  createCancel,
  type InviteServerTransaction,
  type ServerTransaction,
  systemClock,
  type TransactionError,
  TransactionLayer,
} from '@sipkit/transaction';
import {
  type Drop,
  type Received,
  type Resolver,
  resolveTargets,
  responseDestination,
  type Target,
  type Transport,
  TransportLayer,
  type TransportProtocol,
} from '@sipkit/transport';
import { chooseBest } from './internal/choose.js';

/**
 * One place to send a request: a URI, its q-value, and the route set to reach it (a registered
 * contact's Path, RFC 3327).
 *
 * @public
 */
export interface ProxyTarget {
  /** The Request-URI of the forwarded request. */
  readonly uri: string;
  /** Preference, 0–1 (no q counts as 1.0); higher q is tried first in sequential forking. */
  readonly q?: number | undefined;
  /** Route values to put in front (a Path from the registration), in order. */
  readonly route?: readonly string[] | undefined;
  /**
   * Where to send the request instead of its first Route or its Request-URI: a SIP URI such as
   * `sip:192.0.2.7:49152;transport=tcp`. A registrar that saw a REGISTER arrive on a connection
   * (RFC 5626 flow) or from behind a NAT sets it to that source, so the request reaches the
   * contact over the same flow; the Request-URI stays the registered contact (RFC 3261 §16.6
   * step 7 allows any next hop a policy picks).
   */
  readonly destination?: string | undefined;
}

/**
 * What a hook may answer: nothing (go on), or a response to send back instead of forwarding.
 *
 * @public
 */
export type HookResult = SipResponse | undefined | Promise<SipResponse | undefined>;

/**
 * The user-supplied parts of a {@link SipProxy}: where requests go (§16.5) and hooks at each step.
 *
 * @public
 */
export interface ProxyRouting {
  /**
   * The target set for a request this proxy is responsible for (its Request-URI in one of our
   * domains, no Route left): from a location service, a table, anything (§16.5). An empty set
   * is answered 480.
   */
  targets(request: SipRequest): readonly ProxyTarget[] | Promise<readonly ProxyTarget[]>;
  /**
   * A request passed validation (§16.3): answer it here, or let it through. `from` tells where
   * it came from (transport, source address, connection).
   */
  onRequest?(request: SipRequest, from: Received): HookResult;
  /**
   * An answer that needs no state (RFC 3261 §8.2.7, a stateless UAS), for a request other than
   * INVITE, ACK and CANCEL that passed validation (§16.3), before any server transaction is
   * made: return a response to send it without one, or undefined to go on (`onRequest`, a
   * transaction). Nothing is kept for a request answered here; its retransmissions come here
   * again and are answered anew. The RFC's example: challenge a request that carries no
   * credentials at all, so that a flood of them costs no memory. The choice is synchronous: it
   * is made before anything else may arrive for the request. The answer may come later, as a
   * promise (a registrar that answers once its location service has stored the binding, as
   * Kamailio's does through `sl`): the request is then answered statelessly whatever the promise
   * brings, 500 if it rejects, so only requests whose retransmissions may safely be handled again
   * (idempotent ones) belong here. `null` discards the request: for a retransmission of one
   * whose promised answer is still pending, as a server transaction in Trying discards
   * retransmissions (§17.2.2). `beforeRespond` sees the answer as usual. In `stateless` mode it
   * runs before `onRequest`.
   */
  statelessAnswer?(request: SipRequest, from: Received): SipResponse | Promise<SipResponse> | null | undefined;
  /**
   * For a request that is not ours to retarget (it still has a Route, or its Request-URI is in
   * no domain of ours), where to send it instead of its Route or Request-URI: a SIP URI, as
   * {@link ProxyTarget.destination}, or undefined for the usual RFC 3263 routing. Called after
   * §16.4 route preprocessing; an edge proxy uses it to send a request over a client's flow
   * (RFC 5626 §5.3).
   */
  nextHop?(request: SipRequest): string | undefined;
  /** A copy is about to go to a target (§16.6): add or change header fields. */
  beforeForward?(request: SipRequest, target: ProxyTarget): void;
  /** A response came back from a branch: told only. */
  onResponse?(response: SipResponse, target: ProxyTarget): void;
  /**
   * Every response about to be sent upstream: forwarded ones (our Via removed), the proxy's own
   * refusals (§16.3), and the answers of `onRequest`. Add or change header fields, log, count.
   */
  beforeRespond?(response: SipResponse): void;
}

/**
 * Options for {@link SipProxy}.
 *
 * @public
 */
export interface ProxyOptions extends ProxyRouting {
  /** The transports to listen and send on. */
  readonly transports: readonly Transport[];
  /** The domains this proxy is responsible for (compared without case). */
  readonly domains: readonly string[];
  /** Time; the testkit's VirtualClock in tests. */
  readonly clock?: Clock;
  /** T1, T2, T4. */
  readonly timers?: { t1?: number; t2?: number; t4?: number };
  /**
   * Stay in the path of dialogs (§16.6 step 4).
   * @defaultValue true
   */
  readonly recordRoute?: boolean;
  /**
   * Other addresses and ports that are this proxy besides its transports' own: a virtual or
   * public address in front of it, or a socket shared with other processes. A Route or
   * Request-URI naming one is ours (§16.4) like one naming a transport.
   */
  readonly aliases?: readonly { readonly address: string; readonly port: number }[];
  /**
   * Forking: all targets at once, or by q-value, highest first, equal q at once (§16.6).
   * @defaultValue 'parallel'
   */
  readonly forking?: 'parallel' | 'sequential';
  /**
   * Timer C for INVITE branches in ms, more than 3 minutes (§16.6 step 11).
   * @defaultValue 180000
   */
  readonly timerC?: number;
  /** DNS for RFC 3263; numeric hosts need none. */
  readonly resolver?: Resolver;
  /** Told of everything the transport layer dropped: malformed input, foreign Via (for logs). */
  readonly onDrop?: (drop: Drop) => void;
  /**
   * `proxy`: a stateful proxy (§16.2–§16.10), with a server transaction, client transactions and a
   * response context per request.
   *
   * `stateless`: a stateless proxy (§16.11): no transactions and nothing remembered. Each request
   * (CANCEL and ACK included) goes to one target only — the first of the highest q that
   * `targets` gives, as §16.11 allows no forking — with a branch computed from the request, so
   * a retransmission, and the CANCEL and non-2xx ACK of an INVITE, leave with the INVITE's
   * branch. Every response whose top Via is ours goes back, that Via removed, where the next Via
   * says (§18.2.2, RFC 3581). Validation (§16.3), route processing (§16.4) and Record-Route
   * still apply; `onRequest` sees neither ACK nor CANCEL, `onResponse` is not called (no branch
   * is remembered), `beforeRespond` sees every response sent or forwarded. {@link SipProxy.layer}
   * is undefined.
   *
   * `redirect`: act as a redirect server (§8.3, §16.5): answer requests for our domains with
   * 302 and the target set as Contacts, instead of forwarding them.
   * @defaultValue 'proxy'
   */
  readonly mode?: 'proxy' | 'stateless' | 'redirect';
  /**
   * Recurse on redirections (§16.5, §16.7 step 5), in `proxy` mode (a stateless proxy forwards
   * a 3xx as it forwards any response): the Contacts of a 3xx that a branch brings
   * become new targets of the same response context, forwarded at once (parallel forking) or
   * after the current group (sequential), never a URI already tried (§16.5), never a non-SIPS
   * URI for a SIPS request (§16.7 step 5), and at most 32 targets per context in all. Contacts
   * recursed on are taken out of the 3xx; a 3xx left without Contacts is not kept, so the caller
   * sees it only when it still names targets not tried and nothing better came.
   * @defaultValue false
   */
  readonly recurse3xx?: boolean;
}

/**
 * What the proxy has done, for metrics.
 *
 * @public
 */
export interface ProxyCounters {
  /** Requests that reached the proxy core. */
  requests: number;
  /** Branches forwarded. */
  branches: number;
  /** Final responses sent upstream. */
  finals: number;
  /** Requests refused by validation (§16.3). */
  refused: number;
  /** Requests forwarded statelessly (ACK for 2xx; every request in `stateless` mode). */
  stateless: number;
  /** Timer C expiries (§16.8). */
  timerC: number;
  /** Targets added to a response context from the Contacts of a 3xx (`recurse3xx`). */
  recursed: number;
  /** Exceptions thrown by hooks or the targets function, caught (the request answered 500 when it could be). */
  errors: number;
  /**
   * Non-INVITE requests answered without a server transaction (§8.2.7): refused by validation
   * (§16.3), or answered by `statelessAnswer`.
   */
  statelessAnswers: number;
}

/**
 * One client transaction of a response context; it is the transaction's `context`, so one
 * handler serves every branch.
 */
interface Branch {
  readonly ctx: Context;
  readonly target: ProxyTarget;
  /** The copy sent (§16.6), kept to CANCEL it (§9.1) until the branch and its context are done. */
  request: SipRequest | undefined;
  /** Whether the copy is an INVITE (Timer C, CANCEL). */
  readonly invite: boolean;
  tx: ClientTransaction | undefined;
  /** A provisional (>100) has come back. */
  provisional: boolean;
  /** A final response has come back (or Timer C / a failure ended it). */
  done: boolean;
  timerC: unknown;
  cancelled: boolean;
}

/** §16.5: a context never sends to more targets than this, 3xx recursion included. */
const MAX_TARGETS = 32;

/**
 * A response context (§16.7): the server transaction and its branches. Once it has answered
 * upstream and every branch is done, it keeps only what forwarding a late 2xx needs (see
 * `#slim`): the request, the finals, the targets and the copies go.
 */
interface Context {
  /** The request being proxied; undefined once the context is slimmed. */
  request: SipRequest | undefined;
  /** Whether it is an INVITE (the context then outlives its final response). */
  readonly invite: boolean;
  readonly st: ServerTransaction;
  readonly branches: Branch[];
  /** Targets not tried yet, in groups of equal q (sequential forking). */
  readonly pending: ProxyTarget[][];
  /** A final response has been sent upstream. */
  answered: boolean;
  /** A 2xx (or 6xx) came: no more branches, the rest cancelled. */
  settled: boolean;
  /** CANCEL received from upstream (§16.10). */
  cancelled: boolean;
  /** Final responses kept for §16.7 step 6, in the order they arrived. */
  readonly finals: SipResponse[];
  /** Every target URI sent to or queued, for §16.5's "never twice" (3xx recursion). */
  readonly tried: Uri[];
}

/** The handler of the proxy's CANCEL transactions: their answers matter to nobody (§16.10). */
const IGNORE: ClientTransactionHandler = { onResponse: () => undefined, onFailure: () => undefined };

/** The request of a context that is still forwarding (a slimmed one has answered and forks no more). */
function requestOf(ctx: Context): SipRequest {
  if (ctx.request === undefined) throw new Error('the response context has answered already');
  return ctx.request;
}

const NO_DNS: Resolver = { naptr: async () => [], srv: async () => [], a: async () => [], aaaa: async () => [] };

const FNV_OFFSET = 0x811c9dc5;

/** FNV-1a, 32 bits, over `text`, carrying on from the hash `h` (so parts need not be joined first). */
function fnvStep(h: number, text: string): number {
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** FNV-1a, 32 bits, in base 36: the loop-detection part of our branches (§16.6 step 8). */
function fnv(text: string, seed = FNV_OFFSET): string {
  return fnvStep(seed, text).toString(36);
}

function tagOf(read: () => { tag: string | undefined } | undefined): string {
  try {
    return read()?.tag ?? '';
  } catch {
    return '';
  }
}

function uriOfRoute(value: string): string {
  const m = /<([^>]*)>/.exec(value);
  return (m?.[1] ?? value).trim();
}

/** A host as compared with our addresses: lower case, an IPv6 reference without its brackets. */
function bare(host: string): string {
  const h = host.toLowerCase();
  return h.charCodeAt(0) === 0x5b && h.charCodeAt(h.length - 1) === 0x5d ? h.slice(1, -1) : h;
}

function hostOf(t: Transport): string {
  return t.local.address.includes(':') ? `[${t.local.address}]` : t.local.address;
}

/**
 * RFC 3261 §16.6 step 7 (§12.2.1.1): when the first Route is a strict router (no `lr`), it
 * becomes the Request-URI and the Request-URI goes to the end of the Route set; the request is
 * then sent to its Request-URI. Returns whether the request was rewritten so.
 */
function strictRoutingFixup(req: SipRequest): boolean {
  const routes = req.getValues('Route');
  const first = routes[0];
  if (first === undefined) return false;
  let uri: Uri;
  try {
    uri = parseUri(uriOfRoute(first));
  } catch {
    return false; // a Route we cannot read is the next hop's to judge (the send will fail)
  }
  if (uri.kind !== 'sip' || uri.params.has('lr')) return false;
  const ruri = req.uri;
  req.uri = uriOfRoute(first);
  req.remove('Route');
  for (const r of routes.slice(1)) req.append('Route', r);
  req.append('Route', `<${ruri}>`);
  return true;
}

/** §16.6 step 7: the next hop: the Request-URI after a strict-routing fix-up, else the first Route, else the Request-URI. */
function nextHop(req: SipRequest, strict: boolean): string {
  const first = strict ? undefined : req.getValues('Route')[0];
  return first === undefined ? req.uri : uriOfRoute(first);
}

/**
 * The RFC 3261 §16 stateful proxy core as a library: validation (§16.3), route preprocessing
 * (§16.4), targets from a user function (§16.5), forwarding with Record-Route, Max-Forwards and
 * loop-safe branches (§16.6), parallel and sequential forking, the response context of §16.7
 * (100 absorbed, provisionals and every 2xx forwarded at once, the best final response chosen
 * with 6xx ending the search, 401/407 challenges merged, 503 turned into 500, 3xx recursion when
 * asked), Timer C (§16.8), and CANCEL (§16.10), with hooks at each step; or, with
 * `mode: 'stateless'`, the stateless proxy of §16.11. A request that arrives on one transport and
 * leaves on another is record-routed twice, once per transport (RFC 5658 §4).
 *
 * @public
 */
export class SipProxy {
  /** The transaction layer underneath; undefined in `stateless` mode, which has none. */
  readonly layer: TransactionLayer | undefined;
  /** The transport layer underneath (the transaction layer's own, or in `stateless` mode the proxy's). */
  readonly transport: TransportLayer;
  /** Counts of what happened. */
  readonly counters: ProxyCounters = {
    requests: 0,
    branches: 0,
    finals: 0,
    refused: 0,
    stateless: 0,
    statelessAnswers: 0,
    timerC: 0,
    recursed: 0,
    errors: 0,
  };
  /**
   * Our Record-Route URI on the first transport (`;transport=` added for any but UDP). A request
   * is record-routed with the URI of the transport it arrived on, and with two URIs when it
   * leaves on another (RFC 5658 §4).
   */
  readonly recordRouteUri: string;
  readonly #o: ProxyOptions;
  readonly #clock: Clock;
  readonly #domains: ReadonlySet<string>;
  /** `address:port` of each transport (lower case), to find our own Vias (§16.3 step 4) */
  readonly #transportKeys: ReadonlySet<string>;
  /** the same with the aliases, for our own URIs (§16.4) */
  readonly #localKeys: ReadonlySet<string>;
  /** the transport protocols we have, for RFC 3263 resolution */
  readonly #protocols: readonly TransportProtocol[];
  readonly #contexts = new Map<InviteServerTransaction | ServerTransaction, Context>();
  readonly #local: Transport;
  #seq = 0;

  /**
   * @param options - transports, domains, routing and hooks
   * @throws RangeError naming the key of a bad option
   */
  constructor(options: ProxyOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.#domains = new Set(options.domains.map((d) => d.toLowerCase()));
    const key = (a: { readonly address: string; readonly port: number }) => `${a.address.toLowerCase()}:${a.port}`;
    this.#transportKeys = new Set(options.transports.map((t) => key(t.local)));
    this.#localKeys = new Set([...this.#transportKeys, ...(options.aliases ?? []).map(key)]);
    this.#protocols = [...new Set(options.transports.map((t) => t.protocol))];
    const first = options.transports[0];
    if (first === undefined) throw new RangeError('transports must hold at least one transport');
    this.#local = first;
    const timerC = options.timerC ?? 180_000;
    if (!Number.isFinite(timerC) || timerC <= 0)
      throw new RangeError(`timerC must be a positive number of ms, got ${String(options.timerC)}`);
    this.recordRouteUri = this.#rrUri(first, false);
    if (options.mode === 'stateless') {
      // §16.11: no transactions: the proxy sits on the transport layer itself.
      this.layer = undefined;
      this.transport = new TransportLayer({
        transports: options.transports,
        onRequest: (req, from) => void this.#statelessRequest(req, from),
        onResponse: (res) => this.#statelessResponse(res),
        ...(options.onDrop === undefined ? {} : { onDrop: options.onDrop }),
      });
      return;
    }
    const layer = new TransactionLayer({
      transports: options.transports,
      clock: this.#clock,
      ...(options.timers === undefined ? {} : { timers: options.timers }),
      ...(options.onDrop === undefined ? {} : { onDrop: options.onDrop }),
      tu: {
        onRequest: (req, st) => void this.#onRequest(req, st),
        beforeTransaction: (req, from) => this.#beforeTransaction(req, from),
        onAck: (ack, from, st) => {
          // An ACK for a 2xx (a transaction of its own) travels end to end: forward it.
          if (st === undefined) void this.#forwardStateless(ack, from);
        },
        // RFC 6026 §7.2: a proxy drops responses that match no transaction.
        onStrayResponse: () => undefined,
        onServerTerminated: (st) => this.#contexts.delete(st),
      },
    });
    this.layer = layer;
    this.transport = layer.transport;
  }

  /** The transaction layer, in the stateful modes (the only ones that reach the callers of this). */
  get #tl(): TransactionLayer {
    if (this.layer === undefined) throw new Error('no transaction layer in stateless mode');
    return this.layer;
  }

  /** Our Record-Route URI on one transport; `explicit` names the transport even for UDP (RFC 5658 §4). */
  #rrUri(t: Transport, explicit: boolean): string {
    const param = t.protocol === 'udp' && !explicit ? '' : `;transport=${t.protocol}`;
    return `sip:${hostOf(t)}:${t.local.port}${param};lr`;
  }

  /** Live response contexts (server transactions being proxied). */
  get contexts(): number {
    return this.#contexts.size;
  }

  /** Stops the transaction layer and closes the transports. */
  async close(): Promise<void> {
    for (const ctx of this.#contexts.values()) for (const b of ctx.branches) this.#clearTimerC(b);
    await (this.layer ?? this.transport).close();
  }

  /**
   * Whether a URI is this proxy's own: the address and port of one of its transports, so any of
   * its Record-Route URIs (one per transport, RFC 5658) is recognised in §16.4.
   */
  isLocal(uri: Uri): boolean {
    if (uri.kind !== 'sip') return false;
    const port = uri.port ?? (uri.scheme === 'sips' ? 5061 : 5060);
    return this.#localKeys.has(`${bare(uri.host)}:${port}`);
  }

  #isOurDomain(uri: Uri): boolean {
    return uri.kind === 'sip' && this.#domains.has(uri.host.toLowerCase());
  }

  // ---------------------------------------------------------------- §16.3 validation

  async #onRequest(req: SipRequest, st: ServerTransaction): Promise<void> {
    try {
      await this.#proxyRequest(req, st);
    } catch {
      // A hook or the targets function threw: answer 500 if nothing was sent (§16.3: the proxy
      // is a UAS for its own answers), and never let it out of the transaction layer's callback.
      this.counters.errors++;
      if (!this.#contexts.has(st) && (st.state === 'Trying' || st.state === 'Proceeding')) {
        try {
          this.#reply(st, createResponse(req, 500, { reason: 'Server Internal Error' }));
        } catch {
          // Already answered.
        }
      }
    }
  }

  /**
   * §16.3: the checks before a request is proxied. Returns the proxy's own answer (a refusal,
   * or the 200 for an OPTIONS at Max-Forwards 0), or undefined to go on.
   */
  #validate(req: SipRequest): SipResponse | undefined {
    const refuse = (status: number, reason?: string, headers: [string, string][] = []) => {
      this.counters.refused++;
      return createResponse(req, status, { ...(reason === undefined ? {} : { reason }), headers });
    };
    // §16.3 step 1: well-formed enough to proxy: the mandatory header fields present, single
    // and readable (a CSeq that does not parse, a second Call-ID …), answered 400 with the reason;
    // the header fields a proxy does not act on are not its business.
    const syntax = validateRequest(req, { proxy: true });
    if (!syntax.ok && syntax.status === 400) return refuse(400, syntax.reason);
    // §16.3 step 2: the URI scheme.
    let ruri: Uri;
    try {
      ruri = req.requestUri;
    } catch {
      return refuse(400, 'Bad Request (Request-URI)');
    }
    if (ruri.kind !== 'sip') return refuse(416);
    // §16.3 step 3: Max-Forwards; OPTIONS at 0 is answered here (§16.3 step 3, §11).
    const mf = req.maxForwards;
    if (mf === 0) {
      if (req.method === 'OPTIONS') {
        return createResponse(req, 200, { headers: [['Allow', 'INVITE, ACK, CANCEL, BYE, OPTIONS']] });
      }
      return refuse(483);
    }
    // §16.3 step 4: loop detection, with the branch hash of §16.6 step 8.
    if (this.#isLoop(req)) return refuse(482, 'Loop Detected');
    // §16.3 step 5: Proxy-Require.
    const unsupported = req.proxyRequire;
    if (unsupported.length > 0) return refuse(420, 'Bad Extension', [['Unsupported', unsupported.join(', ')]]);
    return undefined;
  }

  /** §16.4 and §16.5: route preprocessing, then the target set (the Request-URI alone when routed or not ours). */
  async #targetSet(req: SipRequest): Promise<{ targets: readonly ProxyTarget[]; routed: boolean }> {
    this.#preprocessRoutes(req);
    const routed = req.getValues('Route').length > 0;
    if (routed || !this.#isOurDomain(req.requestUri)) {
      // §16.6 step 7 leaves the next hop to local policy: the caller may name one.
      return { targets: [{ uri: req.uri, destination: this.#o.nextHop?.(req) }], routed };
    }
    return { targets: await this.#o.targets(req), routed };
  }

  /**
   * RFC 3261 §8.2.7: a non-INVITE request (CANCEL apart, §9.2) is validated (§16.3) before the
   * layer makes a transaction for it, and a refusal, or the answer of `statelessAnswer`, is sent
   * without one: a flood of bad or unauthenticated requests then leaves no state behind. True
   * when the request was answered here.
   */
  #beforeTransaction(req: SipRequest, from: Received): boolean {
    const method = req.method;
    if (method === 'INVITE' || method === 'CANCEL') return false;
    let answer: SipResponse | Promise<SipResponse> | null | undefined = this.#validate(req);
    if (answer === undefined && this.#o.statelessAnswer !== undefined) {
      try {
        answer = this.#o.statelessAnswer(req, from);
      } catch {
        this.counters.errors++;
        answer = createResponse(req, 500, { reason: 'Server Internal Error' });
      }
    }
    if (answer === undefined) return false;
    // §17.2.2: a retransmission the hook is answering already; nothing to send.
    if (answer === null) return true;
    this.counters.requests++;
    this.counters.statelessAnswers++;
    if (answer instanceof Promise) {
      answer.then(
        (res) => this.#answerStatelessly(res, from),
        () => {
          this.counters.errors++;
          this.#answerStatelessly(createResponse(req, 500, { reason: 'Server Internal Error' }), from);
        },
      );
    } else this.#answerStatelessly(answer, from);
    return true;
  }

  /** Sends an answer made without a server transaction (§8.2.7), `beforeRespond` first. */
  #answerStatelessly(res: SipResponse, from: Received): void {
    if (this.#o.beforeRespond !== undefined) this.#safely(() => this.#o.beforeRespond?.(res));
    this.transport.sendResponse(res, from).catch(() => undefined);
  }

  async #proxyRequest(req: SipRequest, st: ServerTransaction): Promise<void> {
    this.counters.requests++;
    if (req.method === 'CANCEL') {
      this.#onCancel(req, st);
      return;
    }
    // A non-INVITE request was validated before its transaction was made (#beforeTransaction).
    const refusal = req.method === 'INVITE' ? this.#validate(req) : undefined;
    if (refusal !== undefined) {
      this.#reply(st, refusal);
      return;
    }
    // User hook: answer locally (authentication, policy …).
    const local = await this.#o.onRequest?.(req, st.from);
    if (local !== undefined) {
      this.#reply(st, local);
      return;
    }
    const { targets, routed } = await this.#targetSet(req);
    if (targets.length === 0) {
      this.counters.refused++;
      this.#reply(st, createResponse(req, 480, { reason: 'Temporarily Unavailable' }));
      return;
    }
    if (this.#o.mode === 'redirect' && !routed && req.method !== 'ACK') {
      // §8.3: a redirect server answers 3xx with the targets as Contacts, q-values kept.
      const contacts = targets.map((t): [string, string] => [
        'Contact',
        t.q === undefined ? `<${t.uri}>` : `<${t.uri}>;q=${t.q}`,
      ]);
      this.#reply(st, createResponse(req, 302, { headers: contacts }));
      this.counters.finals++;
      return;
    }
    const ctx: Context = {
      request: req,
      invite: req.method === 'INVITE',
      st,
      branches: [],
      pending: this.#groups(targets),
      answered: false,
      settled: false,
      cancelled: false,
      finals: [],
      tried: [],
    };
    // §16.5's "never the same URI twice" matters once 3xx Contacts add targets.
    if (this.#o.recurse3xx === true) for (const t of targets) this.#noteTried(ctx, t.uri);
    this.#contexts.set(st, ctx);
    this.#nextGroup(ctx);
  }

  /** Adds a URI to the context's tried set; false when it was there already (§16.5). */
  #noteTried(ctx: Context, text: string): boolean {
    let uri: Uri;
    try {
      uri = parseUri(text);
    } catch {
      return true; // a URI we cannot read is not compared; forwarding it will fail on its own
    }
    if (ctx.tried.some((u) => uriEquals(u, uri))) return false;
    ctx.tried.push(uri);
    return true;
  }

  /**
   * §16.3 step 4: a request is looping when a Via of ours carries the same loop hash as this
   * request would get now: it came back unchanged. A spiral (the Request-URI changed on the
   * way) gets another hash and passes.
   */
  #isLoop(req: SipRequest): boolean {
    const mine = this.#transportKeys;
    let vias: readonly { host: string; port: number | undefined; branch: string | undefined }[];
    try {
      vias = req.vias;
    } catch {
      return false;
    }
    const ours = vias.filter((v) => mine.has(`${bare(v.host)}:${v.port ?? 5060}`));
    if (ours.length === 0) return false;
    const hash = this.#loopHash(req);
    return ours.some((v) => v.branch?.includes(`.${hash}.`) === true);
  }

  /**
   * §16.6 step 8: the loop-detection part of our branches, a hash of what a request keeps from
   * hop to hop: Request-URI, To and From tags, Call-ID, CSeq number, Proxy-Require and
   * Proxy-Authorization. (The RFC also lists the top Via, which every hop rewrites; a request
   * that comes back with all of these unchanged is looping.)
   *
   * In `stateless` mode the hash leaves out the To tag, Proxy-Require and Proxy-Authorization:
   * §16.11 wants the branch of an INVITE's CANCEL and non-2xx ACK equal to the INVITE's, and
   * the ACK carries the To tag of the response, a CANCEL need not repeat Proxy-Require, and
   * neither need carry the credentials. Request-URI, From tag, Call-ID and CSeq number are the
   * same in all three (§9.1, §17.1.1.3) and still tell a loop from a spiral.
   */
  #loopHash(req: SipRequest): string {
    // The fields joined by \x01, hashed part by part.
    const full = this.#o.mode !== 'stateless';
    let h = fnvStep(FNV_OFFSET, req.uri);
    h = fnvStep(h, full ? `\x01${tagOf(() => req.to)}\x01` : '\x01\x01');
    h = fnvStep(
      h,
      tagOf(() => req.from),
    );
    h = fnvStep(h, `\x01${req.callId ?? ''}\x01${req.cseq?.seq ?? ''}\x01`);
    if (full && req.has('Proxy-Require')) h = fnvStep(h, req.getAll('Proxy-Require').join(','));
    h = fnvStep(h, '\x01');
    if (full && req.has('Proxy-Authorization')) h = fnvStep(h, req.getAll('Proxy-Authorization').join(','));
    return h.toString(36);
  }

  /**
   * §16.11: a stateless branch, the same for every copy of the request that arrives: the loop
   * hash (§16.6 step 8), then a hash of the received top Via's branch and sent-by when it
   * carries the magic cookie — equal for an INVITE, its retransmissions, its CANCEL and its
   * non-2xx ACK (§9.1, §17.1.1.3) — else, as §16.11 recommends for RFC 2543 clients, of the top
   * Via, From tag, Call-ID, CSeq number and Request-URI (the To tag left out, for the ACK's sake).
   * Two FNV-1a hashes with different seeds make 64 bits.
   */
  #statelessBranch(req: SipRequest): string {
    let key: string;
    try {
      const via = req.topVia;
      const received = via?.branch;
      key = received?.startsWith('z9hG4bK')
        ? `${received}\x01${via?.host.toLowerCase()}:${via?.port ?? ''}`
        : [req.getAll('Via')[0] ?? '', tagOf(() => req.from), req.callId ?? '', req.cseq?.seq ?? '', req.uri].join(
            '\x01',
          );
    } catch {
      key = req.getAll('Via')[0] ?? '';
    }
    return `z9hG4bK.${this.#loopHash(req)}.${fnv(key)}${fnv(key, 0x050c5d1f)}`;
  }

  /** §16.4: our own Record-Route as Request-URI (a strict router before us), our own Route. */
  #preprocessRoutes(req: SipRequest): void {
    try {
      if (this.isLocal(req.requestUri)) {
        const routes = req.getValues('Route');
        const last = routes.at(-1);
        if (last !== undefined) {
          // §16.4: the Request-URI was our Record-Route: the last Route holds the real one.
          req.uri = uriOfRoute(last);
          req.remove('Route');
          for (const r of routes.slice(0, -1)) req.append('Route', r);
        }
      }
    } catch {
      // A Request-URI that does not parse was refused before.
    }
    const ours = (value: string | undefined): boolean => {
      if (value === undefined) return false;
      try {
        return this.isLocal(parseUri(uriOfRoute(value)));
      } catch {
        return false; // A Route we cannot read is not ours; the next hop will judge it.
      }
    };
    const [first, second] = req.getValues('Route');
    if (!ours(first)) return;
    req.removeFirstValue('Route');
    // RFC 5658 §4: a double Record-Route (one URI per transport) comes back as two Routes of
    // ours in a row; the second goes too. The same URI twice is a spiral through us, kept.
    if (second !== undefined && second !== first && ours(second)) req.removeFirstValue('Route');
  }

  #groups(targets: readonly ProxyTarget[]): ProxyTarget[][] {
    if (this.#o.forking !== 'sequential') return [[...targets]];
    const byQ = new Map<number, ProxyTarget[]>();
    for (const t of targets) {
      const q = t.q ?? 1;
      const list = byQ.get(q);
      if (list === undefined) byQ.set(q, [t]);
      else list.push(t);
    }
    return [...byQ.entries()].sort((a, b) => b[0] - a[0]).map(([, list]) => list);
  }

  #nextGroup(ctx: Context): void {
    const group = ctx.pending.shift();
    if (group === undefined) {
      this.#finish(ctx);
      return;
    }
    for (const target of group) this.#startBranch(ctx, target);
  }

  // ---------------------------------------------------------------- §16.6 forwarding

  /**
   * §16.6 steps 2–8 on a request about to go to `target`: Request-URI, Max-Forwards,
   * Record-Route with the URI of the transport it came on, the target's route set, our Via with
   * `branch`, the `beforeForward` hook, and the strict-routing fix-up. Returns whether the
   * request now goes to its Request-URI (a strict router next) and the Record-Route value put in.
   */
  #prepare(
    copy: SipRequest,
    target: ProxyTarget,
    inbound: Transport,
    branch: string,
  ): { strict: boolean; rr: string | undefined } {
    // Step 8 first, so that any response made up for this copy carries our Via: our Via; the
    // transport layer sets its transport and sent-by to the one it sends on.
    const t = this.#local;
    copy.prepend('Via', `SIP/2.0/${t.protocol.toUpperCase()} ${hostOf(t)}:${t.local.port};branch=${branch}`);
    // Step 2: the Request-URI is the target.
    copy.uri = target.uri;
    // Step 3: Max-Forwards.
    const mf = copy.maxForwards;
    copy.remove('Max-Forwards');
    copy.prepend('Max-Forwards', String(mf === undefined ? 70 : mf - 1));
    // Step 4: Record-Route, to stay in the path of the dialog, with the URI of the transport the
    // request came on (made double by #recordRouteTwice when it leaves on another).
    let rr: string | undefined;
    if (
      this.#o.recordRoute !== false &&
      (copy.method === 'INVITE' || copy.method === 'SUBSCRIBE' || copy.method === 'REFER')
    ) {
      rr = `<${this.#rrUri(inbound, false)}>`;
      copy.prepend('Record-Route', rr);
    }
    // Step 6: a route set from the target (Path) goes in front.
    if (target.route !== undefined && target.route.length > 0) {
      const existing = copy.getValues('Route');
      copy.remove('Route');
      for (const r of [...target.route, ...existing]) copy.append('Route', r);
    }
    this.#o.beforeForward?.(copy, target);
    // Step 7: a strict router next gets the Route in the Request-URI (§12.2.1.1).
    const strict = strictRoutingFixup(copy);
    return { strict, rr };
  }

  /** §16.6 step 7 and RFC 3263: where the request goes: the target's destination, else its next hop. */
  async #resolve(copy: SipRequest, target: ProxyTarget, strict: boolean): Promise<Target[]> {
    try {
      const uri = parseUri(target.destination ?? nextHop(copy, strict));
      if (uri.kind !== 'sip') return [];
      return await resolveTargets(uri, this.#o.resolver ?? NO_DNS, { transports: this.#protocols });
    } catch {
      return [];
    }
  }

  /**
   * RFC 5658 §4 (the note of RFC 3261 §16.6 step 4): a request that came on one transport and
   * leaves on another is record-routed twice, the top URI for the outgoing transport (the
   * callee's side, which reads the route set top down) and the next for the incoming one (the
   * caller's, which reads it bottom up), each naming its transport. The transport is the one
   * the first resolved target asks for (a UDP request moved to TCP for its size keeps one URI:
   * the UDP one still reaches us).
   */
  #recordRouteTwice(copy: SipRequest, rr: string | undefined, inbound: Transport, next: Target | undefined): void {
    if (rr === undefined || next === undefined || next.protocol === inbound.protocol) return;
    const outbound = this.#o.transports.find((t) => t.protocol === next.protocol);
    if (outbound === undefined) return;
    const values = copy.getValues('Record-Route');
    const i = values.indexOf(rr);
    if (i < 0) return; // the hook took it out
    values.splice(i, 1, `<${this.#rrUri(outbound, true)}>`, `<${this.#rrUri(inbound, true)}>`);
    copy.remove('Record-Route');
    for (const v of values) copy.append('Record-Route', v);
  }

  /** Starts a branch; its branch object exists when this returns (#forward pushes it before its first await). */
  #startBranch(ctx: Context, target: ProxyTarget): void {
    this.#forward(ctx, target).catch(() => {
      this.counters.errors++;
    });
  }

  async #forward(ctx: Context, target: ProxyTarget): Promise<void> {
    const request = requestOf(ctx);
    // §16.6 step 1: a copy of the request.
    const copy = parseMessage(serialize(request)) as SipRequest;
    // Step 8: a branch that carries the loop-detection hash.
    const hash = this.#loopHash(request);
    const branchId = `z9hG4bK.${hash}.${(++this.#seq).toString(36)}${this.#tl.newBranch().slice(7)}`;
    const branch: Branch = {
      ctx,
      target,
      request: copy,
      invite: copy.method === 'INVITE',
      tx: undefined,
      provisional: false,
      done: false,
      timerC: undefined,
      cancelled: false,
    };
    ctx.branches.push(branch);
    this.counters.branches++;
    const inbound = ctx.st.from.transport;
    let prepared: { strict: boolean; rr: string | undefined };
    try {
      prepared = this.#prepare(copy, target, inbound, branchId);
    } catch {
      // The beforeForward hook threw: this branch fails as a server error of our own, once the
      // branches started with it exist (a microtask later), lest the context end without them.
      this.counters.errors++;
      await undefined;
      this.#branchDone(ctx, branch, createResponse(copy, 500));
      return;
    }
    const targets = await this.#resolve(copy, target, prepared.strict);
    if (targets.length === 0 || ctx.settled || ctx.cancelled) {
      this.#branchDone(ctx, branch, ctx.cancelled ? createResponse(copy, 487) : createResponse(copy, 503));
      return;
    }
    this.#recordRouteTwice(copy, prepared.rr, inbound, targets[0]);
    try {
      const sent = this.#tl.requestWithFailover(copy, targets, this.#branchHandler, { context: branch });
      branch.tx = sent.transaction;
    } catch {
      // A copy the transaction layer refuses (a hook broke its Via, say): §16.9, as a 503.
      this.counters.errors++;
      this.#branchDone(ctx, branch, createResponse(copy, 503));
      return;
    }
    if (branch.invite && !branch.done) this.#startTimerC(ctx, branch);
  }

  /**
   * The handler of every branch's client transaction (the branch is the transaction's
   * `context`): one object for the proxy, not closures per branch that a transaction would keep
   * for RFC 6026's 64×T1 in Accepted.
   */
  readonly #branchHandler: ClientTransactionHandler = {
    onResponse: (res, tx) => {
      const branch = tx.context as Branch | undefined;
      if (branch === undefined) return; // let go of by #slim: nothing more to do
      branch.tx = tx;
      this.#onBranchResponse(branch.ctx, branch, res);
    },
    onFailure: (tx, error: TransactionError) => {
      const branch = tx.context as Branch | undefined;
      // §16.7 step 1 / §16.8: a timeout is a 408 for the context; a transport error a 503.
      if (branch === undefined || branch.done || branch.request === undefined) return;
      this.#branchDone(branch.ctx, branch, createResponse(branch.request, error.code === 'TIMEOUT' ? 408 : 503));
    },
  };

  // ---------------------------------------------------------------- §16.7 responses

  #onBranchResponse(ctx: Context, branch: Branch, res: SipResponse): void {
    if (this.#o.onResponse !== undefined) this.#safely(() => this.#o.onResponse?.(res, branch.target));
    const status = res.status;
    if (status < 200) {
      // §16.7 step 5: 100 is absorbed; other provisionals go upstream at once.
      if (status === 100) return;
      branch.provisional = true;
      if (branch.invite) this.#startTimerC(ctx, branch);
      // §16.10: a CANCEL that waited for this provisional goes now.
      if (branch.cancelled) this.#sendCancel(branch);
      if (!ctx.answered) this.#respondUpstream(ctx, res);
      return;
    }
    if (status < 300) {
      // §16.7 step 5: every 2xx goes upstream at once; the rest of the branches are cancelled.
      // RFC 6026 §7.2 (and §8.4 for the client transaction in Accepted): so do 2xx
      // retransmissions and the 2xx of other forks, which is all a slimmed context still does.
      branch.done = true;
      this.#clearTimerC(branch);
      ctx.settled = true;
      ctx.answered = true;
      this.#respondUpstream(ctx, res);
      this.#cancelOthers(ctx, branch);
      this.#slim(ctx);
      return;
    }
    if (branch.done) return;
    if (status < 400 && this.#o.recurse3xx === true) {
      this.#branchDone(ctx, branch, this.#recurse(ctx, res));
      return;
    }
    this.#branchDone(ctx, branch, res);
  }

  /**
   * §16.7 step 5, 3xx recursion: the Contacts of a 3xx not tried yet (§16.5) become targets of
   * this context, started at once (parallel forking) or after the current group (sequential);
   * a non-SIPS Contact is left for a SIPS request, and so is any beyond MAX_TARGETS.
   * Returns the 3xx to keep in the context, without the Contacts recursed on, or undefined when
   * none is left (§16.7 step 5: a contactless 3xx is not added).
   */
  #recurse(ctx: Context, res: SipResponse): SipResponse | undefined {
    if (ctx.settled || ctx.cancelled || ctx.request === undefined) return res;
    const sips = ctx.request.uri.trim().toLowerCase().startsWith('sips:');
    const added: ProxyTarget[] = [];
    const kept: string[] = [];
    for (const value of res.getValues('Contact')) {
      let uri: Uri;
      let text: string;
      let q: number | undefined;
      try {
        const c = parseNameAddr(value);
        uri = c.uri;
        text = c.uriText;
        const qv = c.params.get('q');
        q = typeof qv === 'string' && Number.isFinite(Number(qv)) ? Number(qv) : undefined;
      } catch {
        kept.push(value);
        continue;
      }
      const usable = uri.kind === 'sip' && (!sips || uri.scheme === 'sips') && ctx.tried.length < MAX_TARGETS;
      if (!usable || ctx.tried.some((u) => uriEquals(u, uri))) {
        kept.push(value);
        continue;
      }
      ctx.tried.push(uri);
      added.push({ uri: text, q });
    }
    if (added.length === 0) return res;
    this.counters.recursed += added.length;
    if (this.#o.forking === 'sequential') ctx.pending.unshift(...this.#groups(added));
    else for (const t of added) this.#startBranch(ctx, t);
    if (kept.length === 0) return undefined;
    const rest = parseMessage(serialize(res)) as SipResponse;
    rest.remove('Contact');
    for (const v of kept) rest.append('Contact', v);
    return rest;
  }

  /**
   * A branch has its final response. `res` goes into the context for §16.7 step 6 (undefined:
   * nothing to keep, a 3xx recursed on; nor once the context has answered).
   */
  #branchDone(ctx: Context, branch: Branch, res: SipResponse | undefined): void {
    if (branch.done) return;
    branch.done = true;
    this.#clearTimerC(branch);
    if (ctx.answered) {
      // Only a late final of a branch cancelled after a 2xx: nothing to choose any more.
      this.#slim(ctx);
      return;
    }
    if (res !== undefined) ctx.finals.push(res);
    // §16.7 step 5: a 6xx ends the search: cancel the others (§16.7 step 6 picks it).
    if (res !== undefined && Math.floor(res.status / 100) === 6 && !ctx.settled) {
      ctx.settled = true;
      this.#cancelOthers(ctx, branch);
    }
    if (ctx.branches.every((b) => b.done)) {
      if (!ctx.settled && !ctx.cancelled && ctx.pending.length > 0) this.#nextGroup(ctx);
      else this.#finish(ctx);
    }
  }

  /**
   * §16.7 step 6: once every branch is done, the best final response goes upstream (see
   * chooseBest: 6xx first, else the lowest class; in 4xx the ones that affect resubmission; else
   * the first that came); 408 when there is none; a 503 goes up as 500; with 401/407 chosen,
   * every challenge of the context goes with it (§16.7 step 7).
   */
  #finish(ctx: Context): void {
    const request = ctx.request;
    if (ctx.answered || request === undefined) return;
    ctx.answered = true;
    const best = chooseBest(ctx.finals);
    if (best === undefined) {
      // §16.7 step 6: no final response in the context → 408.
      this.#send(ctx, createResponse(request, 408));
      return;
    }
    let out = this.#upstream(best);
    if (best.status === 401 || best.status === 407) {
      // §16.7 step 7: the challenges of every 401/407 go up together.
      for (const f of ctx.finals) {
        if (f === best || (f.status !== 401 && f.status !== 407)) continue;
        for (const h of f.getAll('WWW-Authenticate')) out.append('WWW-Authenticate', h);
        for (const h of f.getAll('Proxy-Authenticate')) out.append('Proxy-Authenticate', h);
      }
    }
    if (best.status === 503) {
      // §16.7 step 6: a 503 is not forwarded as such: 500 goes up instead.
      out = createResponse(request, 500, { reason: 'Server Internal Error' });
    }
    this.#send(ctx, out);
  }

  /** Runs a hook that is only told something: what it throws is counted, never let out. */
  #safely(f: () => void): void {
    try {
      f();
    } catch {
      this.counters.errors++;
    }
  }

  /**
   * §16.7 step 3: the response to send upstream, without our Via. The response object is the
   * branch's (its client transaction keeps no reference to it): it loses the Via in place rather
   * than be serialised and parsed into a copy, and the transport layer serialises it once.
   */
  #upstream(res: SipResponse): SipResponse {
    res.removeFirstValue('Via');
    return res;
  }

  #respondUpstream(ctx: Context, res: SipResponse): void {
    this.#send(ctx, this.#upstream(res));
  }

  /** A response of the proxy's own (not of a response context), through `beforeRespond`. */
  #reply(st: ServerTransaction, res: SipResponse): void {
    if (this.#o.beforeRespond !== undefined) this.#safely(() => this.#o.beforeRespond?.(res));
    st.respond(res);
  }

  #send(ctx: Context, res: SipResponse): void {
    if (this.#o.beforeRespond !== undefined) this.#safely(() => this.#o.beforeRespond?.(res));
    if (res.status >= 200) this.counters.finals++;
    ctx.st.respond(res);
    // A non-INVITE context ends with its final response (the server transaction may live on in
    // the layer's compact store, which tells nobody); an INVITE one stays for later 2xx from
    // other forks until its transaction ends.
    if (res.status >= 200) {
      if (!ctx.invite) this.#contexts.delete(ctx.st);
      this.#slim(ctx);
    }
  }

  /**
   * Lets go of what an answered context no longer needs. After its final response upstream, a
   * context only forwards further 2xx (§16.7 step 5; RFC 6026 §7.2: the proxy passes each 2xx
   * its client transaction hands up in Accepted, §8.4, to the server transaction, which sends it
   * in Accepted, §8.7) and answers a late CANCEL with 200 (§16.10). For that it needs its server
   * transaction, its branches' targets (for `onResponse`) and flags; the request, the finals of
   * §16.7 step 6, the targets tried (§16.5) and the copy of each branch that is done go. The
   * client transactions keep the branch as their context until Timer M (or K) ends them, so
   * this is what stays for RFC 6026's 64×T1. A branch still waiting for the answer to its
   * CANCEL keeps its copy until it is done (§9.1, §16.8).
   */
  #slim(ctx: Context): void {
    if (!ctx.answered) return;
    ctx.request = undefined;
    ctx.finals.length = 0;
    ctx.tried.length = 0;
    ctx.pending.length = 0;
    for (const b of ctx.branches) {
      if (!b.done) continue;
      b.request = undefined;
      // A client transaction in Completed absorbs what follows its final response (§17.1.1.2,
      // §17.1.2.2): it need not keep the context alive through Timer D or K. One in Accepted
      // passes on 2xx (RFC 6026 §8.4), and keeps it.
      const tx = b.tx;
      if (tx !== undefined && (tx.state === 'Completed' || tx.state === 'Terminated')) tx.context = undefined;
    }
  }

  // ---------------------------------------------------------------- §16.8 Timer C, §16.10 CANCEL

  #startTimerC(ctx: Context, branch: Branch): void {
    this.#clearTimerC(branch);
    branch.timerC = this.#clock.setTimeout(() => {
      branch.timerC = undefined;
      if (branch.done) return;
      this.counters.timerC++;
      // §16.8: with a provisional, CANCEL the branch; without one, it counts as a 408.
      if (branch.provisional) {
        branch.cancelled = true;
        this.#sendCancel(branch);
      } else if (branch.request !== undefined) {
        this.#branchDone(ctx, branch, createResponse(branch.request, 408));
      }
    }, this.#o.timerC ?? 180_000);
  }

  #clearTimerC(branch: Branch): void {
    if (branch.timerC !== undefined) this.#clock.clearTimeout(branch.timerC);
    branch.timerC = undefined;
  }

  #cancelOthers(ctx: Context, except: Branch | undefined): void {
    for (const b of ctx.branches) {
      if (b === except || b.done || b.cancelled) continue;
      b.cancelled = true;
      // §9.1: a CANCEL goes only once a provisional came; until then it waits.
      if (b.provisional) this.#sendCancel(b);
    }
    ctx.pending.length = 0;
  }

  /** §9.1: CANCEL with the branch's Request-URI, Call-ID, To, From, CSeq number and top Via. */
  #sendCancel(branch: Branch): void {
    const tx = branch.tx;
    const request = branch.request;
    if (tx === undefined || request === undefined || !branch.invite || tx.state === 'Terminated') return;
    const cancel = createCancel(request);
    try {
      this.#tl.request(cancel, tx.target, IGNORE);
    } catch {
      // A CANCEL for this branch is already on its way.
    }
  }

  /** §16.10: a CANCEL with a context cancels its branches; without one it is forwarded as is. */
  #onCancel(cancel: SipRequest, st: ServerTransaction): void {
    const ist = this.#tl.findInviteServerTransaction(cancel);
    const ctx = ist === undefined ? undefined : this.#contexts.get(ist);
    if (ctx === undefined) {
      this.#reply(st, createResponse(cancel, 481));
      return;
    }
    this.#reply(st, createResponse(cancel, 200));
    if (ctx.answered || ctx.cancelled) return;
    ctx.cancelled = true;
    this.#cancelOthers(ctx, undefined);
    // Branches still to be created or that never answered end as 487 through the context.
    for (const b of ctx.branches)
      if (!b.done && !b.provisional && b.request !== undefined)
        this.#branchDone(ctx, b, createResponse(b.request, 487));
  }

  /** Forwards an ACK for a 2xx by its Route or Request-URI, without a transaction (§16.11). */
  async #forwardStateless(req: SipRequest, from: Received): Promise<void> {
    try {
      // §16.3 step 3: an ACK cannot be answered; at Max-Forwards 0 it is dropped.
      if (req.maxForwards === 0) return;
      this.#preprocessRoutes(req);
      await this.#sendStateless(req, { uri: req.uri }, from.transport);
    } catch {
      // An ACK that cannot be forwarded is lost, as on the wire; the UAS retransmits its 2xx.
      this.counters.errors++;
    }
  }

  /**
   * §16.11: forwards a request to one target without a transaction: §16.6 as for a branch, with
   * the stateless branch, to the first resolved destination. Returns false (our Via taken off
   * again, so the request can be answered) when there is nowhere to send it.
   *
   * @throws what the `beforeForward` hook throws
   */
  async #sendStateless(req: SipRequest, target: ProxyTarget, inbound: Transport): Promise<boolean> {
    const branch = this.#statelessBranch(req);
    const { strict, rr } = this.#prepare(req, target, inbound, branch);
    const next = (await this.#resolve(req, target, strict))[0];
    if (next !== undefined) {
      this.#recordRouteTwice(req, rr, inbound, next);
      try {
        await this.transport.sendRequest(req, next);
        this.counters.stateless++;
        return true;
      } catch {
        // §16.9 for a stateless proxy: nothing to fail over to; the request is answered.
      }
    }
    if (req.topVia?.branch === branch) req.removeFirstValue('Via');
    return false;
  }

  // ---------------------------------------------------------------- §16.11 stateless mode

  /**
   * §16.11: a request in `stateless` mode: validated (§16.3), maybe answered by `onRequest`,
   * routed (§16.4), and sent to one target (§16.5: the first of the highest q, a choice that
   * depends only on the request and on what `targets` says), or answered when it cannot be.
   * Answers go where §18.2.2 says, without a transaction; an ACK is never answered.
   */
  async #statelessRequest(req: SipRequest, from: Received): Promise<void> {
    this.counters.requests++;
    const ack = req.method === 'ACK';
    const answer = (res: SipResponse): void => {
      if (ack) return; // §17.1.1.3: no response is ever sent to an ACK.
      if (this.#o.beforeRespond !== undefined) this.#safely(() => this.#o.beforeRespond?.(res));
      if (res.status >= 200) this.counters.finals++;
      this.transport.sendResponse(res, from).catch(() => undefined);
    };
    try {
      const refusal = this.#validate(req);
      if (refusal !== undefined) return answer(refusal);
      // CANCEL and ACK follow their INVITE: no hook may answer or challenge them (§22.1).
      if (!ack && req.method !== 'CANCEL') {
        const early = req.method === 'INVITE' ? undefined : this.#o.statelessAnswer?.(req, from);
        if (early === null) return;
        if (early !== undefined) return answer(await early);
        const local = await this.#o.onRequest?.(req, from);
        if (local !== undefined) return answer(local);
      }
      const { targets } = await this.#targetSet(req);
      // §16.11: a stateless proxy does not fork: one target, the first of the highest q.
      let target: ProxyTarget | undefined;
      for (const t of targets) if (target === undefined || (t.q ?? 1) > (target.q ?? 1)) target = t;
      if (target === undefined) {
        this.counters.refused++;
        return answer(createResponse(req, 480, { reason: 'Temporarily Unavailable' }));
      }
      if (!(await this.#sendStateless(req, target, from.transport))) {
        // What a stateful proxy would end with for a target it cannot reach (§16.9: 503, sent up as 500).
        answer(createResponse(req, 500, { reason: 'Server Internal Error' }));
      }
    } catch {
      // A hook or the targets function threw.
      this.counters.errors++;
      answer(createResponse(req, 500, { reason: 'Server Internal Error' }));
    }
  }

  /**
   * §16.11: a response whose top Via is ours (the transport layer drops the others, §18.1.2)
   * loses that Via and goes where the next one says (§18.2.2, RFC 3581 received and rport),
   * body and other fields untouched; one with no Via left was for us, and is dropped.
   */
  #statelessResponse(res: SipResponse): void {
    let dest: ReturnType<typeof responseDestination>;
    try {
      res.removeFirstValue('Via');
      dest = responseDestination(res);
    } catch {
      return; // the next Via does not parse: nowhere to send it
    }
    if (dest === undefined) return;
    const transport = this.#o.transports.find((t) => t.protocol === dest.protocol) ?? this.#local;
    if (this.#o.beforeRespond !== undefined) this.#safely(() => this.#o.beforeRespond?.(res));
    if (res.status >= 200) this.counters.finals++;
    const to: Received = { transport, source: { address: dest.address, port: dest.port }, flow: undefined };
    this.transport.sendResponse(res, to).catch(() => undefined);
  }
}

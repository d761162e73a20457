import {
  createResponse,
  parseMessage,
  parseUri,
  type SipRequest,
  type SipResponse,
  serialize,
  type Uri,
} from '@sipkit/parser';
import {
  type ClientTransaction,
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
  type Target,
  type Transport,
} from '@sipkit/transport';

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
   * `redirect`: act as a redirect server (§8.3, §16.5): answer requests for our domains with
   * 302 and the target set as Contacts, instead of forwarding them.
   * @defaultValue 'proxy'
   */
  readonly mode?: 'proxy' | 'redirect';
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
  /** Requests forwarded statelessly (ACK for 2xx, CANCEL without a context). */
  stateless: number;
  /** Timer C expiries (§16.8). */
  timerC: number;
}

/** One client transaction of a response context. */
interface Branch {
  readonly target: ProxyTarget;
  readonly request: SipRequest;
  tx: ClientTransaction | undefined;
  /** A provisional (>100) has come back. */
  provisional: boolean;
  /** A final response has come back (or Timer C / a failure ended it). */
  done: boolean;
  final: SipResponse | undefined;
  timerC: unknown;
  cancelled: boolean;
}

/** A response context (§16.7): the server transaction and its branches. */
interface Context {
  readonly request: SipRequest;
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
}

const NO_DNS: Resolver = { naptr: async () => [], srv: async () => [], a: async () => [], aaaa: async () => [] };

/** FNV-1a, 32 bits, as hex: the loop-detection part of our branches (§16.6 step 8). */
function fnv(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(36);
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

/** §16.7 step 6: the class order a proxy picks from: 6xx, then the lowest class. */
function better(a: SipResponse, b: SipResponse | undefined): boolean {
  if (b === undefined) return true;
  const ca = Math.floor(a.status / 100);
  const cb = Math.floor(b.status / 100);
  if (cb === 6) return false;
  if (ca === 6) return true;
  return ca < cb;
}

/**
 * The RFC 3261 §16 stateful proxy core as a library: validation (§16.3), route preprocessing
 * (§16.4), targets from a user function (§16.5), forwarding with Record-Route, Max-Forwards and
 * loop-safe branches (§16.6), parallel and sequential forking, the response context of §16.7
 * (100 absorbed, provisionals and every 2xx forwarded at once, the best final response chosen
 * with 6xx ending the search, 401/407 challenges merged, 503 turned into 500), Timer C (§16.8),
 * and CANCEL (§16.10), with hooks at each step.
 *
 * @public
 */
export class SipProxy {
  /** The transaction layer underneath. */
  readonly layer: TransactionLayer;
  /** Counts of what happened. */
  readonly counters: ProxyCounters = { requests: 0, branches: 0, finals: 0, refused: 0, stateless: 0, timerC: 0 };
  /** Our Record-Route URI. */
  readonly recordRouteUri: string;
  readonly #o: ProxyOptions;
  readonly #clock: Clock;
  readonly #domains: ReadonlySet<string>;
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
    const first = options.transports[0];
    if (first === undefined) throw new RangeError('transports must hold at least one transport');
    this.#local = first;
    const timerC = options.timerC ?? 180_000;
    if (!Number.isFinite(timerC) || timerC <= 0)
      throw new RangeError(`timerC must be a positive number of ms, got ${String(options.timerC)}`);
    const host = first.local.address.includes(':') ? `[${first.local.address}]` : first.local.address;
    this.recordRouteUri = `sip:${host}:${first.local.port};lr`;
    this.layer = new TransactionLayer({
      transports: options.transports,
      clock: this.#clock,
      ...(options.timers === undefined ? {} : { timers: options.timers }),
      ...(options.onDrop === undefined ? {} : { onDrop: options.onDrop }),
      tu: {
        onRequest: (req, st) => void this.#onRequest(req, st),
        onAck: (ack, from, st) => {
          // An ACK for a 2xx (a transaction of its own) travels end to end: forward it.
          if (st === undefined) void this.#forwardStateless(ack, from);
        },
        // RFC 6026 §7.2: a proxy drops responses that match no transaction.
        onStrayResponse: () => undefined,
        onServerTerminated: (st) => this.#contexts.delete(st),
      },
    });
  }

  /** Live response contexts (server transactions being proxied). */
  get contexts(): number {
    return this.#contexts.size;
  }

  /** Stops the transaction layer and closes the transports. */
  async close(): Promise<void> {
    for (const ctx of this.#contexts.values()) for (const b of ctx.branches) this.#clearTimerC(b);
    await this.layer.close();
  }

  /** Whether a URI is this proxy's own: one of its domains or its own address and port. */
  isLocal(uri: Uri): boolean {
    if (uri.kind !== 'sip') return false;
    const host = uri.host.toLowerCase().replace(/^\[|\]$/g, '');
    if (host === this.#local.local.address.toLowerCase()) return (uri.port ?? 5060) === this.#local.local.port;
    return false;
  }

  #isOurDomain(uri: Uri): boolean {
    return uri.kind === 'sip' && this.#domains.has(uri.host.toLowerCase());
  }

  // ---------------------------------------------------------------- §16.3 validation

  async #onRequest(req: SipRequest, st: ServerTransaction): Promise<void> {
    this.counters.requests++;
    if (req.method === 'CANCEL') {
      this.#onCancel(req, st);
      return;
    }
    const refuse = (status: number, reason?: string, headers: [string, string][] = []) => {
      this.counters.refused++;
      this.#reply(st, createResponse(req, status, { ...(reason === undefined ? {} : { reason }), headers }));
    };
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
        this.#reply(st, createResponse(req, 200, { headers: [['Allow', 'INVITE, ACK, CANCEL, BYE, OPTIONS']] }));
        return;
      }
      return refuse(483);
    }
    // §16.3 step 4: loop detection, with the branch hash of §16.6 step 8.
    if (this.#isLoop(req)) return refuse(482, 'Loop Detected');
    // §16.3 step 5: Proxy-Require.
    const unsupported = req.proxyRequire;
    if (unsupported.length > 0) return refuse(420, 'Bad Extension', [['Unsupported', unsupported.join(', ')]]);
    // User hook: answer locally (authentication, policy …).
    const local = await this.#o.onRequest?.(req, st.from);
    if (local !== undefined) {
      this.#reply(st, local);
      return;
    }
    // §16.4: route preprocessing.
    this.#preprocessRoutes(req);
    // §16.5: the target set.
    let targets: readonly ProxyTarget[];
    const routed = req.getValues('Route').length > 0;
    if (routed || !this.#isOurDomain(req.requestUri)) {
      targets = [{ uri: req.uri }];
    } else {
      targets = await this.#o.targets(req);
    }
    if (targets.length === 0) return refuse(480, 'Temporarily Unavailable');
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
      st,
      branches: [],
      pending: this.#groups(targets),
      answered: false,
      settled: false,
      cancelled: false,
    };
    this.#contexts.set(st, ctx);
    this.#nextGroup(ctx);
  }

  /**
   * §16.3 step 4: a request is looping when a Via of ours carries the same loop hash as this
   * request would get now: it came back unchanged. A spiral (the Request-URI changed on the
   * way) gets another hash and passes.
   */
  #isLoop(req: SipRequest): boolean {
    const mine = `${this.#local.local.address}:${this.#local.local.port}`;
    let vias: readonly { host: string; port: number | undefined; branch: string | undefined }[];
    try {
      vias = req.vias;
    } catch {
      return false;
    }
    const ours = vias.filter((v) => `${v.host.replace(/^\[|\]$/g, '')}:${v.port ?? 5060}` === mine);
    if (ours.length === 0) return false;
    const hash = this.#loopHash(req);
    return ours.some((v) => v.branch?.includes(`.${hash}.`) === true);
  }

  /**
   * §16.6 step 8: the loop-detection part of our branches, a hash of what a request keeps from
   * hop to hop: Request-URI, To and From tags, Call-ID, CSeq number, Proxy-Require and
   * Proxy-Authorization. (The RFC also lists the top Via, which every hop rewrites; a request
   * that comes back with all of these unchanged is looping.) `via` adds the received top Via, for
   * a stateless branch that must differ per upstream transaction (§16.11).
   */
  #loopHash(req: SipRequest, via = false): string {
    return fnv(
      [
        req.uri,
        tagOf(() => req.to),
        tagOf(() => req.from),
        req.callId ?? '',
        String(req.cseq?.seq ?? ''),
        req.getAll('Proxy-Require').join(','),
        req.getAll('Proxy-Authorization').join(','),
        via ? (req.getAll('Via')[0] ?? '') : '',
      ].join('\x01'),
    );
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
    const first = req.getValues('Route')[0];
    if (first !== undefined) {
      try {
        if (this.isLocal(parseUri(uriOfRoute(first)))) req.removeFirstValue('Route');
      } catch {
        // A Route we cannot read is not ours; the next hop will judge it.
      }
    }
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
    for (const target of group) void this.#forward(ctx, target);
  }

  // ---------------------------------------------------------------- §16.6 forwarding

  async #forward(ctx: Context, target: ProxyTarget): Promise<void> {
    // §16.6 step 1: a copy of the request.
    const copy = parseMessage(serialize(ctx.request)) as SipRequest;
    // Step 2: the Request-URI is the target.
    copy.uri = target.uri;
    // Step 3: Max-Forwards.
    const mf = ctx.request.maxForwards;
    copy.remove('Max-Forwards');
    copy.prepend('Max-Forwards', String(mf === undefined ? 70 : mf - 1));
    // Step 4: Record-Route, to stay in the path of the dialog.
    if (
      this.#o.recordRoute !== false &&
      (copy.method === 'INVITE' || copy.method === 'SUBSCRIBE' || copy.method === 'REFER')
    ) {
      copy.prepend('Record-Route', `<${this.recordRouteUri}>`);
    }
    // Step 6: a route set from the target (Path) goes in front.
    if (target.route !== undefined && target.route.length > 0) {
      const existing = copy.getValues('Route');
      copy.remove('Route');
      for (const r of [...target.route, ...existing]) copy.append('Route', r);
    }
    // Step 8: our Via, with a branch that carries the loop-detection hash.
    const hash = this.#loopHash(ctx.request);
    const branchId = `z9hG4bK.${hash}.${(++this.#seq).toString(36)}${this.layer.newBranch().slice(7)}`;
    const t = this.#local;
    const host = t.local.address.includes(':') ? `[${t.local.address}]` : t.local.address;
    copy.prepend('Via', `SIP/2.0/${t.protocol.toUpperCase()} ${host}:${t.local.port};branch=${branchId}`);
    this.#o.beforeForward?.(copy, target);
    const branch: Branch = {
      target,
      request: copy,
      tx: undefined,
      provisional: false,
      done: false,
      final: undefined,
      timerC: undefined,
      cancelled: false,
    };
    ctx.branches.push(branch);
    this.counters.branches++;
    // Step 7: where it goes: the first Route (loose routing), else the Request-URI.
    let targets: Target[] = [];
    try {
      const next = copy.getValues('Route')[0];
      const uri = parseUri(target.destination ?? (next === undefined ? copy.uri : uriOfRoute(next)));
      if (uri.kind === 'sip') {
        targets = await resolveTargets(uri, this.#o.resolver ?? NO_DNS, {
          transports: [...new Set(this.#o.transports.map((x) => x.protocol))],
        });
      }
    } catch {
      targets = [];
    }
    if (targets.length === 0 || ctx.settled || ctx.cancelled) {
      this.#branchDone(ctx, branch, ctx.cancelled ? createResponse(copy, 487) : createResponse(copy, 503));
      return;
    }
    const sent = this.layer.requestWithFailover(copy, targets, {
      onResponse: (res, tx) => {
        branch.tx = tx;
        this.#onBranchResponse(ctx, branch, res);
      },
      onFailure: (_tx, error: TransactionError) => {
        // §16.7 step 1 / §16.8: a timeout is a 408 for the context; a transport error a 503.
        this.#branchDone(ctx, branch, createResponse(copy, error.code === 'TIMEOUT' ? 408 : 503));
      },
    });
    branch.tx = sent.transaction;
    if (copy.method === 'INVITE') this.#startTimerC(ctx, branch);
  }

  // ---------------------------------------------------------------- §16.7 responses

  #onBranchResponse(ctx: Context, branch: Branch, res: SipResponse): void {
    this.#o.onResponse?.(res, branch.target);
    const status = res.status;
    if (status < 200) {
      // §16.7 step 5: 100 is absorbed; other provisionals go upstream at once.
      if (status === 100) return;
      branch.provisional = true;
      if (branch.request.method === 'INVITE') this.#startTimerC(ctx, branch);
      // §16.10: a CANCEL that waited for this provisional goes now.
      if (branch.cancelled) this.#sendCancel(branch);
      if (!ctx.answered) this.#respondUpstream(ctx, res);
      return;
    }
    if (status < 300) {
      // §16.7 step 5: every 2xx goes upstream at once; the rest of the branches are cancelled.
      branch.done = true;
      branch.final = res;
      this.#clearTimerC(branch);
      ctx.settled = true;
      ctx.answered = true;
      this.#respondUpstream(ctx, res);
      this.#cancelOthers(ctx, branch);
      return;
    }
    if (branch.done) return;
    this.#branchDone(ctx, branch, res);
  }

  #branchDone(ctx: Context, branch: Branch, res: SipResponse): void {
    if (branch.done) return;
    branch.done = true;
    branch.final = res;
    this.#clearTimerC(branch);
    // §16.7 step 5: a 6xx ends the search: cancel the others (§16.7 step 6 picks it).
    if (Math.floor(res.status / 100) === 6 && !ctx.settled) {
      ctx.settled = true;
      this.#cancelOthers(ctx, branch);
    }
    if (ctx.branches.every((b) => b.done)) {
      if (!ctx.settled && !ctx.cancelled && ctx.pending.length > 0) this.#nextGroup(ctx);
      else this.#finish(ctx);
    }
  }

  /** §16.7 step 6: choose the best final response once every branch is done. */
  #finish(ctx: Context): void {
    if (ctx.answered) return;
    ctx.answered = true;
    let best: SipResponse | undefined;
    for (const b of ctx.branches) if (b.final !== undefined && better(b.final, best)) best = b.final;
    if (best === undefined) {
      // §16.7 step 6: no response at all → 408.
      this.#send(ctx, createResponse(ctx.request, 408));
      return;
    }
    let out = this.#upstreamCopy(best);
    if (best.status === 401 || best.status === 407) {
      // §16.7 step 7: the challenges of every 401/407 go up together.
      out = this.#upstreamCopy(best);
      for (const b of ctx.branches) {
        const f = b.final;
        if (f === undefined || f === best || (f.status !== 401 && f.status !== 407)) continue;
        for (const h of f.getAll('WWW-Authenticate')) out.append('WWW-Authenticate', h);
        for (const h of f.getAll('Proxy-Authenticate')) out.append('Proxy-Authenticate', h);
      }
    }
    if (best.status === 503) {
      // §16.7 step 6: a 503 is not forwarded as such: 500 goes up instead.
      out = createResponse(ctx.request, 500, { reason: 'Server Internal Error' });
    }
    this.#send(ctx, out);
  }

  /** A response to send upstream: a copy without our Via (§16.7 step 3). */
  #upstreamCopy(res: SipResponse): SipResponse {
    const copy = parseMessage(serialize(res)) as SipResponse;
    copy.removeFirstValue('Via');
    return copy;
  }

  #respondUpstream(ctx: Context, res: SipResponse): void {
    this.#send(ctx, this.#upstreamCopy(res));
  }

  /** A response of the proxy's own (not of a response context), through `beforeRespond`. */
  #reply(st: ServerTransaction, res: SipResponse): void {
    this.#o.beforeRespond?.(res);
    st.respond(res);
  }

  #send(ctx: Context, res: SipResponse): void {
    this.#o.beforeRespond?.(res);
    if (res.status >= 200) this.counters.finals++;
    ctx.st.respond(res);
    // A non-INVITE context ends with its final response (the server transaction may live on in
    // the layer's compact store, which tells nobody); an INVITE one stays for later 2xx from
    // other forks until its transaction ends.
    if (res.status >= 200 && ctx.request.method !== 'INVITE') this.#contexts.delete(ctx.st);
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
      } else {
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
    if (tx === undefined || branch.request.method !== 'INVITE' || tx.state === 'Terminated') return;
    const cancel = createCancel(branch.request);
    try {
      this.layer.request(cancel, tx.target, { onResponse: () => undefined, onFailure: () => undefined });
    } catch {
      // A CANCEL for this branch is already on its way.
    }
  }

  /** §16.10: a CANCEL with a context cancels its branches; without one it is forwarded as is. */
  #onCancel(cancel: SipRequest, st: ServerTransaction): void {
    const ist = this.layer.findInviteServerTransaction(cancel);
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
      if (!b.done && !b.provisional) this.#branchDone(ctx, b, createResponse(b.request, 487));
  }

  /** Forwards an ACK for a 2xx by its Route or Request-URI, without a transaction (§16.11). */
  async #forwardStateless(req: SipRequest, _from: Received): Promise<void> {
    this.counters.stateless++;
    const mf = req.maxForwards;
    if (mf === 0) return;
    this.#preprocessRoutes(req);
    req.remove('Max-Forwards');
    req.prepend('Max-Forwards', String(mf === undefined ? 70 : mf - 1));
    const t = this.#local;
    const host = t.local.address.includes(':') ? `[${t.local.address}]` : t.local.address;
    // §16.11: a stateless proxy's branch is a function of the request, the same for retransmissions.
    req.prepend(
      'Via',
      `SIP/2.0/${t.protocol.toUpperCase()} ${host}:${t.local.port};branch=z9hG4bK.${this.#loopHash(req, true)}.ack`,
    );
    try {
      const next = req.getValues('Route')[0];
      const uri = parseUri(next === undefined ? req.uri : uriOfRoute(next));
      if (uri.kind !== 'sip') return;
      const targets = await resolveTargets(uri, this.#o.resolver ?? NO_DNS, {
        transports: [...new Set(this.#o.transports.map((x) => x.protocol))],
      });
      const first = targets[0];
      if (first !== undefined) await this.layer.transport.sendRequest(req, first);
    } catch {
      // An ACK that cannot be forwarded is lost, as on the wire; the UAS retransmits its 2xx.
    }
  }
}

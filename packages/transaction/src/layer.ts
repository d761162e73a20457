import {
  createResponse,
  type ParserLimits,
  randomToken,
  type SipRequest,
  type SipResponse,
  type Via,
} from '@sipkit/parser';
import {
  type Drop,
  type PeerAddress,
  type Received,
  type Route,
  type Target,
  type Transport,
  TransportLayer,
} from '@sipkit/transport';
import { type Clock, systemClock } from './clock.js';
import type { TransactionError } from './errors.js';
import { type FailoverOptions, type FailoverRequest, requestWithFailover } from './failover.js';
import { CompletedStore, flatten } from './internal/completed.js';
import { type TimerEntry, TimerHeap } from './internal/heap.js';
import type { SendOwner } from './internal/host.js';
import { resolveTimerSettings, type TimerSettings, type TimerValues, timerValues } from './timers.js';
import {
  type ClientTransaction,
  type ClientTransactionHandler,
  InviteClientTransaction,
  InviteServerTransaction,
  NonInviteClientTransaction,
  NonInviteServerTransaction,
  type ServerTransaction,
} from './transaction.js';

/**
 * The transaction user (TU) above the layer: a UA core, a proxy core, a registrar (RFC 3261
 * §17). The layer calls it; what it throws is caught and counted, never left to break the
 * socket callback or the timer queue.
 *
 * @public
 */
export interface TransactionUser {
  /**
   * A new request, with the server transaction the layer made for it (CANCEL included: it is a
   * non-INVITE transaction of its own, and {@link TransactionLayer.findInviteServerTransaction}
   * finds the INVITE it cancels, §9.2). Answer with `transaction.respond(...)`.
   */
  onRequest(request: SipRequest, transaction: ServerTransaction): void;
  /**
   * A stateless UAS (RFC 3261 §8.2.7): called for each new request other than ACK, after the
   * layer's own checks and before it makes a server transaction. Return true when the TU has
   * dealt with the request without one — answered it with
   * {@link @sipkit/transport!TransportLayer.sendResponse}, or dropped it — and the layer makes
   * none: nothing is kept, and a retransmission of the request comes here again and is answered
   * anew, as §8.2.7 says a stateless UAS does. Return false to go on as usual (`onRequest` with
   * a new transaction). The RFC's own example is challenging requests that carry no credentials,
   * so that a flood of them creates no state. Answer an INVITE this way only knowing that the
   * ACK for a non-2xx answer then reaches `onAck` with no transaction. One that throws is
   * counted as a TU error and taken as false.
   */
  beforeTransaction?(request: SipRequest, from: Received): boolean;
  /**
   * An ACK no transaction absorbed: the ACK for a 2xx (a transaction of its own, §17.1.1.3,
   * §13.2.2.4), with `transaction` undefined, or an ACK matching an INVITE server transaction
   * in RFC 6026's Accepted state, with that transaction.
   */
  onAck?(ack: SipRequest, from: Received, transaction: InviteServerTransaction | undefined): void;
  /**
   * A response that matches no client transaction (§17.1.3), such as a 2xx retransmission
   * after Timer M. RFC 6026 §7.2 has a proxy drop these; a UA core may still want to see them.
   */
  onStrayResponse?(response: SipResponse, from: Received): void;
  /** A server transaction failed: `NO_ACK` (Timer H), `TRANSPORT` (§17.2.4) or `TIMEOUT`. */
  onServerFailure?(transaction: ServerTransaction, error: TransactionError): void;
  /** A server transaction reached `Terminated` and left the table. */
  onServerTerminated?(transaction: ServerTransaction): void;
}

/**
 * Options for {@link TransactionLayer}.
 *
 * @public
 */
export interface TransactionLayerOptions {
  /** The transports to listen on and send with. */
  readonly transports: readonly Transport[];
  /** Who gets new requests, stray ACKs and responses, and server transaction failures. */
  readonly tu: TransactionUser;
  /**
   * Where time comes from; the testkit's `VirtualClock` in tests.
   * @defaultValue {@link systemClock}
   */
  readonly clock?: Clock;
  /**
   * T1, T2, T4 and the 100 Trying delay.
   * @defaultValue {@link DEFAULT_TIMERS}
   */
  readonly timers?: Partial<TimerSettings>;
  /** Parser limits for incoming messages. */
  readonly limits?: Partial<ParserLimits>;
  /**
   * Path MTU: UDP requests within 200 bytes of it go over TCP (RFC 3261 §18.1.1).
   * @defaultValue 1500
   */
  readonly mtu?: number;
  /** Told of what was dropped: malformed input (by the transport layer, or answered 400 here without a transaction), foreign Via, TU exceptions. */
  readonly onDrop?: (drop: Drop) => void;
  /** Told of exceptions thrown by the TU or a client handler from within the layer. */
  readonly onError?: (error: unknown) => void;
  /**
   * Index requests without a To tag by From tag, Call-ID and CSeq, so a UAS core can ask
   * {@link TransactionLayer.isMerged} (RFC 3261 §8.2.2.2). Off by default: proxies and
   * registrars do not need it, and it costs an entry per transaction.
   * @defaultValue false
   */
  readonly detectMergedRequests?: boolean;
}

/**
 * What the transaction layer has done, for metrics.
 *
 * @public
 */
export interface TransactionCounters {
  /** Client transactions started. */
  clientStarted: number;
  /** Server transactions created. */
  serverStarted: number;
  /** Request retransmissions absorbed or answered by a server transaction. */
  serverRetransmissions: number;
  /** ACKs that matched an INVITE server transaction (§17.2.3). */
  serverAcks: number;
  /** Request retransmissions answered from the compact store of completed transactions. */
  completedRetransmissions: number;
  /** Responses that matched no client transaction. */
  strayResponses: number;
  /** ACKs that matched no transaction (passed to the TU). */
  strayAcks: number;
  /** Client transactions that timed out (Timer B or F). */
  timeouts: number;
  /** Transport failures reported to the TU. */
  transportErrors: number;
  /** Exceptions thrown by the TU or client handlers, caught. */
  tuErrors: number;
  /** Requests answered 400 without a transaction: CSeq, Call-ID, From or To unreadable. */
  malformedRequests: number;
  /** Requests the TU answered (or dropped) without a transaction, in `beforeTransaction` (§8.2.7). */
  statelessAnswers: number;
}

/**
 * How many transactions the layer holds.
 *
 * @public
 */
export interface TransactionTableSize {
  /** Live client transactions. */
  readonly client: number;
  /** Live server transactions (not counting `completed`). */
  readonly server: number;
  /** Completed non-INVITE server transactions waiting out Timer J in the compact store. */
  readonly completed: number;
  /** Entries in the timer queue. */
  readonly timers: number;
}

/** RFC 3261 §8.1.1.7: branches of RFC 3261 elements begin with the magic cookie. */
const MAGIC = 'z9hG4bK';
const SEP = '\x01';

/** The sent-by of a Via, as matched by §17.2.3 (host compared without case). */
/**
 * Why a request cannot have a server transaction, or undefined when it can: the header fields
 * every response copies (§8.2.6.2) and matching needs must be there and readable, and the CSeq
 * method must be the request's (§8.1.1.5).
 */
function malformedForTransaction(request: SipRequest): string | undefined {
  try {
    const cseq = request.cseq;
    if (cseq === undefined) return 'no CSeq';
    if (cseq.method !== request.method) return 'CSeq method is not the request method';
    if (request.callId === undefined) return 'no Call-ID';
    if (request.from === undefined) return 'no From';
    if (request.to === undefined) return 'no To';
  } catch (e) {
    return e instanceof Error ? e.message.replace(/[\x00-\x1f\x7f]/g, ' ').slice(0, 80) : 'unreadable header';
  }
  return undefined;
}

function sentBy(via: Via): string {
  return via.port === undefined ? via.host.toLowerCase() : `${via.host.toLowerCase()}:${via.port}`;
}

/** §8.2.2.2: From tag, Call-ID and CSeq of a request without a To tag; undefined otherwise. */
function mergedKey(request: SipRequest): string | undefined {
  if (tagOf(() => request.to) !== undefined) return undefined;
  const from = tagOf(() => request.from);
  const cseq = request.cseq;
  if (from === undefined || cseq === undefined) return undefined;
  return `${from}${SEP}${request.callId ?? ''}${SEP}${cseq.seq}${SEP}${cseq.method}`;
}

function tagOf(read: () => { tag: string | undefined } | undefined): string | undefined {
  try {
    return read()?.tag;
  } catch {
    return undefined;
  }
}

/**
 * The RFC 3261 §17 transaction layer: it matches what the transport layer hands up to client and
 * server transactions (§17.1.3, §17.2.3, with the RFC 2543 fallback), makes a server transaction
 * for each new request and hands it to the {@link TransactionUser}, and starts client
 * transactions with {@link TransactionLayer.request}. It owns the {@link TransportLayer} below
 * it.
 *
 * Timers run on the injected {@link Clock} through one queue of deadlines: each transaction is
 * one entry in it, however many of its timers run, and the clock holds one wake-up at a time.
 * Completed non-INVITE server transactions on UDP wait out Timer J in a compact store rather
 * than as objects. A terminated transaction leaves nothing behind.
 *
 * @public
 */
export class TransactionLayer {
  /** The transport layer underneath, created from `options.transports`. */
  readonly transport: TransportLayer;
  /** The clock every timer runs on. */
  readonly clock: Clock;
  /** The timer settings in force. */
  readonly settings: TimerSettings;
  /** Counts of what happened, for metrics. */
  readonly counters: TransactionCounters = {
    clientStarted: 0,
    serverStarted: 0,
    serverRetransmissions: 0,
    serverAcks: 0,
    completedRetransmissions: 0,
    strayResponses: 0,
    strayAcks: 0,
    timeouts: 0,
    transportErrors: 0,
    tuErrors: 0,
    malformedRequests: 0,
    statelessAnswers: 0,
  };
  readonly #tu: TransactionUser;
  readonly #onDrop: ((drop: Drop) => void) | undefined;
  readonly #onError: ((error: unknown) => void) | undefined;
  /** client transactions by branch (§17.1.3), CANCEL apart: it shares its INVITE's branch */
  readonly #client = new Map<string, ClientTransaction>();
  readonly #cancels = new Map<string, ClientTransaction>();
  readonly #server = new Map<string, ServerTransaction>();
  readonly #completed = new CompletedStore(
    (key) => this.#forgetMerged(key),
    () => {
      if (!this.#closed) this.counters.transportErrors++;
    },
  );
  /** §8.2.2.2 index: From tag, Call-ID, CSeq → key of the transaction that has them */
  readonly #merged: Map<string, string> | undefined;
  /** transaction key → its merged-request key, to clean up */
  readonly #mergedOf: Map<string, string> | undefined;
  readonly #heap = new TimerHeap();
  readonly #reliable: TimerValues;
  readonly #unreliable: TimerValues;
  #wakeAt = Number.POSITIVE_INFINITY;
  #wakeHandle: unknown;
  #firing = false;
  readonly #branchPrefix = `${MAGIC}${randomToken(5)}`;
  #branchCount = 0;
  #closed = false;

  /**
   * @param options - transports, TU, clock, timers
   * @throws RangeError naming the key when a timer setting is out of range
   */
  constructor(options: TransactionLayerOptions) {
    this.settings = resolveTimerSettings(options.timers);
    this.#reliable = timerValues(this.settings, true);
    this.#unreliable = timerValues(this.settings, false);
    this.clock = options.clock ?? systemClock;
    this.#tu = options.tu;
    this.#onDrop = options.onDrop;
    this.#onError = options.onError;
    if (options.detectMergedRequests === true) {
      this.#merged = new Map();
      this.#mergedOf = new Map();
    }
    this.transport = new TransportLayer({
      transports: options.transports,
      onRequest: (request, from) => this.receiveRequest(request, from),
      onResponse: (response, from) => this.receiveResponse(response, from),
      ...(options.onDrop === undefined ? {} : { onDrop: options.onDrop }),
      ...(options.limits === undefined ? {} : { limits: options.limits }),
      ...(options.mtu === undefined ? {} : { mtu: options.mtu }),
    });
  }

  /** How many transactions the layer holds. */
  get size(): TransactionTableSize {
    return {
      client: this.#client.size + this.#cancels.size,
      server: this.#server.size,
      completed: this.#completed.size,
      timers: this.#heap.size,
    };
  }

  /**
   * A new branch parameter: the RFC 3261 magic cookie, a random prefix per layer and a counter,
   * unique across space and time as §8.1.1.7 asks.
   */
  newBranch(): string {
    this.#branchCount++;
    return `${this.#branchPrefix}${this.#branchCount.toString(36)}`;
  }

  /**
   * Starts a client transaction: sends `request` to `target` and reports its responses to
   * `handler` (RFC 3261 §17.1). The top Via must be the element's own and carry a branch with
   * the magic cookie (see {@link TransactionLayer.newBranch}); the transport layer fills in its
   * transport and sent-by. A request that cannot be sent at all is reported to
   * `handler.onFailure` with a `TRANSPORT` error, in a later microtask.
   *
   * @param request - the request (not ACK: the ACK for a 2xx is sent without a transaction,
   * with `layer.transport.sendRequest`)
   * @param target - where to send it, from `resolveTargets`
   * @param handler - told of responses, failure and termination
   * @param context - stored as `transaction.context`
   * @returns the client transaction
   * @throws TypeError when the request is an ACK, has no top Via, has no magic-cookie branch, or
   * its branch is already in use for this method
   */
  request(
    request: SipRequest,
    target: Target,
    handler: ClientTransactionHandler,
    context?: unknown,
  ): InviteClientTransaction | NonInviteClientTransaction {
    const method = request.method;
    if (method === 'ACK') {
      throw new TypeError('an ACK is not sent in a client transaction of its own (RFC 3261 §17.1.1.3)');
    }
    const via = request.topVia;
    if (via === undefined) throw new TypeError('the request needs a top Via carrying the branch');
    const branch = via.branch;
    if (branch === undefined || !branch.startsWith(MAGIC)) {
      throw new TypeError(`the top Via branch must begin with ${MAGIC} (RFC 3261 §8.1.1.7); got ${String(branch)}`);
    }
    // §17.1.3: a response matches by the branch of its top Via and the method of its CSeq. A
    // branch is unique to one request except for the CANCEL of an INVITE (§9.1), so the branch
    // alone keys the table, with CANCELs in one of their own.
    const table = method === 'CANCEL' ? this.#cancels : this.#client;
    if (table.has(branch)) throw new TypeError(`a transaction with branch ${branch} is already running`);
    const tx =
      method === 'INVITE'
        ? new InviteClientTransaction(this, branch, 'Calling', request, target, handler, context)
        : new NonInviteClientTransaction(this, branch, 'Trying', request, target, handler, context);
    table.set(branch, tx);
    this.counters.clientStarted++;
    tx._start(this.now());
    return tx;
  }

  /**
   * Sends a request to resolved targets in order (RFC 3263 §4.3): a new client transaction with a
   * fresh branch per target, moving on when one times out, fails to send or answers 503 (whose
   * Retry-After, or the blocklist's hold time, keeps it skipped). The handler sees provisional
   * responses of every attempt, and the final response of the first attempt that gets one other
   * than 503; `onFailure` only once every target has failed (a last 503 is given as a response).
   *
   * @param request - the request, its top Via carrying a magic-cookie branch
   * @param targets - from `resolveTargets`, in order
   * @param handler - told of responses, failure and termination of each attempt
   * @param options - a shared blocklist, and the context for every attempt
   * @returns the current attempt and the targets tried so far
   * @throws `TransportError` `NO_TARGET` when there is no target (with every target blocked, all are
   * tried: better a retry than no try)
   */
  requestWithFailover(
    request: SipRequest,
    targets: readonly Target[],
    handler: ClientTransactionHandler,
    options?: FailoverOptions,
  ): FailoverRequest {
    return requestWithFailover(this, request, targets, handler, options);
  }

  /**
   * Finds the INVITE server transaction a CANCEL cancels (RFC 3261 §9.2): the one the CANCEL
   * would match by §17.2.3 were its method INVITE.
   *
   * @param cancel - the CANCEL request
   * @returns the INVITE server transaction, or undefined (answer the CANCEL with 481)
   */
  findInviteServerTransaction(cancel: SipRequest): InviteServerTransaction | undefined {
    const m = this.#serverKey(cancel, 'INVITE');
    if (m === undefined) return undefined;
    const tx = this.#server.get(m.key);
    if (!(tx instanceof InviteServerTransaction)) return undefined;
    if (m.rfc2543 && tagOf(() => tx.request.to) !== tagOf(() => cancel.to)) return undefined;
    return tx;
  }

  /**
   * Tells a UAS core whether a request is merged (RFC 3261 §8.2.2.2): it has no To tag, and its
   * From tag, Call-ID and CSeq match those of an ongoing server transaction other than its own
   * — the same request having reached this UAS by two paths after a fork. The core answers it
   * with 482 (Loop Detected). Needs `detectMergedRequests`.
   *
   * @param request - a request the TU received
   * @param transaction - its server transaction
   * @returns whether another transaction already holds the same request
   * @throws Error when the layer was made without `detectMergedRequests`
   */
  isMerged(request: SipRequest, transaction: ServerTransaction): boolean {
    if (this.#merged === undefined) throw new Error('isMerged needs the detectMergedRequests option');
    const mk = mergedKey(request);
    if (mk === undefined) return false;
    const holder = this.#merged.get(mk);
    return holder !== undefined && holder !== transaction.key;
  }

  #noteMerged(request: SipRequest, key: string): void {
    if (this.#merged === undefined || this.#mergedOf === undefined) return;
    const mk = mergedKey(request);
    if (mk === undefined || this.#merged.has(mk)) return;
    this.#merged.set(mk, key);
    this.#mergedOf.set(key, mk);
  }

  #forgetMerged(key: string): void {
    if (this.#mergedOf === undefined || this.#merged === undefined) return;
    const mk = this.#mergedOf.get(key);
    if (mk === undefined) return;
    this.#mergedOf.delete(key);
    if (this.#merged.get(mk) === key) this.#merged.delete(mk);
  }

  /**
   * Matches a request from the transport layer (§17.2.3): a retransmission or ACK goes to its
   * server transaction, a retransmission of a completed non-INVITE request is answered from the
   * compact store, an unmatched ACK goes to the TU, and anything else gets a new server
   * transaction and goes to the TU. The layer's own `TransportLayer` calls this; call it yourself
   * only when you feed the layer from elsewhere.
   *
   * @param request - the request, its top Via stamped with received/rport
   * @param from - how it arrived
   */
  receiveRequest(request: SipRequest, from: Received): void {
    if (this.#closed) return;
    const method = request.method;
    const isAck = method === 'ACK';
    const m = this.#serverKey(request, isAck ? 'INVITE' : method);
    if (m === undefined) return; // no top Via: the transport layer already refused it
    const now = this.now();
    const tx = this.#server.get(m.key);
    if (tx !== undefined && this.#sameRfc2543(tx, request, m.rfc2543, isAck)) {
      if (isAck) this.counters.serverAcks++;
      else this.counters.serverRetransmissions++;
      tx._receive(request, from, now);
      return;
    }
    if (!isAck && this.#completed.resend(m.key)) {
      // §17.2.2: a retransmission in Completed is answered with the final response again.
      this.counters.completedRetransmissions++;
      return;
    }
    if (isAck) {
      this.counters.strayAcks++;
      this.#callTu(() => this.#tu.onAck?.(request, from, undefined));
      return;
    }
    const malformed = malformedForTransaction(request);
    if (malformed !== undefined) {
      // §8.2 / §16.3 step 1: a request whose CSeq, Call-ID, From or To cannot be read is answered
      // 400 without a transaction. An INVITE transaction would hold state and resend the 400
      // until Timer H for a sender that never ACKs: a flood of such requests would be amplified.
      this.counters.malformedRequests++;
      this.transport
        .sendResponse(createResponse(request, 400, { reason: `Bad Request (${malformed})` }), from)
        .catch(() => undefined);
      this.#onDrop?.({ reason: 'malformed', from, error: new Error(malformed), answered: true });
      return;
    }
    if (this.#tu.beforeTransaction !== undefined && this.#statelessly(request, from)) {
      this.counters.statelessAnswers++;
      return;
    }
    const created =
      method === 'INVITE'
        ? new InviteServerTransaction(this, m.key, 'Proceeding', request, from, m.rfc2543)
        : new NonInviteServerTransaction(this, m.key, 'Trying', request, from, m.rfc2543);
    // The key outlives the request by up to 64×T1 (Timer L, or Timer J in the compact store):
    // made of slices of the message text, it would keep that text alive.
    flatten(m.key);
    this.#server.set(m.key, created);
    this.counters.serverStarted++;
    if (this.#merged !== undefined) this.#noteMerged(request, m.key);
    created._arm(now);
    try {
      this.#tu.onRequest(request, created);
    } catch (e) {
      // A TU that throws has not answered and will not: answer 500 for it (§21.5.1) so the
      // transaction completes and ends on its timers, then let the transport layer count it.
      if (created.state === created._initialState) {
        created.respond(createResponse(request, 500, { reason: 'Server Internal Error' }));
      }
      throw e;
    }
  }

  /**
   * Matches a response from the transport layer (§17.1.3: top Via branch and CSeq method) and
   * hands it to its client transaction; one that matches none goes to the TU's
   * `onStrayResponse`.
   *
   * @param response - the response (its top Via already checked to be ours)
   * @param from - how it arrived
   */
  receiveResponse(response: SipResponse, from: Received): void {
    if (this.#closed) return;
    const branch = response.topVia?.branch;
    const cseq = response.cseq;
    let tx: ClientTransaction | undefined;
    if (branch !== undefined && cseq !== undefined) {
      tx = (cseq.method === 'CANCEL' ? this.#cancels : this.#client).get(branch);
      if (tx !== undefined && tx._method !== cseq.method) tx = undefined;
    }
    if (tx === undefined) {
      this.counters.strayResponses++;
      this.#callTu(() => this.#tu.onStrayResponse?.(response, from));
      return;
    }
    tx._receive(response, this.now());
  }

  /**
   * Stops every timer, forgets every transaction without telling anyone, and closes the
   * transports.
   */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#wakeHandle !== undefined) this.clock.clearTimeout(this.#wakeHandle);
    this.#wakeHandle = undefined;
    this.#client.clear();
    this.#cancels.clear();
    this.#server.clear();
    await this.transport.close();
  }

  /** The §17.2.3 key: branch, sent-by and method; or the RFC 2543 fallback without the cookie. */
  #serverKey(request: SipRequest, method: string): { key: string; rfc2543: boolean } | undefined {
    const via = request.topVia;
    if (via === undefined) return undefined;
    const branch = via.branch;
    if (branch?.startsWith(MAGIC)) {
      return { key: `${branch}${SEP}${sentBy(via)}${SEP}${method}`, rfc2543: false };
    }
    // §17.2.3, RFC 2543 fallback: Request-URI, From tag, Call-ID, CSeq number and top Via
    // identify the transaction; To tags are compared beside the key (#sameRfc2543), because the
    // ACK's is the tag of the response, not of the INVITE.
    const key = [
      '2543',
      request.uri,
      tagOf(() => request.from) ?? '',
      request.callId ?? '',
      String(request.cseq?.seq ?? ''),
      method,
      via.toString(),
    ].join(SEP);
    return { key, rfc2543: true };
  }

  #sameRfc2543(tx: ServerTransaction, request: SipRequest, rfc2543: boolean, isAck: boolean): boolean {
    if (!rfc2543) return true;
    const tag = tagOf(() => request.to);
    if (isAck) {
      // §17.2.3: the ACK's To tag equals the To tag of the response the transaction sent.
      return tx instanceof InviteServerTransaction && tx._finalToTag === tag;
    }
    return tagOf(() => tx.request.to) === tag;
  }

  /** The TU's `beforeTransaction`; one that throws counts as a TU error and as false. */
  #statelessly(request: SipRequest, from: Received): boolean {
    try {
      return this.#tu.beforeTransaction?.(request, from) === true;
    } catch (e) {
      this.#callTu(() => {
        throw e;
      });
      return false;
    }
  }

  #callTu(f: () => void): void {
    try {
      f();
    } catch (e) {
      this.counters.tuErrors++;
      try {
        this.#onError?.(e);
      } catch {
        // An error hook that throws is not our concern.
      }
    }
  }

  // ---- Host: what transactions call ----

  /** @internal the clock's time in whole milliseconds (timer fields stay small integers) */
  now(): number {
    return Math.floor(this.clock.now());
  }

  /** @internal */
  timers(reliable: boolean): TimerValues {
    return reliable ? this.#reliable : this.#unreliable;
  }

  /** @internal */
  routeRequest(request: SipRequest, target: Target): Route {
    return this.transport.routeRequest(request, target);
  }

  /** @internal */
  routeResponse(response: SipResponse, to: Received): Route {
    return this.transport.routeResponse(response, to);
  }

  /** @internal */
  send(transport: Transport, bytes: Uint8Array, to: PeerAddress, flow: string | undefined, owner: SendOwner): void {
    let p: Promise<string | undefined>;
    try {
      p = transport.send(bytes, to, flow);
    } catch (e) {
      p = Promise.reject(e);
    }
    if (transport.reliable) {
      p.then(
        (f) => owner.onFlow(f),
        (e) => this.#sendFailed(owner, e),
      );
    } else {
      p.catch((e) => this.#sendFailed(owner, e));
    }
  }

  #sendFailed(owner: SendOwner, e: unknown): void {
    if (this.#closed) return;
    this.counters.transportErrors++;
    owner.onSendError(e);
  }

  /** @internal */
  schedule(e: TimerEntry): void {
    this.#heap.update(e);
    if (!this.#firing) this.#arm();
  }

  /** @internal */
  terminated(tx: ClientTransaction | ServerTransaction): void {
    this.#heap.remove(tx);
    if (tx.isClient) {
      const table = tx._method === 'CANCEL' ? this.#cancels : this.#client;
      if (table.get(tx.key) === tx) table.delete(tx.key);
      const h = tx._handler;
      if (h.onTerminated !== undefined) this.#callTu(() => h.onTerminated?.(tx));
    } else {
      if (this.#server.get(tx.key) === tx) this.#server.delete(tx.key);
      if (this.#merged !== undefined) this.#forgetMerged(tx.key);
      if (this.#tu.onServerTerminated !== undefined) this.#callTu(() => this.#tu.onServerTerminated?.(tx));
    }
  }

  /** @internal */
  compact(tx: ServerTransaction, route: Route): void {
    this.#heap.remove(tx);
    if (this.#server.get(tx.key) === tx) this.#server.delete(tx.key);
    const wasEmpty = this.#completed.size === 0;
    this.#completed.add(
      tx.key,
      route.bytes,
      route.transport,
      route.to.address,
      route.to.port,
      this.now() + this.#unreliable.J,
    );
    if (wasEmpty) this.schedule(this.#completed);
  }

  /** @internal */
  holdsCompleted(key: string): boolean {
    return this.#completed.has(key);
  }

  /** @internal */
  deliverResponse(tx: ClientTransaction, response: SipResponse): void {
    try {
      tx._handler.onResponse(response, tx);
    } catch (e) {
      this.#callTu(() => {
        throw e;
      });
    }
  }

  /** @internal */
  clientFailed(tx: ClientTransaction, error: TransactionError): void {
    if (error.code === 'TIMEOUT') this.counters.timeouts++;
    const h = tx._handler;
    if (h.onFailure !== undefined) this.#callTu(() => h.onFailure?.(tx, error));
  }

  /** @internal */
  serverFailed(tx: ServerTransaction, error: TransactionError): void {
    if (this.#tu.onServerFailure !== undefined) this.#callTu(() => this.#tu.onServerFailure?.(tx, error));
  }

  /** @internal */
  ackToTu(ack: SipRequest, from: Received, tx: InviteServerTransaction): void {
    this.#callTu(() => this.#tu.onAck?.(ack, from, tx));
  }

  /** Asks the clock for one wake-up at the earliest deadline. */
  #arm(): void {
    const top = this.#heap.peek();
    if (top === undefined) {
      if (this.#wakeHandle !== undefined) this.clock.clearTimeout(this.#wakeHandle);
      this.#wakeHandle = undefined;
      this.#wakeAt = Number.POSITIVE_INFINITY;
      return;
    }
    if (top.due >= this.#wakeAt && this.#wakeHandle !== undefined) return;
    if (this.#wakeHandle !== undefined) this.clock.clearTimeout(this.#wakeHandle);
    this.#wakeAt = top.due;
    this.#wakeHandle = this.clock.setTimeout(this.#wake, Math.max(0, top.due - this.now()));
  }

  readonly #wake = (): void => {
    this.#wakeHandle = undefined;
    this.#wakeAt = Number.POSITIVE_INFINITY;
    if (this.#closed) return;
    const now = this.now();
    this.#firing = true;
    try {
      for (;;) {
        const top = this.#heap.peek();
        if (top === undefined || top.due > now) break;
        const before = top.due;
        try {
          top.fire(now);
        } catch (e) {
          // A bug must not wedge the queue: report it and end what threw.
          this.#callTu(() => {
            throw e;
          });
          top.due = -1;
        }
        if (top.due === before && top.slot >= 0) top.due = -1;
        this.#heap.update(top);
      }
    } finally {
      this.#firing = false;
    }
    this.#arm();
  };
}

import { type SipRequest, type SipResponse, Via } from '@sipkit/parser';
import { type Target, type TargetBlocklist, TransportError } from '@sipkit/transport';
import { TransactionError } from './errors.js';
import type { TransactionLayer } from './layer.js';
import type { ClientTransaction, ClientTransactionHandler } from './transaction.js';

/**
 * Options for {@link TransactionLayer.requestWithFailover}.
 *
 * @public
 */
export interface FailoverOptions {
  /** Targets that failed recently are skipped, and those that fail now are added (RFC 3263 §4.3). */
  readonly blocklist?: TargetBlocklist;
  /** Free for the TU: stored as `context` on every attempt's transaction. */
  readonly context?: unknown;
}

/**
 * A request sent to one target after another (RFC 3263 §4.3), as
 * {@link TransactionLayer.requestWithFailover} returns it.
 *
 * @public
 */
export interface FailoverRequest {
  /** The client transaction of the current attempt. */
  readonly transaction: ClientTransaction | undefined;
  /** The targets tried so far, in order. */
  readonly tried: readonly Target[];
  /** Whether an attempt got a final response the TU was given, or every target failed. */
  readonly done: boolean;
}

/** RFC 3263 §4.3: a 503 moves on to the next target; its Retry-After says for how long to skip it. */
function retryAfterMs(response: SipResponse): number | undefined {
  try {
    const ra = response.retryAfter;
    return ra === undefined ? undefined : ra.seconds * 1000;
  } catch {
    return undefined;
  }
}

/**
 * One request sent to one target after another: the handler of every attempt's transaction and
 * the {@link FailoverRequest} the caller gets. One object per request, no closure per attempt;
 * it lets go of the request once an attempt has its final response, for the transaction may
 * keep its handler for another 64×T1 (RFC 6026 §8.4, Timer M) or T4 (§17.1.2.2, Timer K).
 */
class Failover implements ClientTransactionHandler, FailoverRequest {
  transaction: ClientTransaction | undefined = undefined;
  readonly tried: Target[] = [];
  done = false;
  readonly #layer: TransactionLayer;
  #request: SipRequest | undefined;
  readonly #order: readonly Target[];
  readonly #handler: ClientTransactionHandler;
  readonly #blocklist: TargetBlocklist | undefined;
  #context: unknown;
  #index = 0;
  /** the target of the current attempt */
  #target: Target | undefined = undefined;

  constructor(
    layer: TransactionLayer,
    request: SipRequest,
    order: readonly Target[],
    handler: ClientTransactionHandler,
    options: FailoverOptions,
  ) {
    this.#layer = layer;
    this.#request = request;
    this.#order = order;
    this.#handler = handler;
    this.#blocklist = options.blocklist;
    this.#context = options.context;
  }

  /** Starts the next attempt, or reports the last outcome when no target is left. */
  next(
    response: SipResponse | undefined,
    error: TransactionError | undefined,
    last: ClientTransaction | undefined,
  ): void {
    const target = this.#order[this.#index++];
    const request = this.#request;
    if (target === undefined || request === undefined) {
      this.#end();
      if (response !== undefined && last !== undefined) this.#handler.onResponse(response, last);
      else if (last !== undefined)
        this.#handler.onFailure?.(last, error ?? new TransactionError('TRANSPORT', 'no target to send to'));
      return;
    }
    this.tried.push(target);
    if (this.tried.length > 1) {
      // RFC 3263 §4.3: a new transaction for the next target needs a branch of its own.
      const via = request.topVia;
      if (via !== undefined) {
        const params = via.params.with('branch', this.#layer.newBranch());
        request.setTopVia(new Via(via.transport, via.host, via.port, params, via.protocol, via.version));
      }
    }
    this.#target = target;
    const tx = this.#layer.request(request, target, this, this.#context);
    // A send that fails at once has already moved on to the next target inside that call.
    if (this.#target === target) this.transaction = tx;
  }

  /** Nothing more to send: the request and the context for new attempts are let go. */
  #end(): void {
    this.done = true;
    this.#request = undefined;
    this.#context = undefined;
  }

  onResponse(response: SipResponse, tx: ClientTransaction): void {
    if (response.status === 503 && !this.done) {
      // RFC 3263 §4.3: a 503 moves on; its Retry-After says how long to skip the target.
      if (this.#target !== undefined) this.#blocklist?.fail(this.#target, retryAfterMs(response));
      this.next(response, undefined, tx);
      return;
    }
    if (response.status >= 200) this.#end();
    this.#handler.onResponse(response, tx);
  }

  onFailure(tx: ClientTransaction, error: TransactionError): void {
    if (this.done) {
      this.#handler.onFailure?.(tx, error);
      return;
    }
    // An earlier attempt (one that got a 503, say) failing later moves nothing on.
    if (tx.target !== this.#target) return;
    this.#blocklist?.fail(tx.target);
    this.next(undefined, error, tx);
  }

  onTerminated(tx: ClientTransaction): void {
    this.#handler.onTerminated?.(tx);
  }
}

/**
 * Sends `request` to `targets` in order, one client transaction per target, each with a fresh
 * branch (RFC 3263 §4.3: a timeout, a transport failure or a 503 moves on to the next target).
 * The handler sees provisional responses of every attempt, the final response of the attempt
 * that got one other than 503, and `onFailure` only when no target is left (with the last
 * failure, or the last 503 as a response).
 *
 * @internal the layer's `requestWithFailover` is the public door
 */
export function requestWithFailover(
  layer: TransactionLayer,
  request: SipRequest,
  targets: readonly Target[],
  handler: ClientTransactionHandler,
  options: FailoverOptions = {},
): FailoverRequest {
  const { blocklist } = options;
  const order = blocklist === undefined ? [...targets] : blocklist.filter(targets);
  if (order.length === 0) throw new TransportError('NO_TARGET', 'no target to send to');
  const failover = new Failover(layer, request, order, handler, options);
  failover.next(undefined, undefined, undefined);
  return failover;
}

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
  const { blocklist, context } = options;
  const order = blocklist === undefined ? [...targets] : blocklist.filter(targets);
  const state = { transaction: undefined as ClientTransaction | undefined, tried: [] as Target[], done: false };
  let index = 0;

  const next = (last: { response?: SipResponse; error?: TransactionError; tx?: ClientTransaction }): void => {
    const target = order[index++];
    if (target === undefined) {
      state.done = true;
      if (last.response !== undefined && last.tx !== undefined) handler.onResponse(last.response, last.tx);
      else if (last.tx !== undefined)
        handler.onFailure?.(last.tx, last.error ?? new TransactionError('TRANSPORT', 'no target to send to'));
      return;
    }
    state.tried.push(target);
    if (state.tried.length > 1) {
      // §4.3: a new transaction for the next target needs a branch of its own.
      const via = request.topVia;
      if (via !== undefined) {
        const params = via.params.with('branch', layer.newBranch());
        request.setTopVia(new Via(via.transport, via.host, via.port, params, via.protocol, via.version));
      }
    }
    const attempt: ClientTransactionHandler = {
      onResponse(response, tx) {
        if (response.status === 503) {
          blocklist?.fail(target, retryAfterMs(response));
          next({ response, tx });
          return;
        }
        if (response.status >= 200) state.done = true;
        handler.onResponse(response, tx);
      },
      onFailure(tx, error) {
        blocklist?.fail(target);
        next({ error, tx });
      },
      onTerminated(tx) {
        handler.onTerminated?.(tx);
      },
    };
    state.transaction = layer.request(request, target, attempt, context);
  };

  if (order.length === 0) throw new TransportError('NO_TARGET', 'no target to send to');
  next({});
  return state;
}

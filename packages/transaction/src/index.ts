/**
 * The SIP transaction layer (RFC 3261 §17, with the RFC 6026 corrections): the INVITE and
 * non-INVITE client and server transactions, matching of requests and responses to them
 * (§17.1.3, §17.2.3, with the RFC 2543 fallback), and timers A–M computed from T1, T2 and T4 on
 * an injected {@link Clock}. Transactions do no I/O of their own: they send through the
 * transport layer below and report to the transaction user (TU) above.
 *
 * @example
 * ```ts
 * import { createResponse } from '@sipkit/parser';
 * import { TransactionLayer } from '@sipkit/transaction';
 * import { udpTransport } from '@sipkit/transport-node';
 *
 * const udp = await udpTransport({ host: '127.0.0.1', port: 5060 });
 * const layer = new TransactionLayer({
 *   transports: [udp],
 *   tu: {
 *     // Every new request arrives with its server transaction; answer through it.
 *     onRequest: (request, tx) => tx.respond(createResponse(request, 200)),
 *   },
 * });
 * ```
 *
 * @packageDocumentation
 */

export { createCancel } from './cancel.js';
export { type Clock, systemClock } from './clock.js';
export { TransactionError, type TransactionErrorCode } from './errors.js';
export type { FailoverOptions, FailoverRequest } from './failover.js';
export {
  type TransactionCounters,
  TransactionLayer,
  type TransactionLayerOptions,
  type TransactionTableSize,
  type TransactionUser,
} from './layer.js';
export {
  DEFAULT_TIMERS,
  resolveTimerSettings,
  type TimerSettings,
  type TimerValues,
  timerValues,
} from './timers.js';
export {
  ClientTransaction,
  type ClientTransactionHandler,
  InviteClientTransaction,
  InviteServerTransaction,
  NonInviteClientTransaction,
  NonInviteServerTransaction,
  ServerTransaction,
  Transaction,
  type TransactionKind,
  type TransactionState,
} from './transaction.js';

import type { SipRequest, SipResponse } from '@sipkit/parser';
import type { PeerAddress, Received, Route, Target, Transport } from '@sipkit/transport';
import type { Clock } from '../clock.js';
import type { TransactionError } from '../errors.js';
import type { TimerValues } from '../timers.js';
import type { ClientTransaction, InviteServerTransaction, ServerTransaction } from '../transaction.js';
import type { TimerEntry } from './heap.js';

/**
 * What a transaction needs from the layer that owns it. The layer implements it; transactions
 * see nothing else of it, and every call into the transaction user goes through here so that
 * what the TU throws is caught in one place.
 */
export interface Host {
  readonly clock: Clock;
  /** The clock's time in whole milliseconds. */
  now(): number;
  /** Timer values for a reliable or an unreliable transport. */
  timers(reliable: boolean): TimerValues;
  /** Re-files an entry whose `due` changed. */
  schedule(e: TimerEntry): void;
  /** Picks transport and bytes for a request (throws TransportError). */
  routeRequest(request: SipRequest, target: Target): Route;
  /** Picks transport and bytes for a response. */
  routeResponse(response: SipResponse, to: Received): Route;
  /** Sends bytes; failures come back through `owner.onSendError`. */
  send(transport: Transport, bytes: Uint8Array, to: PeerAddress, flow: string | undefined, owner: SendOwner): void;
  /** Removes a finished transaction from its table and the timer queue, and tells its TU. */
  terminated(tx: ClientTransaction | ServerTransaction): void;
  /**
   * Takes a non-INVITE server transaction that completed on an unreliable transport out of the
   * live table into the compact store for Timer J.
   */
  compact(tx: ServerTransaction, route: Route): void;
  /** Whether the compact store still holds `key`. */
  holdsCompleted(key: string): boolean;
  deliverResponse(tx: ClientTransaction, response: SipResponse): void;
  clientFailed(tx: ClientTransaction, error: TransactionError): void;
  serverFailed(tx: ServerTransaction, error: TransactionError): void;
  ackToTu(ack: SipRequest, from: Received, tx: InviteServerTransaction): void;
}

/** Something told when its send fails or reveals the connection used. */
export interface SendOwner {
  /** The transport rejected the send. */
  onSendError(error: unknown): void;
  /** The send went out on this connection. */
  onFlow(flow: string | undefined): void;
}

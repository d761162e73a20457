import { SipError } from '@sipkit/parser';

/**
 * Stable codes carried by {@link TransactionError}.
 *
 * - `TIMEOUT`: Timer B or F fired before a final response (RFC 3261 §17.1.1.2, §17.1.2.2);
 *   a UAC core turns it into a 408 (§8.1.3.1).
 * - `NO_ACK`: Timer H fired before the ACK of a non-2xx final response arrived (§17.2.1).
 * - `TRANSPORT`: the transport layer could not send (§17.1.4, §17.2.4); `cause` holds why.
 *
 * @public
 */
export type TransactionErrorCode = 'TIMEOUT' | 'NO_ACK' | 'TRANSPORT';

/**
 * How a transaction failed. It reaches the transaction user as an event value
 * (`onFailure`), never as an exception thrown at it.
 *
 * @public
 */
export class TransactionError extends SipError {
  /** Stable, machine-readable reason. */
  declare readonly code: TransactionErrorCode;
  /** The transport error behind a `TRANSPORT` failure. */
  override readonly cause: unknown;

  /**
   * @param code - stable reason code
   * @param message - human-readable explanation
   * @param cause - the underlying error, for `TRANSPORT`
   */
  constructor(code: TransactionErrorCode, message: string, cause?: unknown) {
    super(code, message);
    this.name = 'TransactionError';
    this.cause = cause;
  }
}

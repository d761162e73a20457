import { SipError } from '@sipkit/parser';

/**
 * Stable codes carried by {@link TransportError}.
 *
 * @public
 */
export type TransportErrorCode = 'NO_TRANSPORT' | 'NO_TARGET' | 'SEND_FAILED' | 'BAD_VIA';

/**
 * A message could not be sent (no transport for the target, the peer unreachable, the Via unusable).
 *
 * @public
 */
export class TransportError extends SipError {
  declare readonly code: TransportErrorCode;

  /**
   * @param code - stable reason code
   * @param message - what happened
   */
  constructor(code: TransportErrorCode, message: string) {
    super(code, message);
    this.name = 'TransportError';
  }
}

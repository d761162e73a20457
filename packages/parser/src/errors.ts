/**
 * Stable codes carried by {@link SipParseError}. Callers match on these, never on message text.
 *
 * @public
 */
export type SipParseErrorCode =
  | 'EMPTY_MESSAGE'
  | 'MESSAGE_TOO_LARGE'
  | 'LINE_TOO_LONG'
  | 'TOO_MANY_HEADERS'
  | 'TOO_MANY_VIAS'
  | 'BARE_LF'
  | 'INVALID_START_LINE'
  | 'INVALID_METHOD'
  | 'INVALID_REQUEST_URI'
  | 'INVALID_VERSION'
  | 'INVALID_STATUS_CODE'
  | 'INVALID_HEADER_NAME'
  | 'MISSING_COLON'
  | 'UNEXPECTED_FOLDING'
  | 'HEADERS_INCOMPLETE'
  | 'INVALID_CONTENT_LENGTH'
  | 'CONFLICTING_CONTENT_LENGTH'
  | 'MISSING_CONTENT_LENGTH'
  | 'BODY_TRUNCATED'
  | 'INVALID_HEADER_VALUE'
  | 'INVALID_URI';

/**
 * Base class of every error SIPKit throws on purpose. `code` is stable across releases.
 *
 * @public
 */
export class SipError extends Error {
  /** Stable, machine-readable reason. */
  readonly code: string;

  /**
   * @param code - stable reason code
   * @param message - human-readable explanation
   */
  constructor(code: string, message: string) {
    super(message);
    this.name = 'SipError';
    this.code = code;
  }
}

/** How much of the offending input an error message quotes. */
const EXCERPT = 40;

/**
 * Bytes that are not SIP, or a header value that does not follow its grammar.
 *
 * `header` names the header field where parsing failed (absent for the start line and framing);
 * `offset` is the byte offset in the message (or in the header value, for typed accessors) where
 * the problem was seen.
 *
 * @public
 */
export class SipParseError extends SipError {
  declare readonly code: SipParseErrorCode;
  /** Canonical name of the header that failed, if the failure was inside a header. */
  readonly header: string | undefined;
  /** Byte offset where the failure was seen (in the message, or in the header value). */
  readonly offset: number;
  /**
   * What the parser could build before it failed (start line and header fields), when it got
   * that far: enough for a transport to answer a request with 400 and a reason.
   */
  partial: import('./message.js').SipRequest | import('./message.js').SipResponse | undefined;

  /**
   * @param code - stable reason code
   * @param reason - what was expected
   * @param offset - byte offset of the failure
   * @param header - header name, when the failure is inside a header
   * @param input - the offending input; a short excerpt of it goes into the message
   */
  constructor(code: SipParseErrorCode, reason: string, offset: number, header?: string, input?: string) {
    let text = reason;
    if (header !== undefined) text = `${header}: ${text}`;
    text += ` at offset ${offset}`;
    if (input !== undefined) {
      const cut = input.length > EXCERPT ? `${input.slice(0, EXCERPT)}…` : input;
      text += ` in ${JSON.stringify(cut)}`;
    }
    super(code, text);
    this.name = 'SipParseError';
    this.header = header;
    this.offset = offset;
    this.partial = undefined;
  }
}

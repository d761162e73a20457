/**
 * Stable codes carried by {@link SdpError}. Callers match on these, never on message text.
 *
 * - `INVALID_STATE`: an {@link OfferAnswer} call that the current state does not allow
 *   (RFC 3264 §4: one offer at a time; an answer only to an outstanding offer).
 * - `INVALID_OFFER`: a re-offer that removes media sections (RFC 3264 §8).
 * - `INVALID_ANSWER`: an answer whose media sections do not line up with the offer's
 *   (RFC 3264 §6: same number of `m=` lines, same order, same media types).
 * - `INVALID_ARGUMENT`: a value given to an edit method or a builder that cannot go on an SDP
 *   line (a line break, a name that is not a token, a port out of range, …).
 *
 * {@link SdpParseError} adds the codes of {@link SdpParseErrorCode}.
 *
 * @public
 */
export type SdpErrorCode = 'INVALID_STATE' | 'INVALID_OFFER' | 'INVALID_ANSWER' | 'INVALID_ARGUMENT';

/**
 * Base class of every error `@sipkit/sdp` throws on purpose. `code` is stable across releases.
 *
 * @public
 */
export class SdpError extends Error {
  /** Stable, machine-readable reason. */
  readonly code: SdpErrorCode | SdpParseErrorCode;

  /**
   * @param code - stable reason code
   * @param message - human-readable explanation
   */
  constructor(code: SdpErrorCode | SdpParseErrorCode, message: string) {
    super(message);
    this.name = 'SdpError';
    this.code = code;
  }
}

/**
 * Stable codes carried by {@link SdpParseError}.
 *
 * - `EMPTY`: no input at all.
 * - `INVALID_ENCODING`: bytes that are not UTF-8 (RFC 8866 §5: the default character set).
 * - `INVALID_LINE`: a line that is not `<type>=<value>` (RFC 8866 §5), is empty, or holds a NUL
 *   or a CR that does not end it.
 * - `UNKNOWN_TYPE`: a type letter RFC 8866 does not define (§5: such a description is ignored
 *   as a whole), unless {@link ParseSdpOptions.unknownLines} is `'keep'`.
 * - `MISSING_VERSION`, `INVALID_VERSION`: the first line is not `v=0` (§5.1).
 * - `MISSING_ORIGIN`, `INVALID_ORIGIN`: no `o=` line second, or one off its grammar (§5.2).
 * - `MISSING_SESSION_NAME`: no `s=` line third (§5.3).
 * - `MISSING_TIMING`, `INVALID_TIMING`: no `t=` line, or a `t=`, `r=` or `z=` line off its
 *   grammar (§5.9–§5.11).
 * - `LINE_ORDER`: a line out of the order of §5 and §9, or in the wrong section.
 * - `DUPLICATE_LINE`: a second line of a type allowed once per section.
 * - `MISSING_CONNECTION`: a media section with no `c=` line under a session without one (§5.7).
 * - `INVALID_CONNECTION`, `INVALID_BANDWIDTH`: a `c=` or `b=` line off its grammar.
 * - `INVALID_MEDIA`: an `m=` line off its grammar (§5.14).
 * - `INVALID_PORT`: an `m=` port that is not a number from 0 to 65535.
 * - `INVALID_ATTRIBUTE`: an `a=` line whose name is not a token, or, when a typed accessor
 *   reads it, a value off the grammar of its attribute.
 *
 * @public
 */
export type SdpParseErrorCode =
  | 'EMPTY'
  | 'INVALID_ENCODING'
  | 'INVALID_LINE'
  | 'UNKNOWN_TYPE'
  | 'MISSING_VERSION'
  | 'INVALID_VERSION'
  | 'MISSING_ORIGIN'
  | 'INVALID_ORIGIN'
  | 'MISSING_SESSION_NAME'
  | 'MISSING_TIMING'
  | 'INVALID_TIMING'
  | 'LINE_ORDER'
  | 'DUPLICATE_LINE'
  | 'MISSING_CONNECTION'
  | 'INVALID_CONNECTION'
  | 'INVALID_BANDWIDTH'
  | 'INVALID_MEDIA'
  | 'INVALID_PORT'
  | 'INVALID_ATTRIBUTE';

/** How much of the offending line an error quotes. */
const EXCERPT = 60;

/**
 * Text that is not SDP, or an attribute value that does not follow its grammar.
 *
 * `line` is the 1-based line number in the parsed input (0 for a line added by an edit method);
 * `excerpt` is the offending line, cut short.
 *
 * @public
 */
export class SdpParseError extends SdpError {
  declare readonly code: SdpParseErrorCode;
  /** 1-based number of the offending line in the input; 0 when the line was not parsed. */
  readonly line: number;
  /** The offending line, cut to 60 characters (with `…` when cut). */
  readonly excerpt: string;

  /**
   * @param code - stable reason code
   * @param reason - what was expected
   * @param line - 1-based line number
   * @param text - the offending line; a short excerpt of it is kept
   */
  constructor(code: SdpParseErrorCode, reason: string, line: number, text: string) {
    const excerpt = text.length > EXCERPT ? `${text.slice(0, EXCERPT)}…` : text;
    super(code, `${reason} on line ${line}: ${JSON.stringify(excerpt)}`);
    this.name = 'SdpParseError';
    this.line = line;
    this.excerpt = excerpt;
  }
}

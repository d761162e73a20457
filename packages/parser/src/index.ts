/**
 * An exact, strict and fast SIP message codec (RFC 3261 §7, §19, §20, §25).
 *
 * Bytes in, bytes out: {@link parseMessage} reads a `Uint8Array` (or a string), indexes every
 * header field without copying it, and parses typed values only when they are read. Fields you
 * do not change are serialised byte for byte by {@link serialize}. {@link StreamFramer} cuts a
 * TCP/TLS stream into messages. {@link validateRequest} and {@link validateResponse} say which
 * status a malformed message deserves.
 *
 * @example
 * ```ts
 * import { parseMessage, createResponse, serialize } from '@sipkit/parser';
 *
 * const req = parseMessage(
 *   'OPTIONS sip:bob@example.com SIP/2.0\r\n' +
 *     'Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK776asdhds\r\n' +
 *     'To: <sip:bob@example.com>\r\nFrom: <sip:alice@example.com>;tag=1928301774\r\n' +
 *     'Call-ID: a84b4c76e66710\r\nCSeq: 63104 OPTIONS\r\nMax-Forwards: 70\r\n\r\n',
 * );
 * if (req.isRequest) {
 *   console.log(req.method, req.topVia?.branch, req.from?.tag, req.cseq?.seq);
 *   const bytes = serialize(createResponse(req, 200));
 * }
 * ```
 *
 * @packageDocumentation
 */

export { SipError, SipParseError, type SipParseErrorCode } from './errors.js';
export { DEFAULT_LIMITS, type ParserLimits } from './limits.js';
export { parseMessage, type ParseOptions } from './parse.js';
export { StreamFramer, type FramerEvent, type StreamFramerOptions } from './framer.js';
export { serialize } from './serialize.js';
export { SipMessage, SipRequest, SipResponse, type HeaderField, type SipMessageLike } from './message.js';
export {
  createRequest,
  createResponse,
  randomToken,
  REASON_PHRASES,
  type RequestInit,
  type ResponseOptions,
} from './build.js';
export {
  validateRequest,
  validateResponse,
  STANDARD_METHODS,
  type RequestValidationOptions,
  type ValidationProblem,
  type ValidationResult,
} from './validate.js';
export { canonicalHeaderName, COMPACT_FORMS, type KnownHeaderName } from './names.js';
export { Params, quote } from './params.js';
export {
  parseUri,
  formatUri,
  sipUri,
  uriEquals,
  type Uri,
  type SipUri,
  type TelUri,
  type AbsoluteUri,
} from './uri.js';
export {
  NameAddr,
  Via,
  parseNameAddr,
  parseNameAddrList,
  parseVia,
  parseCSeq,
  parseCallId,
  parseUnsigned,
  parseDeltaSeconds,
  parseDeltaWithParams,
  parseTokenList,
  parseMediaType,
  parseAccept,
  parseAuth,
  parseRAck,
  parseParamValue,
  parseRetryAfter,
  parseTimestamp,
  parseWarnings,
  parseDate,
  formatDate,
  type CSeq,
  type MediaType,
  type AuthValue,
  type RAck,
  type ParamValue,
  type RetryAfter,
  type Timestamp,
  type Warning,
} from './values.js';

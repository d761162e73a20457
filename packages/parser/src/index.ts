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

export {
  createRequest,
  createResponse,
  REASON_PHRASES,
  type RequestInit,
  type ResponseOptions,
  randomToken,
} from './build.js';
export { SipError, SipParseError, type SipParseErrorCode } from './errors.js';
export { type FramerEvent, StreamFramer, type StreamFramerOptions } from './framer.js';
export { detached } from './internal/text.js';
export { DEFAULT_LIMITS, type ParserLimits } from './limits.js';
export { type HeaderField, SipMessage, type SipMessageLike, SipRequest, SipResponse, splitList } from './message.js';
export { COMPACT_FORMS, canonicalHeaderName, KNOWN_HEADER_NAMES, type KnownHeaderName } from './names.js';
export { Params, quote } from './params.js';
export { type ParseOptions, parseMessage } from './parse.js';
export { createResponseBytes } from './response-bytes.js';
export { salvageRequest } from './salvage.js';
export { type SerializeOptions, serialize } from './serialize.js';
export {
  type AbsoluteUri,
  formatUri,
  parseUri,
  type SipUri,
  sipUri,
  type TelUri,
  type Uri,
  uriEquals,
} from './uri.js';
export {
  type RequestValidationOptions,
  STANDARD_METHODS,
  type ValidationProblem,
  type ValidationResult,
  validateRequest,
  validateResponse,
} from './validate.js';
export {
  type AuthValue,
  type CSeq,
  formatDate,
  type MediaType,
  NameAddr,
  type ParamValue,
  parseAccept,
  parseAuth,
  parseCallId,
  parseCSeq,
  parseDate,
  parseDeltaSeconds,
  parseDeltaWithParams,
  parseMediaType,
  parseNameAddr,
  parseNameAddrList,
  parseParamValue,
  parseRAck,
  parseRetryAfter,
  parseTimestamp,
  parseTokenList,
  parseUnsigned,
  parseVia,
  parseWarnings,
  type RAck,
  type RetryAfter,
  type Timestamp,
  Via,
  type Warning,
} from './values.js';

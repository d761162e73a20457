import { SipParseError } from './errors.js';
import * as chars from './internal/chars.js';
import { fail, SCAN, SCAN_END, scanFields } from './internal/fields.js';
import { binaryString, utf8Decode, utf8Encode } from './internal/text.js';
import { type ParserLimits, resolveLimits } from './limits.js';
import { SipRequest, SipResponse } from './message.js';
import { schemeEnd } from './uri.js';

// Module constants, not imported bindings: V8 re-checks an imported binding on every read (it is
// live), which costs about a third of a table-driven byte loop.
const { isDigit, TOKEN } = chars;

/**
 * How {@link parseMessage} treats the bytes it is given.
 *
 * @public
 */
export interface ParseOptions {
  /**
   * `datagram` (default): the bytes are one whole UDP datagram; without Content-Length the body
   * is the rest of the datagram, and octets past Content-Length are dropped (RFC 3261 §18.3).
   * `stream`: the bytes are one message cut from a stream; Content-Length is mandatory.
   * @defaultValue 'datagram'
   */
  mode?: 'datagram' | 'stream';
  /** Limits; each defaults to {@link DEFAULT_LIMITS}. */
  limits?: Partial<ParserLimits>;
  /**
   * Record every header field while the header section is checked, instead of in a second scan
   * when a field other than the first Via, From, To, Call-ID, CSeq or Contact is first read
   * (`get`, `has`, `count`, `serialize`, most typed accessors, `validateRequest`). A few tens
   * of nanoseconds more for the parse, about 400 less for an element that reads such a field,
   * as a proxy, registrar or user agent does with every request. A transport layer turns it on.
   * @defaultValue false
   */
  fieldTable?: boolean;
}

/**
 * Parses one SIP message.
 *
 * The message keeps a view of `input` (for raw header bytes and the body): do not change the
 * bytes afterwards.
 *
 * @param input - the message bytes (a string is encoded as UTF-8 first)
 * @param options - datagram or stream mode, limits
 * @returns a {@link SipRequest} or a {@link SipResponse}
 * @throws {@link SipParseError} when the bytes are not a SIP message; when the start line and
 *   every header field could be read, `error.partial` holds what was parsed so that a 400 can
 *   still be sent
 * @public
 */
export function parseMessage(input: Uint8Array | string, options?: ParseOptions): SipRequest | SipResponse {
  const bytes = typeof input === 'string' ? utf8Encode(input) : input;
  const limits = resolveLimits(options?.limits);
  const stream = options?.mode === 'stream';
  if (bytes.length > limits.maxMessageSize) {
    fail('MESSAGE_TOO_LARGE', `message larger than ${limits.maxMessageSize} bytes`, limits.maxMessageSize);
  }
  const msg = parseHead(bytes, bytes.length, limits, options?.fieldTable === true);
  const bodyStart = msg._headEnd;
  const contentLength = msg._cl;
  if (contentLength < 0) {
    // RFC 3261 §18.3: stream transports MUST use Content-Length; a datagram without one
    // carries its body to the end of the datagram (RFC 2543 peers, inv2543).
    if (stream) partialFail(msg, 'MISSING_CONTENT_LENGTH', 'Content-Length is required on a stream', bodyStart);
    msg.body = bytes.subarray(bodyStart);
  } else {
    if (bodyStart + contentLength > bytes.length) {
      partialFail(
        msg,
        'BODY_TRUNCATED',
        `Content-Length ${contentLength} exceeds the ${bytes.length - bodyStart} bytes present`,
        bodyStart,
      );
    }
    // Octets past Content-Length are discarded (RFC 3261 §18.3), never a second message.
    if (contentLength > 0) msg.body = bytes.subarray(bodyStart, bodyStart + contentLength);
  }
  return msg;
}

function partialFail(
  msg: SipRequest | SipResponse,
  code: ConstructorParameters<typeof SipParseError>[0],
  reason: string,
  at: number,
): never {
  const err = new SipParseError(code, reason, at, code === 'MISSING_CONTENT_LENGTH' ? undefined : 'Content-Length');
  err.partial = msg;
  throw err;
}

/**
 * @internal Parses the start line and header fields of bytes[0, end); the message records where
 * its body starts (`_headEnd`) and its Content-Length (`_cl`, -1 when absent).
 */
export function parseHead(
  bytes: Uint8Array,
  end: number,
  limits: ParserLimits,
  fieldTable = false,
): SipRequest | SipResponse {
  const text = binaryString(bytes, 0, end);
  let p = 0;
  // RFC 3261 §7.5: ignore CRLFs before the start line.
  while (p + 1 < end && (bytes[p] as number) === 0x0d && (bytes[p + 1] as number) === 0x0a) p += 2;
  if (p >= end) fail('EMPTY_MESSAGE', 'no start line', p);
  const s0 = p;
  const lf = text.indexOf('\n', p);
  if (lf < 0) fail('HEADERS_INCOMPLETE', 'start line has no CRLF', p, text);
  if (lf === p || (bytes[lf - 1] as number) !== 0x0d) fail('BARE_LF', 'line ends in LF without CR', lf, text);
  const s1 = lf - 1;
  if (s1 - s0 > limits.maxLineLength) fail('LINE_TOO_LONG', `start line longer than ${limits.maxLineLength} bytes`, s0);

  // The header fields are checked now; their table is built now or when first needed (message.ts).
  const table = fieldTable ? [] : undefined;
  const headEnd = scanFields(bytes, text, lf + 1, end, limits, table);
  if (headEnd < 0) {
    // Incomplete: what was read still goes out with the error, for a 400.
    const f: number[] = [];
    scanFields(bytes, text, lf + 1, end, limits, f);
    const err = new SipParseError('HEADERS_INCOMPLETE', 'header section has no empty line', SCAN[SCAN_END] as number);
    err.partial = startLine(bytes, text, s0, s1, f);
    throw err;
  }
  const msg = startLine(bytes, text, s0, s1, table);
  msg._scanned(headEnd);
  return msg;
}

/**
 * "METHOD SP Request-URI SP SIP/2.0" read from the bytes: a token, a run of visible ASCII that
 * starts with a scheme, and the version. Anything else takes the checks in startLine, which say
 * what is wrong.
 */
function fastRequestLine(
  bytes: Uint8Array,
  text: string,
  s0: number,
  s1: number,
  f: number[] | undefined,
): SipRequest | undefined {
  const u1 = s1 - 8;
  if (u1 <= s0 || bytes[u1] !== 0x20 || !isSip20(bytes, u1 + 1)) return undefined;
  let i = s0;
  while (i < u1 && TOKEN[bytes[i] as number] === 1) i++;
  if (i === s0 || i >= u1 || bytes[i] !== 0x20) return undefined;
  const u0 = i + 1;
  for (let j = u0; j < u1; j++) {
    const c = bytes[j] as number;
    if (c < 0x21 || c > 0x7e) return undefined;
  }
  const uri = text.slice(u0, u1);
  if (schemeEnd(uri) < 0) return undefined;
  return new SipRequest(text.slice(s0, i), uri, 'SIP/2.0', bytes, text, f, s0, s1);
}

/** SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT (RFC 3261 §25.1); "SIP" is case-insensitive. */
function versionEnd(text: string, p: number, end: number): number {
  if (end - p < 7) return -1;
  if ((text.charCodeAt(p) | 0x20) !== 0x73 || (text.charCodeAt(p + 1) | 0x20) !== 0x69) return -1;
  if ((text.charCodeAt(p + 2) | 0x20) !== 0x70 || text.charCodeAt(p + 3) !== 0x2f) return -1;
  let i = p + 4;
  const a = i;
  while (i < end && isDigit(text.charCodeAt(i))) i++;
  if (i === a || text.charCodeAt(i) !== 0x2e) return -1;
  const b = ++i;
  while (i < end && isDigit(text.charCodeAt(i))) i++;
  if (i === b) return -1;
  return i;
}

/** Whether bytes[at, at+7) spell "SIP/2.0" exactly (the version nearly every message has). */
function isSip20(bytes: Uint8Array, at: number): boolean {
  return (
    bytes[at] === 0x53 &&
    bytes[at + 1] === 0x49 &&
    bytes[at + 2] === 0x50 &&
    bytes[at + 3] === 0x2f &&
    bytes[at + 4] === 0x32 &&
    bytes[at + 5] === 0x2e &&
    bytes[at + 6] === 0x30
  );
}

function startLine(
  bytes: Uint8Array,
  text: string,
  s0: number,
  s1: number,
  f: number[] | undefined,
): SipRequest | SipResponse {
  // Fast path: "SIP/2.0 DDD reason" with a plain reason phrase.
  if (isSip20(bytes, s0) && bytes[s0 + 7] === 0x20 && s1 - s0 >= 12 && bytes[s0 + 11] === 0x20) {
    const d0 = (bytes[s0 + 8] as number) - 0x30;
    const d1 = (bytes[s0 + 9] as number) - 0x30;
    const d2 = (bytes[s0 + 10] as number) - 0x30;
    if (d0 >= 1 && d0 <= 6 && d1 >= 0 && d1 <= 9 && d2 >= 0 && d2 <= 9) {
      // A plain reason: printable ASCII or HTAB only (others take the checks below).
      let k = s0 + 12;
      while (k < s1) {
        const c = bytes[k] as number;
        if ((c < 0x20 && c !== 0x09) || c >= 0x7f) break;
        k++;
      }
      if (k === s1)
        return new SipResponse(d0 * 100 + d1 * 10 + d2, text.slice(s0 + 12, s1), 'SIP/2.0', bytes, text, f, s0, s1);
    }
  }
  const v = versionEnd(text, s0, s1);
  if (v >= 0 && text.charCodeAt(v) === 0x20) {
    // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase CRLF
    const version = text.slice(s0, v);
    const c = v + 1;
    if (!(isDigit(text.charCodeAt(c)) && isDigit(text.charCodeAt(c + 1)) && isDigit(text.charCodeAt(c + 2)))) {
      fail('INVALID_STATUS_CODE', 'expected a three-digit status code', c, text);
    }
    const status =
      (text.charCodeAt(c) - 0x30) * 100 + (text.charCodeAt(c + 1) - 0x30) * 10 + text.charCodeAt(c + 2) - 0x30;
    const after = c + 3;
    // A missing SP and empty phrase is tolerated; anything else glued to the code is not.
    if (after < s1 && text.charCodeAt(after) !== 0x20)
      fail('INVALID_STATUS_CODE', 'expected a three-digit status code', c, text);
    if (status < 100 || status > 699) fail('INVALID_STATUS_CODE', 'status code outside 100–699', c, text);
    let reason = after < s1 ? text.slice(after + 1, s1) : '';
    // Reason-Phrase = *(reserved / unreserved / escaped / UTF8-NONASCII / UTF8-CONT / SP / HTAB)
    let utf8 = false;
    for (let i = 0; i < reason.length; i++) {
      const ch = reason.charCodeAt(i);
      if (ch > 0x7f) utf8 = true;
      else if ((ch < 0x20 && ch !== 0x09) || ch === 0x7f) {
        fail('INVALID_START_LINE', 'control character in the reason phrase', after + 1 + i, text);
      }
    }
    if (utf8) reason = utf8Decode(bytes, after + 1, s1);
    return new SipResponse(status, reason, version, bytes, text, f, s0, s1);
  }
  // Request-Line = Method SP Request-URI SP SIP-Version CRLF, single SPs exactly (RFC 3261 §7.1;
  // RFC 4475 §3.1.2.7–9: extra or trailing white space is refused). The usual line is read from
  // the bytes; the checks below say what is wrong with any other.
  const fast = fastRequestLine(bytes, text, s0, s1, f);
  if (fast !== undefined) return fast;
  let i = s0;
  while (i < s1 && TOKEN[text.charCodeAt(i)] === 1) i++;
  if (i === s0) fail('INVALID_METHOD', 'expected a method token', s0, text);
  if (text.charCodeAt(i) !== 0x20)
    fail(i < s1 ? 'INVALID_METHOD' : 'INVALID_START_LINE', 'expected SP after the method', i, text);
  const method = text.slice(s0, i);
  const u0 = i + 1;
  let u1 = u0;
  while (u1 < s1 && text.charCodeAt(u1) > 0x20 && text.charCodeAt(u1) !== 0x7f) u1++;
  if (u1 === u0) fail('INVALID_REQUEST_URI', 'expected a Request-URI', u0, text);
  if (text.charCodeAt(u1) !== 0x20)
    fail(u1 < s1 ? 'INVALID_REQUEST_URI' : 'INVALID_START_LINE', 'expected SP after the Request-URI', u1, text);
  const uri = text.slice(u0, u1);
  // Request-URI = SIP-URI / SIPS-URI / absoluteURI: it starts with a scheme, never "<".
  if (schemeEnd(uri) < 0) fail('INVALID_REQUEST_URI', 'Request-URI must start with a scheme', u0, text);
  for (let k = 0; k < uri.length; k++) {
    if (uri.charCodeAt(k) > 0x7f) fail('INVALID_REQUEST_URI', 'non-ASCII octet in the Request-URI', u0 + k, text);
  }
  const ve = versionEnd(text, u1 + 1, s1);
  if (ve !== s1) fail('INVALID_VERSION', 'expected SIP-Version and CRLF after the Request-URI', u1 + 1, text);
  const version = text.slice(u1 + 1, s1);
  return new SipRequest(method, uri, version, bytes, text, f, s0, s1);
}

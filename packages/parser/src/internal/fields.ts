// The header-section scanner (RFC 3261 §7.3) and the layout of the flat header table it can fill.
//
// parseMessage runs it once to check every field and to note where the fields the typed
// accessors read most (Via, From, To, Call-ID, CSeq, Contact) and Content-Length are; the table
// of every field is built by a second run only when something asks for it (`get`, `fields`,
// `set`, `serialize` …), so a message read only through those accessors never allocates one.
import { SipParseError, type SipParseErrorCode } from '../errors.js';
import type { ParserLimits } from '../limits.js';
import * as chars from './chars.js';
import * as names from './names.js';

// Module constants, not imported bindings: V8 re-checks an imported binding on every read (it is
// live), which costs about a third of a table-driven byte loop.
const { isDigit, isWsp, TOKEN } = chars;
const { ENTRY_ID, ENTRY_LEN, H, matchKnownName } = names;

/**
 * Entry layout in the flat header table: STRIDE numbers per field.
 * - F_ID: header id + 1 (0 for a name the parser does not know), plus FOLDED when the value
 *   spans several lines;
 * - F_NS: where the name starts in the source text, or -1 for a field set through the API;
 * - F_VS, F_VE: the value's range (for an API field, F_VS indexes the name in the string table).
 * The name's end and the raw field's end are found again when needed, so parsing stores less.
 */
export const STRIDE = 4;
export const F_ID = 0;
export const F_NS = 1;
export const F_VS = 2;
export const F_VE = 3;
export const FOLDED = 1024;
/** The low bits of a table entry's id word: the header id + 1, or 0 for a name not known. */
export const ID_MASK = 1023;

/**
 * The headers whose first field the scan reports (ids 0 to HOT_COUNT - 1 in KNOWN_HEADER_NAMES:
 * Via, From, To, Call-ID, CSeq, Contact).
 */
export const HOT_COUNT = 6;
if (H.Via !== 0 || H.From !== 1 || H.To !== 2 || H.CallId !== 3 || H.CSeq !== 4 || H.Contact !== 5) {
  throw new Error('KNOWN_HEADER_NAMES must start with the hot headers');
}
/** In a hot slot's start: the header is absent. */
export const HOT_ABSENT = -1;
/** In a hot slot's start: read it through the header table (folded, repeated Contact, or changed). */
export const HOT_TABLE = -2;

/**
 * What the last scan found. [2·id, 2·id+1]: the value range of the first field of hot header
 * `id` (or HOT_ABSENT / HOT_TABLE in the start); then Content-Length (-1 when absent), the
 * number of fields, where the scan stopped, and the number of Via fields. One scan at a time (JavaScript is single
 * threaded and the scan calls nothing outside this package), read right after it returns.
 */
export const SCAN = new Int32Array(HOT_COUNT * 2 + 4);
export const SCAN_CL = HOT_COUNT * 2;
export const SCAN_COUNT = SCAN_CL + 1;
export const SCAN_END = SCAN_COUNT + 1;
/** The number of Via fields (not values: a field may hold several). */
export const SCAN_VIAS = SCAN_END + 1;

/** Limits that never bite, for scanning a header section again that was checked when parsed. */
export const NO_LIMITS: Readonly<ParserLimits> = Object.freeze({
  maxMessageSize: 0x3fffffff,
  maxHeaders: 0x3fffffff,
  maxLineLength: 0x3fffffff,
  maxVias: 0x3fffffff,
});

/** Throws a SipParseError quoting the line around `at` (so the message shows the bytes). */
export function fail(code: SipParseErrorCode, reason: string, at: number, text?: string, header?: string): never {
  let excerpt: string | undefined;
  if (text !== undefined) {
    const from = text.lastIndexOf('\n', at - 1) + 1;
    const to = text.indexOf('\r', at);
    excerpt = text.slice(from, to < 0 ? text.length : to);
  }
  throw new SipParseError(code, reason, at, header, excerpt);
}

/**
 * Scans the header fields from `p` (just after the start line) to the empty line, checking each
 * against RFC 3261 §7.3 and the limits; reports into {@link SCAN}, and appends STRIDE numbers
 * per field to `out` when one is given.
 *
 * @returns the offset just past the empty line, or -1 when the bytes end first
 *   (SCAN[SCAN_END] then says where)
 */
export function scanFields(
  bytes: Uint8Array,
  text: string,
  p: number,
  end: number,
  limits: ParserLimits,
  out: number[] | undefined,
): number {
  const scan = SCAN;
  for (let h = 0; h < HOT_COUNT * 2; h += 2) scan[h] = HOT_ABSENT;
  const maxLine = limits.maxLineLength;
  const maxFields = limits.maxHeaders;
  let n = 0;
  let contentLength = -1;
  let vias = 0;
  // The first byte of each line (read once: the previous line's fold check loads it too).
  let c = bytes[p] as number;
  for (;;) {
    if (p >= end) {
      // The bytes ended inside the header section (RFC 4475 baddn's archive copy).
      scan[SCAN_COUNT] = n;
      scan[SCAN_END] = p;
      return -1;
    }
    if (c === 0x0d) {
      if ((bytes[p + 1] as number) !== 0x0a) fail('BARE_LF', 'CR without LF', p, text);
      p += 2;
      break;
    }
    if (c === 0x0a) fail('BARE_LF', 'line ends in LF without CR', p, text);
    if (isWsp(c)) fail('UNEXPECTED_FOLDING', 'continuation line with no header before it', p, text);
    // RFC 3261 §7.3.1: field-name is a token; a known one is recognised as it is checked.
    const ns = p;
    const e = matchKnownName(bytes, ns, end);
    let id = -1;
    if (e >= 0) {
      id = ENTRY_ID[e] as number;
      p += ENTRY_LEN[e] as number;
    } else while (p < end && TOKEN[bytes[p] as number] === 1) p++;
    const ne = p;
    if (ne === ns) fail('INVALID_HEADER_NAME', 'expected a header name', ns, text);
    c = bytes[p] as number;
    while (c === 0x20 || c === 0x09) c = bytes[++p] as number;
    if (c !== 0x3a) {
      fail(
        p < end && c !== 0x0d && c !== 0x0a && p === ne ? 'INVALID_HEADER_NAME' : 'MISSING_COLON',
        'expected ":" after the header name',
        p,
        text,
      );
    }
    c = bytes[++p] as number;
    let folded = 0;
    // Leading LWS, possibly folded onto the next line ("TO :" CRLF SP "sip:…").
    for (;;) {
      if (c === 0x20 || c === 0x09) c = bytes[++p] as number;
      else if (c === 0x0d && (bytes[p + 1] as number) === 0x0a && isWsp(bytes[p + 2] as number)) {
        folded = FOLDED;
        p += 3;
        c = bytes[p] as number;
      } else break;
    }
    const vs = p;
    // Find the last CRLF of the field: a CRLF followed by SP or HTAB is folding (§7.3.1).
    let lineStart = ns;
    let lf: number;
    for (;;) {
      lf = text.indexOf('\n', p);
      if (lf < 0 || lf >= end) {
        lf = end; // last line cut off: the next turn of the outer loop reports it
        break;
      }
      if ((bytes[lf - 1] as number) !== 0x0d) fail('BARE_LF', 'line ends in LF without CR', lf, text);
      if (lf - lineStart > maxLine) {
        fail('LINE_TOO_LONG', `header line longer than ${maxLine} bytes`, lineStart, undefined, text.slice(ns, ne));
      }
      c = bytes[lf + 1] as number;
      if (c !== 0x20 && c !== 0x09) break;
      folded = FOLDED;
      p = lf + 1;
      lineStart = p;
    }
    if (lf === end && lf - lineStart > maxLine)
      fail('LINE_TOO_LONG', `header line longer than ${maxLine} bytes`, lineStart);
    let ve = lf === end ? end : lf - 1;
    // Trailing LWS is not part of the value, folded or not (§7.3.1, §25.1 header-value).
    for (;;) {
      const t = bytes[ve - 1] as number;
      if (ve > vs && (t === 0x20 || t === 0x09 || t === 0x0a || t === 0x0d)) ve--;
      else break;
    }
    if (n >= maxFields) fail('TOO_MANY_HEADERS', `more than ${maxFields} header fields`, ns);
    if (out !== undefined) {
      // Stores in order, at the end: each appends (no push call, no arguments object).
      const o = n * STRIDE;
      out[o] = id + 1 + folded;
      out[o + 1] = ns;
      out[o + 2] = vs;
      out[o + 3] = ve;
    }
    n++;
    if (id >= 0 && id < HOT_COUNT) {
      const at = id * 2;
      if (scan[at] === HOT_ABSENT) {
        scan[at] = folded === 0 ? vs : HOT_TABLE;
        scan[at + 1] = ve;
      } else if (id === H.Contact) scan[at] = HOT_TABLE; // several Contact fields: gather them all
      if (id === H.Via && ++vias > limits.maxVias) fail('TOO_MANY_VIAS', `more than ${limits.maxVias} Via fields`, ns);
    } else if (id === H.ContentLength) {
      const v = contentLengthValue(text, vs, ve, limits.maxMessageSize);
      // RFC 4475 §3.1.2.15 (mcl01): two different lengths make framing impossible.
      if (contentLength >= 0 && v !== contentLength) {
        fail('CONFLICTING_CONTENT_LENGTH', 'two different Content-Length values', ns, text, 'Content-Length');
      }
      contentLength = v;
    }
    p = lf === end ? end : lf + 1;
  }
  scan[SCAN_CL] = contentLength;
  scan[SCAN_COUNT] = n;
  scan[SCAN_END] = p;
  scan[SCAN_VIAS] = vias;
  return p;
}

function contentLengthValue(text: string, vs: number, ve: number, max: number): number {
  // RFC 3261 §20.14: Content-Length = 1*DIGIT. Never used as a count before it is checked.
  if (vs === ve) fail('INVALID_CONTENT_LENGTH', 'empty Content-Length', vs, text, 'Content-Length');
  let n = 0;
  for (let i = vs; i < ve; i++) {
    const c = text.charCodeAt(i);
    if (!isDigit(c)) fail('INVALID_CONTENT_LENGTH', 'Content-Length must be digits', i, text, 'Content-Length');
    n = n * 10 + (c - 0x30);
    if (n > max) fail('INVALID_CONTENT_LENGTH', `Content-Length above ${max}`, vs, text, 'Content-Length');
  }
  return n;
}

import { MediaDescription, SessionDescription } from './description.js';
import { SdpParseError, type SdpParseErrorCode } from './errors.js';
import {
  checkAttribute,
  fail,
  parseBandwidth,
  parseConnection,
  parseMediaLine,
  parseOrigin,
  parseRepeat,
  parseTiming,
  parseZone,
} from './internal/grammar.js';
import { MEDIA_RANK, SESSION_RANK, Z_RANK } from './internal/order.js';
import type { SdpLine } from './types.js';

/**
 * Options of {@link parseSdp}.
 *
 * @public
 */
export interface ParseSdpOptions {
  /**
   * What to do with a line whose type letter RFC 8866 does not define (`y=`, `f=` of some
   * surveillance cameras). `'reject'` follows RFC 8866 §5: a description with such a line is
   * ignored as a whole, so parsing throws `UNKNOWN_TYPE`. `'keep'` keeps the line in place, in
   * the section where it stands, outside the order checks; it serialises as it came.
   *
   * @defaultValue `'reject'`
   */
  readonly unknownLines?: 'reject' | 'keep';
}

const KNOWN = 'vosiuepcbtrzkam';

/** Types allowed once per section (v, o, s are checked by position). */
const ONCE = new Set(['i', 'u', 'c', 'k']);
const ONCE_MEDIA = new Set(['i', 'k']);

const NAMES: Readonly<Record<string, string>> = {
  v: 'v= (version)',
  o: 'o= (origin)',
  s: 's= (session name)',
  t: 't= (timing)',
};

/** @returns the text; bytes that are not UTF-8 throw INVALID_ENCODING with their line. */
function decode(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    const lenient = new TextDecoder('utf-8', { ignoreBOM: true });
    let start = 0;
    for (let n = 1; ; n++) {
      let end = bytes.indexOf(0x0a, start);
      if (end < 0) end = bytes.length;
      const chunk = bytes.subarray(start, end);
      try {
        new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(chunk);
      } catch {
        throw new SdpParseError('INVALID_ENCODING', 'not UTF-8', n, lenient.decode(chunk));
      }
      start = end + 1;
    }
  }
}

/**
 * Parses a session description (RFC 8866).
 *
 * Strict where RFC 8866 §5 and §9 are: `v=0` first, then `o=` and `s=`, at least one `t=`,
 * every line in the order of §5, the grammars of the `o=`, `c=`, `b=`, `t=`, `r=`, `z=` and
 * `m=` lines, attribute names that are tokens, and a `c=` line at session level or in every
 * media section. Tolerant where §5 asks it to be: lines may end with a bare LF and the last
 * line may lack its line end ({@link SessionDescription.exactLineEnds} tells). Text fields
 * (`s=`, `i=`, `u=`, `e=`, `p=`, `k=`) and attribute values are taken as written; typed
 * accessors check attribute grammars when they read them.
 *
 * Every line is kept as it came, so `serializeSdp(parseSdp(text)) === text` for any CRLF text
 * that parses.
 *
 * @param input - SDP text, or its bytes (UTF-8, the default charset of RFC 8866 §5)
 * @param options - see {@link ParseSdpOptions}
 * @returns the session description
 * @throws {@link SdpParseError} when the input is not SDP; never anything else
 *
 * @public
 */
export function parseSdp(input: string | Uint8Array, options: ParseSdpOptions = {}): SessionDescription {
  const text = typeof input === 'string' ? input : decode(input);
  if (text === '') throw new SdpParseError('EMPTY', 'empty session description', 1, '');
  const keep = options.unknownLines === 'keep';

  // Split into lines (RFC 8866 §5: CRLF, and parsers SHOULD accept a bare LF).
  const lines: SdpLine[] = [];
  let exact = true;
  let start = 0;
  let n = 0;
  while (start < text.length) {
    n++;
    let end = text.indexOf('\n', start);
    let raw: string;
    if (end < 0) {
      raw = text.slice(start);
      end = text.length;
      exact = false;
    } else if (end > start && text.charCodeAt(end - 1) === 13) {
      raw = text.slice(start, end - 1);
    } else {
      raw = text.slice(start, end);
      exact = false;
    }
    start = end + 1;
    if (raw === '') throw new SdpParseError('INVALID_LINE', 'empty line', n, raw);
    if (raw.length < 2 || raw.charCodeAt(1) !== 61 /* = */) {
      throw new SdpParseError('INVALID_LINE', 'a line must be <type>=<value>', n, raw);
    }
    // RFC 8866 §9 byte-string: no NUL, no CR, no LF inside a value.
    if (raw.includes('\r')) throw new SdpParseError('INVALID_LINE', 'CR without LF inside a line', n, raw);
    if (raw.includes('\0')) throw new SdpParseError('INVALID_LINE', 'NUL inside a line', n, raw);
    const type = raw[0] as string;
    if (!KNOWN.includes(type)) {
      if (!/^[A-Za-z]$/.test(type)) throw new SdpParseError('INVALID_LINE', 'the type must be a letter', n, raw);
      if (!keep) throw new SdpParseError('UNKNOWN_TYPE', `unknown line type ${type}=`, n, raw);
    }
    lines.push({ type, value: raw.slice(2), lineNumber: n });
  }

  const present = new Set(lines.map((l) => l.type));
  const session: SdpLine[] = [];
  const media: SdpLine[][] = [];
  let current = session;
  let known = 0; // known-type lines seen at session level
  let lastRank = -1;
  let prevType = '';
  let timing = false;
  const seen = new Set<string>();

  /** A required line is missing where `line` stands: out of order if it is elsewhere. */
  const missing = (type: string, code: SdpParseErrorCode, line: SdpLine): never => {
    if (present.has(type)) fail('LINE_ORDER', `${NAMES[type]} out of order`, line);
    fail(code, `${NAMES[type]} missing`, line);
  };

  for (const line of lines) {
    const { type } = line;
    if (!KNOWN.includes(type)) {
      if (known === 0) fail('MISSING_VERSION', 'the first line must be v=0', line);
      current.push(line); // kept unknown line, outside the order checks
      continue;
    }
    if (current === session && type !== 'm') {
      // RFC 8866 §5: v=, o=, s= come first, in this order, once each.
      if (known === 0 && type !== 'v') fail('MISSING_VERSION', 'the first line must be v=0', line);
      if (known === 1 && type !== 'o') missing('o', 'MISSING_ORIGIN', line);
      if (known === 2 && type !== 's') missing('s', 'MISSING_SESSION_NAME', line);
      if (known > 2 && (type === 'v' || type === 'o' || type === 's')) {
        fail('DUPLICATE_LINE', `a second ${type}= line`, line);
      }
      if (ONCE.has(type) && seen.has(type)) fail('DUPLICATE_LINE', `a second ${type}= line at session level`, line);
      const rank = SESSION_RANK[type] as number;
      if (type === 't') {
        // RFC 8866 §9: 1*time-description, after b= and before k= and a=.
        if (lastRank > Z_RANK) fail('LINE_ORDER', 't= after k= or a=', line);
      } else if (type === 'r') {
        if (prevType !== 't' && prevType !== 'r') fail('LINE_ORDER', 'r= must follow t= or r=', line);
      } else if (type === 'z') {
        // RFC 8866 §9 puts z= after the r= lines of a time description; RFC 4566 after the
        // t= lines without r=. Both are accepted; one z= per time description.
        if (prevType === 'z') fail('DUPLICATE_LINE', 'a second z= line', line);
        if (prevType !== 't' && prevType !== 'r') fail('LINE_ORDER', 'z= must follow t= or r=', line);
      } else {
        if (rank > Z_RANK && !timing) missing('t', 'MISSING_TIMING', line);
        if (rank < lastRank) fail('LINE_ORDER', `${type}= out of order at session level`, line);
      }
      checkGrammar(line);
      if (type === 't') timing = true;
      seen.add(type);
      known++;
      lastRank = rank;
      prevType = type;
      session.push(line);
      continue;
    }
    if (type === 'm') {
      if (current === session) {
        if (known === 0) fail('MISSING_VERSION', 'the first line must be v=0', line);
        if (known === 1) missing('o', 'MISSING_ORIGIN', line);
        if (known === 2) missing('s', 'MISSING_SESSION_NAME', line);
        if (!timing) missing('t', 'MISSING_TIMING', line);
      }
      checkGrammar(line);
      current = [line];
      media.push(current);
      seen.clear();
      lastRank = 0;
      continue;
    }
    // RFC 8866 §5: a media description holds m=, i=, c=, b=, k=, a= in this order.
    const rank = MEDIA_RANK[type];
    if (rank === undefined) fail('LINE_ORDER', `${type}= is not allowed in a media description`, line);
    if (ONCE_MEDIA.has(type) && seen.has(type))
      fail('DUPLICATE_LINE', `a second ${type}= line in a media description`, line);
    if (rank < lastRank) fail('LINE_ORDER', `${type}= out of order in a media description`, line);
    checkGrammar(line);
    seen.add(type);
    lastRank = rank;
    current.push(line);
  }

  if (current === session) {
    const atEnd = (code: SdpParseErrorCode, what: string): never => {
      throw new SdpParseError(code, `${what} missing`, n + 1, '');
    };
    if (known < 2) atEnd('MISSING_ORIGIN', NAMES.o as string);
    if (known < 3) atEnd('MISSING_SESSION_NAME', NAMES.s as string);
    if (!timing) atEnd('MISSING_TIMING', NAMES.t as string);
  }

  // RFC 8866 §5.7: a c= line at session level or in every media description.
  if (!session.some((l) => l.type === 'c')) {
    for (const m of media) {
      if (!m.some((l) => l.type === 'c')) {
        fail('MISSING_CONNECTION', 'no c= line in this media description nor at session level', m[0] as SdpLine);
      }
    }
  }

  return new SessionDescription(
    session,
    media.map((m) => new MediaDescription(m)),
    exact,
  );
}

function checkGrammar(line: SdpLine): void {
  switch (line.type) {
    case 'v':
      // RFC 8866 §5.1: this memo describes version 0.
      if (line.value !== '0') fail('INVALID_VERSION', 'v= must be 0', line);
      break;
    case 'o':
      parseOrigin(line);
      break;
    case 'c':
      parseConnection(line);
      break;
    case 'b':
      parseBandwidth(line);
      break;
    case 't':
      parseTiming(line);
      break;
    case 'r':
      parseRepeat(line);
      break;
    case 'z':
      parseZone(line);
      break;
    case 'm':
      parseMediaLine(line);
      break;
    case 'a':
      checkAttribute(line);
      break;
  }
}

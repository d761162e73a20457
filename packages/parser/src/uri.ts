import { SipParseError } from './errors.js';
import {
  HNVCHAR,
  HOST,
  hexValue,
  isAlpha,
  isDigit,
  isHex,
  PARAMCHAR,
  PASSWORD,
  SCHEME,
  USER,
} from './internal/chars.js';
import { splitParamText } from './internal/fast-util.js';
import { isIpv4, isIpv6 } from './internal/ip.js';
import { utf8Encode } from './internal/text.js';
import { Params } from './params.js';

/**
 * A `sip:` or `sips:` URI (RFC 3261 §19.1). Text fields are unescaped; `raw` keeps the URI as
 * written so that forwarding it changes nothing.
 *
 * @public
 */
export interface SipUri {
  /** Discriminant. */
  readonly kind: 'sip';
  /** `'sip'` or `'sips'`, lower case. */
  readonly scheme: 'sip' | 'sips';
  /** User part, unescaped (`%00` stays a NUL character). */
  readonly user?: string | undefined;
  /** Password, unescaped. */
  readonly password?: string | undefined;
  /** Host as written: a domain name, an IPv4 address, or an IPv6 reference in brackets. */
  readonly host: string;
  /** What kind of host this is. */
  readonly hostType: 'domain' | 'ipv4' | 'ipv6';
  /** Port, when the URI has one. */
  readonly port?: number | undefined;
  /** uri-parameters, unescaped. */
  readonly params: Params;
  /** URI headers (`?name=value&…`), unescaped. */
  readonly headers: Params;
  /** The URI as written, when it came from parsing. */
  readonly raw?: string;
}

/**
 * A `tel:` URI (RFC 3966).
 *
 * @public
 */
export interface TelUri {
  /** Discriminant. */
  readonly kind: 'tel';
  /** Always `'tel'`. */
  readonly scheme: 'tel';
  /** The number as written, visual separators included. */
  readonly number: string;
  /** Whether the number is global (starts with `+`). */
  readonly global: boolean;
  /** Parameters (`ext`, `isub`, `phone-context`, …). */
  readonly params: Params;
  /** The URI as written, when it came from parsing. */
  readonly raw?: string;
}

/**
 * Any other absolute URI, kept opaque.
 *
 * @public
 */
export interface AbsoluteUri {
  /** Discriminant. */
  readonly kind: 'absolute';
  /** Scheme in lower case. */
  readonly scheme: string;
  /** Everything after the colon, as written. */
  readonly opaque: string;
  /** The URI as written. */
  readonly raw?: string;
}

/**
 * Any URI the parser understands.
 *
 * @public
 */
export type Uri = SipUri | TelUri | AbsoluteUri;

function uriError(reason: string, at: number, input: string, header?: string): never {
  throw new SipParseError('INVALID_URI', reason, at, header, input);
}

/**
 * Parses a URI: `sip`, `sips` and `tel` are structured, any other scheme is kept opaque.
 *
 * @param text - the URI, without angle brackets
 * @param header - header name to report in errors
 * @throws {@link SipParseError} with code `INVALID_URI`
 * @public
 */
export function parseUri(text: string, header?: string): Uri {
  const colon = schemeEnd(text);
  if (colon < 0) uriError('expected scheme ":"', 0, text, header);
  const scheme = text.slice(0, colon).toLowerCase();
  if (scheme === 'sip' || scheme === 'sips') return parseSip(text, scheme, colon + 1, header);
  if (scheme === 'tel') return parseTel(text, colon + 1, header);
  for (let i = colon + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f || c === 0x3c || c === 0x3e || c === 0x22) {
      uriError('unexpected character in URI', i, text, header);
    }
  }
  if (colon + 1 >= text.length) uriError('empty URI after scheme', colon + 1, text, header);
  return { kind: 'absolute', scheme, opaque: text.slice(colon + 1), raw: text };
}

/** Offset of the scheme's colon, or -1 when `text` does not start with `scheme ":"`. */
export function schemeEnd(text: string): number {
  if (text.length === 0 || !isAlpha(text.charCodeAt(0))) return -1;
  let i = 1;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x3a) return i;
    if (c > 0x7f || SCHEME[c] !== 1) return -1;
    i++;
  }
  return -1;
}

/** Unescapes %HH runs of s[from, to) after checking every char against `table`. */
function unescapeRun(s: string, from: number, to: number, table: Uint8Array, what: string, header?: string): string {
  let escaped = false;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      if (i + 2 >= to || !isHex(s.charCodeAt(i + 1)) || !isHex(s.charCodeAt(i + 2))) {
        uriError(`bad escape in ${what}`, i, s, header);
      }
      escaped = true;
      i += 2;
      continue;
    }
    if (c > 0x7f || table[c] !== 1) uriError(`unexpected character in ${what}`, i, s, header);
  }
  if (!escaped) return s.slice(from, to);
  // %HH are octets; together they spell UTF-8 (RFC 3261 §19.1.2, RFC 3986 §2.1).
  const bytes: number[] = [];
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      bytes.push(hexValue(s.charCodeAt(i + 1)) * 16 + hexValue(s.charCodeAt(i + 2)));
      i += 2;
    } else bytes.push(c);
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

// The common shape — user@host:port;params with no escapes, password or headers — in one linear
// regex; the host is still checked below. Anything else takes the general path.
const SIP_FAST =
  /^(?:([A-Za-z0-9\-_.!~*'()&=+$,;?/]+)@)?([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::([0-9]{1,5}))?((?:;[A-Za-z0-9\-_.!~*'()[\]/:&+$]+(?:=[A-Za-z0-9\-_.!~*'()[\]/:&+$]+)?)*)$/;

function fastSip(s: string, scheme: 'sip' | 'sips', start: number): SipUri | undefined {
  const m = SIP_FAST.exec(s.slice(start));
  if (m === null) return undefined;
  const host = m[2] as string;
  let hostType: SipUri['hostType'];
  if (host.charCodeAt(0) === 0x5b) {
    if (!isIpv6(host, 1, host.length - 1)) return undefined;
    hostType = 'ipv6';
  } else if (isIpv4(host, 0, host.length)) hostType = 'ipv4';
  else if (isHostname(host, 0, host.length)) hostType = 'domain';
  else return undefined;
  const port = m[3] === undefined ? undefined : Number(m[3]);
  if (port !== undefined && port > 65535) return undefined;
  const paramText = m[4] as string;
  // Every SipUri is made with the same keys in the same order: one object shape for V8.
  return {
    kind: 'sip',
    scheme,
    user: m[1],
    password: undefined,
    host,
    hostType,
    port,
    params: paramText.length === 0 ? NO_URI_PARAMS : splitParamText(paramText),
    headers: NO_URI_PARAMS,
    raw: s,
  };
}

const NO_URI_PARAMS = new Params();

function parseSip(s: string, scheme: 'sip' | 'sips', start: number, header?: string): SipUri {
  const fast = fastSip(s, scheme, start);
  if (fast !== undefined) return fast;
  let i = start;
  let user: string | undefined;
  let password: string | undefined;
  // userinfo ends at the only unescaped "@": neither params nor headers may hold a bare "@".
  const at = s.indexOf('@', start);
  if (at >= 0) {
    const colon = s.indexOf(':', start);
    const userEnd = colon >= 0 && colon < at ? colon : at;
    if (userEnd === start) uriError('empty user part', start, s, header);
    user = unescapeRun(s, start, userEnd, USER, 'user part', header);
    if (userEnd < at) password = unescapeRun(s, userEnd + 1, at, PASSWORD, 'password', header);
    i = at + 1;
  }
  // host
  const hostStart = i;
  let hostType: SipUri['hostType'];
  if (s.charCodeAt(i) === 0x5b) {
    const close = s.indexOf(']', i);
    if (close < 0) uriError('expected "]"', i, s, header);
    if (!isIpv6(s, i + 1, close)) uriError('bad IPv6 reference', i, s, header);
    i = close + 1;
    hostType = 'ipv6';
  } else {
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (c > 0x7f || HOST[c] !== 1) break;
      i++;
    }
    if (i === hostStart) uriError('expected host', i, s, header);
    hostType = isIpv4(s, hostStart, i) ? 'ipv4' : 'domain';
    if (hostType === 'domain' && !isHostname(s, hostStart, i)) uriError('bad host name', hostStart, s, header);
  }
  const host = s.slice(hostStart, i);
  let port: number | undefined;
  if (s.charCodeAt(i) === 0x3a) {
    const p = ++i;
    while (i < s.length && isDigit(s.charCodeAt(i))) i++;
    if (i === p || i - p > 5) uriError('bad port', p, s, header);
    port = Number(s.slice(p, i));
    if (port > 65535) uriError('port out of range', p, s, header);
  }
  const params: (string | null)[] = [];
  while (s.charCodeAt(i) === 0x3b) {
    const n = ++i;
    while (i < s.length && s.charCodeAt(i) !== 0x3d && s.charCodeAt(i) !== 0x3b && s.charCodeAt(i) !== 0x3f) i++;
    if (i === n) uriError('empty URI parameter', n, s, header);
    params.push(unescapeRun(s, n, i, PARAMCHAR, 'URI parameter', header));
    if (s.charCodeAt(i) === 0x3d) {
      const v = ++i;
      while (i < s.length && s.charCodeAt(i) !== 0x3b && s.charCodeAt(i) !== 0x3f) i++;
      if (i === v) uriError('empty URI parameter value', v, s, header);
      params.push(unescapeRun(s, v, i, PARAMCHAR, 'URI parameter value', header));
    } else params.push(null);
  }
  const headers: (string | null)[] = [];
  if (s.charCodeAt(i) === 0x3f) {
    do {
      const n = ++i;
      while (i < s.length && s.charCodeAt(i) !== 0x3d && s.charCodeAt(i) !== 0x26) i++;
      if (i === n || s.charCodeAt(i) !== 0x3d) uriError('expected URI header name "="', i, s, header);
      headers.push(unescapeRun(s, n, i, HNVCHAR, 'URI header name', header));
      const v = ++i;
      while (i < s.length && s.charCodeAt(i) !== 0x26) i++;
      headers.push(unescapeRun(s, v, i, HNVCHAR, 'URI header value', header));
    } while (s.charCodeAt(i) === 0x26);
  }
  if (i !== s.length) uriError('unexpected character in URI', i, s, header);
  return {
    kind: 'sip',
    scheme,
    user,
    password,
    host,
    hostType,
    port,
    params: new Params(params),
    headers: new Params(headers),
    raw: s,
  };
}

function isHostname(s: string, from: number, to: number): boolean {
  // RFC 3261 §25.1: domainlabel = alphanum / alphanum *( alphanum / "-" ) alphanum
  let label = from;
  for (let i = from; i <= to; i++) {
    if (i === to || s.charCodeAt(i) === 0x2e) {
      if (i === label) return i === to && i > from; // a trailing dot is allowed
      if (s.charCodeAt(label) === 0x2d || s.charCodeAt(i - 1) === 0x2d) return false;
      label = i + 1;
    }
  }
  return true;
}

function parseTel(s: string, start: number, header?: string): TelUri {
  let i = start;
  while (i < s.length && s.charCodeAt(i) !== 0x3b) i++;
  const number = s.slice(start, i);
  if (number.length === 0) uriError('empty telephone number', start, s, header);
  const global = number.charCodeAt(0) === 0x2b;
  // RFC 3966 §3: phonedigit = DIGIT / visual-separator; local numbers also allow HEXDIG * #
  for (let k = global ? 1 : 0; k < number.length; k++) {
    const c = number.charCodeAt(k);
    const ok =
      isDigit(c) ||
      c === 0x2d ||
      c === 0x2e ||
      c === 0x28 ||
      c === 0x29 ||
      (!global && (isHex(c) || c === 0x2a || c === 0x23));
    if (!ok) uriError('bad telephone number', start + k, s, header);
  }
  const params: (string | null)[] = [];
  while (s.charCodeAt(i) === 0x3b) {
    const n = ++i;
    while (i < s.length && s.charCodeAt(i) !== 0x3d && s.charCodeAt(i) !== 0x3b) i++;
    if (i === n) uriError('empty tel parameter', n, s, header);
    params.push(unescapeRun(s, n, i, PARAMCHAR, 'tel parameter', header));
    if (s.charCodeAt(i) === 0x3d) {
      const v = ++i;
      while (i < s.length && s.charCodeAt(i) !== 0x3b) i++;
      params.push(unescapeRun(s, v, i, PARAMCHAR, 'tel parameter value', header));
    } else params.push(null);
  }
  return { kind: 'tel', scheme: 'tel', number, global, params: new Params(params), raw: s };
}

// ---------------------------------------------------------------------------------------------
// Formatting

const HEX = '0123456789ABCDEF';

function escapeRun(s: string, table: Uint8Array): string {
  let plain = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f || table[c] !== 1) {
      plain = false;
      break;
    }
  }
  if (plain) return s;
  let out = '';
  for (const b of utf8Encode(s)) {
    out += b <= 0x7f && table[b] === 1 ? String.fromCharCode(b) : `%${HEX[b >> 4]}${HEX[b & 15]}`;
  }
  return out;
}

function formatParams(p: Params, lead: string, sep: string, table: Uint8Array): string {
  let out = '';
  let first = true;
  for (const [k, v] of p) {
    out += first ? lead : sep;
    first = false;
    out += escapeRun(k, table);
    if (v !== null) out += `=${escapeRun(v, table)}`;
  }
  return out;
}

/**
 * Renders a URI. A parsed URI comes back exactly as written (`raw`); a built one is escaped as
 * RFC 3261 §19.1.2 requires.
 *
 * @param uri - the URI
 * @returns its text form
 * @public
 */
export function formatUri(uri: Uri): string {
  if (uri.raw !== undefined) return uri.raw;
  if (uri.kind === 'absolute') return `${uri.scheme}:${uri.opaque}`;
  if (uri.kind === 'tel') return `tel:${uri.number}${formatParams(uri.params, ';', ';', PARAMCHAR)}`;
  let out = `${uri.scheme}:`;
  if (uri.user !== undefined) {
    out += escapeRun(uri.user, USER);
    if (uri.password !== undefined) out += `:${escapeRun(uri.password, PASSWORD)}`;
    out += '@';
  }
  out += uri.host;
  if (uri.port !== undefined) out += `:${uri.port}`;
  out += formatParams(uri.params, ';', ';', PARAMCHAR);
  out += formatParams(uri.headers, '?', '&', HNVCHAR);
  return out;
}

/**
 * Builds a SIP URI from its parts (no `raw`, so {@link formatUri} renders and escapes it).
 *
 * @param parts - host is required; params and headers default to empty
 * @public
 */
export function sipUri(parts: {
  scheme?: 'sip' | 'sips';
  user?: string;
  password?: string;
  host: string;
  port?: number;
  params?: Params | Record<string, string | null>;
  headers?: Params | Record<string, string | null>;
}): SipUri {
  const toParams = (p: Params | Record<string, string | null> | undefined): Params =>
    p === undefined ? new Params() : p instanceof Params ? p : Params.from(p);
  const host = parts.host;
  const bare = host.startsWith('[') ? host.slice(1, -1) : host;
  const hostType: SipUri['hostType'] = host.startsWith('[')
    ? 'ipv6'
    : isIpv4(host, 0, host.length)
      ? 'ipv4'
      : bare.includes(':')
        ? 'ipv6'
        : 'domain';
  const uri: { -readonly [K in keyof SipUri]: SipUri[K] } = {
    kind: 'sip',
    scheme: parts.scheme ?? 'sip',
    host: hostType === 'ipv6' && !host.startsWith('[') ? `[${host}]` : host,
    hostType,
    params: toParams(parts.params),
    headers: toParams(parts.headers),
  };
  if (parts.user !== undefined) uri.user = parts.user;
  if (parts.password !== undefined) uri.password = parts.password;
  if (parts.port !== undefined) uri.port = parts.port;
  return uri;
}

// ---------------------------------------------------------------------------------------------
// Equality, RFC 3261 §19.1.4

const SIGNIFICANT = ['user', 'ttl', 'method', 'maddr', 'transport'];

function sameParam(a: string | null | undefined, b: string | null | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null) return false;
  return a.toLowerCase() === b.toLowerCase();
}

/**
 * URI equality as RFC 3261 §19.1.4 defines it for SIP and SIPS URIs (tel per RFC 3966 §4,
 * other schemes by exact text with a case-insensitive scheme).
 *
 * @param a - first URI
 * @param b - second URI
 * @public
 */
export function uriEquals(a: Uri, b: Uri): boolean {
  if (a.kind !== b.kind || a.scheme !== b.scheme) return false;
  if (a.kind === 'absolute') return a.opaque === (b as AbsoluteUri).opaque;
  if (a.kind === 'tel') {
    const t = b as TelUri;
    // RFC 3966 §4: visual separators are ignored; parameters must match as a set.
    const digits = (n: string) => n.replace(/[-.()]/g, '').toLowerCase();
    if (digits(a.number) !== digits(t.number) || a.params.size !== t.params.size) return false;
    for (const [k, v] of a.params) if (!sameParam(v, t.params.get(k))) return false;
    return true;
  }
  const s = b as SipUri;
  // userinfo is case-sensitive, host is not; an absent port is not the default port.
  if (a.user !== s.user || a.password !== s.password) return false;
  if (a.host.toLowerCase() !== s.host.toLowerCase() || a.port !== s.port) return false;
  for (const name of SIGNIFICANT) {
    if (!sameParam(a.params.get(name), s.params.get(name))) return false;
  }
  // Other parameters are compared only when both sides carry them.
  for (const [k, v] of a.params) {
    const w = s.params.get(k);
    if (w !== undefined && !sameParam(v, w)) return false;
  }
  // Headers: all must be present on both sides and equal.
  if (a.headers.size !== s.headers.size) return false;
  for (const [k, v] of a.headers) {
    const w = s.headers.get(k);
    if (w === undefined || v !== w) return false;
  }
  return true;
}

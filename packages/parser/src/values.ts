// Typed header values (RFC 3261 §20 and companions) and their parsers.
import { SipParseError } from './errors.js';
import * as chars from './internal/chars.js';
import { Cursor } from './internal/cursor.js';
import { fastSipUriBytes } from './internal/fast-uri.js';
import { paramValue, splitParamText } from './internal/fast-util.js';
import { NO_PARAMS, Params, paramText, quote } from './params.js';
import { formatUri, parseUri, type Uri } from './uri.js';

// Module constants, not imported bindings: V8 re-checks an imported binding on every read (it is
// live), which costs about a third of a table-driven byte loop.
const { isDigit, isToken, isWsp, TOKEN, WORD } = chars;

const WS_OR_CTL = /[\x00-\x20]/;

/** RFC 3261 §25.1 token, as a whole string. */
const TOKEN_RE = /^[A-Za-z0-9.!%*_+`'~-]+$/;

/** Largest delta-seconds value; longer values are clamped (RFC 3261 §20.19 bounds Expires). */
const MAX_DELTA = 0xffffffff;

/** Reads 1*DIGIT as a number; returns -1 past `max` without ever overflowing. */
function digitsAt(c: Cursor, max: number, what: string): number {
  const from = c.i;
  let n = 0;
  let big = false;
  while (c.i < c.end) {
    const ch = c.s.charCodeAt(c.i);
    if (!isDigit(ch)) break;
    if (!big) {
      n = n * 10 + (ch - 0x30);
      if (n > max) big = true;
    }
    c.i++;
  }
  if (c.i === from) c.fail(what);
  return big ? -1 : n;
}

/** Generic params after a value: *( SEMI generic-param ), stopping at COMMA or the end. */
function genericParams(c: Cursor): Params {
  let flat: (string | null)[] | undefined;
  for (;;) {
    const save = c.i;
    c.ws();
    if (c.peek() !== 0x3b) {
      c.i = save;
      break;
    }
    c.i++;
    c.ws();
    const name = c.token('a parameter name');
    let value: string | null = null;
    if (c.sep(0x3d)) value = c.genValue();
    if (flat === undefined) flat = [];
    flat.push(name, value);
  }
  return flat === undefined ? NO_PARAMS : new Params(flat);
}

/** After one list element: end of value, or COMMA and more. Returns true when more follow. */
function listNext(c: Cursor, what: string): boolean {
  c.ws();
  if (c.atEnd()) return false;
  if (c.peek() !== 0x2c) c.fail(`"," or end of ${what}`);
  c.i++;
  c.ws();
  if (c.atEnd()) c.fail(what);
  return true;
}

function endOf(c: Cursor): void {
  c.ws();
  if (!c.atEnd()) c.fail('end of value');
}

// ---------------------------------------------------------------------------------------------
// name-addr / addr-spec

/**
 * A `name-addr` or `addr-spec` with header parameters: the value of From, To, Contact, Route,
 * Record-Route, Reply-To, Path, Service-Route, Refer-To, P-Asserted-Identity (RFC 3261 §20.10).
 *
 * @public
 */
export class NameAddr {
  /** Display name, unquoted; `undefined` when absent. */
  readonly displayName: string | undefined;
  /** The URI as written between the angle brackets (or alone, for an addr-spec). */
  readonly uriText: string;
  /** @internal parameters as parsed, or undefined until first read */
  _p: Params | undefined;
  /** @internal checked `;name=value…` text, when parameters are read lazily */
  _pt: string;
  /** Whether the URI was written in angle brackets. */
  readonly bracketed: boolean;
  readonly #header: string;
  #uri: Uri | undefined;
  /** @internal message bytes holding the URI, for the fast reader (set by the message) */
  _src: Uint8Array | undefined;
  /** @internal where the URI starts in `_src` */
  _u0: number;
  /** @internal the message text matching `_src` */
  _text: string;

  /**
   * @param displayName - display name, unquoted, or undefined
   * @param uri - the URI, as text or parsed
   * @param params - header parameters
   * @param bracketed - render with `<…>` (forced when a display name or a risky URI needs it)
   * @param header - header name used in errors when the URI is parsed later
   */
  constructor(
    displayName: string | undefined,
    uri: string | Uri,
    params: Params = NO_PARAMS,
    bracketed = true,
    header = 'Contact',
  ) {
    this.displayName = displayName;
    if (typeof uri === 'string') this.uriText = uri;
    else {
      this.uriText = formatUri(uri);
      this.#uri = uri;
    }
    this._p = params;
    this._pt = '';
    this.bracketed = bracketed;
    this.#header = header;
    this._src = undefined;
    this._u0 = 0;
    this._text = '';
  }

  /** The parsed URI (parsed on first use). Throws {@link SipParseError} if it is malformed. */
  get uri(): Uri {
    if (this.#uri === undefined) {
      const src = this._src;
      if (src !== undefined) {
        const u0 = this._u0;
        this.#uri = fastSipUriBytes(src, u0, u0 + this.uriText.length, this._text, this.uriText);
      }
      this.#uri ??= parseUri(this.uriText, this.#header);
    }
    return this.#uri;
  }

  /** The `tag` parameter (From and To). */
  get tag(): string | undefined {
    if (this._p === undefined) {
      // Lazy fast path over checked text, unless a quoted value (which may hold ";") is present.
      if (this._pt.indexOf('"') < 0) return paramValue(this._pt, 'tag') ?? undefined;
    }
    return this.params.get('tag') ?? undefined;
  }

  /** Header parameters (`tag`, `q`, `expires`, …). */
  get params(): Params {
    if (this._p === undefined) this._p = splitParams(this._pt);
    return this._p;
  }

  /**
   * A copy with a header parameter set.
   *
   * @param name - parameter name
   * @param value - value, or null for a flag
   */
  withParam(name: string, value: string | null): NameAddr {
    return new NameAddr(this.displayName, this.uriText, this.params.with(name, value), this.bracketed, this.#header);
  }

  /** Renders the value as RFC 3261 §20.10 wants it (brackets whenever the URI needs them). */
  toString(): string {
    let out = '';
    if (this.displayName !== undefined && this.displayName !== '') {
      out += isDisplayTokens(this.displayName) ? `${this.displayName} ` : `${quote(this.displayName)} `;
    }
    const needs = out !== '' || this.bracketed || /[;,?]/.test(this.uriText);
    out += needs ? `<${this.uriText}>` : this.uriText;
    return out + this.params.toString();
  }
}

function isDisplayTokens(s: string): boolean {
  return s.split(' ').every((t) => isToken(t));
}

function nameAddrAt(c: Cursor, inList: boolean): NameAddr {
  let display: string | undefined;
  let p = c.peek();
  if (p === 0x22) {
    display = c.quoted();
    c.ws();
    p = c.peek();
    if (p !== 0x3c) c.fail('"<" after the display name');
  } else if (p !== 0x3c) {
    // *(token LWS) "<" is a display name; anything else is an addr-spec. RFC 4475 §3.1.1.6
    // (lwsdisp): accept no LWS between the last token and "<".
    const from = c.i;
    let i = c.i;
    let sawToken = false;
    for (;;) {
      const t = i;
      while (i < c.end) {
        const ch = c.s.charCodeAt(i);
        if (ch > 0x7f || TOKEN[ch] !== 1) break;
        i++;
      }
      if (i === t) break;
      sawToken = true;
      while (i < c.end && isWsp(c.s.charCodeAt(i))) i++;
    }
    if (sawToken && c.s.charCodeAt(i) === 0x3c) {
      display = c.s
        .slice(from, i)
        .trim()
        .replace(/[ \t]+/g, ' ');
      c.i = i;
      p = 0x3c;
    }
  }
  if (p === 0x3c) {
    // RFC 3261 §20.10: name-addr = [ display-name ] LAQUOT addr-spec RAQUOT, no LWS inside.
    const open = c.i;
    const close = c.s.indexOf('>', open + 1);
    if (close < 0 || close >= c.end) c.fail('">"', open);
    const ws = WS_OR_CTL.exec(c.s.slice(open + 1, close));
    if (ws !== null) c.fail('no white space inside "<…>"', open + 1 + ws.index);
    if (close === open + 1) c.fail('a URI inside "<…>"', open);
    const uriText = c.s.slice(open + 1, close);
    c.i = close + 1;
    return new NameAddr(display, uriText, genericParams(c), true, c.header);
  }
  // addr-spec: ends at ";" (header params), "," (next element) or white space.
  // RFC 3261 §20.10: a URI with "," "?" or ";" must be in angle brackets.
  const from = c.i;
  while (c.i < c.end) {
    const ch = c.s.charCodeAt(c.i);
    if (ch === 0x3b || (inList && ch === 0x2c) || ch <= 0x20) break;
    if (ch === 0x3f) c.fail('"<…>" around a URI with headers');
    if (ch === 0x2c) c.fail('a quoted display name (unquoted "," is not allowed)');
    c.i++;
  }
  if (c.i === from) c.fail('a URI');
  const uriText = c.s.slice(from, c.i);
  // The addr-spec must be a URI: check its scheme now so "Bell, Alexander" style values fail.
  parseUri(uriText, c.header);
  return new NameAddr(undefined, uriText, genericParams(c), false, c.header);
}

/** Splits checked parameter text (see splitParamText); empty text gives no parameters. */
function splitParams(text: string): Params {
  return text.length === 0 ? NO_PARAMS : splitParamText(text);
}

/**
 * Parses one name-addr or addr-spec with parameters (From, To, Refer-To …).
 *
 * @param value - header value
 * @param header - header name for errors
 * @throws {@link SipParseError}
 * @public
 */
export function parseNameAddr(value: string, header = 'To'): NameAddr {
  const c = new Cursor(value, header);
  c.ws();
  const na = nameAddrAt(c, false);
  endOf(c);
  return na;
}

/**
 * Parses a comma-separated list of name-addr values (Contact, Route, Record-Route, Path …).
 *
 * @param value - header value
 * @param header - header name for errors
 * @param out - list to append to
 * @throws {@link SipParseError}
 * @public
 */
export function parseNameAddrList(value: string, header = 'Contact', out: NameAddr[] = []): NameAddr[] {
  const c = new Cursor(value, header);
  c.ws();
  if (c.atEnd()) c.fail('a name-addr');
  do out.push(nameAddrAt(c, true));
  while (listNext(c, header));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Via

/**
 * One Via value (RFC 3261 §20.42, RFC 3581 rport).
 *
 * @public
 */
export class Via {
  /** Protocol name, normally `SIP`. */
  readonly protocol: string;
  /** Protocol version, normally `2.0`. */
  readonly version: string;
  /** Transport token in upper case: `UDP`, `TCP`, `TLS`, `SCTP`, `WS`, `WSS` or an extension. */
  readonly transport: string;
  /** sent-by host (IPv6 in brackets). */
  readonly host: string;
  /** sent-by port, when present. */
  readonly port: number | undefined;
  /** @internal params as parsed, or undefined until first read */
  _p: Params | undefined;
  /** @internal raw `;name=value…` text, already checked, when params are read lazily */
  _pt: string;
  /**
   * @internal where the branch value starts in `_pt`, as the fast reader found it: -1 when not
   * known, -2 when there is no branch parameter
   */
  _bs: number;
  /** @internal where that value ends in `_pt` */
  _be: number;

  /**
   * @param transport - transport token
   * @param host - sent-by host
   * @param port - sent-by port or undefined
   * @param params - via-params
   * @param protocol - protocol name
   * @param version - protocol version
   */
  constructor(
    transport: string,
    host: string,
    port: number | undefined,
    params: Params,
    protocol = 'SIP',
    version = '2.0',
  ) {
    this.protocol = protocol;
    this.version = version;
    this.transport = transport;
    this.host = host;
    this.port = port;
    this._p = params;
    this._pt = '';
    this._bs = -1;
    this._be = 0;
  }

  /** All via-params, in order. */
  get params(): Params {
    if (this._p === undefined) this._p = splitParams(this._pt);
    return this._p;
  }

  /** The `branch` parameter. */
  get branch(): string | undefined {
    if (this._p === undefined) {
      // Lazy fast path over text the fast reader checked (no quoted values there).
      const bs = this._bs;
      if (bs >= 0) return this._pt.slice(bs, this._be);
      if (bs === -2) return undefined;
      return paramValue(this._pt, 'branch') ?? undefined;
    }
    return this.params.get('branch') ?? undefined;
  }

  /**
   * Value of the via-param `lower` (a lower-case name): read straight from the checked text while
   * the parameters have not been split (the fast reader's text holds no quoted values), else from
   * {@link Via.params}.
   */
  #param(lower: string): string | null | undefined {
    return this._p === undefined ? paramValue(this._pt, lower) : this._p.get(lower);
  }

  /** The `received` parameter (RFC 3261 §18.2.1). */
  get received(): string | undefined {
    return this.#param('received') ?? undefined;
  }

  /**
   * The `rport` parameter (RFC 3581): a number when filled in, `null` when present without a
   * value (the client asks for it), `undefined` when absent.
   */
  get rport(): number | null | undefined {
    const v = this.#param('rport');
    return v === undefined || v === null ? v : Number(v);
  }

  /** The `maddr` parameter. */
  get maddr(): string | undefined {
    return this.#param('maddr') ?? undefined;
  }

  /** The `ttl` parameter. */
  get ttl(): number | undefined {
    const v = this.#param('ttl');
    return v === undefined || v === null ? undefined : Number(v);
  }

  /**
   * A copy with a via-param set (e.g. `received`, `rport`).
   *
   * @param name - parameter name
   * @param value - value, or null for a flag
   */
  withParam(name: string, value: string | null): Via {
    return new Via(this.transport, this.host, this.port, this.params.with(name, value), this.protocol, this.version);
  }

  /** Renders the value, e.g. `SIP/2.0/UDP host:5060;branch=z9hG4bK…`. */
  toString(): string {
    const port = this.port === undefined ? '' : `:${this.port}`;
    let out = `${this.protocol}/${this.version}/${this.transport} ${this.host}${port}`;
    for (const [name, value] of this.params) {
      // RFC 3261 §25.1: via-received = "received" EQUAL (IPv4address / IPv6address), written
      // bare: a quoted address does not match that rule.
      if (value !== null && name.toLowerCase() === 'received' && isIpAddress(value)) out += `;${name}=${value}`;
      else out += paramText(name, value);
    }
    return out;
  }
}

/** IPv4address (RFC 3261 §25.1): four dotted decimal octets, 0–255. */
function isIPv4Address(s: string): boolean {
  const parts = s.split('.');
  if (parts.length !== 4) return false;
  for (const p of parts) {
    if (p.length === 0 || p.length > 3 || !/^[0-9]+$/.test(p) || Number(p) > 255) return false;
  }
  return true;
}

/**
 * IPv6address in its text form (RFC 3261 §25.1 as corrected by RFC 5954 §4.1, which takes RFC
 * 3986's rule): eight groups of 1–4 hex digits, the last two of which may be an IPv4address, with
 * at most one "::" standing for one or more groups of zeros.
 */
function isIPv6Address(s: string): boolean {
  const gap = s.indexOf('::');
  if (gap >= 0 && s.indexOf('::', gap + 1) >= 0) return false;
  const groups = (part: string, last: boolean): number => {
    if (part === '') return 0;
    const g = part.split(':');
    let n = 0;
    for (let i = 0; i < g.length; i++) {
      const h = g[i] as string;
      if (last && i === g.length - 1 && h.includes('.')) {
        if (!isIPv4Address(h)) return -1;
        n += 2;
      } else if (/^[0-9A-Fa-f]{1,4}$/.test(h)) n++;
      else return -1;
    }
    return n;
  };
  if (gap < 0) return groups(s, true) === 8;
  const head = groups(s.slice(0, gap), false);
  const tail = groups(s.slice(gap + 2), true);
  return head >= 0 && tail >= 0 && head + tail <= 7;
}

function isIpAddress(s: string): boolean {
  return s.includes(':') ? isIPv6Address(s) : isIPv4Address(s);
}

function viaAt(c: Cursor): Via {
  // sent-protocol = protocol-name SLASH protocol-version SLASH transport
  const protocol = c.token('a protocol name');
  c.expectSep(0x2f, '"/"');
  const version = c.token('a protocol version');
  c.expectSep(0x2f, '"/"');
  const transport = c.token('a transport').toUpperCase();
  if (!c.lws()) c.fail('white space before sent-by');
  // sent-by = host [ COLON port ]
  const from = c.i;
  if (c.peek() === 0x5b) c.ipv6Reference();
  else {
    while (c.i < c.end) {
      const ch = c.s.charCodeAt(c.i);
      if (!((ch >= 0x30 && ch <= 0x39) || ((ch | 0x20) >= 0x61 && (ch | 0x20) <= 0x7a) || ch === 0x2d || ch === 0x2e))
        break;
      c.i++;
    }
  }
  if (c.i === from) c.fail('a sent-by host');
  const host = c.s.slice(from, c.i);
  let port: number | undefined;
  if (c.sep(0x3a)) {
    port = digitsAt(c, 65535, 'a port');
    if (port < 0) c.fail('a port up to 65535');
  }
  const params = genericParams(c);
  const ttl = params.get('ttl');
  if (ttl !== undefined && (ttl === null || !/^[0-9]{1,3}$/.test(ttl) || Number(ttl) > 255)) c.fail('ttl 0–255');
  const rport = params.get('rport');
  if (rport !== undefined && rport !== null && (!/^[0-9]{1,5}$/.test(rport) || Number(rport) > 65535))
    c.fail('rport port');
  const branch = params.get('branch');
  if (branch === null) c.fail('a branch value');
  return new Via(transport, host, port, params, protocol, version);
}

/**
 * Parses a Via header value into its comma-separated Via values.
 *
 * @param value - header value
 * @param out - list to append to
 * @throws {@link SipParseError}
 * @public
 */
export function parseVia(value: string, out: Via[] = []): Via[] {
  const c = new Cursor(value, 'Via');
  c.ws();
  if (c.atEnd()) c.fail('a Via value');
  do out.push(viaAt(c));
  while (listNext(c, 'Via'));
  return out;
}

/** The first Via value of a Via header value, without parsing the rest. */
export function parseFirstVia(value: string): Via {
  const c = new Cursor(value, 'Via');
  c.ws();
  const v = viaAt(c);
  c.ws();
  if (!c.atEnd() && c.peek() !== 0x2c) c.fail('"," or end of Via');
  return v;
}

// ---------------------------------------------------------------------------------------------
// Scalars

/**
 * The CSeq header (RFC 3261 §20.16).
 *
 * @public
 */
export interface CSeq {
  /** Sequence number, 0 ≤ seq < 2^31 (RFC 3261 §8.1.1.5). */
  readonly seq: number;
  /** Method, as written (case-sensitive). */
  readonly method: string;
}

/**
 * Parses a CSeq value: `1*DIGIT LWS Method`, with the number below 2^31.
 *
 * @param value - header value
 * @throws {@link SipParseError}
 * @public
 */
export function parseCSeq(value: string): CSeq {
  // Fast path for the usual "digits SP method" (the value arrives trimmed).
  const sp = value.indexOf(' ');
  if (sp > 0 && sp <= 10) {
    let seq = 0;
    let i = 0;
    for (; i < sp; i++) {
      const d = value.charCodeAt(i) - 0x30;
      if (d < 0 || d > 9) break;
      seq = seq * 10 + d;
    }
    const method = value.slice(sp + 1);
    if (i === sp && seq <= 0x7fffffff && TOKEN_RE.test(method)) return { seq, method };
  }
  const c = new Cursor(value, 'CSeq');
  c.ws();
  // RFC 3261 §8.1.1.5: the sequence number MUST be less than 2**31.
  const seq = digitsAt(c, 0x7fffffff, 'a sequence number');
  if (seq < 0) c.fail('a sequence number below 2^31', 0);
  if (!c.lws()) c.fail('white space after the sequence number');
  const method = c.token('a method');
  endOf(c);
  return { seq, method };
}

// RFC 3261 §25.1: Call-ID = word [ "@" word ] (values arrive trimmed).
const CALL_ID = /^[A-Za-z0-9\-.!%*_+`'~()<>:\\"/[\]?{}]+(?:@[A-Za-z0-9\-.!%*_+`'~()<>:\\"/[\]?{}]+)?$/;

/**
 * Parses a Call-ID value: `word [ "@" word ]` (RFC 3261 §20.8).
 *
 * @param value - header value
 * @throws {@link SipParseError}
 * @public
 */
export function parseCallId(value: string): string {
  if (CALL_ID.test(value)) return value;
  const c = new Cursor(value, 'Call-ID');
  c.ws();
  const from = c.i;
  c.run(WORD);
  if (c.i === from) c.fail('a Call-ID word');
  if (c.peek() === 0x40) {
    c.i++;
    const at = c.i;
    c.run(WORD);
    if (c.i === at) c.fail('a word after "@"');
  }
  const id = value.slice(from, c.i);
  endOf(c);
  return id;
}

/**
 * Parses a non-negative integer header (Max-Forwards, Content-Length, RSeq …).
 *
 * @param value - header value
 * @param header - header name for errors
 * @param max - largest allowed value
 * @throws {@link SipParseError}
 * @public
 */
export function parseUnsigned(value: string, header: string, max: number): number {
  const c = new Cursor(value, header);
  c.ws();
  const n = digitsAt(c, max, 'digits');
  if (n < 0) c.fail(`a number up to ${max}`, 0);
  endOf(c);
  return n;
}

/**
 * Parses delta-seconds (Expires, Min-Expires); values beyond 2^32-1 are clamped to it.
 *
 * @param value - header value
 * @param header - header name for errors
 * @throws {@link SipParseError}
 * @public
 */
export function parseDeltaSeconds(value: string, header = 'Expires'): number {
  const c = new Cursor(value, header);
  c.ws();
  const n = digitsAt(c, MAX_DELTA, 'delta-seconds');
  endOf(c);
  return n < 0 ? MAX_DELTA : n;
}

/**
 * Parses a comma-separated token list (Allow, Supported, Require, Proxy-Require, Unsupported,
 * Allow-Events, Content-Encoding). An empty value gives an empty list (RFC 3261 §20.37 allows
 * an empty Supported).
 *
 * @param value - header value
 * @param header - header name for errors
 * @param out - list to append to
 * @throws {@link SipParseError}
 * @public
 */
export function parseTokenList(value: string, header: string, out: string[] = []): string[] {
  const c = new Cursor(value, header);
  c.ws();
  if (c.atEnd()) return out;
  do out.push(c.token());
  while (listNext(c, header));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Media types

/**
 * A media type with parameters: Content-Type, or one media range of Accept (RFC 3261 §20.1,
 * §20.15).
 *
 * @public
 */
export interface MediaType {
  /** Type in lower case (`*` in a range). */
  readonly type: string;
  /** Subtype in lower case (`*` in a range). */
  readonly subtype: string;
  /** Parameters (`charset`, `boundary`, `q` …). */
  readonly params: Params;
}

function mediaAt(c: Cursor): MediaType {
  const type = c.token('a media type').toLowerCase();
  c.expectSep(0x2f, '"/"');
  const subtype = c.token('a media subtype').toLowerCase();
  return { type, subtype, params: genericParams(c) };
}

/**
 * Parses a Content-Type value.
 *
 * @param value - header value
 * @throws {@link SipParseError}
 * @public
 */
export function parseMediaType(value: string, header = 'Content-Type'): MediaType {
  const c = new Cursor(value, header);
  c.ws();
  const m = mediaAt(c);
  endOf(c);
  return m;
}

/**
 * Parses an Accept value (a list of media ranges, possibly empty).
 *
 * @param value - header value
 * @param out - list to append to
 * @throws {@link SipParseError}
 * @public
 */
export function parseAccept(value: string, out: MediaType[] = []): MediaType[] {
  const c = new Cursor(value, 'Accept');
  c.ws();
  if (c.atEnd()) return out;
  do out.push(mediaAt(c));
  while (listNext(c, 'Accept'));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Authentication headers

/**
 * A challenge (WWW-Authenticate, Proxy-Authenticate) or credentials (Authorization,
 * Proxy-Authorization): `scheme` followed by comma-separated auth-params (RFC 3261 §20.7,
 * RFC 7616 §3.3–3.4). Quoted values are unquoted in `params`.
 *
 * @public
 */
export interface AuthValue {
  /** The scheme as written, e.g. `Digest`. */
  readonly scheme: string;
  /** auth-params, unquoted. */
  readonly params: Params;
}

/**
 * Parses a challenge or credentials value.
 *
 * @param value - header value
 * @param header - header name for errors
 * @throws {@link SipParseError}
 * @public
 */
export function parseAuth(value: string, header = 'Authorization'): AuthValue {
  return fastAuth(value) ?? parseAuthFully(value, header);
}

/** Whether the char at `i` of `v` is a token character (RFC 3261 §25.1). */
function tokenAt(table: Uint8Array, v: string, i: number): boolean {
  const c = v.charCodeAt(i);
  return c <= 0x7f && table[c] === 1;
}

/**
 * The usual shape of an auth value (`credentials` and `challenge`, RFC 3261 §25.1; RFC 7235
 * §2.1), read in one pass: `scheme SP name=value` then
 * `,[SP…]name=value` …, each value a token or a quoted string of printable ASCII without a
 * backslash. Anything else, white space elsewhere included, is `undefined`: the full grammar
 * ({@link parseAuthFully}) reads it and says what is wrong. Where this gives a value, the full
 * grammar gives the same one (a property test holds the two together).
 *
 * @internal
 */
export function fastAuth(v: string): AuthValue | undefined {
  const T = chars.TOKEN;
  const n = v.length;
  let i = 0;
  while (i < n && tokenAt(T, v, i)) i++;
  if (i === 0 || i + 1 >= n || v.charCodeAt(i) !== 0x20) return undefined;
  const scheme = v.slice(0, i);
  i++;
  const flat: string[] = [];
  for (;;) {
    const ns = i;
    while (i < n && tokenAt(T, v, i)) i++;
    if (i === ns || i + 1 >= n || v.charCodeAt(i) !== 0x3d) return undefined;
    const name = v.slice(ns, i);
    i++;
    let value: string;
    if (v.charCodeAt(i) === 0x22) {
      const vs = ++i;
      for (;;) {
        if (i >= n) return undefined;
        const c = v.charCodeAt(i);
        if (c === 0x22) break;
        // A quoted pair, a control or anything outside ASCII: the full grammar's business.
        if (c < 0x20 || c > 0x7e || c === 0x5c) return undefined;
        i++;
      }
      value = v.slice(vs, i);
      i++;
    } else {
      const vs = i;
      while (i < n && tokenAt(T, v, i)) i++;
      if (i === vs) return undefined;
      value = v.slice(vs, i);
    }
    flat.push(name, value);
    if (i === n) break;
    if (v.charCodeAt(i) !== 0x2c) return undefined;
    i++;
    while (i < n && v.charCodeAt(i) === 0x20) i++;
  }
  return { scheme, params: new Params(flat) };
}

/**
 * {@link parseAuth} by the full grammar, for every value {@link fastAuth} does not take.
 *
 * @internal
 */
export function parseAuthFully(value: string, header = 'Authorization'): AuthValue {
  const c = new Cursor(value, header);
  c.ws();
  const scheme = c.token('an auth scheme');
  const flat: (string | null)[] = [];
  if (c.lws() && !c.atEnd()) {
    do {
      const name = c.token('an auth-param name');
      c.expectSep(0x3d, '"="');
      const v = c.peek() === 0x22 ? c.quoted() : c.token('an auth-param value');
      flat.push(name, v);
    } while (listNext(c, header));
  }
  endOf(c);
  return { scheme, params: new Params(flat) };
}

// ---------------------------------------------------------------------------------------------
// RFC 3262, 3265/6665, 4028 and the rest

/**
 * The RAck header (RFC 3262 §7.2).
 *
 * @public
 */
export interface RAck {
  /** RSeq of the provisional response being acknowledged. */
  readonly rseq: number;
  /** CSeq number of the request it answered. */
  readonly cseq: number;
  /** Method of that request. */
  readonly method: string;
}

/**
 * Parses a RAck value: `response-num LWS CSeq-num LWS Method`.
 *
 * @param value - header value
 * @throws {@link SipParseError}
 * @public
 */
export function parseRAck(value: string): RAck {
  const c = new Cursor(value, 'RAck');
  c.ws();
  const rseq = digitsAt(c, MAX_DELTA, 'a response number');
  if (!c.lws()) c.fail('white space');
  const cseq = digitsAt(c, 0x7fffffff, 'a CSeq number');
  if (!c.lws()) c.fail('white space');
  const method = c.token('a method');
  endOf(c);
  if (rseq < 0 || cseq < 0) c.fail('numbers in range', 0);
  return { rseq, cseq, method };
}

/**
 * A value made of one token-like item and parameters: Event (RFC 6665 §8.2.1), Subscription-State
 * (RFC 6665 §8.2.3), Session-Expires (RFC 4028 §4), Retry-After (RFC 3261 §20.33).
 *
 * @public
 */
export interface ParamValue {
  /** The item: event type, substate, or the delta-seconds as text. */
  readonly value: string;
  /** Parameters in order. */
  readonly params: Params;
}

/**
 * Parses `token *(SEMI generic-param)`, used by Event and Subscription-State. Event types may
 * carry dots (`presence.winfo`), which are token characters.
 *
 * @param value - header value
 * @param header - header name for errors
 * @throws {@link SipParseError}
 * @public
 */
export function parseParamValue(value: string, header = 'Event'): ParamValue {
  const c = new Cursor(value, header);
  c.ws();
  const v = c.token();
  const params = genericParams(c);
  endOf(c);
  return { value: v, params };
}

/**
 * Parses `delta-seconds *(SEMI generic-param)` (Session-Expires, Min-SE).
 *
 * @param value - header value
 * @param header - header name for errors
 * @throws {@link SipParseError}
 * @public
 */
export function parseDeltaWithParams(value: string, header = 'Session-Expires'): { seconds: number; params: Params } {
  const c = new Cursor(value, header);
  c.ws();
  const n = digitsAt(c, MAX_DELTA, 'delta-seconds');
  const params = genericParams(c);
  endOf(c);
  return { seconds: n < 0 ? MAX_DELTA : n, params };
}

/**
 * The Retry-After header (RFC 3261 §20.33).
 *
 * @public
 */
export interface RetryAfter {
  /** Seconds to wait. */
  readonly seconds: number;
  /** The comment, without parentheses, if any. */
  readonly comment: string | undefined;
  /** Parameters (`duration`). */
  readonly params: Params;
}

/**
 * Parses `delta-seconds [ comment ] *( SEMI retry-param )`.
 *
 * @param value - header value
 * @throws {@link SipParseError}
 * @public
 */
export function parseRetryAfter(value: string): RetryAfter {
  const c = new Cursor(value, 'Retry-After');
  c.ws();
  const n = digitsAt(c, MAX_DELTA, 'delta-seconds');
  c.ws();
  let comment: string | undefined;
  if (c.peek() === 0x28) {
    // comment = LPAREN *(ctext / quoted-pair / comment) RPAREN, nesting allowed
    const from = ++c.i;
    let depth = 1;
    while (depth > 0) {
      if (c.atEnd()) c.fail('")"');
      const ch = c.s.charCodeAt(c.i);
      if (ch === 0x5c) c.i++;
      else if (ch === 0x28) depth++;
      else if (ch === 0x29) depth--;
      c.i++;
    }
    comment = c.s.slice(from, c.i - 1);
  }
  const params = genericParams(c);
  endOf(c);
  return { seconds: n < 0 ? MAX_DELTA : n, comment, params };
}

/**
 * The Timestamp header (RFC 3261 §20.38).
 *
 * @public
 */
export interface Timestamp {
  /** The timestamp as written (decimal, possibly with a fraction). */
  readonly value: string;
  /** The delay as written, if any. */
  readonly delay: string | undefined;
}

function decimal(c: Cursor, what: string): string {
  const from = c.i;
  while (isDigit(c.peek())) c.i++;
  if (c.peek() === 0x2e) {
    c.i++;
    while (isDigit(c.peek())) c.i++;
  }
  if (c.i === from || c.s.slice(from, c.i) === '.') c.fail(what);
  return c.s.slice(from, c.i);
}

/**
 * Parses `1*DIGIT ["." *DIGIT] [ LWS delay ]`.
 *
 * @param value - header value
 * @throws {@link SipParseError}
 * @public
 */
export function parseTimestamp(value: string): Timestamp {
  const c = new Cursor(value, 'Timestamp');
  c.ws();
  const v = decimal(c, 'a timestamp');
  let delay: string | undefined;
  if (c.lws() && !c.atEnd()) delay = decimal(c, 'a delay');
  endOf(c);
  return { value: v, delay };
}

/**
 * One Warning value (RFC 3261 §20.43).
 *
 * @public
 */
export interface Warning {
  /** Three-digit warn-code. */
  readonly code: number;
  /** warn-agent: host[:port] or a pseudonym. */
  readonly agent: string;
  /** warn-text, unquoted. */
  readonly text: string;
}

/**
 * Parses a Warning header value (a list).
 *
 * @param value - header value
 * @param out - list to append to
 * @throws {@link SipParseError}
 * @public
 */
export function parseWarnings(value: string, out: Warning[] = []): Warning[] {
  const c = new Cursor(value, 'Warning');
  c.ws();
  do {
    const from = c.i;
    const code = digitsAt(c, 999, 'a warn-code');
    if (c.i - from !== 3 || code < 0) c.fail('a three-digit warn-code', from);
    if (!c.lws()) c.fail('white space');
    const a = c.i;
    while (!c.atEnd() && c.peek() > 0x20) c.i++;
    if (c.i === a) c.fail('a warn-agent');
    const agent = c.s.slice(a, c.i);
    if (!c.lws()) c.fail('white space');
    const text = c.quoted();
    out.push({ code, agent, text });
  } while (listNext(c, 'Warning'));
  return out;
}

const WKDAY = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTH = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * Parses a Date value: RFC 1123 form, always GMT (RFC 3261 §20.17).
 *
 * @param value - header value
 * @throws {@link SipParseError}
 * @public
 */
export function parseDate(value: string): Date {
  const m =
    /^[ \t]*([A-Z][a-z]{2}), ([0-9]{2}) ([A-Z][a-z]{2}) ([0-9]{4}) ([0-9]{2}):([0-9]{2}):([0-9]{2}) GMT[ \t]*$/.exec(
      value,
    );
  if (m === null) {
    throw new SipParseError('INVALID_HEADER_VALUE', 'expected "Wkd, DD Mon YYYY HH:MM:SS GMT"', 0, 'Date', value);
  }
  const [, wk, dd, mon, yyyy, hh, mm, ss] = m as unknown as string[];
  const month = MONTH.indexOf(mon as string);
  const t = Date.UTC(Number(yyyy), month, Number(dd), Number(hh), Number(mm), Number(ss));
  const d = new Date(t);
  if (
    month < 0 ||
    !WKDAY.includes(wk as string) ||
    d.getUTCDate() !== Number(dd) ||
    Number(hh) > 23 ||
    Number(mm) > 59 ||
    Number(ss) > 60
  ) {
    throw new SipParseError('INVALID_HEADER_VALUE', 'expected a real calendar date', 0, 'Date', value);
  }
  return d;
}

/**
 * Formats a Date header value (RFC 1123, GMT).
 *
 * @param d - the date
 * @public
 */
export function formatDate(d: Date): string {
  return d.toUTCString();
}

import { SipParseError } from './errors.js';
import { allocBytes } from './internal/alloc.js';
import { isTokenOrAddress, TOKEN } from './internal/chars.js';
import { fastCallIdBytes, fastCSeqBytes, fastNameAddrBytes, fastViaBytes } from './internal/fast.js';
import {
  F_ID,
  F_NS,
  F_VE,
  F_VS,
  FOLDED,
  HOT_ABSENT,
  HOT_TABLE,
  ID_MASK,
  NO_LIMITS,
  SCAN,
  SCAN_CL,
  SCAN_COUNT,
  SCAN_VIAS,
  STRIDE,
  scanFields,
} from './internal/fields.js';
import { H, headerId, IS_LIST, NAMES } from './internal/names.js';
import { latin1Write, utf8Decode } from './internal/text.js';
import { OUT, PARAMS_AT, paramNameEnd, VALUE_END, viaShapeEnd } from './internal/via-splice.js';
import { NO_PARAMS, type Params } from './params.js';
import { parseUri, type Uri } from './uri.js';
import {
  type AuthValue,
  type CSeq,
  type MediaType,
  type NameAddr,
  type ParamValue,
  parseAccept,
  parseAuth,
  parseCallId,
  parseCSeq,
  parseDate,
  parseDeltaSeconds,
  parseDeltaWithParams,
  parseFirstVia,
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

export { F_ID, F_NS, F_VE, F_VS, FOLDED, STRIDE } from './internal/fields.js';

/** Header id of a table entry (-1 when unknown). */
export function entryId(f: number[], k: number): number {
  return ((f[k * STRIDE + F_ID] as number) & ID_MASK) - 1;
}

/** Cache slots: one per header id. */
const SLOTS = NAMES.length;
const pReplyTo = (v: string) => parseNameAddr(v, 'Reply-To');
const pReferTo = (v: string) => parseNameAddr(v, 'Refer-To');
const pMaxForwards = (v: string) => parseUnsigned(v, 'Max-Forwards', 255);
const pContentLength = (v: string) => parseUnsigned(v, 'Content-Length', 0x7fffffff);
const pExpires = (v: string) => parseDeltaSeconds(v, 'Expires');
const pMinExpires = (v: string) => parseDeltaSeconds(v, 'Min-Expires');
const pRSeq = (v: string) => parseUnsigned(v, 'RSeq', 0xffffffff);
const pEvent = (v: string) => parseParamValue(v, 'Event');
const pSubState = (v: string) => parseParamValue(v, 'Subscription-State');
const pSessionExpires = (v: string) => parseDeltaWithParams(v, 'Session-Expires');
/**
 * RFC 3261 §7.3.1: a fold — the white space around a CRLF that starts a continuation line —
 * reads as one SP. A white-space character escaped by a backslash (a quoted-pair) just before
 * the fold is kept. Linear in the length of the value.
 */
function unfold(s: string): string {
  let out = '';
  let from = 0;
  let crlf = s.indexOf('\r\n');
  while (crlf >= 0) {
    let a = crlf;
    while (a > from && isWspCode(s.charCodeAt(a - 1))) a--;
    if (a < crlf && oddBackslashesBefore(s, a)) a++; // "\ " is a quoted-pair: text, not LWS
    let b = crlf + 2;
    while (b < s.length && isWspCode(s.charCodeAt(b))) b++;
    out += `${s.slice(from, a)} `;
    from = b;
    crlf = s.indexOf('\r\n', b);
  }
  return out + s.slice(from);
}

/** Whether s[at] is escaped: an odd run of backslashes right before it. */
function oddBackslashesBefore(s: string, at: number): boolean {
  let k = at;
  while (k > 0 && s.charCodeAt(k - 1) === 0x5c) k--;
  return (at - k) % 2 === 1;
}

function isWspCode(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

// The edits #spliceTopVia makes, reused from call to call (one splice runs at a time).
const EDIT_AT: number[] = [];
const EDIT_CUT: number[] = [];
const EDIT_TEXT: string[] = [];

const NON_ASCII = /[^\x00-\x7f]/;

/** End of the header name starting at ns (token characters). */
function nameEnd(text: string, ns: number): number {
  let i = ns;
  while (i < text.length && TOKEN[text.charCodeAt(i)] === 1) i++;
  return i;
}

/**
 * One header field as it appears in a message: the name as written and its value (unfolded).
 *
 * @public
 */
export interface HeaderField {
  /** Name as written (compact or long form, original case). */
  readonly name: string;
  /** Value with line folding replaced by single spaces, UTF-8 decoded. */
  readonly value: string;
}

/**
 * What request and response have in common: ordered header fields kept with their raw bytes,
 * typed accessors parsed on first use, and a byte body.
 *
 * Header values are read through {@link SipMessage.get} and friends, or through the typed
 * accessors (`topVia`, `from`, `cseq` …), which throw {@link SipParseError} when the header is
 * malformed. Changes go through {@link SipMessage.set}, {@link SipMessage.append},
 * {@link SipMessage.prepend} and {@link SipMessage.remove}; untouched fields serialise
 * byte-identical.
 *
 * @public
 */
export abstract class SipMessage {
  /** The message body, never decoded. */
  body: Uint8Array;
  /** SIP-Version of the start line as written, e.g. `SIP/2.0`. */
  version: string;

  /** @internal source bytes of the head */
  _src: Uint8Array;
  /** @internal the head decoded one char per byte */
  _text: string;
  /** @internal flat header table, STRIDE numbers per field, once built (see `_f`) */
  _ft: number[] | undefined;
  /** @internal number of header fields the parser found (before the table exists) */
  _n: number;
  /** @internal names and values of fields set through the API */
  _x: string[];
  /** @internal typed-accessor cache, by header id */
  _c: unknown[] | undefined;
  /** @internal cached top Via */
  _via: Via | undefined;
  /** @internal cached Call-ID */
  _cid: string | undefined;
  /** @internal cached CSeq */
  _cs: CSeq | undefined;
  /** @internal cached From */
  _from: NameAddr | undefined;
  /** @internal cached To */
  _to: NameAddr | undefined;
  /** @internal cached Contact values */
  _ct: readonly NameAddr[] | '*' | undefined;
  // Value ranges of the first Via, From, To, Call-ID, CSeq and Contact field as the parser found
  // them, so their accessors need no header table; a start of HOT_ABSENT means no such field,
  // HOT_TABLE means read it through the table (folded, several Contact fields, or changed).
  /** @internal */
  _viaS: number;
  /** @internal */
  _viaE: number;
  /** @internal */
  _fromS: number;
  /** @internal */
  _fromE: number;
  /** @internal */
  _toS: number;
  /** @internal */
  _toE: number;
  /** @internal */
  _cidS: number;
  /** @internal */
  _cidE: number;
  /** @internal */
  _csS: number;
  /** @internal */
  _csE: number;
  /** @internal */
  _ctS: number;
  /** @internal */
  _ctE: number;
  /** @internal raw start line range */
  _s0: number;
  /** @internal */
  _s1: number;
  /** @internal end of the header section in `_text` (the body follows) */
  _headEnd: number;
  /** @internal Content-Length as parsed, -1 when absent */
  _cl: number;
  /** @internal the number of Via fields as parsed (0 when not parsed) */
  _nv: number;

  /** @internal */
  constructor(version: string, src: Uint8Array, text: string, f: number[] | undefined, s0: number, s1: number) {
    this.version = version;
    this._src = src;
    this._text = text;
    this._ft = f;
    this._n = f === undefined ? 0 : f.length / STRIDE;
    this._x = NO_STRINGS;
    this._viaS = this._viaE = this._fromS = this._fromE = this._toS = this._toE = HOT_TABLE;
    this._cidS = this._cidE = this._csS = this._csE = this._ctS = this._ctE = HOT_TABLE;
    this._invalidate(); // the typed-value caches start empty
    this._s0 = s0;
    this._s1 = s1;
    this._headEnd = 0;
    this._cl = -1;
    this._nv = 0;
    this.body = EMPTY;
  }

  /** Discriminant: true for {@link SipRequest}. */
  abstract readonly isRequest: boolean;

  /** Number of header fields. */
  get headerCount(): number {
    const f = this._ft;
    return f === undefined ? this._n : f.length / STRIDE;
  }

  /** @internal the flat header table, built from the source on first use */
  get _f(): number[] {
    const f = this._ft;
    return f !== undefined ? f : this._table();
  }

  /** @internal scans the (already checked) header section again, this time keeping every field */
  _table(): number[] {
    const f: number[] = [];
    scanFields(this._src, this._text, this._s1 + 2, this._headEnd, NO_LIMITS, f);
    this._ft = f;
    return f;
  }

  /** @internal takes what parseHead's scan found (SCAN) for a header section ending at headEnd */
  _scanned(headEnd: number): void {
    const scan = SCAN;
    this._headEnd = headEnd;
    this._cl = scan[SCAN_CL] as number;
    this._n = scan[SCAN_COUNT] as number;
    this._nv = scan[SCAN_VIAS] as number;
    this._viaS = scan[0] as number;
    this._viaE = scan[1] as number;
    this._fromS = scan[2] as number;
    this._fromE = scan[3] as number;
    this._toS = scan[4] as number;
    this._toE = scan[5] as number;
    this._cidS = scan[6] as number;
    this._cidE = scan[7] as number;
    this._csS = scan[8] as number;
    this._csE = scan[9] as number;
    this._ctS = scan[10] as number;
    this._ctE = scan[11] as number;
  }

  // -------------------------------------------------------------------------------------------
  // Field access

  /** @internal value of field k */
  _value(k: number): string {
    const f = this._f;
    const b = k * STRIDE;
    const ns = f[b + F_NS] as number;
    if (ns < 0) return this._x[(f[b + F_VS] as number) + 1] as string;
    const vs = f[b + F_VS] as number;
    const ve = f[b + F_VE] as number;
    let s = this._text.slice(vs, ve);
    if (NON_ASCII.test(s)) s = utf8Decode(this._src, vs, ve);
    if (((f[b + F_ID] as number) & FOLDED) !== 0) s = unfold(s);
    return s;
  }

  /**
   * @internal value of field k as one char per byte, for headers whose grammar is ASCII only
   * (a non-ASCII octet then fails that grammar, as it should).
   */
  _ascii(k: number): string {
    const f = this._f;
    const b = k * STRIDE;
    if ((f[b + F_NS] as number) < 0) return this._x[(f[b + F_VS] as number) + 1] as string;
    const s = this._text.slice(f[b + F_VS] as number, f[b + F_VE] as number);
    return ((f[b + F_ID] as number) & FOLDED) !== 0 ? unfold(s) : s;
  }

  /** @internal name of field k as written */
  _name(k: number): string {
    const f = this._f;
    const b = k * STRIDE;
    const ns = f[b + F_NS] as number;
    if (ns < 0) return this._x[f[b + F_VS] as number] as string;
    return this._text.slice(ns, nameEnd(this._text, ns));
  }

  /** @internal index of the next field with this id (or this lowercase name) at or after k */
  _find(id: number, lower: string, k: number): number {
    const f = this._f;
    const n = f.length / STRIDE;
    const want = id + 1;
    for (; k < n; k++) {
      const fid = (f[k * STRIDE + F_ID] as number) & ID_MASK;
      if (want > 0 ? fid === want : fid === 0 && this._name(k).toLowerCase() === lower) return k;
    }
    return -1;
  }

  /**
   * @internal the first value of hot field `id` from the range the parser noted (`s`, `e`: a
   * plain one-line field), as `get` would give it; through the table when there is no range.
   */
  _hotValue(id: number, s: number, e: number): string | undefined {
    if (s >= 0) {
      const v = this._text.slice(s, e);
      return NON_ASCII.test(v) ? utf8Decode(this._src, s, e) : v;
    }
    return s === HOT_ABSENT ? undefined : this._first(id);
  }

  /** @internal first value of a known header id */
  _first(id: number): string | undefined {
    const k = this._find(id, '', 0);
    return k < 0 ? undefined : this._value(k);
  }

  /** @internal first value of a known header id whose grammar is ASCII only */
  _firstAscii(id: number): string | undefined {
    const k = this._find(id, '', 0);
    return k < 0 ? undefined : this._ascii(k);
  }

  /**
   * Every field in order.
   */
  *fields(): IterableIterator<HeaderField> {
    const n = this.headerCount;
    for (let k = 0; k < n; k++) yield { name: this._name(k), value: this._value(k) };
  }

  /**
   * The value of the first field with this name (any case, long or compact form).
   *
   * @param name - header name
   */
  get(name: string): string | undefined {
    const id = headerId(name);
    const k = this._find(id, id >= 0 ? '' : name.toLowerCase(), 0);
    return k < 0 ? undefined : this._value(k);
  }

  /**
   * The values of every field with this name, in order. A field holding a comma-separated list
   * is one entry; the typed accessors split lists.
   *
   * @param name - header name
   */
  getAll(name: string): string[] {
    const id = headerId(name);
    const lower = id >= 0 ? '' : name.toLowerCase();
    const out: string[] = [];
    for (let k = this._find(id, lower, 0); k >= 0; k = this._find(id, lower, k + 1)) out.push(this._value(k));
    return out;
  }

  /**
   * Every value of a list header, across all its fields, split at top-level commas (see
   * {@link splitList}): `Allow: INVITE, ACK` and `Allow: BYE` give `['INVITE', 'ACK', 'BYE']`.
   *
   * @param name - header name
   */
  getValues(name: string): string[] {
    const out: string[] = [];
    for (const v of this.getAll(name)) for (const item of splitList(v)) out.push(item);
    return out;
  }

  /**
   * How many fields carry this name.
   *
   * @param name - header name
   */
  count(name: string): number {
    const id = headerId(name);
    const lower = id >= 0 ? '' : name.toLowerCase();
    let n = 0;
    for (let k = this._find(id, lower, 0); k >= 0; k = this._find(id, lower, k + 1)) n++;
    return n;
  }

  /**
   * Whether at least one field carries this name.
   *
   * @param name - header name
   */
  has(name: string): boolean {
    const id = headerId(name);
    return this._find(id, id >= 0 ? '' : name.toLowerCase(), 0) >= 0;
  }

  // -------------------------------------------------------------------------------------------
  // Changes

  #entry(name: string, value: string): number[] {
    if (this._x === NO_STRINGS) this._x = [];
    const at = this._x.length;
    const id = headerId(name);
    this._x.push(id >= 0 && name.length > 1 ? (NAMES[id] as string) : name, String(value));
    return [id + 1, -1, at, 0];
  }

  /**
   * Replaces every field of this name with one field holding `value`, kept at the position of
   * the first one (or appended when there was none).
   *
   * @param name - header name
   * @param value - the new value (rendered as given)
   */
  set(name: string, value: string | { toString(): string }): this {
    const id = headerId(name);
    const lower = name.toLowerCase();
    const first = this._find(id, lower, 0);
    const entry = this.#entry(first >= 0 && id < 0 ? this._name(first) : name, value.toString());
    if (first < 0) this._f.push(...entry);
    else {
      this._f.splice(first * STRIDE, STRIDE, ...entry);
      for (let k = this._find(id, lower, first + 1); k >= 0; k = this._find(id, lower, k)) {
        this._f.splice(k * STRIDE, STRIDE);
      }
    }
    this._invalidate();
    return this;
  }

  /**
   * Adds a field after all others.
   *
   * @param name - header name
   * @param value - the value
   */
  append(name: string, value: string | { toString(): string }): this {
    this._f.push(...this.#entry(name, value.toString()));
    this._invalidate();
    return this;
  }

  /**
   * Adds a field before the first field of the same name (a new top Via, Record-Route …), or
   * first of all when there is none.
   *
   * @param name - header name
   * @param value - the value
   */
  prepend(name: string, value: string | { toString(): string }): this {
    const id = headerId(name);
    const k = this._find(id, name.toLowerCase(), 0);
    this._f.splice(k < 0 ? 0 : k * STRIDE, 0, ...this.#entry(name, value.toString()));
    this._invalidate();
    return this;
  }

  /**
   * Removes every field with this name.
   *
   * @param name - header name
   * @returns how many fields were removed
   */
  remove(name: string): number {
    const id = headerId(name);
    const lower = name.toLowerCase();
    let n = 0;
    for (let k = this._find(id, lower, 0); k >= 0; k = this._find(id, lower, k)) {
      this._f.splice(k * STRIDE, STRIDE);
      n++;
    }
    if (n > 0) this._invalidate();
    return n;
  }

  /**
   * Removes the first value of a list header: the top Via, the first Route. A field holding
   * several comma-separated values keeps the rest.
   *
   * @param name - header name
   * @returns whether a value was removed
   */
  removeFirstValue(name: string): boolean {
    const id = headerId(name);
    const k = this._find(id, name.toLowerCase(), 0);
    if (k < 0) return false;
    const rest = id >= 0 && IS_LIST[id] === true ? afterFirstElement(this._value(k)) : '';
    if (rest === '') this._f.splice(k * STRIDE, STRIDE);
    else this._f.splice(k * STRIDE, STRIDE, ...this.#entry(this._name(k), rest));
    this._invalidate();
    return true;
  }

  /**
   * Replaces the top Via value with `via` (the rest of the Via list stays as it was), as a server
   * does when it adds `received` and `rport` (RFC 3261 §18.2.1, RFC 3581). The new value is
   * what `topVia` returns afterwards, without parsing it again.
   *
   * @param via - the new top Via value
   */
  setTopVia(via: Via): this {
    this.removeFirstValue('Via');
    this.prepend('Via', via.toString());
    this._via = via;
    return this;
  }

  /**
   * Sets parameters on the top Via value, as a server does when a request arrives: it adds
   * `received` and fills in an empty `rport` (RFC 3261 §18.2.1, RFC 3581 §4). A parameter already
   * there (in any case) takes the new value where it stands; one that is not is appended to the
   * value.
   *
   * When the top Via has the usual shape (no white space, folding or quoted values) the new text
   * is spliced into the message's own bytes: every other byte stays as it came, no header table is
   * built, and {@link SipMessage.topVia} is read again from the new bytes when next asked for.
   * Otherwise the top Via is rebuilt through {@link SipMessage.setTopVia}. Either way the message
   * reads and serialises the same afterwards. A message without a Via is left as it is.
   *
   * @example
   * ```ts
   * req.setTopViaParams({ received: '192.0.2.4', rport: '5066' });
   * ```
   *
   * @param params - parameter names (tokens) and values: each value a token, an IP address or a
   *   port (what `received` and `rport` hold)
   * @throws RangeError when a name is not a token or a value is empty or not such text
   * @throws {@link SipParseError} when the top Via is malformed (only on the rebuilding path)
   */
  setTopViaParams(params: Readonly<Record<string, string>>): this {
    for (const name in params) {
      const value = params[name] as string;
      if (!isTokenOrAddress(name) || name.includes(':')) throw new RangeError(`not a token: ${JSON.stringify(name)}`);
      if (!isTokenOrAddress(value)) {
        throw new RangeError(`Via parameter ${name} must be a token or an address, got ${JSON.stringify(value)}`);
      }
    }
    if (this._viaS >= 0 && this.#spliceTopVia(params)) return this;
    const via = this.topVia;
    if (via === undefined) return this;
    let p = via.params;
    for (const name in params) p = p.with(name, params[name] as string);
    return this.setTopVia(new Via(via.transport, via.host, via.port, p, via.protocol, via.version));
  }

  /**
   * Writes `params` into the bytes of the top Via value (the first Via field, unfolded and
   * unchanged since parsing); false when that value is not of the usual shape.
   */
  #spliceTopVia(params: Readonly<Record<string, string>>): boolean {
    const src = this._src;
    const from = this._viaS;
    const end = viaShapeEnd(src, from, this._viaE);
    if (end < 0) return false;
    const p0 = OUT[PARAMS_AT] as number;
    // Edits in order of position (EDIT_AT: where, EDIT_CUT: bytes removed there, EDIT_TEXT: text
    // inserted there). New values of parameters already there come first; parameters not there go
    // after them all, at the end of the value, in the order given.
    const at = EDIT_AT;
    const cut = EDIT_CUT;
    const text = EDIT_TEXT;
    let n = 0;
    let tail = '';
    for (const name in params) {
      const value = params[name] as string;
      const n1 = paramNameEnd(src, p0, end, name.toLowerCase());
      if (n1 < 0) {
        tail += `;${name}=${value}`;
        continue;
      }
      // Keep the edits sorted (there are one or two): insertion into place.
      let k = n;
      for (; k > 0 && (at[k - 1] as number) > n1; k--) {
        at[k] = at[k - 1] as number;
        cut[k] = cut[k - 1] as number;
        text[k] = text[k - 1] as string;
      }
      at[k] = n1;
      cut[k] = (OUT[VALUE_END] as number) - n1;
      text[k] = `=${value}`;
      n++;
    }
    if (tail !== '') {
      at[n] = end;
      cut[n] = 0;
      text[n] = tail;
      n++;
    }
    // The new head as text (one char per byte), then as bytes: native string copies are cheaper
    // than copying byte ranges between typed arrays.
    const old = this._text;
    let head = '';
    let i = 0;
    for (let k = 0; k < n; k++) {
      head += old.slice(i, at[k] as number) + (text[k] as string);
      i = (at[k] as number) + (cut[k] as number);
    }
    head += old.slice(i, this._headEnd);
    const out = allocBytes(head.length);
    latin1Write(head, out, 0);
    // Every edit lies inside the top Via value, after its start: offsets from the end of that
    // value on (its field's end, the fields after it) move by what the edits added in all; the
    // ones before it stay.
    const d = head.length - this._headEnd;
    this._viaE += d;
    if (this._fromS > end) (this._fromS += d), (this._fromE += d);
    if (this._toS > end) (this._toS += d), (this._toE += d);
    if (this._cidS > end) (this._cidS += d), (this._cidE += d);
    if (this._csS > end) (this._csS += d), (this._csE += d);
    if (this._ctS > end) (this._ctS += d), (this._ctE += d);
    const f = this._ft;
    if (f !== undefined) {
      for (let b = 0; b < f.length; b += STRIDE) {
        if ((f[b + F_NS] as number) < 0) continue;
        if ((f[b + F_NS] as number) > end) f[b + F_NS] = (f[b + F_NS] as number) + d;
        if ((f[b + F_VS] as number) > end) f[b + F_VS] = (f[b + F_VS] as number) + d;
        if ((f[b + F_VE] as number) >= end) f[b + F_VE] = (f[b + F_VE] as number) + d;
      }
    }
    const ptEnd = end + d;
    for (let k = 0; k < n; k++) text[k] = '';
    this._headEnd = head.length;
    this._src = out;
    this._text = head;
    // The parsed top Via, if any, takes the new parameters: its parameter text is now a slice of
    // the new head (the values are tokens or addresses, as the fast reader's text is), split only
    // if something asks for the whole list.
    const via = this._via;
    if (via !== undefined) {
      const next = new Via(via.transport, via.host, via.port, NO_PARAMS, via.protocol, via.version);
      next._p = undefined;
      next._pt = head.slice(p0, ptEnd);
      this._via = next;
    }
    if (this._c !== undefined) this._c[H.Via] = undefined;
    return true;
  }

  // -------------------------------------------------------------------------------------------
  // Typed accessors

  /** @internal whether field k is a parsed, unfolded field (the fast byte readers' input) */
  _plain(k: number): boolean {
    const f = this._f;
    const b = k * STRIDE;
    return (f[b + F_NS] as number) >= 0 && ((f[b + F_ID] as number) & FOLDED) === 0;
  }

  /** @internal fast name-addr reader for field k */
  _fastNameAddr(k: number, header: string): NameAddr | undefined {
    if (!this._plain(k)) return undefined;
    const b = k * STRIDE;
    return fastNameAddrBytes(this._src, this._f[b + F_VS] as number, this._f[b + F_VE] as number, this._text, header);
  }

  /**
   * @internal appends a rendered field to a message being built (createResponse): no entry
   * array, and nothing to invalidate yet
   */
  _put(name: string, value: string): void {
    if (this._x === NO_STRINGS) this._x = [];
    const x = this._x;
    const at = x.length;
    const id = headerId(name);
    x.push(id >= 0 && name.length > 1 ? (NAMES[id] as string) : name, value);
    this._f.push(id + 1, -1, at, 0);
  }

  /** @internal drops every cached typed value (after a change) */
  _invalidate(): void {
    this._viaS = this._fromS = this._toS = this._cidS = this._csS = this._ctS = HOT_TABLE;
    this._c = undefined;
    this._via = undefined;
    this._cid = undefined;
    this._cs = undefined;
    this._from = undefined;
    this._to = undefined;
    this._ct = undefined;
  }

  #list<T>(id: number, parse: (value: string, out: T[]) => T[], ascii = false): readonly T[] {
    const c = this._c;
    if (c !== undefined) {
      const hit = c[id];
      if (hit !== undefined) return hit as T[];
    }
    const out: T[] = [];
    for (let k = this._find(id, '', 0); k >= 0; k = this._find(id, '', k + 1)) {
      parse(ascii ? this._ascii(k) : this._value(k), out);
    }
    if (this._c === undefined) this._c = new Array<unknown>(SLOTS);
    this._c[id] = out;
    return out;
  }

  #single<T>(id: number, parse: (value: string) => T, ascii = false): T | undefined {
    const c = this._c;
    if (c !== undefined) {
      const hit = c[id];
      if (hit !== undefined) return hit as T;
    }
    const v = ascii ? this._firstAscii(id) : this._first(id);
    if (v === undefined) return undefined;
    const parsed = parse(v);
    if (this._c === undefined) this._c = new Array<unknown>(SLOTS);
    this._c[id] = parsed;
    return parsed;
  }

  /** The top Via value (only it is parsed). */
  get topVia(): Via | undefined {
    // The hottest accessors keep their cache in fields: no cache array for them.
    if (this._via !== undefined) return this._via;
    const s = this._viaS;
    if (s >= 0) {
      const fast = fastViaBytes(this._src, s, this._viaE, this._text);
      if (fast !== undefined) {
        this._via = fast;
        return fast;
      }
    } else if (s === HOT_ABSENT) return undefined;
    const k = this._find(H.Via, '', 0);
    if (k < 0) return undefined;
    const b = k * STRIDE;
    // Direct calls (not through one shared helper): each stays monomorphic and inlinable.
    const fast = this._plain(k)
      ? fastViaBytes(this._src, this._f[b + F_VS] as number, this._f[b + F_VE] as number, this._text)
      : undefined;
    this._via = fast ?? parseFirstVia(this._value(k));
    return this._via;
  }

  /** Every Via value, top first. */
  get vias(): readonly Via[] {
    // One Via field, unchanged since parsing, with no comma in it: one value, which the top Via
    // reader took whole (it reads up to the end or a comma). The list is that Via.
    if (this._nv === 1 && this._viaS >= 0 && (this._c === undefined || this._c[H.Via] === undefined)) {
      const top = this.topVia;
      if (top !== undefined && this._text.lastIndexOf(',', this._viaE - 1) < this._viaS) {
        const one = [top];
        if (this._c === undefined) this._c = new Array<unknown>(SLOTS);
        this._c[H.Via] = one;
        return one;
      }
    }
    return this.#list(H.Via, parseVia);
  }

  /** From (RFC 3261 §20.20). */
  get from(): NameAddr | undefined {
    if (this._from !== undefined) return this._from;
    const s = this._fromS;
    if (s >= 0) {
      const fast = fastNameAddrBytes(this._src, s, this._fromE, this._text, 'From');
      if (fast !== undefined) {
        this._from = fast;
        return fast;
      }
    } else if (s === HOT_ABSENT) return undefined;
    const k = this._find(H.From, '', 0);
    if (k >= 0) this._from = this._fastNameAddr(k, 'From') ?? parseNameAddr(this._value(k), 'From');
    return this._from;
  }

  /** To (RFC 3261 §20.39). */
  get to(): NameAddr | undefined {
    if (this._to !== undefined) return this._to;
    const s = this._toS;
    if (s >= 0) {
      const fast = fastNameAddrBytes(this._src, s, this._toE, this._text, 'To');
      if (fast !== undefined) {
        this._to = fast;
        return fast;
      }
    } else if (s === HOT_ABSENT) return undefined;
    const k = this._find(H.To, '', 0);
    if (k >= 0) this._to = this._fastNameAddr(k, 'To') ?? parseNameAddr(this._value(k), 'To');
    return this._to;
  }

  /** Call-ID (RFC 3261 §20.8). */
  get callId(): string | undefined {
    if (this._cid !== undefined) return this._cid;
    const s = this._cidS;
    if (s >= 0) {
      const fast = fastCallIdBytes(this._src, s, this._cidE, this._text);
      if (fast !== undefined) {
        this._cid = fast;
        return fast;
      }
    } else if (s === HOT_ABSENT) return undefined;
    const k = this._find(H.CallId, '', 0);
    if (k < 0) return undefined;
    const b = k * STRIDE;
    const fast = this._plain(k)
      ? fastCallIdBytes(this._src, this._f[b + F_VS] as number, this._f[b + F_VE] as number, this._text)
      : undefined;
    this._cid = fast ?? parseCallId(this._ascii(k));
    return this._cid;
  }

  /** CSeq (RFC 3261 §20.16). */
  get cseq(): CSeq | undefined {
    if (this._cs !== undefined) return this._cs;
    const s = this._csS;
    if (s >= 0) {
      const fast = fastCSeqBytes(this._src, s, this._csE, this._text);
      if (fast !== undefined) {
        this._cs = fast;
        return fast;
      }
    } else if (s === HOT_ABSENT) return undefined;
    const k = this._find(H.CSeq, '', 0);
    if (k < 0) return undefined;
    const b = k * STRIDE;
    const fast = this._plain(k)
      ? fastCSeqBytes(this._src, this._f[b + F_VS] as number, this._f[b + F_VE] as number, this._text)
      : undefined;
    this._cs = fast ?? parseCSeq(this._ascii(k));
    return this._cs;
  }

  /** Contact values, or `'*'` for the REGISTER wildcard (RFC 3261 §10.2.2). */
  get contacts(): readonly NameAddr[] | '*' {
    if (this._ct !== undefined) return this._ct;
    const s = this._ctS;
    if (s >= 0) {
      // One Contact field, not folded: one value in the common shape needs no table.
      const fast = fastNameAddrBytes(this._src, s, this._ctE, this._text, 'Contact');
      if (fast !== undefined) {
        this._ct = [fast];
        return this._ct;
      }
    } else if (s === HOT_ABSENT) {
      this._ct = [];
      return this._ct;
    }
    this._ct = this.#readContacts();
    return this._ct;
  }

  #readContacts(): readonly NameAddr[] | '*' {
    const out: NameAddr[] = [];
    for (let k = this._find(H.Contact, '', 0); k >= 0; k = this._find(H.Contact, '', k + 1)) {
      const fast = this._fastNameAddr(k, 'Contact');
      if (fast !== undefined) {
        out.push(fast);
        continue;
      }
      const v = this._value(k);
      if (v.trim() === '*') {
        if (this.count('Contact') > 1 || out.length > 0) {
          throw new SipParseError('INVALID_HEADER_VALUE', '"*" must be the only Contact', 0, 'Contact', v);
        }
        return '*';
      }
      parseNameAddrList(v, 'Contact', out);
    }
    return out;
  }

  /** Route values in order. */
  get routes(): readonly NameAddr[] {
    return this.#list(H.Route, (v, o) => parseNameAddrList(v, 'Route', o));
  }

  /** Record-Route values in order. */
  get recordRoutes(): readonly NameAddr[] {
    return this.#list(H.RecordRoute, (v, o) => parseNameAddrList(v, 'Record-Route', o));
  }

  /** Path values (RFC 3327). */
  get path(): readonly NameAddr[] {
    return this.#list(H.Path, (v, o) => parseNameAddrList(v, 'Path', o));
  }

  /** Service-Route values (RFC 3608). */
  get serviceRoutes(): readonly NameAddr[] {
    return this.#list(H.ServiceRoute, (v, o) => parseNameAddrList(v, 'Service-Route', o));
  }

  /** P-Asserted-Identity values (RFC 3325). */
  get pAssertedIdentities(): readonly NameAddr[] {
    return this.#list(H.PAssertedIdentity, (v, o) => parseNameAddrList(v, 'P-Asserted-Identity', o));
  }

  /** Reply-To (RFC 3261 §20.31). */
  get replyTo(): NameAddr | undefined {
    return this.#single(H.ReplyTo, pReplyTo);
  }

  /** Refer-To (RFC 3515). */
  get referTo(): NameAddr | undefined {
    return this.#single(H.ReferTo, pReferTo);
  }

  /** Max-Forwards, 0–255 (RFC 3261 §20.22). */
  get maxForwards(): number | undefined {
    return this.#single(H.MaxForwards, pMaxForwards, true);
  }

  /** Content-Length as written (the parser has already checked it against the body). */
  get contentLength(): number | undefined {
    return this.#single(H.ContentLength, pContentLength, true);
  }

  /** Content-Type (RFC 3261 §20.15). */
  get contentType(): MediaType | undefined {
    return this.#single(H.ContentType, parseMediaType);
  }

  /** Expires in seconds (RFC 3261 §20.19); values past 2^32-1 are clamped. */
  get expires(): number | undefined {
    return this.#single(H.Expires, pExpires, true);
  }

  /** Min-Expires in seconds (RFC 3261 §20.23). */
  get minExpires(): number | undefined {
    return this.#single(H.MinExpires, pMinExpires, true);
  }

  /** Allow method list (empty when absent). */
  get allow(): readonly string[] {
    return this.#list(H.Allow, (v, o) => parseTokenList(v, 'Allow', o), true);
  }

  /** Supported option tags (empty when absent). */
  get supported(): readonly string[] {
    return this.#list(H.Supported, (v, o) => parseTokenList(v, 'Supported', o), true);
  }

  /** Require option tags (empty when absent). */
  get require(): readonly string[] {
    return this.#list(H.Require, (v, o) => parseTokenList(v, 'Require', o), true);
  }

  /** Proxy-Require option tags (empty when absent). */
  get proxyRequire(): readonly string[] {
    return this.#list(H.ProxyRequire, (v, o) => parseTokenList(v, 'Proxy-Require', o), true);
  }

  /** Unsupported option tags (empty when absent). */
  get unsupported(): readonly string[] {
    return this.#list(H.Unsupported, (v, o) => parseTokenList(v, 'Unsupported', o), true);
  }

  /** Accept media ranges (empty when absent; check `has('Accept')` to tell absent from empty). */
  get accept(): readonly MediaType[] {
    return this.#list(H.Accept, parseAccept);
  }

  /** Content-Encoding codings (empty when absent). */
  get contentEncoding(): readonly string[] {
    return this.#list(H.ContentEncoding, (v, o) => parseTokenList(v, 'Content-Encoding', o), true);
  }

  /** WWW-Authenticate challenges, one per field. */
  get wwwAuthenticate(): readonly AuthValue[] {
    return this.#list(H.WwwAuthenticate, (v, o) => (o.push(parseAuth(v, 'WWW-Authenticate')), o));
  }

  /** Proxy-Authenticate challenges, one per field. */
  get proxyAuthenticate(): readonly AuthValue[] {
    return this.#list(H.ProxyAuthenticate, (v, o) => (o.push(parseAuth(v, 'Proxy-Authenticate')), o));
  }

  /** Authorization credentials, one per field. */
  get authorization(): readonly AuthValue[] {
    return this.#list(H.Authorization, (v, o) => (o.push(parseAuth(v, 'Authorization')), o));
  }

  /** Proxy-Authorization credentials, one per field. */
  get proxyAuthorization(): readonly AuthValue[] {
    return this.#list(H.ProxyAuthorization, (v, o) => (o.push(parseAuth(v, 'Proxy-Authorization')), o));
  }

  /** RSeq (RFC 3262 §7.1). */
  get rseq(): number | undefined {
    return this.#single(H.RSeq, pRSeq, true);
  }

  /** RAck (RFC 3262 §7.2). */
  get rack(): RAck | undefined {
    return this.#single(H.RAck, parseRAck, true);
  }

  /** Event (RFC 6665 §8.2.1); `params.get('id')` gives the event id. */
  get event(): ParamValue | undefined {
    return this.#single(H.Event, pEvent);
  }

  /** Subscription-State (RFC 6665 §8.2.3). */
  get subscriptionState(): ParamValue | undefined {
    return this.#single(H.SubscriptionState, pSubState);
  }

  /** Session-Expires (RFC 4028 §4); `params.get('refresher')` is `uac` or `uas`. */
  get sessionExpires(): { readonly seconds: number; readonly params: Params } | undefined {
    return this.#single(H.SessionExpires, pSessionExpires);
  }

  /** Timestamp (RFC 3261 §20.38). */
  get timestamp(): Timestamp | undefined {
    return this.#single(H.Timestamp, parseTimestamp, true);
  }

  /** Date (RFC 3261 §20.17), GMT only. */
  get date(): Date | undefined {
    return this.#single(H.Date, parseDate, true);
  }

  /** Retry-After (RFC 3261 §20.33). */
  get retryAfter(): RetryAfter | undefined {
    return this.#single(H.RetryAfter, parseRetryAfter);
  }

  /** Warning values (RFC 3261 §20.43). */
  get warnings(): readonly Warning[] {
    return this.#list(H.Warning, parseWarnings);
  }
}

const EMPTY = new Uint8Array(0);
/** Shared empty string table: a parsed message makes its own only when a field is set. */
const NO_STRINGS: string[] = [];

/** Offset of the first comma outside quoted strings and angle brackets, from `from`; -1 if none. */
function topLevelComma(v: string, from: number): number {
  let quoted = false;
  let angle = false;
  for (let i = from; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (quoted) {
      if (c === 0x5c) i++;
      else if (c === 0x22) quoted = false;
    } else if (c === 0x22) quoted = true;
    else if (c === 0x3c) angle = true;
    else if (c === 0x3e) angle = false;
    else if (c === 0x2c && !angle) return i;
  }
  return -1;
}

/** The text after the first top-level comma of a list value ('' when there is none). */
function afterFirstElement(v: string): string {
  const comma = topLevelComma(v, 0);
  return comma < 0 ? '' : v.slice(comma + 1).trim();
}

/**
 * Splits a header value at its top-level commas (RFC 3261 §7.3.1): commas inside quoted strings
 * and inside `<…>` do not split. Elements come back trimmed; empty elements are dropped.
 *
 * Only for headers whose grammar is a comma-separated list: in WWW-Authenticate and the other
 * digest headers commas separate parameters, not values.
 *
 * @param value - a header value
 * @public
 */
export function splitList(value: string): string[] {
  const out: string[] = [];
  let from = 0;
  for (;;) {
    const comma = topLevelComma(value, from);
    const item = value.slice(from, comma < 0 ? value.length : comma).trim();
    if (item !== '') out.push(item);
    if (comma < 0) return out;
    from = comma + 1;
  }
}

/**
 * A SIP request (RFC 3261 §7.1).
 *
 * @public
 */
export class SipRequest extends SipMessage {
  /** Method, case-sensitive (`INVITE`, or an extension token). */
  method: string;
  /** Request-URI as written. */
  uri: string;
  /** Always true. */
  readonly isRequest = true as const;
  /** @internal */
  _uriText: string | undefined = undefined;
  /** @internal */
  _uri: Uri | undefined = undefined;

  /** @internal */
  constructor(
    method: string,
    uri: string,
    version: string,
    src: Uint8Array,
    text: string,
    f: number[] | undefined,
    s0: number,
    s1: number,
  ) {
    super(version, src, text, f, s0, s1);
    this.method = method;
    this.uri = uri;
  }

  /** The Request-URI parsed (on first use, re-parsed if `uri` changes). */
  get requestUri(): Uri {
    if (this._uriText !== this.uri || this._uri === undefined) {
      this._uri = parseUri(this.uri, 'Request-URI');
      this._uriText = this.uri;
    }
    return this._uri;
  }

  /** The start line without its CRLF. */
  get startLine(): string {
    return `${this.method} ${this.uri} ${this.version}`;
  }
}

/**
 * A SIP response (RFC 3261 §7.2).
 *
 * @public
 */
export class SipResponse extends SipMessage {
  /** Status code, 100–699. */
  status: number;
  /** Reason phrase (UTF-8), possibly empty. */
  reason: string;
  /** Always false. */
  readonly isRequest = false as const;

  /** @internal */
  constructor(
    status: number,
    reason: string,
    version: string,
    src: Uint8Array,
    text: string,
    f: number[] | undefined,
    s0: number,
    s1: number,
  ) {
    super(version, src, text, f, s0, s1);
    this.status = status;
    this.reason = reason;
  }

  /** The start line without its CRLF. */
  get startLine(): string {
    return `${this.version} ${this.status} ${this.reason}`;
  }
}

/**
 * Either kind of message.
 *
 * @public
 */
export type SipMessageLike = SipRequest | SipResponse;

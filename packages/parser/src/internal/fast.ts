// Fast readers for the common shapes of the hottest header values, working on the message bytes
// (typed-array loads are much cheaper than charCodeAt on a sliced string). Each returns undefined
// for anything outside its shape — folding, odd white space, escapes, octets ≥ 0x80 — and the
// caller then runs the general parser, which accepts the whole RFC 3261 grammar and reports
// errors. A fast reader never accepts what the general parser refuses.
import { NO_PARAMS } from '../params.js';
import { type CSeq, NameAddr, Via } from '../values.js';
import * as chars from './chars.js';
import { digitsEnd, smallNumber } from './fast-util.js';

// Module constants, not imported bindings: V8 re-checks an imported binding on every read (it is
// live), which costs about a third of a table-driven byte loop.
const { HOST, TOKEN, TOKEN_COLON, URI_IN_BRACKETS, WORD } = chars;

/** Whether bytes[at, end) spell `name` (lower case), case-insensitively. */
function nameIs(b: Uint8Array, at: number, end: number, name: string): boolean {
  if (end - at !== name.length) return false;
  for (let k = 0; k < name.length; k++) if (((b[at + k] as number) | 0x20) !== name.charCodeAt(k)) return false;
  return true;
}

/** End of a run of generic-param text `;name[=token-or-host]` from i; -1 if out of shape. */
export function paramsEnd(b: Uint8Array, i: number, to: number, allowQuoted: boolean): number {
  while (i < to && b[i] === 0x3b) {
    const n0 = ++i;
    while (i < to && TOKEN[b[i] as number] === 1) i++;
    if (i === n0) return -1;
    if (i < to && b[i] === 0x3d) {
      const v0 = ++i;
      if (allowQuoted && i < to && b[i] === 0x22) {
        // quoted-string without escapes or controls
        i++;
        while (i < to) {
          const c = b[i] as number;
          if (c === 0x22 || c === 0x5c || c < 0x20 || c > 0x7e) break;
          i++;
        }
        if (i >= to || b[i] !== 0x22) return -1;
        i++;
        continue;
      }
      while (i < to && TOKEN_COLON[b[i] as number] === 1) i++;
      if (i === v0) return -1;
    }
  }
  return i;
}

/**
 * "SIP/2.0/TRANSPORT host[:port];name=value…" (RFC 3261 §20.42) up to the end or the first
 * comma. Parameters stay text until read.
 */
export function fastViaBytes(b: Uint8Array, from: number, to: number, text: string): Via | undefined {
  if (
    to - from < 12 ||
    b[from] !== 0x53 ||
    b[from + 1] !== 0x49 ||
    b[from + 2] !== 0x50 ||
    b[from + 3] !== 0x2f ||
    b[from + 4] !== 0x32 ||
    b[from + 5] !== 0x2e ||
    b[from + 6] !== 0x30 ||
    b[from + 7] !== 0x2f
  ) {
    return undefined;
  }
  let i = from + 8;
  while (i < to) {
    const c = b[i] as number;
    if (c < 0x41 || c > 0x5a) break;
    i++;
  }
  const tl = i - from - 8;
  if (tl < 2 || tl > 5 || i >= to || b[i] !== 0x20) return undefined;
  const transport =
    tl === 3 && b[from + 8] === 0x55 && b[from + 9] === 0x44 && b[from + 10] === 0x50 ? 'UDP' : text.slice(from + 8, i);
  const h0 = ++i;
  while (i < to && HOST[b[i] as number] === 1) i++;
  if (i === h0) return undefined;
  const host = text.slice(h0, i);
  let port: number | undefined;
  if (i < to && b[i] === 0x3a) {
    const p0 = ++i;
    i = digitsEnd(b, i, to);
    port = smallNumber(b, p0, i, 65535);
    if (port < 0) return undefined;
  }
  const pt0 = i;
  // The first branch value, noted on the way (the transaction layer reads it first of all).
  let bs = -2;
  let be = 0;
  // Check the parameters whose values have a grammar of their own as we pass them.
  while (i < to && b[i] === 0x3b) {
    const n0 = ++i;
    while (i < to && TOKEN[b[i] as number] === 1) i++;
    const n1 = i;
    if (n1 === n0) return undefined;
    if (i < to && b[i] === 0x3d) {
      const v0 = ++i;
      while (i < to && TOKEN_COLON[b[i] as number] === 1) i++;
      if (i === v0) return undefined;
      // RFC 3261 §20.42 ttl = 1*3DIGIT (0–255); RFC 3581 rport = 1*DIGIT (a port).
      if (nameIs(b, n0, n1, 'ttl') && smallNumber(b, v0, i, 255) < 0) return undefined;
      if (nameIs(b, n0, n1, 'rport') && smallNumber(b, v0, i, 65535) < 0) return undefined;
      if (bs === -2 && nameIs(b, n0, n1, 'branch')) {
        bs = v0 - pt0;
        be = i - pt0;
      }
    } else if (nameIs(b, n0, n1, 'branch') || nameIs(b, n0, n1, 'ttl')) return undefined;
  }
  if (i !== to && b[i] !== 0x2c) return undefined;
  const via = new Via(transport, host, port, NO_PARAMS);
  via._p = undefined;
  via._pt = text.slice(pt0, i);
  via._bs = bs;
  via._be = be;
  return via;
}

/** Call-ID = word [ "@" word ] (RFC 3261 §20.8). */
export function fastCallIdBytes(b: Uint8Array, from: number, to: number, text: string): string | undefined {
  let i = from;
  while (i < to && WORD[b[i] as number] === 1) i++;
  if (i === from) return undefined;
  if (i < to && b[i] === 0x40) {
    const w = ++i;
    while (i < to && WORD[b[i] as number] === 1) i++;
    if (i === w) return undefined;
  }
  return i === to ? text.slice(from, to) : undefined;
}

/** CSeq = 1*DIGIT SP Method, the number below 2^31 (RFC 3261 §8.1.1.5, §20.16). */
export function fastCSeqBytes(b: Uint8Array, from: number, to: number, text: string): CSeq | undefined {
  let i = from;
  let seq = 0;
  while (i < to) {
    const d = (b[i] as number) - 0x30;
    if (d < 0 || d > 9) break;
    seq = seq * 10 + d;
    i++;
  }
  if (i === from || i - from > 10 || seq > 0x7fffffff || i >= to || b[i] !== 0x20) return undefined;
  const m = ++i;
  while (i < to && TOKEN[b[i] as number] === 1) i++;
  if (i === m || i !== to) return undefined;
  return { seq, method: text.slice(m, to) };
}

/**
 * `Display Name <uri>;params`, `"Quoted" <uri>;params` or `<uri>;params` (RFC 3261 §20.10) with
 * single spaces, no escapes and ASCII only.
 */
export function fastNameAddrBytes(
  b: Uint8Array,
  from: number,
  to: number,
  text: string,
  header: string,
): NameAddr | undefined {
  let i = from;
  let display: string | undefined;
  if (b[i] === 0x22) {
    i++;
    while (i < to) {
      const c = b[i] as number;
      if (c === 0x22 || c === 0x5c || c < 0x20 || c > 0x7e) break;
      i++;
    }
    if (i >= to || b[i] !== 0x22) return undefined;
    display = text.slice(from + 1, i);
    i++;
    if (i < to && b[i] === 0x20) i++;
  } else if (b[i] !== 0x3c) {
    // *(token SP) token [SP] "<"
    for (;;) {
      const t = i;
      while (i < to && TOKEN[b[i] as number] === 1) i++;
      if (i === t || i >= to) return undefined;
      if (b[i] === 0x3c) {
        display = text.slice(from, i);
        break;
      }
      if (b[i] !== 0x20) return undefined;
      if (i + 1 < to && b[i + 1] === 0x3c) {
        display = text.slice(from, i);
        i++;
        break;
      }
      i++;
    }
  }
  if (i >= to || b[i] !== 0x3c) return undefined;
  const u0 = ++i;
  while (i < to && URI_IN_BRACKETS[b[i] as number] === 1) i++;
  if (i === u0 || i >= to || b[i] !== 0x3e) return undefined;
  const uriText = text.slice(u0, i);
  const p0 = ++i;
  const end = paramsEnd(b, i, to, true);
  if (end !== to) return undefined;
  const na = new NameAddr(display, uriText, NO_PARAMS, true, header);
  if (p0 < to) {
    // Parameters stay text until they are read (the tag has a direct path).
    na._p = undefined;
    na._pt = text.slice(p0, to);
  }
  na._src = b;
  na._u0 = u0;
  na._text = text;
  return na;
}

// Fast byte reader for the common shape of a SIP URI (see fast.ts for the rules of fast readers).
import { Params } from '../params.js';
import type { SipUri } from '../uri.js';
import * as chars from './chars.js';
import { digitsEnd, smallNumber, splitParamText } from './fast-util.js';

// Module constants, not imported bindings: V8 re-checks an imported binding on every read (it is
// live), which costs about a third of a table-driven byte loop.
const { HOST, PARAMCHAR, USER } = chars;

/** dotted-quad IPv4address in bytes[from, to) (RFC 3261 §25.1). */
function ipv4(b: Uint8Array, from: number, to: number): boolean {
  let i = from;
  for (let part = 0; part < 4; part++) {
    const p = i;
    let n = 0;
    while (i < to && (b[i] as number) >= 0x30 && (b[i] as number) <= 0x39) n = n * 10 + (b[i++] as number) - 0x30;
    if (i === p || i - p > 3 || n > 255) return false;
    if (part < 3) {
      if (b[i] !== 0x2e) return false;
      i++;
    }
  }
  return i === to;
}

/** hostname in bytes[from, to): labels of alphanum and "-", not starting or ending in "-". */
function hostname(b: Uint8Array, from: number, to: number): boolean {
  let label = from;
  for (let i = from; i <= to; i++) {
    if (i === to || b[i] === 0x2e) {
      if (i === label) return i === to && i > from; // a trailing dot is allowed
      if (b[label] === 0x2d || b[i - 1] === 0x2d) return false;
      label = i + 1;
    }
  }
  return true;
}

const NO_URI_PARAMS = new Params();

/**
 * `sip:` / `sips:` user@host[:port];params with no escapes, password or headers (RFC 3261
 * §19.1.1); `raw` is the URI's text.
 */
export function fastSipUriBytes(
  b: Uint8Array,
  from: number,
  to: number,
  text: string,
  raw: string,
): SipUri | undefined {
  let i = from;
  if (
    ((b[i] as number) | 0x20) !== 0x73 ||
    ((b[i + 1] as number) | 0x20) !== 0x69 ||
    ((b[i + 2] as number) | 0x20) !== 0x70
  ) {
    return undefined;
  }
  i += 3;
  let scheme: 'sip' | 'sips' = 'sip';
  if (((b[i] as number) | 0x20) === 0x73) {
    scheme = 'sips';
    i++;
  }
  if (i >= to || b[i] !== 0x3a) return undefined;
  const start = ++i;
  while (i < to && USER[b[i] as number] === 1) i++;
  let user: string | undefined;
  if (i < to && b[i] === 0x40 && i > start) {
    user = text.slice(start, i);
    i++;
  } else i = start;
  const h0 = i;
  while (i < to && HOST[b[i] as number] === 1) i++;
  if (i === h0) return undefined;
  let hostType: SipUri['hostType'];
  if (ipv4(b, h0, i)) hostType = 'ipv4';
  else if (hostname(b, h0, i)) hostType = 'domain';
  else return undefined;
  const host = text.slice(h0, i);
  let port: number | undefined;
  if (i < to && b[i] === 0x3a) {
    const p0 = ++i;
    i = digitsEnd(b, i, to);
    port = smallNumber(b, p0, i, 65535);
    if (port < 0) return undefined;
  }
  const p0 = i;
  while (i < to && b[i] === 0x3b) {
    const n0 = ++i;
    while (i < to && PARAMCHAR[b[i] as number] === 1) i++;
    if (i === n0) return undefined;
    if (i < to && b[i] === 0x3d) {
      const v0 = ++i;
      while (i < to && PARAMCHAR[b[i] as number] === 1) i++;
      if (i === v0) return undefined;
    }
  }
  if (i !== to) return undefined;
  // Every SipUri is made with the same keys in the same order: one object shape for V8.
  return {
    kind: 'sip',
    scheme,
    user,
    password: undefined,
    host,
    hostType,
    port,
    params: p0 === to ? NO_URI_PARAMS : splitParamText(text.slice(p0, to)),
    headers: NO_URI_PARAMS,
    raw,
  };
}

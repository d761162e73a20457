// Byte positions inside a top Via value of the common shape, for setting parameters in place
// (SipMessage.setTopViaParams). The shape is the one the fast Via reader accepts:
// "SIP/2.0/TRANSPORT host[:port];name[=value]…" with no white space, token names and
// token-or-address values, ending at the end of the field or at a comma. Anything else is left
// to the general path, which rebuilds the Via.
import * as chars from './chars.js';
import { paramsEnd } from './fast.js';

// Module constants, not imported bindings (see fields.ts).
const { HOST, TOKEN } = chars;

/**
 * Second results: [PARAMS_AT] where the parameters start in the value viaShapeEnd last accepted;
 * [VALUE_END] where the value of the parameter paramNameEnd last found ends (its name's end when
 * it has none). A typed array, not exported `let`s: an imported live binding is re-checked on
 * every read.
 */
export const OUT = new Int32Array(2);
export const PARAMS_AT = 0;
export const VALUE_END = 1;

/**
 * End of the first Via value in bytes[from, to) (`to`, or the offset of the comma before the
 * next value) when it has the common shape; -1 otherwise. Sets OUT[PARAMS_AT].
 */
export function viaShapeEnd(b: Uint8Array, from: number, to: number): number {
  if (to - from < 12) return -1;
  // "SIP/2.0/"
  if (b[from] !== 0x53 || b[from + 1] !== 0x49 || b[from + 2] !== 0x50 || b[from + 3] !== 0x2f) return -1;
  if (b[from + 4] !== 0x32 || b[from + 5] !== 0x2e || b[from + 6] !== 0x30 || b[from + 7] !== 0x2f) return -1;
  let i = from + 8;
  while (i < to && (b[i] as number) >= 0x41 && (b[i] as number) <= 0x5a) i++;
  if (i === from + 8 || i >= to || b[i] !== 0x20) return -1;
  const h0 = ++i;
  while (i < to && HOST[b[i] as number] === 1) i++;
  if (i === h0) return -1;
  if (i < to && b[i] === 0x3a) {
    const p0 = ++i;
    while (i < to && (b[i] as number) >= 0x30 && (b[i] as number) <= 0x39) i++;
    if (i === p0) return -1;
  }
  OUT[PARAMS_AT] = i;
  i = paramsEnd(b, i, to, false);
  if (i < 0) return -1;
  return i === to || b[i] === 0x2c ? i : -1;
}

/**
 * Offset just past the name of the parameter `lower` (a lower-case name) among the parameters in
 * bytes[p, end) of a value viaShapeEnd accepted, or -1 when it is absent. Sets
 * OUT[VALUE_END].
 */
export function paramNameEnd(b: Uint8Array, p: number, end: number, lower: string): number {
  let i = p;
  while (i < end) {
    const n0 = ++i; // past ";"
    while (i < end && TOKEN[b[i] as number] === 1) i++;
    const n1 = i;
    if (i < end && b[i] === 0x3d) {
      i++;
      while (i < end && b[i] !== 0x3b) i++;
    }
    if (n1 - n0 === lower.length) {
      let k = 0;
      for (; k < lower.length; k++) {
        const c = b[n0 + k] as number;
        if ((c >= 0x41 && c <= 0x5a ? c | 0x20 : c) !== lower.charCodeAt(k)) break;
      }
      if (k === lower.length) {
        OUT[VALUE_END] = i;
        return n1;
      }
    }
  }
  return -1;
}

// Small helpers shared by the fast byte readers.
import { Params } from '../params.js';

/** End of the run of ASCII digits starting at i (before to). */
export function digitsEnd(b: Uint8Array, i: number, to: number): number {
  while (i < to && (b[i] as number) >= 0x30 && (b[i] as number) <= 0x39) i++;
  return i;
}

/** Digits in bytes[from, to) as a number no larger than max (at most 5 digits), else -1. */
export function smallNumber(b: Uint8Array, from: number, to: number, max: number): number {
  if (to === from || to - from > 5) return -1;
  let n = 0;
  for (let k = from; k < to; k++) {
    const d = (b[k] as number) - 0x30;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n > max ? -1 : n;
}

/** Splits checked `;a=b;c;d="q"` text (no escapes inside quotes) into Params. */
export function splitParamText(text: string): Params {
  const flat: (string | null)[] = [];
  let i = 1;
  while (i < text.length) {
    let semi = text.indexOf(';', i);
    if (semi < 0) semi = text.length;
    const eq = text.indexOf('=', i);
    if (eq >= 0 && eq < semi) {
      if (text.charCodeAt(eq + 1) === 0x22) {
        const close = text.indexOf('"', eq + 2);
        flat.push(text.slice(i, eq), text.slice(eq + 2, close));
        i = close + 2;
        continue;
      }
      flat.push(text.slice(i, eq), text.slice(eq + 1, semi));
    } else flat.push(text.slice(i, semi), null);
    i = semi + 1;
  }
  return new Params(flat);
}

/**
 * Value of the first parameter called `lowerName` (any case) in checked, quote-free `;a=b;c` text:
 * the value, null for a parameter without one, undefined when absent. What Params.get would say.
 */
export function paramValue(pt: string, lowerName: string): string | null | undefined {
  const len = lowerName.length;
  let i = 0;
  while (i < pt.length) {
    const n0 = i + 1;
    let next = pt.indexOf(';', n0);
    if (next < 0) next = pt.length;
    let k = 0;
    while (k < len && (pt.charCodeAt(n0 + k) | 0x20) === lowerName.charCodeAt(k)) k++;
    if (k === len) {
      const after = n0 + len;
      if (after === next) return null;
      if (pt.charCodeAt(after) === 0x3d) return pt.slice(after + 1, next);
    }
    i = next;
  }
  return undefined;
}

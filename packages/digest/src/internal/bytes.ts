// Byte helpers on web-standard APIs only (TextEncoder, crypto.getRandomValues).

const encoder = new TextEncoder();
const HEX: string[] = [];
for (let i = 0; i < 256; i++) HEX.push(i.toString(16).padStart(2, '0'));

/**
 * UTF-8 bytes of a string.
 *
 * @internal
 */
export function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}

/**
 * Lowercase hex of bytes (RFC 7616 §3.4.1: digests travel as lowercase hex).
 *
 * @internal
 */
export function hex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i] as number] as string;
  return s;
}

/**
 * `n` random bytes from `crypto.getRandomValues`.
 *
 * @internal
 */
export function randomBytes(n: number): Uint8Array {
  // Large requests straight from the source; small ones (nonces, cnonces) from a pool filled
  // 4 KiB at a time, since each getRandomValues call costs microseconds whatever its size. Each
  // byte is handed out once.
  if (n > POOL.length / 4) return crypto.getRandomValues(new Uint8Array(n));
  if (poolAt + n > POOL.length) {
    crypto.getRandomValues(POOL);
    poolAt = 0;
  }
  const out = POOL.slice(poolAt, poolAt + n);
  poolAt += n;
  return out;
}

/**
 * Random bytes into `out` from `from` up to `to` (at most 1 KiB), from the same pool.
 *
 * @internal
 */
export function randomInto(out: Uint8Array, from: number, to: number): void {
  if (poolAt + (to - from) > POOL.length) {
    crypto.getRandomValues(POOL);
    poolAt = 0;
  }
  for (let i = from; i < to; i++) out[i] = POOL[poolAt++] as number;
}

const POOL = new Uint8Array(4096);
let poolAt = POOL.length;

/**
 * Whether two strings are equal, in time that depends on their lengths only (never on where
 * they first differ), so a guesser learns nothing from how long a comparison took.
 *
 * @internal
 */
export function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/**
 * Whether two byte arrays are equal, in time that depends on their lengths only.
 *
 * @internal
 */
export function constantTimeEqualBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const B64_INDEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64_INDEX[B64.charCodeAt(i)] = i;

/**
 * base64url without padding (RFC 4648 §5) of bytes whose length is a multiple of 3.
 *
 * @internal
 */
export function base64url(bytes: Uint8Array): string {
  // Character codes into one reused array, then one string: concatenating 40 one-character
  // strings would build a rope that V8 flattens later, at a comparison or a hash.
  const codes = CODES;
  let k = 0;
  for (let i = 0; i + 2 < bytes.length; i += 3) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    codes[k++] = B64_CODE[n >>> 18] as number;
    codes[k++] = B64_CODE[(n >>> 12) & 63] as number;
    codes[k++] = B64_CODE[(n >>> 6) & 63] as number;
    codes[k++] = B64_CODE[n & 63] as number;
  }
  codes.length = k;
  return String.fromCharCode.apply(null, codes);
}

const CODES: number[] = [];
const B64_CODE = new Uint8Array(64);
for (let i = 0; i < 64; i++) B64_CODE[i] = B64.charCodeAt(i);

/**
 * The bytes of an unpadded base64url string whose length is a multiple of 4, or `undefined`
 * when it is not one.
 *
 * @internal
 */
export function fromBase64url(s: string): Uint8Array | undefined {
  if (s.length % 4 !== 0) return undefined;
  const out = new Uint8Array((s.length / 4) * 3);
  for (let i = 0, o = 0; i < s.length; i += 4, o += 3) {
    let n = 0;
    for (let j = 0; j < 4; j++) {
      const c = s.charCodeAt(i + j);
      const v = c < 128 ? (B64_INDEX[c] as number) : -1;
      if (v < 0) return undefined;
      n = (n << 6) | v;
    }
    out[o] = n >>> 16;
    out[o + 1] = (n >>> 8) & 255;
    out[o + 2] = n & 255;
  }
  return out;
}

/**
 * The 24 bits that the four base64url characters of `s` at `at` encode, or -1 when one of them
 * is not a base64url character.
 *
 * @internal
 */
export function base64urlQuad(s: string, at: number): number {
  let n = 0;
  for (let j = at; j < at + 4; j++) {
    const c = s.charCodeAt(j);
    const v = c < 128 ? (B64_INDEX[c] as number) : -1;
    if (v < 0) return -1;
    n = (n << 6) | v;
  }
  return n;
}

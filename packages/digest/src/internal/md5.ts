// MD5, written from RFC 1321 §3. Kept only because SIP digest (RFC 3261 §22.4) still defaults to
// it; it is not a safe hash for anything else.

// RFC 1321 §3.4: T[i] is the integer part of 4294967296 × abs(sin(i)), i in radians, i = 1…64.
const T = new Int32Array([
  0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501, 0x698098d8,
  0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340,
  0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8, 0x21e1cde6, 0xc33707d6, 0xf4d50d87,
  0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c,
  0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039,
  0xe6db99e5, 0x1fa27cf8, 0xc4ac5665, 0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92,
  0xffeff47d, 0x85845dd1, 0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb,
  0xeb86d391,
]);

// Rotation amounts of the four rounds (RFC 1321 §3.4), four per round.
const S = new Int32Array([7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21]);

const X = new Int32Array(16);

function block(h: Int32Array, view: DataView, o: number): void {
  // RFC 1321 §3.4: the block as sixteen little-endian words.
  for (let i = 0; i < 16; i++) X[i] = view.getInt32(o + i * 4, true);
  let a = h[0] as number;
  let b = h[1] as number;
  let c = h[2] as number;
  let d = h[3] as number;
  for (let i = 0; i < 64; i++) {
    let f: number;
    let k: number;
    if (i < 16) {
      f = (b & c) | (~b & d); // F
      k = i;
    } else if (i < 32) {
      f = (b & d) | (c & ~d); // G
      k = (5 * i + 1) & 15;
    } else if (i < 48) {
      f = b ^ c ^ d; // H
      k = (3 * i + 5) & 15;
    } else {
      f = c ^ (b | ~d); // I
      k = (7 * i) & 15;
    }
    const s = S[((i >> 4) << 2) | (i & 3)] as number;
    const t = (a + f + (X[k] as number) + (T[i] as number)) | 0;
    // a = b + ((a + f(b,c,d) + X[k] + T[i]) <<< s), then the roles rotate: (a, b, c, d) ← (d, a', b, c).
    a = d;
    d = c;
    c = b;
    b = (b + ((t << s) | (t >>> (32 - s)))) | 0;
  }
  h[0] = ((h[0] as number) + a) | 0;
  h[1] = ((h[1] as number) + b) | 0;
  h[2] = ((h[2] as number) + c) | 0;
  h[3] = ((h[3] as number) + d) | 0;
}

/**
 * MD5 of `data` (RFC 1321).
 *
 * @param data - the message
 * @returns the 16-byte digest
 * @internal
 */
export function md5(data: Uint8Array): Uint8Array {
  // RFC 1321 §3.3: A, B, C, D start at these (written here as the little-endian words they are).
  const h = new Int32Array([0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476]);
  const n = data.length;
  const full = n - (n % 64);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (let o = 0; o < full; o += 64) block(h, view, o);
  // RFC 1321 §3.1–3.2: a 1 bit, zeros up to 56 mod 64 bytes, then the bit length, little-endian.
  const rest = n - full;
  const tail = new Uint8Array(rest < 56 ? 64 : 128);
  tail.set(data.subarray(full));
  tail[rest] = 0x80;
  const tv = new DataView(tail.buffer);
  tv.setUint32(tail.length - 8, (n * 8) >>> 0, true);
  tv.setUint32(tail.length - 4, Math.floor(n / 0x20000000), true);
  for (let o = 0; o < tail.length; o += 64) block(h, tv, o);
  const out = new Uint8Array(16);
  const ov = new DataView(out.buffer);
  for (let i = 0; i < 4; i++) ov.setInt32(i * 4, h[i] as number, true);
  return out;
}

// SHA-512 (FIPS 180-4 §6.4) and SHA-512/256 (§6.7), written from the specification. JavaScript
// has no fast 64-bit integers, so every 64-bit word is a pair of 32-bit halves: high at 2i, low
// at 2i + 1.

// FIPS 180-4 §4.2.3: the first 64 bits of the fractional parts of the cube roots of the first
// 80 primes, as (high, low) pairs.
const K = new Int32Array([
  0x428a2f98, 0xd728ae22, 0x71374491, 0x23ef65cd, 0xb5c0fbcf, 0xec4d3b2f, 0xe9b5dba5, 0x8189dbbc, 0x3956c25b,
  0xf348b538, 0x59f111f1, 0xb605d019, 0x923f82a4, 0xaf194f9b, 0xab1c5ed5, 0xda6d8118, 0xd807aa98, 0xa3030242,
  0x12835b01, 0x45706fbe, 0x243185be, 0x4ee4b28c, 0x550c7dc3, 0xd5ffb4e2, 0x72be5d74, 0xf27b896f, 0x80deb1fe,
  0x3b1696b1, 0x9bdc06a7, 0x25c71235, 0xc19bf174, 0xcf692694, 0xe49b69c1, 0x9ef14ad2, 0xefbe4786, 0x384f25e3,
  0x0fc19dc6, 0x8b8cd5b5, 0x240ca1cc, 0x77ac9c65, 0x2de92c6f, 0x592b0275, 0x4a7484aa, 0x6ea6e483, 0x5cb0a9dc,
  0xbd41fbd4, 0x76f988da, 0x831153b5, 0x983e5152, 0xee66dfab, 0xa831c66d, 0x2db43210, 0xb00327c8, 0x98fb213f,
  0xbf597fc7, 0xbeef0ee4, 0xc6e00bf3, 0x3da88fc2, 0xd5a79147, 0x930aa725, 0x06ca6351, 0xe003826f, 0x14292967,
  0x0a0e6e70, 0x27b70a85, 0x46d22ffc, 0x2e1b2138, 0x5c26c926, 0x4d2c6dfc, 0x5ac42aed, 0x53380d13, 0x9d95b3df,
  0x650a7354, 0x8baf63de, 0x766a0abb, 0x3c77b2a8, 0x81c2c92e, 0x47edaee6, 0x92722c85, 0x1482353b, 0xa2bfe8a1,
  0x4cf10364, 0xa81a664b, 0xbc423001, 0xc24b8b70, 0xd0f89791, 0xc76c51a3, 0x0654be30, 0xd192e819, 0xd6ef5218,
  0xd6990624, 0x5565a910, 0xf40e3585, 0x5771202a, 0x106aa070, 0x32bbd1b8, 0x19a4c116, 0xb8d2d0c8, 0x1e376c08,
  0x5141ab53, 0x2748774c, 0xdf8eeb99, 0x34b0bcb5, 0xe19b48a8, 0x391c0cb3, 0xc5c95a63, 0x4ed8aa4a, 0xe3418acb,
  0x5b9cca4f, 0x7763e373, 0x682e6ff3, 0xd6b2b8a3, 0x748f82ee, 0x5defb2fc, 0x78a5636f, 0x43172f60, 0x84c87814,
  0xa1f0ab72, 0x8cc70208, 0x1a6439ec, 0x90befffa, 0x23631e28, 0xa4506ceb, 0xde82bde9, 0xbef9a3f7, 0xb2c67915,
  0xc67178f2, 0xe372532b, 0xca273ece, 0xea26619c, 0xd186b8c7, 0x21c0c207, 0xeada7dd6, 0xcde0eb1e, 0xf57d4f7f,
  0xee6ed178, 0x06f067aa, 0x72176fba, 0x0a637dc5, 0xa2c898a6, 0x113f9804, 0xbef90dae, 0x1b710b35, 0x131c471b,
  0x28db77f5, 0x23047d84, 0x32caab7b, 0x40c72493, 0x3c9ebe0a, 0x15c9bebc, 0x431d67c4, 0x9c100d4c, 0x4cc5d4be,
  0xcb3e42b6, 0x597f299c, 0xfc657e2a, 0x5fcb6fab, 0x3ad6faec, 0x6c44198c, 0x4a475817,
]);

/**
 * FIPS 180-4 §5.3.5: the SHA-512 initial hash value, as (high, low) pairs.
 *
 * @internal
 */
export const SHA512_IV: readonly number[] = [
  0x6a09e667, 0xf3bcc908, 0xbb67ae85, 0x84caa73b, 0x3c6ef372, 0xfe94f82b, 0xa54ff53a, 0x5f1d36f1, 0x510e527f,
  0xade682d1, 0x9b05688c, 0x2b3e6c1f, 0x1f83d9ab, 0xfb41bd6b, 0x5be0cd19, 0x137e2179,
];

/**
 * FIPS 180-4 §5.3.6.2: the SHA-512/256 initial hash value, as (high, low) pairs. (The test
 * derives it again with the SHA-512/t IV generation function of §5.3.6.)
 *
 * @internal
 */
export const SHA512_256_IV: readonly number[] = [
  0x22312194, 0xfc2bf72c, 0x9f555fa3, 0xc84c64c2, 0x2393b86b, 0x6f53b151, 0x96387719, 0x5940eabd, 0x96283ee2,
  0xa88effe3, 0xbe5e1e25, 0x53863992, 0x2b0199fc, 0x2c85b8aa, 0x0eb72ddc, 0x81c52ca2,
];

const W = new Int32Array(160);
const TWO32 = 0x100000000;

function block(H: Int32Array, view: DataView, o: number): void {
  // FIPS 180-4 §6.4.2 step 1: the message schedule.
  for (let i = 0; i < 32; i++) W[i] = view.getInt32(o + i * 4);
  for (let t = 16; t < 80; t++) {
    const xh = W[2 * (t - 15)] as number;
    const xl = W[2 * (t - 15) + 1] as number;
    // σ0 = ROTR1 ^ ROTR8 ^ SHR7
    const s0h = ((xh >>> 1) | (xl << 31)) ^ ((xh >>> 8) | (xl << 24)) ^ (xh >>> 7);
    const s0l = ((xl >>> 1) | (xh << 31)) ^ ((xl >>> 8) | (xh << 24)) ^ ((xl >>> 7) | (xh << 25));
    const yh = W[2 * (t - 2)] as number;
    const yl = W[2 * (t - 2) + 1] as number;
    // σ1 = ROTR19 ^ ROTR61 ^ SHR6
    const s1h = ((yh >>> 19) | (yl << 13)) ^ ((yl >>> 29) | (yh << 3)) ^ (yh >>> 6);
    const s1l = ((yl >>> 19) | (yh << 13)) ^ ((yh >>> 29) | (yl << 3)) ^ ((yl >>> 6) | (yh << 26));
    const lo =
      (s1l >>> 0) + ((W[2 * (t - 7) + 1] as number) >>> 0) + (s0l >>> 0) + ((W[2 * (t - 16) + 1] as number) >>> 0);
    W[2 * t] = (s1h + (W[2 * (t - 7)] as number) + s0h + (W[2 * (t - 16)] as number) + ((lo / TWO32) | 0)) | 0;
    W[2 * t + 1] = lo | 0;
  }
  let ah = H[0] as number;
  let al = H[1] as number;
  let bh = H[2] as number;
  let bl = H[3] as number;
  let ch = H[4] as number;
  let cl = H[5] as number;
  let dh = H[6] as number;
  let dl = H[7] as number;
  let eh = H[8] as number;
  let el = H[9] as number;
  let fh = H[10] as number;
  let fl = H[11] as number;
  let gh = H[12] as number;
  let gl = H[13] as number;
  let hh = H[14] as number;
  let hl = H[15] as number;
  // Step 3: 80 rounds.
  for (let t = 0; t < 80; t++) {
    // Σ1(e) = ROTR14 ^ ROTR18 ^ ROTR41
    const S1h = ((eh >>> 14) | (el << 18)) ^ ((eh >>> 18) | (el << 14)) ^ ((el >>> 9) | (eh << 23));
    const S1l = ((el >>> 14) | (eh << 18)) ^ ((el >>> 18) | (eh << 14)) ^ ((eh >>> 9) | (el << 23));
    const chh = (eh & fh) ^ (~eh & gh);
    const chl = (el & fl) ^ (~el & gl);
    // T1 = h + Σ1(e) + Ch(e, f, g) + K[t] + W[t]
    const t1lo =
      (hl >>> 0) + (S1l >>> 0) + (chl >>> 0) + ((K[2 * t + 1] as number) >>> 0) + ((W[2 * t + 1] as number) >>> 0);
    const t1h = (hh + S1h + chh + (K[2 * t] as number) + (W[2 * t] as number) + ((t1lo / TWO32) | 0)) | 0;
    const t1l = t1lo | 0;
    // Σ0(a) = ROTR28 ^ ROTR34 ^ ROTR39
    const S0h = ((ah >>> 28) | (al << 4)) ^ ((al >>> 2) | (ah << 30)) ^ ((al >>> 7) | (ah << 25));
    const S0l = ((al >>> 28) | (ah << 4)) ^ ((ah >>> 2) | (al << 30)) ^ ((ah >>> 7) | (al << 25));
    const majh = (ah & bh) ^ (ah & ch) ^ (bh & ch);
    const majl = (al & bl) ^ (al & cl) ^ (bl & cl);
    // T2 = Σ0(a) + Maj(a, b, c)
    const t2lo = (S0l >>> 0) + (majl >>> 0);
    const t2h = (S0h + majh + ((t2lo / TWO32) | 0)) | 0;
    const t2l = t2lo | 0;
    hh = gh;
    hl = gl;
    gh = fh;
    gl = fl;
    fh = eh;
    fl = el;
    const elo = (dl >>> 0) + (t1l >>> 0);
    eh = (dh + t1h + ((elo / TWO32) | 0)) | 0;
    el = elo | 0;
    dh = ch;
    dl = cl;
    ch = bh;
    cl = bl;
    bh = ah;
    bl = al;
    const alo = (t1l >>> 0) + (t2l >>> 0);
    ah = (t1h + t2h + ((alo / TWO32) | 0)) | 0;
    al = alo | 0;
  }
  // Step 4: the intermediate hash value.
  add(H, 0, ah, al);
  add(H, 2, bh, bl);
  add(H, 4, ch, cl);
  add(H, 6, dh, dl);
  add(H, 8, eh, el);
  add(H, 10, fh, fl);
  add(H, 12, gh, gl);
  add(H, 14, hh, hl);
}

function add(H: Int32Array, i: number, h: number, l: number): void {
  const lo = ((H[i + 1] as number) >>> 0) + (l >>> 0);
  H[i] = ((H[i] as number) + h + ((lo / TWO32) | 0)) | 0;
  H[i + 1] = lo | 0;
}

/**
 * The SHA-512 compression over `data` from the initial value `iv`: SHA-512 itself with
 * {@link SHA512_IV}, the SHA-512/t family with theirs.
 *
 * @param iv - sixteen 32-bit halves
 * @param data - the message
 * @returns the full 64-byte final hash value (truncate for SHA-512/t)
 * @internal
 */
export function sha512Core(iv: readonly number[], data: Uint8Array): Uint8Array {
  const H = new Int32Array(iv);
  const n = data.length;
  const full = n - (n % 128);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (let o = 0; o < full; o += 128) block(H, view, o);
  // FIPS 180-4 §5.1.2: a 1 bit, zeros up to 112 mod 128 bytes, then the bit length as a 128-bit
  // big-endian integer (its upper 64 bits are zero for any array JavaScript can hold).
  const rest = n - full;
  const tail = new Uint8Array(rest < 112 ? 128 : 256);
  tail.set(data.subarray(full));
  tail[rest] = 0x80;
  const tv = new DataView(tail.buffer);
  tv.setUint32(tail.length - 8, Math.floor(n / 0x20000000));
  tv.setUint32(tail.length - 4, (n * 8) >>> 0);
  for (let o = 0; o < tail.length; o += 128) block(H, tv, o);
  const out = new Uint8Array(64);
  const ov = new DataView(out.buffer);
  for (let i = 0; i < 16; i++) ov.setInt32(i * 4, H[i] as number);
  return out;
}

/**
 * SHA-512 of `data` (FIPS 180-4 §6.4).
 *
 * @param data - the message
 * @returns the 64-byte digest
 * @internal
 */
export function sha512(data: Uint8Array): Uint8Array {
  return sha512Core(SHA512_IV, data);
}

/**
 * SHA-512/256 of `data` (FIPS 180-4 §6.7): SHA-512 from its own initial value, cut to 256 bits.
 * RFC 7616 names it `SHA-512-256`.
 *
 * @param data - the message
 * @returns the 32-byte digest
 * @internal
 */
export function sha512_256(data: Uint8Array): Uint8Array {
  return sha512Core(SHA512_256_IV, data).subarray(0, 32);
}

// SHA-256 (FIPS 180-4 §6.2) and HMAC-SHA-256 (RFC 2104), written from the specifications.

// FIPS 180-4 §4.2.2: the first 32 bits of the fractional parts of the cube roots of the first
// 64 primes.
const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);

// FIPS 180-4 §5.3.3: the initial hash value.
const IV = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

const W = new Int32Array(64);
/** The padded last block or two, reused: hashing is synchronous, so one of each is enough. */
const TAIL = new Uint8Array(128);
const STATE = new Int32Array(8);

function block(h: Int32Array, m: Uint8Array, o: number): void {
  // FIPS 180-4 §6.2.2 step 1: the message schedule, words big-endian.
  for (let t = 0; t < 16; t++) {
    const i = o + t * 4;
    W[t] = ((m[i] as number) << 24) | ((m[i + 1] as number) << 16) | ((m[i + 2] as number) << 8) | (m[i + 3] as number);
  }
  for (let t = 16; t < 64; t++) {
    const x = W[t - 15] as number;
    const y = W[t - 2] as number;
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3); // σ0
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10); // σ1
    W[t] = (s1 + (W[t - 7] as number) + s0 + (W[t - 16] as number)) | 0;
  }
  let a = h[0] as number;
  let b = h[1] as number;
  let c = h[2] as number;
  let d = h[3] as number;
  let e = h[4] as number;
  let f = h[5] as number;
  let g = h[6] as number;
  let hh = h[7] as number;
  // Step 3: 64 rounds.
  for (let t = 0; t < 64; t++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7)); // Σ1
    const ch = (e & f) ^ (~e & g);
    const t1 = (hh + S1 + ch + (K[t] as number) + (W[t] as number)) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10)); // Σ0
    const maj = (a & b) ^ (a & c) ^ (b & c);
    const t2 = (S0 + maj) | 0;
    hh = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  // Step 4: the intermediate hash value.
  h[0] = ((h[0] as number) + a) | 0;
  h[1] = ((h[1] as number) + b) | 0;
  h[2] = ((h[2] as number) + c) | 0;
  h[3] = ((h[3] as number) + d) | 0;
  h[4] = ((h[4] as number) + e) | 0;
  h[5] = ((h[5] as number) + f) | 0;
  h[6] = ((h[6] as number) + g) | 0;
  h[7] = ((h[7] as number) + hh) | 0;
}

/**
 * SHA-256 of `data` (FIPS 180-4).
 *
 * @param data - the message
 * @returns the 32-byte digest
 * @internal
 */
export function sha256(data: Uint8Array): Uint8Array {
  return finish(new Int32Array(IV), data, 0);
}

/**
 * The state of SHA-256 after one 64-byte block: a prefix hashed once, such as an HMAC padded key
 * (RFC 2104 §4 suggests keeping these), so that {@link sha256After} hashes only what follows it.
 *
 * @param first - the first 64 bytes of the messages to come
 * @internal
 */
export function sha256Midstate(first: Uint8Array): Int32Array {
  const h = new Int32Array(IV);
  block(h, first, 0);
  return h;
}

/**
 * SHA-256 of `prefix ‖ data`, where `midstate` is {@link sha256Midstate} of the 64-byte prefix.
 *
 * @internal
 */
export function sha256After(midstate: Int32Array, data: Uint8Array): Uint8Array {
  STATE.set(midstate);
  return finish(STATE, data, 64);
}

/** Runs `data` through state `h`, which has hashed `before` bytes already, pads, and returns the digest. */
function finish(h: Int32Array, data: Uint8Array, before: number): Uint8Array {
  const n = data.length;
  const full = n - (n % 64);
  for (let o = 0; o < full; o += 64) block(h, data, o);
  // FIPS 180-4 §5.1.1: a 1 bit, zeros up to 56 mod 64 bytes, then the bit length, big-endian.
  const rest = n - full;
  const length = rest < 56 ? 64 : 128;
  TAIL.fill(0, 0, length);
  for (let i = 0; i < rest; i++) TAIL[i] = data[full + i] as number;
  TAIL[rest] = 0x80;
  const total = before + n;
  writeWord(TAIL, length - 8, Math.floor(total / 0x20000000));
  writeWord(TAIL, length - 4, (total * 8) >>> 0);
  for (let o = 0; o < length; o += 64) block(h, TAIL, o);
  const out = new Uint8Array(32);
  for (let i = 0; i < 8; i++) writeWord(out, i * 4, h[i] as number);
  return out;
}

function writeWord(d: Uint8Array, at: number, word: number): void {
  d[at] = word >>> 24;
  d[at + 1] = (word >>> 16) & 255;
  d[at + 2] = (word >>> 8) & 255;
  d[at + 3] = word & 255;
}

/**
 * HMAC-SHA-256 of `message` under `key` (RFC 2104, block size 64 bytes).
 *
 * @param key - the secret key, any length
 * @param message - the data to authenticate
 * @param hash - the SHA-256 to run it on (this file's, unless a faster one is plugged in)
 * @returns the 32-byte MAC
 * @internal
 */
export function hmacSha256(
  key: Uint8Array,
  message: Uint8Array,
  hash: (data: Uint8Array) => Uint8Array = sha256,
): Uint8Array {
  // RFC 2104 §2: a key longer than the block is hashed first; a shorter one is zero-padded.
  const k = key.length > 64 ? hash(key) : key;
  const inner = new Uint8Array(64 + message.length);
  const outer = new Uint8Array(64 + 32);
  for (let i = 0; i < 64; i++) {
    const b = i < k.length ? (k[i] as number) : 0;
    inner[i] = b ^ 0x36; // ipad
    outer[i] = b ^ 0x5c; // opad
  }
  inner.set(message, 64);
  outer.set(hash(inner), 64);
  return hash(outer);
}

// Stateless nonces: each one carries its issue time and a MAC over it, so any server instance
// holding the same secret can check it without shared state (RFC 7616 §3.3 suggests a nonce of
// "time-stamp H(time-stamp ":" ETag ":" secret-data)"; an HMAC is the sound form of that).
//
// Layout, 30 bytes sent as 40 base64url characters:
//   0–5    issue time, milliseconds since the epoch, big-endian
//   6–13   random bytes, so that two nonces issued in the same millisecond differ (nonce-count
//          tracking is per nonce)
//   14–29  HMAC-SHA-256(secret, bytes 0–13 ‖ realm), first 128 bits (RFC 2104 §5 allows
//          truncation to half the hash length)

import { base64url, constantTimeEqualBytes, fromBase64url, randomBytes, utf8 } from './bytes.js';
import { sha256 as builtinSha256 } from './sha256.js';

const PAYLOAD = 14;
const MAC = 16;
/** @internal length of a nonce in characters */
export const NONCE_LENGTH = ((PAYLOAD + MAC) / 3) * 4;
/** SHA-256's block size (RFC 2104 §2: B). */
const BLOCK = 64;
/** Realms whose UTF-8 bytes are kept, at most (a realm function may give many). */
const REALMS = 64;
/** Nonces this signer minted last, remembered so that checking them needs no MAC. */
const RECENT = 4096;

/** SHA-256, this package's or one plugged in. */
type Sha256 = (data: Uint8Array) => Uint8Array;

/**
 * Mints and checks nonces under one secret. The HMAC (RFC 2104) runs on SHA-256 with the two
 * padded keys (K XOR ipad, K XOR opad) worked out once, here, rather than per nonce: a MAC is
 * then two hash calls on one buffer each.
 *
 * @internal
 */
export class NonceSigner {
  readonly #ipad = new Uint8Array(BLOCK);
  readonly #opad = new Uint8Array(BLOCK);
  readonly #sha256: Sha256;
  readonly #realms = new Map<string, Uint8Array>();
  // The last RECENT nonces minted, in a ring: a client answers a challenge within milliseconds,
  // so most checks find their nonce here and cost a lookup instead of two hashes. A nonce not
  // found (older, or minted by another instance) is checked by its MAC as before.
  readonly #recent = new Map<string, number>();
  readonly #ringNonce: string[] = new Array<string>(RECENT).fill('');
  readonly #ringRealm: string[] = new Array<string>(RECENT).fill('');
  readonly #ringIssued = new Float64Array(RECENT);
  #ringNext = 0;

  constructor(secret: Uint8Array, sha256: Sha256 = builtinSha256) {
    this.#sha256 = sha256;
    // RFC 2104 §2: a key longer than the block is hashed first; a shorter one is zero-padded.
    const k = secret.length > BLOCK ? sha256(secret) : secret;
    for (let i = 0; i < BLOCK; i++) {
      const b = i < k.length ? (k[i] as number) : 0;
      this.#ipad[i] = b ^ 0x36;
      this.#opad[i] = b ^ 0x5c;
    }
  }

  /** A new nonce for `realm`, issued at `now`. */
  mint(realm: string, now: number): string {
    const b = new Uint8Array(PAYLOAD + MAC);
    const t = Math.max(0, Math.floor(now));
    const view = new DataView(b.buffer);
    view.setUint16(0, Math.floor(t / 0x100000000));
    view.setUint32(2, t >>> 0);
    b.set(randomBytes(PAYLOAD - 6), 6);
    b.set(this.#mac(b, realm), PAYLOAD);
    const nonce = base64url(b);
    const slot = this.#ringNext;
    this.#ringNext = (slot + 1) % RECENT;
    const old = this.#ringNonce[slot] as string;
    if (old !== '') this.#recent.delete(old);
    this.#ringNonce[slot] = nonce;
    this.#ringRealm[slot] = realm;
    this.#ringIssued[slot] = t;
    this.#recent.set(nonce, slot);
    return nonce;
  }

  /** The issue time of a nonce this secret made for this realm, or `undefined` when it did not make it. */
  check(realm: string, nonce: string): number | undefined {
    if (nonce.length !== NONCE_LENGTH) return undefined;
    const slot = this.#recent.get(nonce);
    if (slot !== undefined && this.#ringRealm[slot] === realm) return this.#ringIssued[slot];
    const b = fromBase64url(nonce);
    if (b === undefined) return undefined;
    if (!constantTimeEqualBytes(this.#mac(b, realm), b.subarray(PAYLOAD))) return undefined;
    return nonceTime(b);
  }

  /** HMAC-SHA-256(secret, payload ‖ realm), its first 128 bits (RFC 2104 §5). */
  #mac(payload: Uint8Array, realm: string): Uint8Array {
    let r = this.#realms.get(realm);
    if (r === undefined) {
      if (this.#realms.size >= REALMS) this.#realms.clear();
      r = utf8(realm);
      this.#realms.set(realm, r);
    }
    const inner = new Uint8Array(BLOCK + PAYLOAD + r.length);
    inner.set(this.#ipad);
    inner.set(payload.subarray(0, PAYLOAD), BLOCK);
    inner.set(r, BLOCK + PAYLOAD);
    const outer = new Uint8Array(BLOCK + 32);
    outer.set(this.#opad);
    outer.set(this.#sha256(inner), BLOCK);
    return this.#sha256(outer).subarray(0, MAC);
  }
}

function nonceTime(b: Uint8Array): number {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return view.getUint16(0) * 0x100000000 + view.getUint32(2);
}

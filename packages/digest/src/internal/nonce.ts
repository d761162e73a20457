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
import { hmacSha256 } from './sha256.js';

const PAYLOAD = 14;
const MAC = 16;
/** @internal length of a nonce in characters */
export const NONCE_LENGTH = ((PAYLOAD + MAC) / 3) * 4;

/** SHA-256, this package's or one plugged in. */
type Sha256 = (data: Uint8Array) => Uint8Array;

function mac(secret: Uint8Array, payload: Uint8Array, realm: string, sha256: Sha256 | undefined): Uint8Array {
  const r = utf8(realm);
  const m = new Uint8Array(PAYLOAD + r.length);
  m.set(payload.subarray(0, PAYLOAD));
  m.set(r, PAYLOAD);
  return hmacSha256(secret, m, sha256).subarray(0, MAC);
}

/**
 * A new nonce for `realm`, issued at `now`.
 *
 * @internal
 */
export function mintNonce(secret: Uint8Array, realm: string, now: number, sha256?: Sha256): string {
  const b = new Uint8Array(PAYLOAD + MAC);
  const t = Math.max(0, Math.floor(now));
  const view = new DataView(b.buffer);
  view.setUint16(0, Math.floor(t / 0x100000000));
  view.setUint32(2, t >>> 0);
  b.set(randomBytes(PAYLOAD - 6), 6);
  b.set(mac(secret, b, realm, sha256), PAYLOAD);
  return base64url(b);
}

/**
 * The issue time of a nonce this secret made for this realm, or `undefined` when it did not
 * make it.
 *
 * @internal
 */
export function checkNonce(secret: Uint8Array, realm: string, nonce: string, sha256?: Sha256): number | undefined {
  if (nonce.length !== NONCE_LENGTH) return undefined;
  const b = fromBase64url(nonce);
  if (b === undefined) return undefined;
  if (!constantTimeEqualBytes(mac(secret, b, realm, sha256), b.subarray(PAYLOAD))) return undefined;
  return nonceTime(b);
}

/**
 * The issue time written in a nonce, without checking its MAC (for nonces already checked).
 *
 * @internal
 */
export function issuedAt(nonce: string): number {
  const b = fromBase64url(nonce.slice(0, 8));
  return b === undefined ? 0 : nonceTime(b);
}

function nonceTime(b: Uint8Array): number {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return view.getUint16(0) * 0x100000000 + view.getUint32(2);
}

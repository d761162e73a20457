// Stateless nonces: each one carries its issue time and a MAC over it, so any server instance
// holding the same secret can check it without shared state (RFC 7616 §3.3 suggests a nonce of
// "time-stamp H(time-stamp ":" ETag ":" secret-data)"; an HMAC is the sound form of that).
//
// Layout, 30 bytes sent as 40 base64url characters:
//   0–5    issue time, milliseconds since the epoch, big-endian
//   6–8    the slot of the minting instance's ring the nonce sits in (see below), big-endian:
//          characters 8–11 of the text, so it is read back without decoding the rest
//   9–13   random bytes, so that nonces of two instances sharing a secret differ even when
//          minted in the same millisecond into the same slot
//   14–29  HMAC-SHA-256(secret, bytes 0–13 ‖ realm), first 128 bits (RFC 2104 §5 allows
//          truncation to half the hash length)

import { detached } from '@sipkit/parser';
import { base64url, base64urlQuad, constantTimeEqualBytes, fromBase64url, randomInto, utf8 } from './bytes.js';
import { NonceCounts, type NonceUse } from './replay.js';
import { sha256, sha256After, sha256Midstate } from './sha256.js';

const PAYLOAD = 14;
const MAC = 16;
/** @internal length of a nonce in characters */
export const NONCE_LENGTH = ((PAYLOAD + MAC) / 3) * 4;
/** SHA-256's block size (RFC 2104 §2: B). */
const BLOCK = 64;
/** Realms whose UTF-8 bytes are kept, at most (a realm function may give many). */
const REALMS = 64;
/** Slots a ring may have: the slot number travels in three bytes. */
const MAX_SLOTS = 1 << 24;
/** Slots a ring starts with; it doubles as it fills, up to its capacity. */
const FIRST_SLOTS = 1024;

/**
 * Options of a {@link NonceBook}.
 *
 * @internal
 */
export interface NonceBookOptions {
  /** Nonces tracked at most: this many of its own, the latest, and as many of other instances'. */
  capacity?: number;
  /** A nonce's lifetime, in milliseconds. */
  ttlMs?: number;
  /**
   * How long after a nonce-count was accepted the same count, with the same response, is taken
   * for a retransmission of the same request rather than a replay; 0 for never.
   */
  repeatMs?: number;
}

/**
 * Mints and checks nonces under one secret, and tracks the nonce-counts used with them
 * (RFC 7616 §3.4: a server checks that nc increases per nonce, to detect replays).
 *
 * The HMAC (RFC 2104) runs on this package's SHA-256, whose state after each padded key
 * (K XOR ipad, K XOR opad) is worked out once, here (RFC 2104 §4): a MAC is then two SHA-256
 * blocks, a fraction of what two calls into a native hash cost for inputs this short.
 *
 * The nonces minted last sit in a ring, each with its realm, issue time and the highest
 * nonce-count used with it, and each nonce names its own slot. A client answers a challenge
 * within milliseconds, so most nonces come back while still in the ring: checking one and
 * recording its nonce-count is then an array read and a string comparison, with no MAC and no
 * map. A nonce whose MAC holds but that is not in the ring was minted by another instance with
 * the same secret, or has left the ring. When a nonce that had been used leaves the ring before
 * it expires, a watermark rises to its issue time, and a nonce issued at or before the
 * watermark and not in the ring is `forgotten` (never accepted as new). The others (another
 * instance's, or ours that left the ring unused) are tracked in a bounded map
 * ({@link NonceCounts}).
 *
 * @internal
 */
export class NonceBook {
  readonly #inner: Int32Array;
  readonly #outer: Int32Array;
  /** Per realm, a MAC's input: room for the payload, then the realm's UTF-8 bytes. */
  readonly #realms = new Map<string, Uint8Array>();
  readonly #capacity: number;
  readonly #ttl: number;
  #nonce: string[];
  #realm: string[];
  #issued: Float64Array;
  /** The highest nonce-count used per slot; 0 while unused. */
  #nc: Float64Array;
  /** With `repeatMs`: per slot, the response accepted with that count, and when. */
  readonly #repeatMs: number;
  #response: string[];
  #accepted: Float64Array;
  #next = 0;
  #used = 0;
  /** The nonce {@link NonceBook.check} last found in the ring, and its slot, for `use` after it. */
  #checked = '';
  #checkedSlot = -1;
  #watermark = -1;
  readonly #others: NonceCounts;
  readonly #bytes = new Uint8Array(PAYLOAD + MAC);
  /** The realm MACed last and its input buffer: the realm's bytes after room for a payload. */
  #macRealm = '';
  #macInput: Uint8Array = new Uint8Array(PAYLOAD);
  /** MACs computed, for tests: a nonce found in the ring needs none. */
  macs = 0;

  constructor(secret: Uint8Array, options: NonceBookOptions = {}) {
    this.#capacity = Math.min(options.capacity ?? 100_000, MAX_SLOTS);
    this.#ttl = options.ttlMs ?? 300_000;
    this.#repeatMs = options.repeatMs ?? 0;
    this.#others = new NonceCounts(this.#capacity, this.#ttl);
    // RFC 2104 §2: a key longer than the block is hashed first; a shorter one is zero-padded.
    const k = secret.length > BLOCK ? sha256(secret) : secret;
    const ipad = new Uint8Array(BLOCK);
    const opad = new Uint8Array(BLOCK);
    for (let i = 0; i < BLOCK; i++) {
      const b = i < k.length ? (k[i] as number) : 0;
      ipad[i] = b ^ 0x36;
      opad[i] = b ^ 0x5c;
    }
    this.#inner = sha256Midstate(ipad);
    this.#outer = sha256Midstate(opad);
    const first = Math.min(this.#capacity, FIRST_SLOTS);
    this.#nonce = new Array<string>(first).fill('');
    this.#realm = new Array<string>(first).fill('');
    this.#issued = new Float64Array(first);
    this.#nc = new Float64Array(first);
    // Only a book that recognises retransmissions keeps their responses.
    const repeats = this.#repeatMs > 0 ? first : 0;
    this.#response = new Array<string>(repeats).fill('');
    this.#accepted = new Float64Array(repeats);
  }

  /** Nonces whose nonce-count is tracked: used ones of the ring, and other instances'. */
  get size(): number {
    return this.#used + this.#others.size;
  }

  /** A new nonce for `realm`, issued at `now`. */
  mint(realm: string, now: number): string {
    if (this.#next === this.#nonce.length) {
      if (this.#next < this.#capacity) this.#grow();
      else this.#next = 0;
    }
    const slot = this.#next++;
    // The bytes are only read into the nonce's text, so one buffer serves every mint.
    const b = this.#bytes;
    const t = Math.max(0, Math.floor(now));
    const high = Math.floor(t / 0x100000000);
    const low = t >>> 0;
    b[0] = high >>> 8;
    b[1] = high & 255;
    b[2] = low >>> 24;
    b[3] = (low >>> 16) & 255;
    b[4] = (low >>> 8) & 255;
    b[5] = low & 255;
    b[6] = slot >>> 16;
    b[7] = (slot >>> 8) & 255;
    b[8] = slot & 255;
    randomInto(b, 9, PAYLOAD);
    b.set(this.#mac(b, realm), PAYLOAD);
    const nonce = base64url(b);
    // The nonce this one replaces leaves the ring; if it was used and has not expired, a later
    // use must not pass for a first one.
    if ((this.#nc[slot] as number) > 0) {
      this.#used--;
      const issued = this.#issued[slot] as number;
      if (now - issued < this.#ttl && issued > this.#watermark) this.#watermark = issued;
    }
    this.#nonce[slot] = nonce;
    this.#realm[slot] = realm;
    this.#issued[slot] = t;
    this.#nc[slot] = 0;
    if (this.#repeatMs > 0) this.#response[slot] = '';
    return nonce;
  }

  /** The issue time of a nonce this secret made for this realm, or `undefined` when it did not make it. */
  check(realm: string, nonce: string): number | undefined {
    if (nonce.length !== NONCE_LENGTH) return undefined;
    const slot = this.#slotOf(nonce);
    if (slot >= 0 && this.#realm[slot] === realm) {
      this.#checked = nonce;
      this.#checkedSlot = slot;
      return this.#issued[slot];
    }
    const b = fromBase64url(nonce);
    if (b === undefined) return undefined;
    if (!constantTimeEqualBytes(this.#mac(b, realm), b.subarray(PAYLOAD))) return undefined;
    return nonceTime(b);
  }

  /**
   * Records nonce-count `nc` of a nonce that {@link NonceBook.check} accepted, issued at
   * `issued`: `replay` unless it is higher than every count used with that nonce before. With
   * `repeatMs`, the highest count again with the same `response` (the request-digest, lower
   * case) within `repeatMs` of its acceptance is `ok`: the same request, retransmitted.
   */
  use(nonce: string, issued: number, nc: number, now: number, response = ''): NonceUse {
    const slot =
      nonce === this.#checked && this.#nonce[this.#checkedSlot] === this.#checked
        ? this.#checkedSlot
        : this.#slotOf(nonce);
    if (slot >= 0) {
      const last = this.#nc[slot] as number;
      this.#checked = '';
      if (nc <= last) {
        // RFC 3261 §17.2.2: a retransmission is the same request, not a second use of the count.
        const repeat =
          nc === last &&
          this.#repeatMs > 0 &&
          now - (this.#accepted[slot] as number) < this.#repeatMs &&
          this.#response[slot] === response;
        return repeat ? 'ok' : 'replay';
      }
      if (last === 0) this.#used++;
      this.#nc[slot] = nc;
      if (this.#repeatMs > 0) {
        // A copy: a view would keep the whole request's text alive while the slot lives.
        this.#response[slot] = detached(response);
        this.#accepted[slot] = now;
      }
      return 'ok';
    }
    if (issued <= this.#watermark) return 'forgotten';
    return this.#others.use(nonce, issued, nc, now);
  }

  /** The ring slot holding `nonce`, or -1 when it is not in the ring. */
  #slotOf(nonce: string): number {
    const slot = base64urlQuad(nonce, 8);
    return slot >= 0 && slot < this.#nonce.length && this.#nonce[slot] === nonce ? slot : -1;
  }

  /** Twice the slots, at most the capacity; slot numbers stay as they were. */
  #grow(): void {
    const size = Math.min(this.#capacity, this.#nonce.length * 2);
    const grow = (a: Float64Array) => {
      const b = new Float64Array(size);
      b.set(a);
      return b;
    };
    this.#nonce = this.#nonce.concat(new Array<string>(size - this.#nonce.length).fill(''));
    this.#realm = this.#realm.concat(new Array<string>(size - this.#realm.length).fill(''));
    this.#issued = grow(this.#issued);
    this.#nc = grow(this.#nc);
    if (this.#repeatMs > 0) {
      this.#response = this.#response.concat(new Array<string>(size - this.#response.length).fill(''));
      this.#accepted = grow(this.#accepted);
    }
  }

  /** HMAC-SHA-256(secret, payload ‖ realm), its first 128 bits (RFC 2104 §5). */
  #mac(payload: Uint8Array, realm: string): Uint8Array {
    this.macs++;
    let input = this.#macInput;
    if (realm !== this.#macRealm) {
      let r = this.#realms.get(realm);
      if (r === undefined) {
        if (this.#realms.size >= REALMS) this.#realms.clear();
        const bytes = utf8(realm);
        r = new Uint8Array(PAYLOAD + bytes.length);
        r.set(bytes, PAYLOAD);
        this.#realms.set(realm, r);
      }
      this.#macRealm = realm;
      this.#macInput = input = r;
    }
    for (let i = 0; i < PAYLOAD; i++) input[i] = payload[i] as number;
    return sha256After(this.#outer, sha256After(this.#inner, input)).subarray(0, MAC);
  }
}

function nonceTime(b: Uint8Array): number {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return view.getUint16(0) * 0x100000000 + view.getUint32(2);
}

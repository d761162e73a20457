import type { Transport } from '@sipkit/transport';
import type { TimerEntry } from './heap.js';

/** Bytes of response text per slab chunk. */
const CHUNK = 256 * 1024;
/** Most distinct peer addresses interned at once. */
const MAX_INTERNED = 4096;

/**
 * Makes V8 copy a string built from slices of a message into one flat string, so that a key kept
 * for 32 s does not keep the whole message text alive through the substrings it was made of.
 * (Converting a string to a number flattens it in place.)
 */
export function flatten(s: string): void {
  void Number(s);
}

/**
 * Completed non-INVITE server transactions on unreliable transports, waiting out Timer J.
 *
 * A UDP server holds one of these per request for 64×T1 (32 s): at 17,500 REGISTER/s that is
 * over half a million. Timer J is the same for all of them, so they expire in the order they
 * completed: a ring in typed arrays replaces half a million objects and heap timers, the
 * response bytes go into shared slabs, and the store is one entry in the layer's timer queue.
 * Per transaction it keeps the match key, the response, where it went, and when it expires:
 * what §17.2.2 needs to answer a retransmission.
 */
export class CompletedStore implements TimerEntry {
  due = -1;
  slot = -1;
  /** key → ring index */
  readonly #index = new Map<string, number>();
  #cap = 1024;
  #head = 0;
  #count = 0;
  #keys: (string | undefined)[] = new Array(1024);
  #addr: (string | undefined)[] = new Array(1024);
  #expires = new Float64Array(1024);
  #port = new Uint16Array(1024);
  #transport = new Uint8Array(1024);
  /** absolute slab chunk number, offset and length of the response */
  #chunk = new Float64Array(1024);
  #off = new Uint32Array(1024);
  #len = new Uint32Array(1024);
  /** slabs still referenced, oldest first; `#firstChunk` is the number of `#chunks[0]` */
  #chunks: Uint8Array[] = [];
  #firstChunk = 0;
  #fill = CHUNK;
  readonly #transports: Transport[] = [];
  readonly #interned = new Map<string, string>();
  readonly #onExpire: ((key: string) => void) | undefined;
  readonly #onSendError: ((error: unknown) => void) | undefined;

  /**
   * @param onExpire - told of each key as Timer J (or a failed send) ends it
   * @param onSendError - told when a response cannot be sent again
   */
  constructor(onExpire?: (key: string) => void, onSendError?: (error: unknown) => void) {
    this.#onExpire = onExpire;
    this.#onSendError = onSendError;
  }

  /** Number of transactions held (the index: a slot whose send failed is no longer held). */
  get size(): number {
    return this.#index.size;
  }

  /** Bytes of slab memory held for responses. */
  get slabBytes(): number {
    let n = 0;
    for (const c of this.#chunks) n += c.byteLength;
    return n;
  }

  has(key: string): boolean {
    return this.#index.has(key);
  }

  /**
   * Files a completed transaction. `expires` must not be earlier than that of anything filed
   * before (Timer J is one value per layer).
   */
  add(key: string, bytes: Uint8Array, transport: Transport, address: string, port: number, expires: number): void {
    if (this.#index.has(key)) return;
    flatten(key);
    if (this.#count === this.#cap) this.#grow();
    const i = (this.#head + this.#count) & (this.#cap - 1);
    this.#count++;
    this.#keys[i] = key;
    this.#addr[i] = this.#intern(address);
    this.#port[i] = port;
    this.#transport[i] = this.#transportIndex(transport);
    this.#expires[i] = expires;
    this.#store(i, bytes);
    this.#index.set(key, i);
    if (this.#count === 1) this.due = expires;
  }

  /** Sends the stored response for `key` again; false when the key is not held. */
  resend(key: string): boolean {
    const i = this.#index.get(key);
    if (i === undefined) return false;
    const c = this.#chunks[(this.#chunk[i] as number) - this.#firstChunk] as Uint8Array;
    const off = this.#off[i] as number;
    const bytes = c.subarray(off, off + (this.#len[i] as number));
    const t = this.#transports[this.#transport[i] as number] as Transport;
    t.send(bytes, { address: this.#addr[i] as string, port: this.#port[i] as number }).catch((e) =>
      this.#sendFailed(key, i, e),
    );
    return true;
  }

  /**
   * RFC 3261 §17.2.2, Figure 8: a transport error in Completed ends the transaction. The entry
   * leaves the index now; its ring slot is passed over when its time comes.
   */
  #sendFailed(key: string, i: number, error: unknown): void {
    if (this.#index.get(key) !== i) return;
    this.#index.delete(key);
    this.#keys[i] = undefined;
    this.#onExpire?.(key);
    this.#onSendError?.(error);
  }

  /** Timer J: drops everything whose time has come. */
  fire(now: number): void {
    const mask = this.#cap - 1;
    while (this.#count > 0) {
      const i = this.#head;
      if ((this.#expires[i] as number) > now) break;
      const key = this.#keys[i];
      this.#keys[i] = undefined;
      this.#addr[i] = undefined;
      this.#head = (i + 1) & mask;
      this.#count--;
      // A slot whose send failed has already left the index.
      if (key !== undefined && this.#index.get(key) === i) {
        this.#index.delete(key);
        this.#onExpire?.(key);
      }
    }
    // Free the slabs no live entry points into any more.
    const oldest = this.#count > 0 ? (this.#chunk[this.#head] as number) : this.#firstChunk + this.#chunks.length - 1;
    while (this.#firstChunk < oldest) {
      this.#chunks.shift();
      this.#firstChunk++;
    }
    if (this.#count === 0 && this.#chunks.length === 1) {
      // Nothing left: start the next one afresh rather than keep a slab for nobody.
      this.#chunks.length = 0;
      this.#firstChunk++;
      this.#fill = CHUNK;
    }
    this.due = this.#count > 0 ? (this.#expires[this.#head] as number) : -1;
  }

  #store(i: number, bytes: Uint8Array): void {
    const n = bytes.length;
    if (this.#fill + n > CHUNK || this.#chunks.length === 0) {
      this.#chunks.push(new Uint8Array(Math.max(CHUNK, n)));
      this.#fill = 0;
    }
    const c = this.#chunks[this.#chunks.length - 1] as Uint8Array;
    c.set(bytes, this.#fill);
    this.#chunk[i] = this.#firstChunk + this.#chunks.length - 1;
    this.#off[i] = this.#fill;
    this.#len[i] = n;
    this.#fill += n;
  }

  #transportIndex(t: Transport): number {
    let k = this.#transports.indexOf(t);
    if (k < 0) {
      if (this.#transports.length === 255) throw new Error('more than 255 transports in one transaction layer');
      k = this.#transports.push(t) - 1;
    }
    return k;
  }

  /** Many transactions come from few peers: keep one copy of each address string. */
  #intern(s: string): string {
    const v = this.#interned.get(s);
    if (v !== undefined) return v;
    if (this.#interned.size >= MAX_INTERNED) this.#interned.clear();
    this.#interned.set(s, s);
    return s;
  }

  /** Doubles the ring, laying entries out from 0 and re-pointing the index. */
  #grow(): void {
    const cap = this.#cap;
    const next = cap * 2;
    const keys: (string | undefined)[] = new Array(next);
    const addr: (string | undefined)[] = new Array(next);
    const expires = new Float64Array(next);
    const port = new Uint16Array(next);
    const transport = new Uint8Array(next);
    const chunk = new Float64Array(next);
    const off = new Uint32Array(next);
    const len = new Uint32Array(next);
    for (let k = 0; k < this.#count; k++) {
      const i = (this.#head + k) & (cap - 1);
      const key = this.#keys[i];
      keys[k] = key;
      addr[k] = this.#addr[i];
      expires[k] = this.#expires[i] as number;
      port[k] = this.#port[i] as number;
      transport[k] = this.#transport[i] as number;
      chunk[k] = this.#chunk[i] as number;
      off[k] = this.#off[i] as number;
      len[k] = this.#len[i] as number;
      if (key !== undefined) this.#index.set(key, k);
    }
    this.#keys = keys;
    this.#addr = addr;
    this.#expires = expires;
    this.#port = port;
    this.#transport = transport;
    this.#chunk = chunk;
    this.#off = off;
    this.#len = len;
    this.#head = 0;
    this.#cap = next;
  }
}

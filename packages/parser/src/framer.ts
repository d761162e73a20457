import { SipParseError } from './errors.js';
import { allocBytes } from './internal/alloc.js';
import { binaryString } from './internal/text.js';
import { type ParserLimits, resolveLimits } from './limits.js';
import type { SipRequest, SipResponse } from './message.js';
import { type ParseOptions, parseHead } from './parse.js';

/**
 * What a {@link StreamFramer} reports.
 *
 * - `message`: one whole message.
 * - `ping`: a double CRLF between messages (RFC 5626 §3.5.1 keep-alive); answer with a CRLF.
 * - `pong`: a single CRLF between messages (the answer to our ping).
 * - `error`: the stream is not SIP; the framer stops and the connection should be closed
 *   (RFC 3261 §18.3: a stream cannot be resynchronised). `error.partial` may hold the head of
 *   the bad message, enough to answer 400.
 *
 * @public
 */
export type FramerEvent =
  | { readonly type: 'message'; readonly message: SipRequest | SipResponse }
  | { readonly type: 'ping' }
  | { readonly type: 'pong' }
  | { readonly type: 'error'; readonly error: SipParseError };

/**
 * Options for {@link StreamFramer}.
 *
 * @public
 */
export interface StreamFramerOptions {
  /** Parser limits; `maxMessageSize` also bounds the bytes buffered for one message. */
  limits?: Partial<ParserLimits>;
  /**
   * Record every header field while parsing (see {@link ParseOptions.fieldTable}).
   * @defaultValue false
   */
  fieldTable?: boolean;
}

/**
 * Cuts a TCP, TLS or WebSocket-less byte stream into SIP messages (RFC 3261 §18.3). Feed it
 * chunks of any size; it returns the events each chunk completes. Work is linear in the bytes
 * fed: the search for the end of the header section resumes where it stopped, so a peer sending
 * one byte at a time costs no more than one sending the message at once.
 *
 * @example
 * ```ts
 * const framer = new StreamFramer();
 * socket.on('data', (chunk) => {
 *   for (const ev of framer.push(chunk)) {
 *     if (ev.type === 'message') handle(ev.message);
 *     else if (ev.type === 'ping') socket.write('\r\n');
 *     else if (ev.type === 'error') socket.destroy();
 *   }
 * });
 * ```
 *
 * @public
 */
export class StreamFramer {
  readonly #limits: ParserLimits;
  readonly #fieldTable: boolean;
  #buf: Uint8Array = new Uint8Array(4096);
  /** bytes [start, end) of #buf are pending */
  #start = 0;
  #end = 0;
  /** where the search for CRLFCRLF resumes */
  #scan = 0;
  /** the parsed head of the message whose body is still arriving */
  #head: { msg: SipRequest | SipResponse; headStart: number; bodyStart: number; length: number } | undefined;
  #failed = false;

  /**
   * @param options - limits
   */
  constructor(options: StreamFramerOptions = {}) {
    this.#limits = resolveLimits(options.limits);
    this.#fieldTable = options.fieldTable === true;
  }

  /** Bytes held while waiting for the rest of a message. */
  get buffered(): number {
    return this.#end - this.#start;
  }

  /** True once the stream was found not to be SIP; later chunks are ignored. */
  get failed(): boolean {
    return this.#failed;
  }

  /**
   * Feeds a chunk and returns the events it completes, in order.
   *
   * @param chunk - the next bytes of the stream
   */
  push(chunk: Uint8Array): FramerEvent[] {
    const events: FramerEvent[] = [];
    if (this.#failed) return events;
    this.#append(chunk);
    try {
      this.#drain(events);
    } catch (e) {
      if (!(e instanceof SipParseError)) throw e;
      this.#failed = true;
      this.#start = this.#end = this.#scan = 0;
      this.#head = undefined;
      events.push({ type: 'error', error: e });
    }
    return events;
  }

  #append(chunk: Uint8Array): void {
    const need = this.#end + chunk.length;
    if (need > this.#buf.length) {
      const live = this.#end - this.#start;
      if (live + chunk.length <= this.#buf.length && this.#start > 0) {
        this.#buf.copyWithin(0, this.#start, this.#end);
      } else {
        let size = this.#buf.length * 2;
        while (size < live + chunk.length) size *= 2;
        const next = new Uint8Array(size);
        next.set(this.#buf.subarray(this.#start, this.#end));
        this.#buf = next;
      }
      this.#scan -= this.#start;
      if (this.#head !== undefined) {
        this.#head.headStart -= this.#start;
        this.#head.bodyStart -= this.#start;
      }
      this.#end = live;
      this.#start = 0;
    }
    this.#buf.set(chunk, this.#end);
    this.#end += chunk.length;
  }

  #drain(events: FramerEvent[]): void {
    const buf = this.#buf;
    const max = this.#limits.maxMessageSize;
    // buf[textAt, #end) decoded, once something had to be searched.
    let text: string | undefined;
    let textAt = 0;
    for (;;) {
      if (this.#head !== undefined) {
        const { msg, headStart, bodyStart, length } = this.#head;
        if (this.#end - bodyStart < length) return;
        // The message takes a copy of its bytes (the buffer is reused), carved from a shared
        // slab: an array of its own would cost V8 an off-heap allocation per message. The head
        // was parsed from a view of the buffer at the same offsets.
        const bytes = allocBytes(bodyStart + length - headStart);
        bytes.set(buf.subarray(headStart, bodyStart + length));
        msg._src = bytes;
        if (length > 0) msg.body = bytes.subarray(bodyStart - headStart);
        this.#head = undefined;
        this.#start = this.#scan = bodyStart + length;
        events.push({ type: 'message', message: msg });
        continue;
      }
      // Between messages: CRLF keep-alives (RFC 5626 §3.5.1, §4.4.1).
      while (this.#end - this.#start >= 2 && buf[this.#start] === 13 && buf[this.#start + 1] === 10) {
        if (this.#end - this.#start >= 4 && buf[this.#start + 2] === 13 && buf[this.#start + 3] === 10) {
          events.push({ type: 'ping' });
          this.#start += 4;
        } else if (this.#end - this.#start === 2 || buf[this.#start + 2] !== 13) {
          events.push({ type: 'pong' });
          this.#start += 2;
        } else return; // "\r\n\r" — wait for the next byte
        this.#scan = this.#start;
      }
      if (this.#end - this.#start === 1 && buf[this.#start] === 13) return;
      if (this.#start === this.#end) {
        this.#start = this.#end = this.#scan = 0;
        return;
      }
      // Find the empty line that ends the header section, resuming the previous search. The
      // bytes not searched yet are decoded once per push (one char per byte) and searched with
      // the engine's string search, much faster than a byte loop; later messages of the same
      // chunk search the same text.
      const i = Math.max(this.#scan, this.#start);
      const end = this.#end;
      if (text === undefined || i < textAt) {
        text = binaryString(buf, i, end);
        textAt = i;
      }
      const at = text.indexOf('\r\n\r\n', i - textAt);
      const found = at < 0 ? -1 : textAt + at + 4;
      if (found < 0) {
        this.#scan = Math.max(this.#start, end - 3);
        if (end - this.#start > max) {
          throw new SipParseError('MESSAGE_TOO_LARGE', `header section longer than ${max} bytes`, max);
        }
        return;
      }
      // A view: the bytes are copied once the body is in (the buffer does not move before the
      // message is complete, except in #append, which rebases the offsets kept in #head).
      const headBytes = buf.subarray(this.#start, found);
      const msg = parseHead(headBytes, headBytes.length, this.#limits, this.#fieldTable);
      if (msg._cl < 0) {
        // RFC 3261 §18.3: on a stream, Content-Length is mandatory.
        const err = new SipParseError(
          'MISSING_CONTENT_LENGTH',
          'Content-Length is required on a stream',
          found - this.#start,
        );
        err.partial = msg;
        throw err;
      }
      if (headBytes.length + msg._cl > max) {
        const err = new SipParseError('MESSAGE_TOO_LARGE', `message larger than ${max} bytes`, 0, 'Content-Length');
        err.partial = msg;
        throw err;
      }
      this.#head = { msg, headStart: this.#start, bodyStart: found, length: msg._cl };
      this.#scan = found;
    }
  }
}

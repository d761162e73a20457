// Byte ⇄ string helpers. The header section is decoded one char per byte ("binary"), so string
// offsets are byte offsets; values with octets ≥ 0x80 are decoded again as UTF-8 when read.

interface NodeBufferProto {
  latin1Slice(this: Uint8Array, start: number, end: number): string;
  utf8Slice(this: Uint8Array, start: number, end: number): string;
  utf8Write(this: Uint8Array, s: string, offset: number, length: number): number;
  latin1Write(this: Uint8Array, s: string, offset: number, length: number): number;
}

// A platform primitive, looked up without importing: Node's Buffer decodes much faster than
// TextDecoder for short runs. Browsers take the portable path.
const nodeBuffer = (globalThis as { Buffer?: { prototype: NodeBufferProto } }).Buffer?.prototype;
const latin1Slice = nodeBuffer?.latin1Slice;
const utf8Slice = nodeBuffer?.utf8Slice;
const utf8WriteNative = nodeBuffer?.utf8Write;
const latin1WriteNative = nodeBuffer?.latin1Write;
const byteLength = (globalThis as { Buffer?: { byteLength(s: string, enc: 'utf8'): number } }).Buffer?.byteLength;

const utf8Decoder = new TextDecoder('utf-8');
const utf8Encoder = new TextEncoder();

/**
 * One char per byte. Bytes 0x80–0xFF become chars ≥ 0x80 (windows-1252 in browsers, latin1 in
 * Node); either way ASCII parsing and offsets are unaffected.
 */
export function binaryString(bytes: Uint8Array, start: number, end: number): string {
  if (latin1Slice !== undefined) return latin1Slice.call(bytes, start, end);
  let s = '';
  for (let i = start; i < end; i += 4096) {
    const chunk = bytes.subarray(i, Math.min(end, i + 4096));
    s += String.fromCharCode.apply(null, chunk as unknown as number[]);
  }
  return s;
}

export function utf8Decode(bytes: Uint8Array, start: number, end: number): string {
  if (utf8Slice !== undefined) return utf8Slice.call(bytes, start, end);
  return utf8Decoder.decode(bytes.subarray(start, end));
}

export function utf8Encode(s: string): Uint8Array {
  return utf8Encoder.encode(s);
}

/** Writes `s` as UTF-8 into `out` at `at`; returns the new offset. */
export function utf8Write(s: string, out: Uint8Array, at: number): number {
  if (utf8WriteNative !== undefined) return at + utf8WriteNative.call(out, s, at, out.length - at);
  if (isAscii(s)) {
    for (let i = 0; i < s.length; i++) out[at + i] = s.charCodeAt(i);
    return at + s.length;
  }
  return at + utf8Encoder.encodeInto(s, out.subarray(at)).written;
}

/** UTF-8 byte length of `s`. */
export function utf8Length(s: string): number {
  if (byteLength !== undefined) return byteLength(s, 'utf8');
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

export function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/**
 * Writes a one-char-per-byte string (every char below 0x100, as {@link binaryString} makes) into
 * `out` at `at`; returns the new offset.
 */
export function latin1Write(s: string, out: Uint8Array, at: number): number {
  if (latin1WriteNative !== undefined) return at + latin1WriteNative.call(out, s, at, s.length);
  for (let i = 0; i < s.length; i++) out[at + i] = s.charCodeAt(i);
  return at + s.length;
}

/** `s` as its UTF-8 bytes, one char per byte: `s` itself when it is ASCII. */
export function utf8AsBinary(s: string): string {
  if (isAscii(s)) return s;
  const b = utf8Encode(s);
  return binaryString(b, 0, b.length);
}

/**
 * A copy of `s` that shares no storage with the string it was cut from. V8 keeps a substring of
 * 13 characters or more as a view of its parent, so a Call-ID or nonce kept for an hour would keep
 * the whole text of its message alive. Appending makes a concatenation, and slicing that flattens
 * it into a new string first: the result is a view of that copy only (about 50 ns; a JSON round
 * trip takes 330). Shorter strings are never views and come back as they are.
 *
 * @example
 * ```ts
 * bindings.set(detached(request.callId ?? ''), binding); // the REGISTER's text can go
 * ```
 *
 * @param s - a string read from a message
 * @returns the same characters, held on their own
 * @public
 */
export function detached(s: string): string {
  return s.length < 13 ? s : `${s} `.slice(0, -1);
}

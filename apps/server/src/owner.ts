// Which worker owns a message. Every message of a call (the INVITE and its retransmissions, the
// CANCEL, the ACK, the responses coming back from downstream, the BYE and its response) carries
// the same Call-ID (RFC 3261 §8.1.1.4, §9.1, §12.2.1.1, §16.6 copies it unchanged), so a hash of
// the Call-ID sends all of them to the one worker that holds the transactions and the proxy
// context. The raw scan runs on every datagram before anything is parsed; the string form is for
// messages a stream framer has parsed already. Both hash the same octets.

const CR = 13;
const LF = 10;
const SP = 32;
const HTAB = 9;
const COLON = 58;
const CALL_ID = 'call-id';

/** FNV-1a, 32 bits, over octets start…end of b. */
function fnv(b: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ (b[i] as number), 0x01000193);
  return h >>> 0;
}

/** After a header name ending before i: optional whitespace then a colon (RFC 3261 §7.3.1 HCOLON). Returns the index past the colon, or -1. */
function colonAt(b: Uint8Array, i: number): number {
  while (i < b.length && (b[i] === SP || b[i] === HTAB)) i++;
  return b[i] === COLON ? i + 1 : -1;
}

/**
 * The hash of a message's Call-ID value read from its raw bytes (long form `Call-ID` or compact
 * `i`, any case, §7.3.3), or -1 when the head has none. Leading and trailing whitespace is not
 * part of the value.
 *
 * @param b - one whole message
 */
export function callIdHash(b: Uint8Array): number {
  let i = 0;
  // Skip the start line.
  while (i < b.length && b[i] !== LF) i++;
  i++;
  while (i < b.length) {
    const c = b[i] as number;
    if (c === CR || c === LF) return -1; // the empty line: end of the head
    let value = -1;
    if ((c | 0x20) === 0x69) {
      value = colonAt(b, i + 1); // `i` (compact)
    } else if ((c | 0x20) === 0x63 && i + CALL_ID.length <= b.length) {
      let k = 1;
      while (k < CALL_ID.length && ((b[i + k] as number) | 0x20) === CALL_ID.charCodeAt(k)) k++;
      if (k === CALL_ID.length) value = colonAt(b, i + k);
    }
    if (value >= 0) {
      while (value < b.length && (b[value] === SP || b[value] === HTAB)) value++;
      let end = value;
      while (end < b.length && b[end] !== CR && b[end] !== LF) end++;
      while (end > value && (b[end - 1] === SP || b[end - 1] === HTAB)) end--;
      return end > value ? fnv(b, value, end) : -1;
    }
    while (i < b.length && b[i] !== LF) i++;
    i++;
  }
  return -1;
}

/**
 * The hash of a parsed Call-ID value: the same as {@link callIdHash} on the message's bytes.
 *
 * @param callId - the value
 */
export function callIdStringHash(callId: string): number {
  const b = Buffer.from(callId, 'utf8');
  return fnv(b, 0, b.length);
}

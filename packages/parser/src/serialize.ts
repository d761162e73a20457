import { allocBytes } from './internal/alloc.js';
import { H } from './internal/names.js';
import { utf8Length, utf8Write } from './internal/text.js';
import { entryId, F_NS, F_VE, F_VS, type SipRequest, type SipResponse, STRIDE } from './message.js';

/**
 * Options of {@link serialize}.
 *
 * @public
 */
export interface SerializeOptions {
  /**
   * The bytes are sent at once and not kept (a stateless answer): they are carved from a shared
   * 16 KiB slab instead of a buffer of their own, which costs less than allocating one. Keeping
   * them would keep the whole slab alive, so a transaction that resends its bytes must not ask
   * for this.
   * @defaultValue false
   */
  transient?: boolean;
}

/**
 * Renders a message to bytes.
 *
 * Fields the caller did not touch are copied byte for byte from the parsed input (folding,
 * compact names and odd spacing included); fields set through the API are rendered as
 * `Name: value`. Content-Length always states the body's length: a correct one is kept as it
 * was, a wrong one is rewritten, a missing one is added at the end of the header section.
 *
 * @param msg - a parsed or built message
 * @param options - where the bytes are allocated
 * @returns the wire form
 * @public
 */
export function serialize(msg: SipRequest | SipResponse, options?: SerializeOptions): Uint8Array {
  const src = msg._src;
  const text = msg._text;
  const f = msg._f;
  const x = msg._x;
  const n = f.length / STRIDE;
  const bodyLength = msg.body.length;
  const start = msg.startLine;
  const rawStart = msg._s1 > msg._s0 && start === text.slice(msg._s0, msg._s1);

  // The head as segments: raw byte ranges of the source (fields nobody touched) and rendered
  // text, consecutive rendered parts joined so each run is measured and encoded once.
  const raws: number[] = []; // from, to pairs; -1, index-into-texts for rendered runs
  const texts: string[] = [];
  let pending = '';
  const flush = () => {
    if (pending === '') return;
    raws.push(-1, texts.length);
    texts.push(pending);
    pending = '';
  };
  if (rawStart) raws.push(msg._s0, msg._s1 + 2);
  else pending = `${start}\r\n`;
  let clSeen = false;
  for (let k = 0; k < n; k++) {
    const b = k * STRIDE;
    const ns = f[b + F_NS] as number;
    if (entryId(f, k) === H.ContentLength) {
      clSeen = true;
      // Content-Length follows the body: a wrong or API-set one is rendered again.
      if (ns < 0 || msg.contentLength !== bodyLength) {
        pending += `${msg._name(k)}: ${bodyLength}\r\n`;
        continue;
      }
    }
    if (ns >= 0) {
      flush();
      raws.push(ns, lineEnd(text, f[b + F_VE] as number));
    } else {
      const at = f[b + F_VS] as number;
      pending += `${x[at] as string}: ${x[at + 1] as string}\r\n`;
    }
  }
  if (!clSeen) pending += `Content-Length: ${bodyLength}\r\n`;
  pending += '\r\n';
  flush();

  let size = bodyLength;
  for (let i = 0; i < raws.length; i += 2) {
    const from = raws[i] as number;
    size += from < 0 ? utf8Length(texts[raws[i + 1] as number] as string) : (raws[i + 1] as number) - from;
  }
  const out = options?.transient === true ? allocBytes(size) : new Uint8Array(size);
  let o = 0;
  for (let i = 0; i < raws.length; i += 2) {
    const from = raws[i] as number;
    if (from < 0) o = utf8Write(texts[raws[i + 1] as number] as string, out, o);
    else {
      const to = raws[i + 1] as number;
      out.set(src.subarray(from, to), o);
      o += to - from;
    }
  }
  out.set(msg.body, o);
  return out;
}

/**
 * End of the raw field whose value ends at ve: just after the LF of its last line, continuation
 * lines included (trailing folded white space is outside the value but inside the field).
 */
function lineEnd(text: string, ve: number): number {
  let lf = text.indexOf('\n', ve);
  while (lf >= 0) {
    const next = text.charCodeAt(lf + 1);
    if (next !== 0x20 && next !== 0x09) return lf + 1;
    lf = text.indexOf('\n', lf + 1);
  }
  return text.length;
}

import { H } from './internal/names.js';
import { utf8Length, utf8Write } from './internal/text.js';
import { entryId, F_NS, F_VE, F_VS, type SipRequest, type SipResponse, STRIDE } from './message.js';

/**
 * Renders a message to bytes.
 *
 * Fields the caller did not touch are copied byte for byte from the parsed input (folding,
 * compact names and odd spacing included); fields set through the API are rendered as
 * `Name: value`. Content-Length always states the body's length: a correct one is kept as it
 * was, a wrong one is rewritten, a missing one is added at the end of the header section.
 *
 * @param msg - a parsed or built message
 * @returns the wire form
 * @public
 */
export function serialize(msg: SipRequest | SipResponse): Uint8Array {
  const src = msg._src;
  const f = msg._f;
  const x = msg._x;
  const n = f.length / STRIDE;
  const bodyLength = msg.body.length;
  const start = msg.startLine;
  const rawStart = msg._s1 > msg._s0 && start === msg._text.slice(msg._s0, msg._s1);

  let size = (rawStart ? msg._s1 - msg._s0 : utf8Length(start)) + 2;
  let clSeen = false;
  // First pass: sizes. Content-Length fields whose value is wrong get rendered.
  let clRender = false;
  for (let k = 0; k < n; k++) {
    const b = k * STRIDE;
    const ns = f[b + F_NS] as number;
    if (entryId(f, k) === H.ContentLength) {
      clSeen = true;
      if (ns < 0 || msg.contentLength !== bodyLength) {
        clRender = true;
        size += utf8Length(msg._name(k)) + 2 + String(bodyLength).length + 2;
        continue;
      }
    }
    if (ns >= 0) size += lineEnd(msg._text, f[b + F_VE] as number) - ns;
    else {
      const at = f[b + F_VS] as number;
      size += utf8Length(x[at] as string) + 2 + utf8Length(x[at + 1] as string) + 2;
    }
  }
  const clLine = clSeen ? '' : `Content-Length: ${bodyLength}\r\n`;
  size += clLine.length + 2 + bodyLength;

  const out = new Uint8Array(size);
  let o = 0;
  if (rawStart) {
    out.set(src.subarray(msg._s0, msg._s1), 0);
    o = msg._s1 - msg._s0;
  } else o = utf8Write(start, out, 0);
  out[o++] = 13;
  out[o++] = 10;
  for (let k = 0; k < n; k++) {
    const b = k * STRIDE;
    const ns = f[b + F_NS] as number;
    if (clRender && entryId(f, k) === H.ContentLength) {
      o = utf8Write(`${msg._name(k)}: ${bodyLength}\r\n`, out, o);
      continue;
    }
    if (ns >= 0) {
      const le = lineEnd(msg._text, f[b + F_VE] as number);
      out.set(src.subarray(ns, le), o);
      o += le - ns;
    } else {
      const at = f[b + F_VS] as number;
      o = utf8Write(x[at] as string, out, o);
      out[o++] = 0x3a;
      out[o++] = 0x20;
      o = utf8Write(x[at + 1] as string, out, o);
      out[o++] = 13;
      out[o++] = 10;
    }
  }
  o = utf8Write(clLine, out, o);
  out[o++] = 13;
  out[o++] = 10;
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

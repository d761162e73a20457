import { createRequest } from './build.js';
import { SipParseError } from './errors.js';
import { TOKEN } from './internal/chars.js';
import { binaryString, utf8Encode } from './internal/text.js';
import type { ParserLimits } from './limits.js';
import type { SipRequest } from './message.js';
import { parseMessage } from './parse.js';

const SALVAGED = ['Via', 'From', 'To', 'Call-ID', 'CSeq', 'v', 'f', 't', 'i'];

/**
 * The request to answer when bytes are not a well-formed request: the parsed request itself when
 * they are one, else the head the parser got through, else a lenient read of the start line and of
 * the Via, From, To, Call-ID and CSeq lines — enough for `createResponse(request, 400)` (RFC 3261
 * §8.2.6, §16.3; RFC 4475 §3.1.2: a request whose start line and Via are usable is answered 400).
 * Returns undefined for responses and for bytes with no usable method or no Via line.
 *
 * Only for building a reply: never route or process what this returns.
 *
 * @param input - the bytes that failed to parse (or any bytes)
 * @param limits - parser limits, as given to parseMessage
 * @public
 */
export function salvageRequest(input: Uint8Array | string, limits?: Partial<ParserLimits>): SipRequest | undefined {
  const bytes = typeof input === 'string' ? utf8Encode(input) : input;
  try {
    const m = limits === undefined ? parseMessage(bytes) : parseMessage(bytes, { limits });
    return m.isRequest ? m : undefined;
  } catch (e) {
    if (!(e instanceof SipParseError)) throw e;
    if (e.partial !== undefined) return e.partial.isRequest ? e.partial : undefined;
  }
  // Lenient read, bounded by the size limit: the head only, line by line.
  const max = Math.min(bytes.length, limits?.maxMessageSize ?? 65535);
  const text = binaryString(bytes, 0, max);
  let p = 0;
  while (text.startsWith('\r\n', p)) p += 2;
  const headEnd = text.indexOf('\r\n\r\n', p);
  const head = text.slice(p, headEnd < 0 ? text.length : headEnd);
  const lines = head.split(/\r?\n/);
  const words = (lines[0] ?? '').trim().split(/[ \t]+/);
  const method = words[0] ?? '';
  if (method === '' || /^SIP\//i.test(method) || ![...method].every((c) => TOKEN[c.charCodeAt(0)] === 1))
    return undefined;
  const headers: [string, string][] = [];
  for (let k = 1; k < lines.length; k++) {
    let line = lines[k] as string;
    while (k + 1 < lines.length && /^[ \t]/.test(lines[k + 1] as string)) line += ` ${(lines[++k] as string).trim()}`;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    if (!SALVAGED.some((h) => h.toLowerCase() === name.toLowerCase())) continue;
    headers.push([name, line.slice(colon + 1).trim()]);
  }
  if (!headers.some(([n]) => n.toLowerCase() === 'via' || n.toLowerCase() === 'v')) return undefined;
  const uri = words.length >= 3 ? words.slice(1, -1).join('') : (words[1] ?? '');
  return createRequest({ method, uri: uri === '' ? 'sip:invalid' : uri, headers });
}

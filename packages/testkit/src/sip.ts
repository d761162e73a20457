import { parseMessage, type SipRequest, type SipResponse } from '@sipkit/parser';

/**
 * The `sip` template tag: readable, indented template text in, a SIP message with CRLF line
 * endings out. Call it as a tag for a string, or use `sip.bytes` and `sip.parse`.
 *
 * @public
 */
export interface SipTag {
  /**
   * Builds the message as a string.
   *
   * @param strings - the template's literal parts
   * @param values - the interpolated values (`String(value)`)
   */
  (strings: TemplateStringsArray, ...values: readonly unknown[]): string;
  /**
   * Builds the message as UTF-8 bytes, ready for `Transport.send`.
   *
   * @param strings - the template's literal parts
   * @param values - the interpolated values
   */
  bytes(strings: TemplateStringsArray, ...values: readonly unknown[]): Uint8Array;
  /**
   * Builds the message and parses it with `parseMessage` from `@sipkit/parser` (which throws a
   * `SipParseError` when it is not a valid message).
   *
   * @param strings - the template's literal parts
   * @param values - the interpolated values
   */
  parse(strings: TemplateStringsArray, ...values: readonly unknown[]): SipRequest | SipResponse;
}

/** Stands for an interpolated value while the template's own text is dedented. */
const SLOT = '\uFFFF';
const encoder = new TextEncoder();

function isBlank(line: string): boolean {
  return /^[ \t]*$/.test(line);
}

function render(strings: TemplateStringsArray, values: readonly unknown[]): string {
  // Dedent the template's literal text only: an interpolated value with line breaks of its own
  // (an SDP body) neither counts towards nor loses indentation.
  const text = strings.map((s, i) => s ?? strings.raw[i] ?? '').join(SLOT);
  const lines = text.split(/\r\n|\r|\n/);
  if (lines.length > 1 && isBlank(lines[0] as string)) lines.shift();
  while (lines.length > 0 && isBlank(lines[lines.length - 1] as string)) lines.pop();
  // A start line written right after the backtick has no indentation of its own: it neither
  // counts towards the common indentation nor loses any.
  const first = lines.length > 0 && text.length > 0 && !/^[ \t]*(\r\n|\r|\n)/.test(text) ? 1 : 0;
  let indent = Number.POSITIVE_INFINITY;
  for (let i = first; i < lines.length; i++) {
    const l = lines[i] as string;
    if (!isBlank(l)) indent = Math.min(indent, (/^[ \t]*/.exec(l) as RegExpExecArray)[0].length);
  }
  if (!Number.isFinite(indent)) indent = 0;
  let k = 0;
  const filled = lines
    .map((l, i) => (i < first ? l : isBlank(l) ? '' : l.slice(indent)))
    .join('\n')
    .replace(/\uFFFF/g, () => String(values[k++]));

  const all = filled.split(/\r\n|\r|\n/);
  const gap = all.findIndex(isBlank);
  const head = (gap < 0 ? all : all.slice(0, gap)).map((l) => l.trimEnd());
  const bodyLines = gap < 0 ? [] : all.slice(gap + 1);
  while (bodyLines.length > 0 && isBlank(bodyLines[bodyLines.length - 1] as string)) bodyLines.pop();
  // Every body line ends in CRLF, as SDP requires (RFC 8866 §5).
  const body = bodyLines.map((l) => `${l}\r\n`).join('');
  const headers = head.map((l) => {
    const m = /^(Content-Length|l)([ \t]*:[ \t]*)auto$/i.exec(l);
    return m === null ? l : `${m[1]}${m[2]}${encoder.encode(body).length}`;
  });
  return `${headers.join('\r\n')}\r\n\r\n${body}`;
}

function tag(strings: TemplateStringsArray, ...values: readonly unknown[]): string {
  return render(strings, values);
}

/**
 * Writes a SIP message the way RFCs print them. The tag interpolates values, strips the common
 * indentation of the template's lines (a first line written right after the backtick is left
 * as it is), drops a blank first line and blank last lines, ends every
 * line with CRLF and the header section with an empty line. Text after the first blank line is
 * the body, each of its lines ending in CRLF. A `Content-Length: auto` header becomes the body's
 * length in UTF-8 bytes; no Content-Length is added when there is none.
 *
 * @example
 * ```ts
 * const invite = sip`
 *   INVITE sip:bob@biloxi.com SIP/2.0
 *   Via: SIP/2.0/UDP pc33.atlanta.com;branch=${branch}
 *   Max-Forwards: 70
 *   To: Bob <sip:bob@biloxi.com>
 *   From: Alice <sip:alice@atlanta.com>;tag=1928301774
 *   Call-ID: a84b4c76e66710@pc33.atlanta.com
 *   CSeq: 314159 INVITE
 *   Contact: <sip:alice@pc33.atlanta.com>
 *   Content-Type: application/sdp
 *   Content-Length: auto
 *
 *   v=0
 *   o=alice 2890844526 2890844526 IN IP4 pc33.atlanta.com
 * `;
 * const bytes = sip.bytes`OPTIONS sip:bob@biloxi.com SIP/2.0`;
 * const message = sip.parse`SIP/2.0 200 OK`;
 * ```
 *
 * @public
 */
export const sip: SipTag = Object.assign(tag, {
  bytes: (strings: TemplateStringsArray, ...values: readonly unknown[]): Uint8Array =>
    encoder.encode(render(strings, values)),
  parse: (strings: TemplateStringsArray, ...values: readonly unknown[]): SipRequest | SipResponse =>
    parseMessage(encoder.encode(render(strings, values))),
});

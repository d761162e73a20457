import {
  parseMessage,
  SipParseError,
  type SipRequest,
  type SipResponse,
  validateRequest,
  validateResponse,
} from '@sipkit/parser';

/** An example INVITE, as RFC 3261 §24.2 (F1) writes it. */
export const EXAMPLE =
  'INVITE sip:bob@biloxi.com SIP/2.0\r\n' +
  'Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds\r\n' +
  'Max-Forwards: 70\r\n' +
  'To: Bob <sip:bob@biloxi.com>\r\n' +
  'From: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n' +
  'Call-ID: a84b4c76e66710@pc33.atlanta.com\r\n' +
  'CSeq: 314159 INVITE\r\n' +
  'Contact: <sip:alice@pc33.atlanta.com>\r\n' +
  'Content-Type: application/sdp\r\n' +
  'Content-Length: 142\r\n' +
  '\r\n' +
  'v=0\r\no=alice 2890844526 2890844526 IN IP4 pc33.atlanta.com\r\ns=-\r\n' +
  'c=IN IP4 pc33.atlanta.com\r\nt=0 0\r\nm=audio 49172 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n';

function tryRead(read: () => unknown): string {
  try {
    const v = read();
    if (v === undefined) return '(absent)';
    return typeof v === 'string' ? v : JSON.stringify(v);
  } catch (e) {
    return e instanceof SipParseError ? `(malformed: ${e.message})` : String(e);
  }
}

/** Parses `input` and describes it line by line; never throws for bad input. */
export function describe(input: Uint8Array | string): string[] {
  let m: SipRequest | SipResponse;
  try {
    m = parseMessage(input);
  } catch (e) {
    if (e instanceof SipParseError) return [`not a SIP message: ${e.code}: ${e.message}`];
    throw e;
  }
  const lines = [m.isRequest ? `request  ${m.method} ${m.uri}` : `response ${m.status} ${m.reason}`];
  lines.push(`  top Via   ${tryRead(() => m.topVia?.toString())} (branch ${tryRead(() => m.topVia?.branch)})`);
  lines.push(`  From      ${tryRead(() => m.from?.toString())} (tag ${tryRead(() => m.from?.tag)})`);
  lines.push(`  To        ${tryRead(() => m.to?.toString())} (tag ${tryRead(() => m.to?.tag)})`);
  lines.push(`  Call-ID   ${tryRead(() => m.callId)}`);
  lines.push(`  CSeq      ${tryRead(() => (m.cseq ? `${m.cseq.seq} ${m.cseq.method}` : undefined))}`);
  lines.push(
    `  Contact   ${tryRead(() => {
      const c = m.contacts;
      return c === '*' ? '*' : c.map((x) => x.uriText).join(', ') || undefined;
    })}`,
  );
  lines.push(
    `  body      ${m.body.length} bytes of ${tryRead(() => (m.contentType ? `${m.contentType.type}/${m.contentType.subtype}` : undefined))}`,
  );
  lines.push(`  headers   ${[...m.fields()].map((f) => f.name).join(', ')}`);
  const v = m.isRequest ? validateRequest(m) : validateResponse(m);
  lines.push(
    v.ok
      ? '  valid     yes'
      : `  valid     no: ${v.status} ${v.reason}${v.problems[0]?.detail ? ` (${v.problems[0].detail})` : ''}`,
  );
  return lines;
}

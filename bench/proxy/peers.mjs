// The byte peers of the proxy benchmarks (run.mjs, memory.mjs): a caller's requests serialised
// once, and a callee that answers by copying lines, so the proxy core is all that is measured.

const enc = new TextEncoder();
const CRLF = '\r\n';

/** The caller's three requests of call `i`, serialised once before anything is timed. */
export function callBytes(i) {
  const common = [`From: <sip:alice@example.com>;tag=a${i}`, `Call-ID: c${i}`, 'Max-Forwards: 70'];
  const msg = (start, branch, to, cseq, extra = []) =>
    enc.encode(
      [
        start,
        `Via: SIP/2.0/UDP 10.0.1.1:5060;branch=z9hG4bK${branch}${i}`,
        'Route: <sip:10.0.0.10:5060;lr>',
        ...common,
        `To: ${to}`,
        `CSeq: ${cseq}`,
        ...extra,
        'Content-Length: 0',
        '',
        '',
      ].join(CRLF),
    );
  return {
    invite: msg('INVITE sip:bob@example.com SIP/2.0', 'i', '<sip:bob@example.com>', '1 INVITE', [
      'Contact: <sip:alice@10.0.1.1:5060>',
    ]),
    ack: msg('ACK sip:bob@10.0.1.2:5060 SIP/2.0', 'a', `<sip:bob@example.com>;tag=b${i}`, '1 ACK'),
    bye: msg('BYE sip:bob@10.0.1.2:5060 SIP/2.0', 'b', `<sip:bob@example.com>;tag=b${i}`, '2 BYE'),
  };
}

export const latin1 = (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');

/** The callee: answers INVITE with 180 and 200 (Record-Route copied, §12.1.1) and BYE with 200, by copying lines. */
export function calleeAnswer(text) {
  const method = text.slice(0, text.indexOf(' '));
  if (method === 'ACK') return [];
  const head = text.slice(0, text.indexOf('\r\n\r\n')).split(CRLF);
  const vias = [];
  const rr = [];
  let from = '';
  let to = '';
  let callId = '';
  let cseq = '';
  for (const line of head) {
    if (line.startsWith('Via:')) vias.push(line);
    else if (line.startsWith('Record-Route:')) rr.push(line);
    else if (line.startsWith('From:')) from = line;
    else if (line.startsWith('To:')) to = line;
    else if (line.startsWith('Call-ID:')) callId = line;
    else if (line.startsWith('CSeq:')) cseq = line;
  }
  const tag = method === 'INVITE' ? `;tag=b${callId.slice(10)}` : '';
  const res = (status, extra = []) =>
    enc.encode([status, ...vias, from, to + tag, callId, cseq, ...extra, 'Content-Length: 0', '', ''].join(CRLF));
  if (method === 'INVITE')
    return [res('SIP/2.0 180 Ringing'), res('SIP/2.0 200 OK', [...rr, 'Contact: <sip:bob@10.0.1.2:5060>'])];
  return [res('SIP/2.0 200 OK')];
}

/** Runs CALLS calls between byte peers through `middle`: 'stateful', 'stateless' or 'reflector'. */

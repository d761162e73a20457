import { parseMessage, SipRequest } from '@sipkit/parser';
import { describe, expect, it } from 'vitest';
import { sip } from '../src/index.js';

describe('sip template tag', () => {
  it('writes a small request byte for byte: dedented, CRLF, empty line after the headers', () => {
    const branch = 'z9hG4bK74bf9';
    expect(sip`
      OPTIONS sip:carol@chicago.com SIP/2.0
      Via: SIP/2.0/UDP pc33.atlanta.com;branch=${branch}
      CSeq: 63104 OPTIONS
      Content-Length: 0
    `).toBe(
      'OPTIONS sip:carol@chicago.com SIP/2.0\r\n' +
        'Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK74bf9\r\n' +
        'CSeq: 63104 OPTIONS\r\n' +
        'Content-Length: 0\r\n' +
        '\r\n',
    );
  });

  it('writes the RFC 3261 §24.2 INVITE (F1) with its SDP body and Content-Length: auto', () => {
    const text = sip`
      INVITE sip:bob@biloxi.com SIP/2.0
      Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKnashds8
      Max-Forwards: 70
      To: Bob <sip:bob@biloxi.com>
      From: Alice <sip:alice@atlanta.com>;tag=1928301774
      Call-ID: a84b4c76e66710
      CSeq: 314159 INVITE
      Contact: <sip:alice@pc33.atlanta.com>
      Content-Type: application/sdp
      Content-Length: auto

      v=0
      o=alice 2890844526 2890844526 IN IP4 pc33.atlanta.com
      s=-
      c=IN IP4 pc33.atlanta.com
      t=0 0
      m=audio 49172 RTP/AVP 0
      a=rtpmap:0 PCMU/8000
    `;
    const body =
      'v=0\r\no=alice 2890844526 2890844526 IN IP4 pc33.atlanta.com\r\ns=-\r\nc=IN IP4 pc33.atlanta.com\r\n' +
      't=0 0\r\nm=audio 49172 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n';
    expect(text).toContain(`Content-Length: ${body.length}\r\n\r\n${body}`);
    expect(text.endsWith(body)).toBe(true);
    expect(text).not.toMatch(/[^\r]\n/);
    const m = parseMessage(text, { mode: 'stream' });
    expect(m.isRequest && m.method).toBe('INVITE');
    expect(new TextDecoder().decode(m.body)).toBe(body);
  });

  it('counts the body in UTF-8 bytes, also for the compact form l', () => {
    const text = sip`
      MESSAGE sip:user2@domain.com SIP/2.0
      Via: SIP/2.0/TCP user1pc.domain.com;branch=z9hG4bK776sgdkse
      Max-Forwards: 70
      From: sip:user1@domain.com;tag=49583
      To: sip:user2@domain.com
      Call-ID: asd88asd77a@1.2.3.4
      CSeq: 1 MESSAGE
      Content-Type: text/plain
      l: auto

      Grüße — ok
    `;
    expect(text).toContain('\r\nl: 16\r\n\r\nGrüße — ok\r\n');
    const m = parseMessage(text, { mode: 'stream' });
    expect(m.body.length).toBe(16);
  });

  it('keeps an interpolated multi-line body as its own lines, and a start line written after the backtick', () => {
    const sdp = 'v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-';
    const text = sip`SIP/2.0 200 OK
      CSeq: 1 INVITE
      Content-Length: auto

      ${sdp}
    `;
    expect(text).toBe(
      'SIP/2.0 200 OK\r\nCSeq: 1 INVITE\r\nContent-Length: 36\r\n\r\nv=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\n',
    );
  });

  it('keeps folded header lines indented and blank-line spacing inside the body', () => {
    const text = sip`
      SIP/2.0 200 OK
      Subject: I know you're there,
        pick up the phone
      Content-Length: auto

      line 1

      line 3
    `;
    expect(text).toBe(
      "SIP/2.0 200 OK\r\nSubject: I know you're there,\r\n  pick up the phone\r\nContent-Length: 18\r\n\r\nline 1\r\n\r\nline 3\r\n",
    );
  });

  it('sip.bytes gives the UTF-8 bytes and sip.parse the parsed message', () => {
    const bytes = sip.bytes`
      BYE sip:bob@192.0.2.4 SIP/2.0
      Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKnashds10
      Max-Forwards: 70
      From: <sip:alice@atlanta.com>;tag=1928301774
      To: <sip:bob@biloxi.com>;tag=a6c85cf
      Call-ID: a84b4c76e66710
      CSeq: 231 BYE
      Content-Length: 0
    `;
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(new TextDecoder().decode(bytes).startsWith('BYE sip:bob@192.0.2.4 SIP/2.0\r\nVia:')).toBe(true);
    const m = sip.parse`
      BYE sip:bob@192.0.2.4 SIP/2.0
      Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKnashds10
      CSeq: ${231} BYE
      Content-Length: 0
    `;
    expect(m).toBeInstanceOf(SipRequest);
    expect(m.cseq).toEqual({ seq: 231, method: 'BYE' });
    expect(m.topVia?.branch).toBe('z9hG4bKnashds10');
    expect(() => sip.parse`not a sip message`).toThrow();
  });
});

// Benchmark corpus: one realistic example of each common SIP message type, as strings with CRLF
// line endings. The scenario is the RFC 3261 §24.2 / RFC 3665 call flow seen at Bob's side,
// behind the biloxi proxy: requests and responses that crossed the proxy carry two Via fields;
// the REGISTER / 401 pair goes straight between Bob and the registrar (one Via).
//
// Every entry has `expect`: the values a parser must extract (checked for every library before
// anything is timed). `contact` is null when the message has no Contact.

const CRLF = '\r\n';

/**
 * Joins header lines with CRLF, appends Content-Length computed from the body (in UTF-8 bytes),
 * the empty line and the body.
 */
function message(lines, body = '') {
  const length = Buffer.byteLength(body, 'utf8');
  return [...lines, `Content-Length: ${length}`, '', ''].join(CRLF) + body;
}

const sdp = (lines) => lines.join(CRLF) + CRLF;

const offer = sdp([
  'v=0',
  'o=alice 2890844526 2890844526 IN IP4 pc33.atlanta.example.com',
  's=-',
  'c=IN IP4 192.0.2.101',
  't=0 0',
  'm=audio 49172 RTP/AVP 0 8 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
  'a=ptime:20',
  'a=sendrecv',
]);

const answer = sdp([
  'v=0',
  'o=bob 2808844564 2808844564 IN IP4 192.0.2.4',
  's=-',
  'c=IN IP4 192.0.2.4',
  't=0 0',
  'm=audio 3456 RTP/AVP 0 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
  'a=ptime:20',
  'a=sendrecv',
]);

const CALL_ID = 'a84b4c76e66710@pc33.atlanta.example.com';
const FROM = 'From: "Alice" <sip:alice@atlanta.example.com>;tag=1928301774';
const TO = 'To: "Bob" <sip:bob@biloxi.example.com>';
const TO_TAGGED = `${TO};tag=a6c85cf`;
const VIA_PROXY_INVITE = 'Via: SIP/2.0/UDP server10.biloxi.example.com;branch=z9hG4bK4b43c2ff8.1';
const VIA_ALICE_INVITE =
  'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;received=192.0.2.101;rport=5060';
const RECORD_ROUTE = 'Record-Route: <sip:server10.biloxi.example.com;lr>';
const ALLOW = 'Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, NOTIFY, MESSAGE, SUBSCRIBE, INFO, UPDATE';
const ALICE_CONTACT = { user: 'alice', host: 'pc33.atlanta.example.com', port: undefined };
const BOB_CONTACT = { user: 'bob', host: '192.0.2.4', port: 5060 };

export const corpus = [
  {
    name: 'INVITE',
    text: message(
      [
        'INVITE sip:bob@192.0.2.4:5060 SIP/2.0',
        VIA_PROXY_INVITE,
        VIA_ALICE_INVITE,
        'Max-Forwards: 69',
        RECORD_ROUTE,
        TO,
        FROM,
        `Call-ID: ${CALL_ID}`,
        'CSeq: 314159 INVITE',
        'Contact: <sip:alice@pc33.atlanta.example.com>',
        ALLOW,
        'Supported: replaces, timer',
        'User-Agent: Atlanta-Softphone/2.4.1',
        'Content-Type: application/sdp',
      ],
      offer,
    ),
    expect: {
      isRequest: true,
      method: 'INVITE',
      branch: 'z9hG4bK4b43c2ff8.1',
      fromTag: '1928301774',
      toTag: undefined,
      callId: CALL_ID,
      cseqSeq: 314159,
      cseqMethod: 'INVITE',
      contact: ALICE_CONTACT,
    },
  },
  {
    name: '100 Trying',
    text: message([
      'SIP/2.0 100 Trying',
      VIA_PROXY_INVITE,
      VIA_ALICE_INVITE,
      TO,
      FROM,
      `Call-ID: ${CALL_ID}`,
      'CSeq: 314159 INVITE',
    ]),
    expect: {
      isRequest: false,
      status: 100,
      branch: 'z9hG4bK4b43c2ff8.1',
      fromTag: '1928301774',
      toTag: undefined,
      callId: CALL_ID,
      cseqSeq: 314159,
      cseqMethod: 'INVITE',
      contact: null,
    },
  },
  {
    name: '180 Ringing',
    text: message([
      'SIP/2.0 180 Ringing',
      VIA_PROXY_INVITE,
      VIA_ALICE_INVITE,
      RECORD_ROUTE,
      TO_TAGGED,
      FROM,
      `Call-ID: ${CALL_ID}`,
      'CSeq: 314159 INVITE',
      'Contact: <sip:bob@192.0.2.4:5060>',
    ]),
    expect: {
      isRequest: false,
      status: 180,
      branch: 'z9hG4bK4b43c2ff8.1',
      fromTag: '1928301774',
      toTag: 'a6c85cf',
      callId: CALL_ID,
      cseqSeq: 314159,
      cseqMethod: 'INVITE',
      contact: BOB_CONTACT,
    },
  },
  {
    name: '200 OK (INVITE, SDP)',
    text: message(
      [
        'SIP/2.0 200 OK',
        VIA_PROXY_INVITE,
        VIA_ALICE_INVITE,
        RECORD_ROUTE,
        TO_TAGGED,
        FROM,
        `Call-ID: ${CALL_ID}`,
        'CSeq: 314159 INVITE',
        'Contact: <sip:bob@192.0.2.4:5060>',
        ALLOW,
        'Supported: replaces, timer',
        'Content-Type: application/sdp',
      ],
      answer,
    ),
    expect: {
      isRequest: false,
      status: 200,
      branch: 'z9hG4bK4b43c2ff8.1',
      fromTag: '1928301774',
      toTag: 'a6c85cf',
      callId: CALL_ID,
      cseqSeq: 314159,
      cseqMethod: 'INVITE',
      contact: BOB_CONTACT,
    },
  },
  {
    name: 'ACK',
    text: message([
      'ACK sip:bob@192.0.2.4:5060 SIP/2.0',
      'Via: SIP/2.0/UDP server10.biloxi.example.com;branch=z9hG4bK4b43c2ff8.2',
      'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK74bd5;received=192.0.2.101;rport=5060',
      'Max-Forwards: 69',
      TO_TAGGED,
      FROM,
      `Call-ID: ${CALL_ID}`,
      'CSeq: 314159 ACK',
    ]),
    expect: {
      isRequest: true,
      method: 'ACK',
      branch: 'z9hG4bK4b43c2ff8.2',
      fromTag: '1928301774',
      toTag: 'a6c85cf',
      callId: CALL_ID,
      cseqSeq: 314159,
      cseqMethod: 'ACK',
      contact: null,
    },
  },
  {
    name: 'BYE',
    text: message([
      'BYE sip:bob@192.0.2.4:5060 SIP/2.0',
      'Via: SIP/2.0/UDP server10.biloxi.example.com;branch=z9hG4bK4b43c2ff8.3',
      'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds10;received=192.0.2.101;rport=5060',
      'Max-Forwards: 69',
      TO_TAGGED,
      FROM,
      `Call-ID: ${CALL_ID}`,
      'CSeq: 314160 BYE',
      'User-Agent: Atlanta-Softphone/2.4.1',
    ]),
    expect: {
      isRequest: true,
      method: 'BYE',
      branch: 'z9hG4bK4b43c2ff8.3',
      fromTag: '1928301774',
      toTag: 'a6c85cf',
      callId: CALL_ID,
      cseqSeq: 314160,
      cseqMethod: 'BYE',
      contact: null,
    },
  },
  {
    name: 'REGISTER',
    text: message([
      'REGISTER sip:registrar.biloxi.example.com SIP/2.0',
      'Via: SIP/2.0/UDP 192.0.2.4:5060;branch=z9hG4bKnashds7;rport',
      'Max-Forwards: 70',
      'To: "Bob" <sip:bob@biloxi.example.com>',
      'From: "Bob" <sip:bob@biloxi.example.com>;tag=456248',
      'Call-ID: 843817637684230@998sdasdh09',
      'CSeq: 1826 REGISTER',
      'Contact: <sip:bob@192.0.2.4:5060>;+sip.instance="<urn:uuid:00000000-0000-1000-8000-000A95A0E128>";reg-id=1;expires=7200',
      'Expires: 7200',
      ALLOW,
      'Supported: path, outbound, gruu',
      'User-Agent: Biloxi-Phone/1.0.3',
    ]),
    expect: {
      isRequest: true,
      method: 'REGISTER',
      branch: 'z9hG4bKnashds7',
      fromTag: '456248',
      toTag: undefined,
      callId: '843817637684230@998sdasdh09',
      cseqSeq: 1826,
      cseqMethod: 'REGISTER',
      contact: BOB_CONTACT,
    },
  },
  {
    name: '401 Unauthorized',
    text: message([
      'SIP/2.0 401 Unauthorized',
      'Via: SIP/2.0/UDP 192.0.2.4:5060;branch=z9hG4bKnashds7;received=192.0.2.4;rport=5060',
      'To: "Bob" <sip:bob@biloxi.example.com>;tag=2493k59kd',
      'From: "Bob" <sip:bob@biloxi.example.com>;tag=456248',
      'Call-ID: 843817637684230@998sdasdh09',
      'CSeq: 1826 REGISTER',
      'WWW-Authenticate: Digest realm="biloxi.example.com", qop="auth", nonce="ea9c8e88df84f1cec4341ae6cbe5a359", opaque="5ccc069c403ebaf9f0171e9517f40e41", algorithm=MD5, stale=FALSE',
      'Server: Biloxi-Registrar/5.2',
    ]),
    expect: {
      isRequest: false,
      status: 401,
      branch: 'z9hG4bKnashds7',
      fromTag: '456248',
      toTag: '2493k59kd',
      callId: '843817637684230@998sdasdh09',
      cseqSeq: 1826,
      cseqMethod: 'REGISTER',
      contact: null,
    },
  },
];

/** The message used for the "minimal access" measurement. */
export const MINIMAL_MESSAGE = '180 Ringing';

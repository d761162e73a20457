import { describe, expect, it } from 'vitest';
import { parseMessage, type SipRequest, type SipResponse, validateRequest, validateResponse } from '../src/index.js';
import { sip } from './helpers.js';

const base = (extra = '', method = 'INVITE', cseq = method) =>
  parseMessage(sip`
${method} sip:bob@biloxi.com SIP/2.0
Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKnashds8
Max-Forwards: 70
To: Bob <sip:bob@biloxi.com>
From: Alice <sip:alice@atlanta.com>;tag=1928301774
Call-ID: a84b4c76e66710
CSeq: 314159 ${cseq}
${extra}Content-Length: 0

`) as SipRequest;

describe('request validation (RFC 3261 §8.2, §16.3)', () => {
  it('accepts a well-formed request', () => {
    expect(validateRequest(base())).toEqual({
      ok: true,
      status: undefined,
      reason: undefined,
      problems: [],
      unsupported: [],
    });
  });

  it('as a proxy, ignores malformed header fields a proxy does not act on, but not the ones it does (§16.3 step 1)', () => {
    const m = base('Date: the day after tomorrow\r\nContact: <<sip:x\r\nExpires: soon\r\n');
    expect(validateRequest(m).status).toBe(400);
    expect(validateRequest(m, { proxy: true }).ok).toBe(true);
    const route = base('Route: <sip:p1.example.com;lr\r\n');
    expect(validateRequest(route, { proxy: true })).toMatchObject({
      ok: false,
      status: 400,
      reason: 'Malformed Route',
    });
    const pr = base('Proxy-Require: ,,\r\n');
    expect(validateRequest(pr, { proxy: true }).ok).toBe(false);
  });

  it('answers 400 for a missing or repeated mandatory header (§8.1.1)', () => {
    const m = base();
    m.remove('Call-ID');
    expect(validateRequest(m)).toMatchObject({ ok: false, status: 400, reason: 'Missing Call-ID' });
    const n = base('To: <sip:carol@chicago.com>\r\n');
    expect(validateRequest(n).reason).toBe('More than one To');
  });

  it('answers 400 naming the header for a malformed value, with the parser detail', () => {
    const r = validateRequest(base('Contact: <sip:alice@pc33.atlanta.com;;>\r\n'));
    expect(r.status).toBe(400);
    expect(r.problems[0]?.header).toBe('Contact');
    expect(r.problems[0]?.detail).toMatch(/empty URI parameter/);
  });

  it('answers 400 for a CSeq method that is not the request method (§8.1.1.5)', () => {
    expect(validateRequest(base('', 'OPTIONS', 'INVITE')).reason).toBe('CSeq method does not match the request method');
  });

  it('answers 505 for another SIP version', () => {
    const m = base();
    m.version = 'SIP/3.0';
    expect(validateRequest(m).status).toBe(505);
  });

  it('answers 405 for a known method it does not do, 501 for an unknown one (§8.2.1)', () => {
    expect(validateRequest(base('', 'SUBSCRIBE'), { methods: ['INVITE'] }).status).toBe(405);
    expect(validateRequest(base('', 'FROB'), { methods: ['INVITE'] }).status).toBe(501);
  });

  it('answers 416 for a scheme it does not serve (§8.2.2.1)', () => {
    const m = base();
    m.uri = 'mailto:bob@biloxi.com';
    expect(validateRequest(m, { schemes: ['sip', 'sips'] }).status).toBe(416);
  });

  it('answers 420 listing the unsupported Require tags, and ignores Require on ACK (§8.2.2.3)', () => {
    const r = validateRequest(base('Require: 100rel, foo\r\n'), { supported: ['100rel'] });
    expect([r.status, r.unsupported]).toEqual([420, ['foo']]);
    expect(validateRequest(base('Require: foo\r\n', 'ACK'), { supported: [] }).ok).toBe(true);
  });

  it('checks Proxy-Require when acting as a proxy (§16.3 step 5)', () => {
    const m = base('Proxy-Require: foo\r\nRequire: bar\r\n');
    expect(validateRequest(m, { supported: [], proxy: true }).unsupported).toEqual(['foo']);
  });

  it('answers 415 for a body type it does not understand (§8.2.3)', () => {
    const m = base('Content-Type: application/unknown\r\n');
    m.body = new Uint8Array([1, 2, 3]);
    expect(validateRequest(m, { contentTypes: ['application/sdp'] }).status).toBe(415);
  });

  it('answers 400 for headers in the Request-URI (§19.1.1) and a bare magic-cookie branch', () => {
    const m = base();
    m.uri = 'sip:bob@biloxi.com?Route=%3Csip:x%3E';
    expect(validateRequest(m).reason).toBe('Request-URI carries headers');
    const n = base();
    n.set('Via', 'SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK');
    expect(validateRequest(n).reason).toBe('Via branch is only the magic cookie');
  });
});

describe('response validation (§8.1.3)', () => {
  it('accepts a well-formed response and refuses one with a bad Warning code', () => {
    const ok = parseMessage(sip`
SIP/2.0 200 OK
Via: SIP/2.0/UDP h;branch=z9hG4bK1
To: <sip:b@c>;tag=2
From: <sip:a@c>;tag=1
Call-ID: x
CSeq: 1 INVITE

`) as SipResponse;
    expect(validateResponse(ok).ok).toBe(true);
    ok.append('Warning', '1812 h "four digits"');
    expect(validateResponse(ok).status).toBe(400);
  });
});

describe('header section hygiene', () => {
  it('answers 400 for a bare CR inside a header value (RFC 3261 §7: lines end in CRLF only)', () => {
    const m = base('X-Odd: a\rb\r\n');
    expect(validateRequest(m)).toMatchObject({ status: 400, reason: 'Bare CR in the header section' });
  });

  it('does not count a CR in the body', () => {
    const m = parseMessage(
      'MESSAGE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nTo: <sip:a@b>\r\nFrom: <sip:c@b>;tag=1\r\nCall-ID: x\r\nCSeq: 1 MESSAGE\r\nContent-Length: 3\r\n\r\na\rb',
    ) as SipRequest;
    expect(validateRequest(m).ok).toBe(true);
  });
});

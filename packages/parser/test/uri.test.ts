import { describe, expect, it } from 'vitest';
import { formatUri, Params, parseUri, SipParseError, sipUri, uriEquals } from '../src/index.js';

describe('SIP URI parsing (RFC 3261 §19.1.1)', () => {
  it('reads user, password, host, port, params and headers', () => {
    const u = parseUri('sips:alice:secret@atlanta.com:5061;transport=tcp;lr?subject=project%20x&priority=urgent');
    expect(u.kind).toBe('sip');
    if (u.kind !== 'sip') return;
    expect([u.scheme, u.user, u.password, u.host, u.hostType, u.port]).toEqual([
      'sips',
      'alice',
      'secret',
      'atlanta.com',
      'domain',
      5061,
    ]);
    expect(u.params.get('transport')).toBe('tcp');
    expect(u.params.get('lr')).toBe(null);
    expect(u.params.get('maddr')).toBeUndefined();
    expect(u.headers.get('subject')).toBe('project x');
    expect(formatUri(u)).toBe(
      'sips:alice:secret@atlanta.com:5061;transport=tcp;lr?subject=project%20x&priority=urgent',
    );
  });

  it('reads IPv4 hosts and IPv6 references', () => {
    const a = parseUri('sip:192.0.2.4:5070');
    const b = parseUri('sip:[2001:db8::10]:5070;maddr=[2001:db8::1]');
    expect(a.kind === 'sip' && [a.host, a.hostType, a.port]).toEqual(['192.0.2.4', 'ipv4', 5070]);
    expect(b.kind === 'sip' && [b.host, b.hostType, b.port, b.params.get('maddr')]).toEqual([
      '[2001:db8::10]',
      'ipv6',
      5070,
      '[2001:db8::1]',
    ]);
  });

  it('keeps a scheme it does not know opaque, and parses tel (RFC 3966)', () => {
    expect(parseUri('urn:service:sos')).toEqual({
      kind: 'absolute',
      scheme: 'urn',
      opaque: 'service:sos',
      raw: 'urn:service:sos',
    });
    const t = parseUri('tel:+1-201-555-0123;ext=1234');
    expect(t.kind === 'tel' && [t.number, t.global, t.params.get('ext')]).toEqual(['+1-201-555-0123', true, '1234']);
  });

  it.each([
    ['no scheme', 'alice@atlanta.com'],
    ['bad escape', 'sip:al%4@atlanta.com'],
    ['empty host', 'sip:alice@'],
    ['port out of range', 'sip:atlanta.com:70000'],
    ['white space', 'sip:alice@atlanta.com; lr'],
    ['empty parameter', 'sip:atlanta.com;;lr'],
    ['bad IPv6', 'sip:[zz::1]'],
    ['label ending in "-"', 'sip:atlanta-.com'],
  ])('refuses %s with INVALID_URI', (_why, text) => {
    expect(() => parseUri(text)).toThrow(SipParseError);
    try {
      parseUri(text);
    } catch (e) {
      expect((e as SipParseError).code).toBe('INVALID_URI');
    }
  });

  it('escapes what it must when formatting a built URI (§19.1.2)', () => {
    const u = sipUri({ user: 'I have spaces@', host: 'example.net', params: { transport: 'tcp', lr: null } });
    expect(formatUri(u)).toBe('sip:I%20have%20spaces%40@example.net;transport=tcp;lr');
    expect(parseUri(formatUri(u))).toMatchObject({ user: 'I have spaces@', host: 'example.net' });
    expect(formatUri(sipUri({ host: '2001:db8::1', port: 5060 }))).toBe('sip:[2001:db8::1]:5060');
  });
});

describe('URI comparison (RFC 3261 §19.1.4)', () => {
  const eq = (a: string, b: string) => uriEquals(parseUri(a), parseUri(b));

  it.each([
    ['sip:%61lice@atlanta.com;transport=TCP', 'sip:alice@AtLanTa.CoM;Transport=tcp'],
    ['sip:carol@chicago.com', 'sip:carol@chicago.com;newparam=5'],
    ['sip:carol@chicago.com', 'sip:carol@chicago.com;security=on'],
    ['sip:carol@chicago.com;newparam=5', 'sip:carol@chicago.com;security=on'],
    [
      'sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com',
      'sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com',
    ],
    [
      'sip:alice@atlanta.com?subject=project%20x&priority=urgent',
      'sip:alice@atlanta.com?priority=urgent&subject=project%20x',
    ],
  ])('%s equals %s', (a, b) => {
    expect(eq(a, b)).toBe(true);
    expect(eq(b, a)).toBe(true);
  });

  it.each([
    ['SIP:ALICE@AtLanTa.CoM;Transport=udp', 'sip:alice@AtLanTa.CoM;Transport=UDP', 'different user names'],
    ['sip:bob@biloxi.com', 'sip:bob@biloxi.com:5060', 'an absent port is not 5060'],
    ['sip:bob@biloxi.com', 'sip:bob@biloxi.com;transport=udp', 'different transports'],
    ['sip:bob@biloxi.com', 'sip:bob@biloxi.com:6000;transport=tcp', 'different ports and transports'],
    ['sip:carol@chicago.com', 'sip:carol@chicago.com?Subject=next%20meeting', 'different header component'],
    ['sip:bob@phone21.boxesbybob.com', 'sip:bob@192.0.2.4', 'a name is not its address'],
    ['sip:carol@chicago.com;security=on', 'sip:carol@chicago.com;security=off', 'a parameter both carry differs'],
    ['sip:alice@atlanta.com', 'sips:alice@atlanta.com', 'sip is never sips'],
  ])('%s differs from %s (%s)', (a, b) => {
    expect(eq(a, b)).toBe(false);
    expect(eq(b, a)).toBe(false);
  });

  it('compares tel URIs ignoring visual separators (RFC 3966 §4)', () => {
    expect(eq('tel:+1-201-555-0123', 'tel:+1.201.555.0123')).toBe(true);
    expect(eq('tel:+1-201-555-0123', 'tel:+1-201-555-0124')).toBe(false);
  });
});

describe('Params', () => {
  it('is ordered, case-insensitive and immutable', () => {
    const p = Params.from({ Transport: 'tcp', lr: null });
    expect(p.get('transport')).toBe('tcp');
    const q = p.with('ttl', '1').without('lr');
    expect([...q]).toEqual([
      ['Transport', 'tcp'],
      ['ttl', '1'],
    ]);
    expect([...p]).toHaveLength(2);
    expect(Params.from({ tag: 'a b', received: '192.0.2.1', x: null }).toString()).toBe(
      ';tag="a b";received=192.0.2.1;x',
    );
  });
});

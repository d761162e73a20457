// RFC 8866 §5 and §9: what parseSdp refuses (with code, line and excerpt), what it tolerates,
// and edits that replace whole lines and leave every other byte alone.
import { describe, expect, it } from 'vitest';
import { parseSdp, SdpError, SdpParseError, type SdpParseErrorCode, serializeSdp } from '../src/index.js';
import { crlf, fixture, MINIMAL } from './helpers.js';

function parseError(input: string | Uint8Array): SdpParseError {
  try {
    parseSdp(input);
  } catch (e) {
    expect(e).toBeInstanceOf(SdpParseError);
    expect(e).toBeInstanceOf(SdpError);
    return e as SdpParseError;
  }
  throw new Error('parsed');
}

function expectError(lines: string[], code: SdpParseErrorCode, line: number): SdpParseError {
  const e = parseError(crlf(...lines));
  expect({ code: e.code, line: e.line }).toEqual({ code, line });
  return e;
}

describe('the session level must open with v=0, o=, s= (RFC 8866 §5.1–§5.3)', () => {
  it('refuses empty input', () => {
    expect(parseError('').code).toBe('EMPTY');
  });

  it('refuses a description whose first line is not v= (MISSING_VERSION, line 1)', () => {
    const e = expectError(MINIMAL.slice(1), 'MISSING_VERSION', 1);
    expect(e.excerpt).toBe('o=- 1 1 IN IP4 192.0.2.1');
    expect(e.message).toContain('line 1');
  });

  it('refuses a version other than 0 (INVALID_VERSION)', () => {
    expectError(['v=1', ...MINIMAL.slice(1)], 'INVALID_VERSION', 1);
  });

  it('refuses a description without o= (MISSING_ORIGIN, where it belongs)', () => {
    expectError(['v=0', 's=-', 'c=IN IP4 192.0.2.1', 't=0 0'], 'MISSING_ORIGIN', 2);
  });

  it('refuses o= after s= (LINE_ORDER)', () => {
    expectError(['v=0', 's=-', 'o=- 1 1 IN IP4 192.0.2.1', 'c=IN IP4 192.0.2.1', 't=0 0'], 'LINE_ORDER', 2);
  });

  it('refuses a description without s= (MISSING_SESSION_NAME)', () => {
    expectError(['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 'c=IN IP4 192.0.2.1', 't=0 0'], 'MISSING_SESSION_NAME', 3);
  });

  it('refuses a description that stops after v= (MISSING_ORIGIN past the end)', () => {
    expectError(['v=0'], 'MISSING_ORIGIN', 2);
  });

  it('refuses a second v=, o= or s= (DUPLICATE_LINE)', () => {
    expectError([...MINIMAL, 'o=- 2 2 IN IP4 192.0.2.1'], 'DUPLICATE_LINE', 6);
    expectError([...MINIMAL.slice(0, 3), 's=again', ...MINIMAL.slice(3)], 'DUPLICATE_LINE', 4);
  });

  it('refuses o= lines off the grammar (INVALID_ORIGIN)', () => {
    for (const o of [
      'o=- 1 1 IN IP4',
      'o=- x 1 IN IP4 192.0.2.1',
      'o=- 1 -1 IN IP4 192.0.2.1',
      'o=-  1 1 IN IP4 192.0.2.1',
      'o=- 1 1 IN IP4 192.0.2.1 extra',
    ]) {
      expectError(['v=0', o, 's=-', 'c=IN IP4 192.0.2.1', 't=0 0'], 'INVALID_ORIGIN', 2);
    }
  });
});

describe('time descriptions (RFC 8866 §5.9–§5.11)', () => {
  it('refuses a description without t= (MISSING_TIMING), at the end or before a= or m=', () => {
    expectError(MINIMAL.slice(0, 4), 'MISSING_TIMING', 5);
    expectError([...MINIMAL.slice(0, 4), 'a=recvonly'], 'MISSING_TIMING', 5);
    expectError([...MINIMAL.slice(0, 4), 'm=audio 1 RTP/AVP 0'], 'MISSING_TIMING', 5);
  });

  it('refuses t= after a= (LINE_ORDER)', () => {
    expectError([...MINIMAL.slice(0, 4), 'a=recvonly', 't=0 0'], 'LINE_ORDER', 5);
  });

  it('refuses t=, r= and z= off the grammar (INVALID_TIMING)', () => {
    expectError([...MINIMAL.slice(0, 4), 't=0'], 'INVALID_TIMING', 5);
    expectError([...MINIMAL.slice(0, 4), 't=now 0'], 'INVALID_TIMING', 5);
    expectError([...MINIMAL, 'r=0 1h 0'], 'INVALID_TIMING', 6);
    expectError([...MINIMAL, 'r=7d 1h'], 'INVALID_TIMING', 6);
    expectError([...MINIMAL, 'r=7w 1h 0'], 'INVALID_TIMING', 6);
    expectError([...MINIMAL, 'z=2882844526'], 'INVALID_TIMING', 6);
  });

  it('accepts several time descriptions, z= after r= (RFC 8866) or straight after t= (RFC 4566)', () => {
    const sd = parseSdp(
      crlf(...MINIMAL.slice(0, 4), 't=3034423619 3042462419', 'r=7d 1h 0 25h', 'z=2882844526 -1h', 't=0 0', 'z=1 0'),
    );
    expect(sd.timing.map((t) => [t.start, t.repeats.length, t.zoneAdjustments])).toEqual([
      [3034423619, 1, [{ time: 2882844526, offset: -3600 }]],
      [0, 0, [{ time: 1, offset: 0 }]],
    ]);
  });

  it('refuses r= without t= before it, r= after z=, and a second z= (LINE_ORDER, DUPLICATE_LINE)', () => {
    expectError([...MINIMAL, 'a=x', 'r=7d 1h 0'], 'LINE_ORDER', 7);
    expectError([...MINIMAL, 'z=1 0', 'r=7d 1h 0'], 'LINE_ORDER', 7);
    expectError([...MINIMAL, 'z=1 0', 'z=2 0'], 'DUPLICATE_LINE', 7);
  });
});

describe('line order and sections (RFC 8866 §5, §9)', () => {
  it('refuses session lines out of order (LINE_ORDER)', () => {
    expectError(['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 192.0.2.1', 'i=late', 't=0 0'], 'LINE_ORDER', 5);
    expectError(
      ['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'p=+1 555', 'e=a@example.com', 'c=IN IP4 x', 't=0 0'],
      'LINE_ORDER',
      5,
    );
    expectError([...MINIMAL, 'a=x', 'b=AS:64'], 'LINE_ORDER', 7);
  });

  it('refuses a second i=, u=, c= or k= at session level (DUPLICATE_LINE)', () => {
    expectError(
      ['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 192.0.2.1', 'c=IN IP4 192.0.2.2', 't=0 0'],
      'DUPLICATE_LINE',
      5,
    );
  });

  it('refuses media lines out of order, and session-only lines in a media section', () => {
    expectError([...MINIMAL, 'm=audio 1 RTP/AVP 0', 'a=sendrecv', 'c=IN IP4 192.0.2.1'], 'LINE_ORDER', 8);
    expectError([...MINIMAL, 'm=audio 1 RTP/AVP 0', 'b=AS:1', 'i=late'], 'LINE_ORDER', 8);
    expectError([...MINIMAL, 'm=audio 1 RTP/AVP 0', 't=0 0'], 'LINE_ORDER', 7);
    expectError([...MINIMAL, 'm=audio 1 RTP/AVP 0', 'i=a', 'i=b'], 'DUPLICATE_LINE', 8);
  });

  it('accepts several c= lines in a media section (layered multicast, RFC 8866 §5.7)', () => {
    const sd = parseSdp(
      crlf(...MINIMAL, 'm=video 1 RTP/AVP 31', 'c=IN IP4 233.252.0.1/127', 'c=IN IP4 233.252.0.2/127'),
    );
    expect(sd.media[0]?.connections.map((c) => c.address)).toEqual(['233.252.0.1', '233.252.0.2']);
  });

  it('refuses a media section without c= under a session without one (MISSING_CONNECTION, at m=)', () => {
    const lines = ['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 't=0 0', 'm=audio 1 RTP/AVP 0', 'c=IN IP4 192.0.2.1'];
    expect(parseSdp(crlf(...lines)).media[0]?.connections).toHaveLength(1);
    expectError([...lines, 'm=video 2 RTP/AVP 31'], 'MISSING_CONNECTION', 7);
  });

  it('refuses c= and b= lines off the grammar', () => {
    expectError(['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4', 't=0 0'], 'INVALID_CONNECTION', 4);
    expectError(
      ['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 224.2.1.1/127/3/4', 't=0 0'],
      'INVALID_CONNECTION',
      4,
    );
    expectError(['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP6 ff15::1/3/4', 't=0 0'], 'INVALID_CONNECTION', 4);
    expectError([...MINIMAL.slice(0, 4), 'b=AS', 't=0 0'], 'INVALID_BANDWIDTH', 5);
    expectError([...MINIMAL.slice(0, 4), 'b=AS:fast', 't=0 0'], 'INVALID_BANDWIDTH', 5);
  });
});

describe('the m= line (RFC 8866 §5.14)', () => {
  const m = (line: string) =>
    expectError([...MINIMAL, line], line.includes('INVALID_PORT') ? 'INVALID_PORT' : 'INVALID_MEDIA', 6);

  it('refuses an m= line without formats, proto or port (INVALID_MEDIA)', () => {
    expectError([...MINIMAL, 'm=audio 49170 RTP/AVP'], 'INVALID_MEDIA', 6);
    expectError([...MINIMAL, 'm=audio 49170'], 'INVALID_MEDIA', 6);
    expectError([...MINIMAL, 'm=audio'], 'INVALID_MEDIA', 6);
    expectError([...MINIMAL, 'm='], 'INVALID_MEDIA', 6);
  });

  it('refuses extra spaces and non-token fields (INVALID_MEDIA)', () => {
    m('m=audio  49170 RTP/AVP 0');
    m('m=audio 49170 RTP/AVP 0 ');
    m('m=au(dio 49170 RTP/AVP 0');
    m('m=audio 49170 RTP//AVP 0');
    m('m=audio 49170 RTP/AVP 0 ;');
  });

  it('refuses a non-numeric or out-of-range port (INVALID_PORT)', () => {
    for (const port of ['abc', '-1', '65536', '4917O', '', '1/0', '1/x', '0x10']) {
      const e = expectError(
        [...MINIMAL, `m=audio ${port} RTP/AVP 0`],
        port === '' ? 'INVALID_MEDIA' : 'INVALID_PORT',
        6,
      );
      expect(e.excerpt).toBe(`m=audio ${port} RTP/AVP 0`);
    }
  });

  it('accepts port/number-of-ports and port 0', () => {
    const sd = parseSdp(crlf(...MINIMAL, 'm=video 49170/2 RTP/AVP 31', 'm=audio 0 RTP/AVP 0'));
    expect(sd.media.map((x) => [x.port, x.numberOfPorts, x.rejected])).toEqual([
      [49170, 2, false],
      [0, undefined, true],
    ]);
  });
});

describe('lines and bytes', () => {
  it('refuses a line that is not <type>=<value>, an empty line, CR or NUL inside a line (INVALID_LINE)', () => {
    expectError([...MINIMAL, 'a = b'], 'INVALID_LINE', 6);
    expectError([...MINIMAL, ' a=b'], 'INVALID_LINE', 6);
    expectError([...MINIMAL, ''], 'INVALID_LINE', 6);
    expectError([...MINIMAL, 'a'], 'INVALID_LINE', 6);
    expectError([...MINIMAL, '1=x'], 'INVALID_LINE', 6);
    expectError([...MINIMAL, 'a=x\ry'], 'INVALID_LINE', 6);
    expectError([...MINIMAL, 'a=x\0'], 'INVALID_LINE', 6);
  });

  it('refuses a type letter RFC 8866 does not define (UNKNOWN_TYPE, §5), or keeps it when asked', () => {
    const lines = [...MINIMAL, 'm=video 6000 RTP/AVP 96', 'a=rtpmap:96 PS/90000', 'y=0100000001', 'f=v/2/4///a///'];
    expectError(lines, 'UNKNOWN_TYPE', 8);
    const text = crlf(...lines);
    const sd = parseSdp(text, { unknownLines: 'keep' });
    expect(serializeSdp(sd)).toBe(text);
    expect(sd.media[0]?.lines.map((l) => l.type)).toEqual(['m', 'a', 'y', 'f']);
    sd.media[0]?.addAttribute('recvonly');
    expect(sd.media[0]?.lines.map((l) => l.value).slice(1)).toEqual([
      'rtpmap:96 PS/90000',
      'recvonly',
      '0100000001',
      'v/2/4///a///',
    ]);
    // still v=0 first
    expect(() => parseSdp(`y=1\r\n${text}`, { unknownLines: 'keep' })).toThrow(SdpParseError);
  });

  it('refuses an attribute name that is not a token (INVALID_ATTRIBUTE)', () => {
    expectError([...MINIMAL, 'a='], 'INVALID_ATTRIBUTE', 6);
    expectError([...MINIMAL, 'a=:x'], 'INVALID_ATTRIBUTE', 6);
    expectError([...MINIMAL, 'a=bad name:x'], 'INVALID_ATTRIBUTE', 6);
  });

  it('accepts bare LF line ends and a last line without one, and says so (RFC 8866 §5)', () => {
    const text = crlf(...MINIMAL);
    const lf = parseSdp(MINIMAL.join('\n'));
    expect(lf.exactLineEnds).toBe(false);
    expect(serializeSdp(lf)).toBe(text);
    const mixed = parseSdp(`${MINIMAL.slice(0, 2).join('\r\n')}\n${MINIMAL.slice(2).join('\r\n')}\r\n`);
    expect(mixed.exactLineEnds).toBe(false);
    expect(serializeSdp(mixed)).toBe(text);
    expect(parseSdp(text).exactLineEnds).toBe(true);
  });

  it('reads UTF-8 bytes, keeps non-ASCII text exact, and refuses bytes that are not UTF-8', () => {
    const text = crlf('v=0', 'o=jörg 1 1 IN IP4 192.0.2.1', 's=Café ☕', 'i=日本語', 'c=IN IP4 192.0.2.1', 't=0 0');
    const bytes = new TextEncoder().encode(text);
    const sd = parseSdp(bytes);
    expect(sd.sessionName).toBe('Café ☕');
    expect(sd.origin.username).toBe('jörg');
    expect(serializeSdp(sd)).toBe(text);
    const bad = new Uint8Array([...new TextEncoder().encode(crlf(...MINIMAL)), 0x61, 0x3d, 0xff, 0x0d, 0x0a]);
    const e = parseError(bad);
    expect([e.code, e.line]).toEqual(['INVALID_ENCODING', 6]);
  });

  it('cuts the quoted line short', () => {
    const long = `a=x:${'y'.repeat(500)}`;
    const e = expectError([...MINIMAL.slice(0, 4), long], 'MISSING_TIMING', 5);
    expect(e.excerpt.length).toBe(61);
    expect(e.excerpt.endsWith('…')).toBe(true);
    expect(e.message.length).toBeLessThan(200);
  });

  it('tolerates an empty s= (RFC 8866 §5.3 forbids sending one, real UAs do)', () => {
    expect(parseSdp(crlf('v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=', 'c=IN IP4 192.0.2.1', 't=0 0')).sessionName).toBe('');
  });
});

describe('typed attribute readers check their grammar when they read', () => {
  const sd = parseSdp(
    crlf(
      ...MINIMAL,
      'm=audio 1 RTP/AVP 96',
      'a=rtpmap:96 opus',
      'a=candidate:1 1 udp 5 192.0.2.1 9 host',
      'a=fingerprint:sha-256 zz',
      'a=setup:maybe',
      'a=ssrc:abc cname:x',
      'a=extmap:1/sideways urn:x',
      'a=rtcp:99999',
      'a=ptime:fast',
    ),
  );
  const m = sd.media[0];

  it('throws SdpParseError INVALID_ATTRIBUTE with the line number of the bad line', () => {
    const cases: [() => unknown, number][] = [
      [() => m?.rtpmaps, 7],
      [() => m?.codecs, 7],
      [() => m?.candidates, 8],
      [() => m?.fingerprints, 9],
      [() => m?.setup, 10],
      [() => m?.ssrcs, 11],
      [() => m?.extmaps, 12],
      [() => m?.rtcp, 13],
    ];
    for (const [read, line] of cases) {
      try {
        read();
        throw new Error('read');
      } catch (e) {
        expect(e).toBeInstanceOf(SdpParseError);
        expect([(e as SdpParseError).code, (e as SdpParseError).line]).toEqual(['INVALID_ATTRIBUTE', line]);
      }
    }
  });

  it('keeps the description usable: the generic readers and serialisation still work', () => {
    expect(m?.getAttribute('rtpmap')).toBe('96 opus');
    expect(m?.ptime).toBeUndefined();
    expect(serializeSdp(sd)).toContain('a=setup:maybe\r\n');
  });
});

describe('edits replace whole lines and leave the rest byte for byte', () => {
  it('setDirection replaces the direction line in place (hold)', () => {
    const text = fixture('sip-phone-offer.sdp');
    const sd = parseSdp(text);
    sd.media[0]?.setDirection('sendonly');
    expect(serializeSdp(sd)).toBe(text.replace('a=sendrecv\r\n', 'a=sendonly\r\n'));
  });

  it('setDirection appends a direction where there was none; removeAttribute takes it away again', () => {
    const text = fixture('hold-old-style.sdp');
    const sd = parseSdp(text);
    sd.media[0]?.setDirection('inactive');
    expect(serializeSdp(sd)).toBe(`${text}a=inactive\r\n`);
    expect(sd.media[0]?.removeAttribute('inactive')).toBe(1);
    expect(serializeSdp(sd)).toBe(text);
  });

  it('setOrigin rewrites o= only', () => {
    const text = fixture('chrome-offer.sdp');
    const sd = parseSdp(text);
    sd.setOrigin({ ...sd.origin, sessionVersion: '3' });
    expect(serializeSdp(sd)).toBe(text.replace('o=- 5921479208563177420 2 ', 'o=- 5921479208563177420 3 '));
    expect(() => sd.setOrigin({ ...sd.origin, sessionId: 'x' })).toThrow(SdpError);
  });

  it('setPort and setFormats rewrite the m= line only', () => {
    const text = fixture('answer-rejected-video.sdp');
    const sd = parseSdp(text);
    sd.media[0]?.setPort(0);
    sd.media[1]?.setFormats(['31']);
    expect(serializeSdp(sd)).toBe(
      text.replace('m=audio 30000 ', 'm=audio 0 ').replace('m=video 0 RTP/AVP 96', 'm=video 0 RTP/AVP 31'),
    );
    expect(() => sd.media[0]?.setPort(70000)).toThrow(SdpError);
    expect(() => sd.media[0]?.setFormats([])).toThrow(SdpError);
  });

  it('inserts lines where RFC 8866 §5 puts them: i= after m=, c= before b=, b= before a=', () => {
    const sd = parseSdp(fixture('hold-old-style.sdp'));
    const m = sd.media[0];
    m?.setInformation('main audio');
    m?.setConnection({ address: '192.0.2.9' });
    m?.setBandwidth('TIAS', 64000);
    m?.setBandwidth('AS', undefined);
    expect(m?.lines.map((l) => `${l.type}=${l.value}`).slice(0, 5)).toEqual([
      'm=audio 25040 RTP/AVP 18 0 101',
      'i=main audio',
      'c=IN IP4 192.0.2.9',
      'b=TIAS:64000',
      'a=rtpmap:18 G729/8000',
    ]);
    sd.setConnection({ address: '2001:db8::9' });
    sd.setSessionName('renamed');
    expect(serializeSdp(sd)).toContain('s=renamed\r\nc=IN IP6 2001:db8::9\r\nb=CT:64\r\n');
    // and what was written parses again
    expect(serializeSdp(parseSdp(serializeSdp(sd)))).toBe(serializeSdp(sd));
  });

  it('setAttribute replaces the first in place and drops the rest; addAttribute appends', () => {
    const sd = parseSdp(crlf(...MINIMAL, 'm=audio 1 RTP/AVP 0', 'a=ptime:20', 'a=x', 'a=ptime:30', 'a=y'));
    const m = sd.media[0];
    m?.setAttribute('ptime', '40');
    m?.addAttribute('maxptime', '60');
    expect(m?.attributes).toEqual([
      { name: 'ptime', value: '40' },
      { name: 'x', value: undefined },
      { name: 'y', value: undefined },
      { name: 'maxptime', value: '60' },
    ]);
    expect(m?.getAttribute('x')).toBe('');
    expect(m?.getAttribute('z')).toBeUndefined();
    expect(() => m?.addAttribute('bad name')).toThrow(SdpError);
    expect(() => m?.addAttribute('x', 'a\r\nb')).toThrow(SdpError);
    expect(() => m?.setDirection('sideways' as 'inactive')).toThrow(SdpError);
  });

  it('clone() copies: editing the copy leaves the original alone', () => {
    const text = fixture('firefox-offer.sdp');
    const sd = parseSdp(text);
    const copy = sd.clone();
    copy.media[0]?.setDirection('inactive');
    copy.setSessionName('x');
    expect(serializeSdp(sd)).toBe(text);
    expect(sd.toString()).toBe(text);
  });

  it('lines record their input line numbers; added lines have 0', () => {
    const sd = parseSdp(fixture('sip-phone-offer.sdp'));
    expect(sd.lines.map((l) => l.lineNumber)).toEqual([1, 2, 3, 4, 5]);
    expect(sd.media[0]?.lines[0]?.lineNumber).toBe(6);
    sd.media[0]?.setDirection('inactive');
    expect(sd.media[0]?.lines.at(-1)).toEqual({ type: 'a', value: 'inactive', lineNumber: 0 });
  });
});

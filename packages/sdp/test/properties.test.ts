// Property tests: anything either parses or throws SdpParseError; whatever parses serialises
// exactly; typed readers and createAnswer throw nothing but SdpError on whatever parses.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createAnswer,
  parseSdp,
  SdpError,
  SdpParseError,
  type SessionDescription,
  serializeSdp,
} from '../src/index.js';
import { fixture, fixtureNames } from './helpers.js';

const RUNS = 400;

/** Parses, or checks that the failure is an SdpParseError; returns what parsed. */
function parseOrParseError(input: string | Uint8Array): SessionDescription | undefined {
  try {
    return parseSdp(input);
  } catch (e) {
    if (!(e instanceof SdpParseError)) throw e;
    expect(typeof e.code).toBe('string');
    expect(e.line).toBeGreaterThanOrEqual(1);
    expect(e.excerpt.length).toBeLessThanOrEqual(61);
    return undefined;
  }
}

/** Calls every typed reader; each may only throw SdpError. */
function readEverything(sd: SessionDescription): void {
  const tryRead = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      if (!(e instanceof SdpError)) throw e;
    }
  };
  for (const f of [
    () => sd.origin,
    () => sd.version,
    () => sd.sessionName,
    () => sd.timing,
    () => sd.connection,
    () => sd.bandwidths,
    () => sd.groups,
    () => sd.bundle,
    () => sd.fingerprints,
    () => sd.extmaps,
    () => sd.setup,
    () => sd.iceOptions,
    () => sd.attributes,
  ]) {
    tryRead(f);
  }
  sd.media.forEach((m, i) => {
    for (const f of [
      () => [m.type, m.port, m.numberOfPorts, m.proto, m.formats],
      () => m.connections,
      () => m.bandwidths,
      () => m.codecs,
      () => m.rtpmaps,
      () => m.fmtps,
      () => m.candidates,
      () => m.ssrcs,
      () => m.ssrcGroups,
      () => m.msids,
      () => m.extmaps,
      () => m.fingerprints,
      () => m.setup,
      () => m.rtcp,
      () => m.ptime,
      () => sd.directionOf(i),
    ]) {
      tryRead(f);
    }
  });
}

const CRLF_ONLY = (s: string) => !/\n/.test(s.replaceAll('\r\n', '')) && (s === '' || s.endsWith('\r\n'));

describe('robustness: arbitrary input parses or throws SdpParseError, never anything else', () => {
  it('arbitrary strings (any code unit)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => {
        const sd = parseOrParseError(s);
        if (sd !== undefined && CRLF_ONLY(s)) expect(serializeSdp(sd)).toBe(s);
      }),
      { numRuns: RUNS },
    );
  });

  it('arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        parseOrParseError(b);
      }),
      { numRuns: RUNS },
    );
  });

  // Strings built from SDP-shaped lines reach deeper than random text does.
  const value = fc.oneof(
    fc.constantFrom(
      '0',
      '- 1 1 IN IP4 192.0.2.1',
      'IN IP4 192.0.2.1',
      'IN IP6 ::1/2',
      '0 0',
      '-',
      'audio 49170 RTP/AVP 0 8',
      'video 0 RTP/AVP 96',
      'application 9 UDP/DTLS/SCTP webrtc-datachannel',
      'rtpmap:96 opus/48000/2',
      'rtpmap:x',
      'fmtp:96 a=b;c',
      'candidate:1 1 udp 1 192.0.2.1 9 typ host',
      'candidate:1',
      'sendonly',
      'inactive',
      'group:BUNDLE 0 1',
      'extmap:1/sendonly urn:x',
      'ssrc:1 cname:x',
      'AS:64',
      '7d 1h 0 25h',
      '2882844526 -1h',
    ),
    fc.string({ unit: 'binary', maxLength: 30 }),
  );
  const line = fc.tuple(fc.constantFrom(...'vosiuepcbtrzkamxy'), value).map(([t, v]) => `${t}=${v}`);
  const sdpish = fc
    .tuple(fc.array(line, { maxLength: 20 }), fc.constantFrom('\r\n', '\n'))
    .map(([lines, eol]) => lines.map((l) => l + eol).join(''));

  it('SDP-shaped lines in any order', () => {
    fc.assert(
      fc.property(sdpish, fc.constantFrom<'reject' | 'keep'>('reject', 'keep'), (s, unknownLines) => {
        let sd: SessionDescription | undefined;
        try {
          sd = parseSdp(s, { unknownLines });
        } catch (e) {
          if (!(e instanceof SdpParseError)) throw e;
        }
        if (sd === undefined) return;
        if (CRLF_ONLY(s)) expect(serializeSdp(sd)).toBe(s);
        readEverything(sd);
      }),
      { numRuns: RUNS },
    );
  });

  it('fixtures with a line deleted, duplicated, moved or rewritten', () => {
    const bodies = fixtureNames.map((n) => fixture(n).split('\r\n').slice(0, -1));
    const mutation = fc.record({
      body: fc.nat(bodies.length - 1),
      kind: fc.constantFrom('delete', 'duplicate', 'move', 'rewrite', 'truncate'),
      at: fc.nat(200),
      to: fc.nat(200),
      text: fc.string({ unit: 'binary', maxLength: 20 }),
    });
    fc.assert(
      fc.property(mutation, ({ body, kind, at, to, text }) => {
        const lines = [...(bodies[body] as string[])];
        const i = at % lines.length;
        const j = to % lines.length;
        const l = lines[i] as string;
        if (kind === 'delete') lines.splice(i, 1);
        else if (kind === 'duplicate') lines.splice(j, 0, l);
        else if (kind === 'move') lines.splice(j, 0, ...lines.splice(i, 1));
        else if (kind === 'rewrite') lines[i] = l.slice(0, 2) + text;
        else lines[i] = l.slice(0, j % (l.length + 1));
        const s = lines.map((x) => `${x}\r\n`).join('');
        const sd = parseOrParseError(s);
        if (sd === undefined) return;
        expect(serializeSdp(sd)).toBe(s);
        readEverything(sd);
        try {
          const answer = createAnswer(sd, {
            address: '192.0.2.1',
            ports: () => 4000,
            codecs: { audio: [{ name: 'PCMU', clockRate: 8000 }], video: [{ name: 'VP8', clockRate: 90000 }] },
            protocols: ['RTP/AVP', 'UDP/TLS/RTP/SAVPF'],
          });
          expect(answer.media).toHaveLength(sd.media.length);
        } catch (e) {
          if (!(e instanceof SdpError)) throw e;
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe('round trip: generated valid descriptions serialise exactly as written', () => {
  const token = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+\-.^_`{|}~]{1,12}$/);
  const text = fc.stringMatching(/^[^\r\n\0]{1,40}$/);
  const digits = fc.stringMatching(/^[0-9]{1,20}$/);
  const address = fc.oneof(fc.ipV4(), fc.ipV6(), fc.domain());
  const conn = address.map((a) => `c=IN ${a.includes(':') ? 'IP6' : 'IP4'} ${a}`);
  const attribute = fc.oneof(
    fc.tuple(token, fc.option(text, { nil: undefined })).map(([n, v]) => (v === undefined ? `a=${n}` : `a=${n}:${v}`)),
    fc.constantFrom('a=sendrecv', 'a=sendonly', 'a=recvonly', 'a=inactive', 'a=rtcp-mux'),
  );
  const media = fc
    .record({
      type: fc.constantFrom('audio', 'video', 'text', 'application', 'image'),
      port: fc.integer({ min: 0, max: 65535 }),
      count: fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined }),
      proto: fc.constantFrom('RTP/AVP', 'RTP/SAVPF', 'UDP/TLS/RTP/SAVPF', 'udptl', 'TCP/MSRP'),
      formats: fc.array(fc.oneof(fc.integer({ min: 0, max: 127 }).map(String), token), { minLength: 1, maxLength: 6 }),
      info: fc.option(text, { nil: undefined }),
      conns: fc.array(conn, { maxLength: 2 }),
      bws: fc.array(
        fc.tuple(token, fc.nat()).map(([t, n]) => `b=${t}:${n}`),
        { maxLength: 2 },
      ),
      attrs: fc.array(attribute, { maxLength: 6 }),
    })
    .map((m) => [
      `m=${m.type} ${m.port}${m.count === undefined ? '' : `/${m.count}`} ${m.proto} ${m.formats.join(' ')}`,
      ...(m.info === undefined ? [] : [`i=${m.info}`]),
      ...m.conns,
      ...m.bws,
      ...m.attrs,
    ]);
  const description = fc
    .record({
      user: fc.stringMatching(/^[!-~]{1,10}$/),
      id: digits,
      version: digits,
      origin: address,
      name: text,
      info: fc.option(text, { nil: undefined }),
      emails: fc.array(text, { maxLength: 2 }),
      session: conn,
      times: fc.array(fc.tuple(digits, digits), { minLength: 1, maxLength: 2 }),
      attrs: fc.array(attribute, { maxLength: 6 }),
      media: fc.array(media, { maxLength: 4 }),
    })
    .map((d) =>
      [
        'v=0',
        `o=${d.user} ${d.id} ${d.version} IN ${d.origin.includes(':') ? 'IP6' : 'IP4'} ${d.origin}`,
        `s=${d.name}`,
        ...(d.info === undefined ? [] : [`i=${d.info}`]),
        ...d.emails.map((e) => `e=${e}`),
        d.session,
        ...d.times.map(([a, b]) => `t=${a} ${b}`),
        ...d.attrs,
        ...d.media.flat(),
      ]
        .map((l) => `${l}\r\n`)
        .join(''),
    );

  it('serializeSdp(parseSdp(x)) === x, from text and from UTF-8 bytes; a clone too', () => {
    fc.assert(
      fc.property(description, (s) => {
        const sd = parseSdp(s);
        expect(serializeSdp(sd)).toBe(s);
        expect(serializeSdp(parseSdp(new TextEncoder().encode(s)))).toBe(s);
        expect(serializeSdp(sd.clone())).toBe(s);
        readEverything(sd);
      }),
      { numRuns: RUNS },
    );
  });

  it('with bare LF line ends, the same lines come back with CRLF', () => {
    fc.assert(
      fc.property(description, (s) => {
        const sd = parseSdp(s.replaceAll('\r\n', '\n'));
        expect(sd.exactLineEnds).toBe(false);
        expect(serializeSdp(sd)).toBe(s);
      }),
      { numRuns: RUNS },
    );
  });

  it('an edit changes its own line and nothing else; the result parses again', () => {
    fc.assert(
      fc.property(
        description,
        fc.constantFrom('sendonly', 'inactive') as fc.Arbitrary<'sendonly' | 'inactive'>,
        (s, d) => {
          const sd = parseSdp(s);
          const before = serializeSdp(sd).split('\r\n');
          for (const m of sd.media) m.setDirection(d);
          const after = serializeSdp(sd);
          expect(serializeSdp(parseSdp(after))).toBe(after);
          const kept = after.split('\r\n').filter((l) => before.includes(l));
          // every line not about direction is still there, in order
          const untouched = before.filter((l) => !/^a=(sendrecv|sendonly|recvonly|inactive)$/.test(l));
          expect(kept.filter((l) => untouched.includes(l))).toEqual(untouched);
        },
      ),
      { numRuns: RUNS },
    );
  });
});

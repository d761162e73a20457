// RFC 3264 §5 and §6: building offers and answering them.
import { describe, expect, it } from 'vitest';
import {
  type AnswerOptions,
  answerDirection,
  type CodecSpec,
  codecMatches,
  createAnswer,
  createOffer,
  type Direction,
  holdDirection,
  parseSdp,
  SdpError,
  serializeSdp,
} from '../src/index.js';
import { crlf, fixture, MINIMAL } from './helpers.js';

const PCMA: CodecSpec = { name: 'PCMA', clockRate: 8000 };
const PCMU: CodecSpec = { name: 'PCMU', clockRate: 8000 };
const G722: CodecSpec = { name: 'G722', clockRate: 8000 };
const DTMF: CodecSpec = { name: 'telephone-event', clockRate: 8000 };

const base: AnswerOptions = {
  address: '198.51.100.7',
  ports: { audio: 20000, video: 20002 },
  codecs: { audio: [PCMA, PCMU, DTMF] },
  origin: { sessionId: '1234', sessionVersion: '5' },
};

const phone = () => parseSdp(fixture('sip-phone-offer.sdp'));

describe('RFC 3264 §6: the answer has the offer m= lines, same number, same order', () => {
  it('answers each offered stream in order, with the offer t= line and its own o= line', () => {
    const offer = parseSdp(fixture('rfc8866-example.sdp'));
    const answer = createAnswer(offer, {
      ...base,
      codecs: { audio: [PCMU], video: [{ name: 'h263-1998', clockRate: 90000 }] },
    });
    expect(answer.media.map((m) => [m.type, m.port])).toEqual([
      ['audio', 20000],
      ['audio', 20000],
      ['video', 20002],
    ]);
    expect(answer.origin).toEqual({
      username: '-',
      sessionId: '1234',
      sessionVersion: '5',
      nettype: 'IN',
      addrtype: 'IP4',
      address: '198.51.100.7',
    });
    expect(answer.connection?.address).toBe('198.51.100.7');
    expect(answer.lines.filter((l) => l.type === 't')).toEqual(
      offer.lines.filter((l) => l.type === 't').map((l) => ({ ...l, lineNumber: 5 })),
    );
    // what it writes parses back exactly
    expect(serializeSdp(parseSdp(serializeSdp(answer)))).toBe(serializeSdp(answer));
  });

  it('makes up a numeric session id of its own when none is given', () => {
    const a = createAnswer(phone(), { ...base, origin: undefined });
    const b = createAnswer(phone(), { ...base, origin: undefined });
    expect(a.origin.sessionId).toMatch(/^[0-9]+$/);
    expect(a.origin.sessionId).not.toBe(b.origin.sessionId);
    expect(a.origin.sessionId).not.toBe(phone().origin.sessionId);
    expect(a.origin.sessionVersion).toBe('1');
    expect(a.origin.username).toBe('-');
  });

  it('copies the repeat and zone lines of a scheduled offer too (the time is not negotiated)', () => {
    const offer = parseSdp(fixture('scheduled-multicast.sdp'));
    const answer = createAnswer(offer, {
      ...base,
      codecs: { audio: [{ name: 'L16', clockRate: 44100, channels: 1 }] },
    });
    expect(answer.timing).toEqual(offer.timing);
  });

  it('writes an IPv6 answer with IP6 in o= and c=', () => {
    const answer = createAnswer(phone(), { ...base, address: '2001:db8::7' });
    expect(answer.origin.addrtype).toBe('IP6');
    expect(answer.connection).toMatchObject({ addrtype: 'IP6', address: '2001:db8::7' });
  });
});

describe('RFC 3264 §6.1: formats are the intersection, in the offerer preference order', () => {
  it('lists the common codecs in the offer order, not the answerer order, with the offer payload types', () => {
    const answer = createAnswer(phone(), { ...base, codecs: { audio: [G722, PCMA, PCMU] } });
    const audio = answer.media[0];
    expect(audio?.formats).toEqual(['0', '8', '9']);
    expect(audio?.rtpmaps.map((r) => `${r.payloadType} ${r.encoding}/${r.clockRate}`)).toEqual([
      '0 PCMU/8000',
      '8 PCMA/8000',
      '9 G722/8000',
    ]);
  });

  it('matches names case-insensitively, and clock rate and channels exactly', () => {
    const offer = parseSdp(fixture('chrome-offer.sdp'));
    const answer = createAnswer(offer, {
      ...base,
      protocols: ['UDP/TLS/RTP/SAVPF'],
      codecs: {
        audio: [
          { name: 'OPUS', clockRate: 48000 },
          { name: 'pcmu', clockRate: 8000 },
        ],
      },
    });
    // opus is offered with 2 channels; a mono opus spec does not match it
    expect(answer.media[0]?.codecs.map((c) => c.name)).toEqual(['PCMU']);
    const stereo = createAnswer(offer, {
      ...base,
      protocols: ['UDP/TLS/RTP/SAVPF'],
      codecs: { audio: [{ name: 'opus', clockRate: 48000, channels: 2 }] },
    });
    expect(stereo.media[0]?.rtpmap(111)).toEqual({ payloadType: 111, encoding: 'opus', clockRate: 48000, channels: 2 });
  });

  it('echoes the offer fmtp, or writes its own when the local codec has one', () => {
    const offer = phone();
    const echo = createAnswer(offer, { ...base, codecs: { audio: [{ name: 'G729', clockRate: 8000 }, DTMF] } });
    expect(echo.media[0]?.fmtps.map((f) => [f.format, f.parameters])).toEqual([
      ['18', 'annexb=no'],
      ['101', '0-16'],
    ]);
    const own = createAnswer(offer, {
      ...base,
      codecs: {
        audio: [
          { name: 'G729', clockRate: 8000, fmtp: 'annexb=yes' },
          { ...DTMF, fmtp: '0-15' },
        ],
      },
    });
    expect(own.media[0]?.fmtps.map((f) => [f.format, f.parameters])).toEqual([
      ['18', 'annexb=yes'],
      ['101', '0-15'],
    ]);
  });

  it('tells H.264 packetization modes and profiles apart (RFC 6184 §8.2.2), and takes rtx only with its codec (RFC 4588)', () => {
    const offer = parseSdp(fixture('chrome-offer.sdp'));
    const video = (specs: CodecSpec[]) =>
      createAnswer(offer, { ...base, protocols: ['UDP/TLS/RTP/SAVPF'], codecs: { audio: [PCMU], video: specs } })
        .media[1];
    const rtx = { name: 'rtx', clockRate: 90000 };
    expect(video([{ name: 'H264', clockRate: 90000 }, rtx])?.formats).toEqual(['102', '103', '104', '105']);
    expect(
      video([{ name: 'H264', clockRate: 90000, fmtp: 'profile-level-id=42e01f;packetization-mode=1' }, rtx])?.formats,
    ).toEqual(['104', '105']);
    expect(video([{ name: 'H264', clockRate: 90000, fmtp: 'packetization-mode=0' }, rtx])?.port).toBe(0);
    // rtx without a supported codec to repair, or codec without rtx support
    expect(video([{ name: 'VP8', clockRate: 90000 }])?.formats).toEqual(['96']);
    expect(video([{ name: 'VP8', clockRate: 90000 }, rtx])?.codecs.map((c) => [c.payloadType, c.name, c.fmtp])).toEqual(
      [
        [96, 'VP8', undefined],
        [97, 'rtx', 'apt=96'],
      ],
    );
    expect(video([rtx])?.port).toBe(0);
  });

  it('carries telephone-event only when both sides support it (RFC 4733), at the same clock rate', () => {
    const offer = phone();
    expect(createAnswer(offer, { ...base, codecs: { audio: [PCMU, DTMF] } }).media[0]?.formats).toEqual(['0', '101']);
    expect(createAnswer(offer, { ...base, codecs: { audio: [PCMU] } }).media[0]?.formats).toEqual(['0']);
    expect(
      createAnswer(offer, { ...base, codecs: { audio: [PCMU, { name: 'telephone-event', clockRate: 48000 }] } })
        .media[0]?.formats,
    ).toEqual(['0']);
    const chrome = parseSdp(fixture('chrome-offer.sdp'));
    const webrtc = createAnswer(chrome, {
      ...base,
      protocols: ['UDP/TLS/RTP/SAVPF'],
      codecs: {
        audio: [
          { name: 'opus', clockRate: 48000, channels: 2 },
          { name: 'telephone-event', clockRate: 48000 },
        ],
      },
    });
    expect(webrtc.media[0]?.formats).toEqual(['111', '110']);
  });

  it('rejects a stream where only telephone-event or comfort noise is in common', () => {
    const answer = createAnswer(phone(), { ...base, codecs: { audio: [{ name: 'opus', clockRate: 48000 }, DTMF] } });
    expect(answer.media[0]?.port).toBe(0);
  });

  it('answers non-RTP formats by name (T.38 over udptl)', () => {
    const offer = parseSdp(fixture('sip-t38-reoffer.sdp'));
    const rejected = createAnswer(offer, { ...base, codecs: { image: [{ name: 't38', clockRate: 0 }] } });
    expect(rejected.media[0]?.port).toBe(0); // udptl is not in the default protocols
    const answer = createAnswer(offer, {
      ...base,
      ports: { image: 40400 },
      protocols: ['udptl'],
      codecs: { image: [{ name: 'T38', clockRate: 0 }] },
      mediaAttributes: (m) => [
        ['T38FaxVersion', '0'],
        ['T38MaxBitRate', m.getAttribute('T38MaxBitRate') ?? '9600'],
      ],
    });
    expect(answer.media[0]?.lines.map((l) => `${l.type}=${l.value}`)).toEqual([
      'm=image 40400 udptl t38',
      'a=sendrecv',
      'a=T38FaxVersion:0',
      'a=T38MaxBitRate:14400',
    ]);
  });
});

describe('RFC 3264 §6: rejected streams have port 0', () => {
  it('rejects a media type with no local codecs, keeping the offered formats and the mid', () => {
    const offer = parseSdp(fixture('chrome-offer.sdp'));
    const answer = createAnswer(offer, { ...base, protocols: ['UDP/TLS/RTP/SAVPF'], codecs: { audio: [PCMU] } });
    expect(answer.media.map((m) => [m.type, m.port, m.mid])).toEqual([
      ['audio', 20000, '0'],
      ['video', 0, '1'],
      ['application', 0, '2'],
    ]);
    expect(answer.media[1]?.formats).toEqual(offer.media[1]?.formats);
    expect(answer.media[1]?.attributes).toEqual([{ name: 'mid', value: '1' }]);
  });

  it('keeps a stream offered with port 0 rejected, even when it could be accepted', () => {
    const offer = parseSdp(crlf(...MINIMAL, 'm=audio 49170 RTP/AVP 0', 'm=video 0 RTP/AVP 31'));
    const answer = createAnswer(offer, {
      ...base,
      codecs: { audio: [PCMU], video: [{ name: 'H261', clockRate: 90000 }] },
    });
    expect(answer.media.map((m) => m.port)).toEqual([20000, 0]);
  });

  it('rejects a proto it does not speak, and a stream without a port', () => {
    const offer = parseSdp(
      crlf(...MINIMAL, 'm=audio 49170 RTP/SAVP 0', 'm=audio 49172 RTP/AVP 0', 'm=audio 49174 RTP/AVP 0'),
    );
    const answer = createAnswer(offer, {
      ...base,
      ports: (m, i) => (i === 2 ? undefined : 30000 + 2 * i + (m.type === 'audio' ? 0 : 1)),
      codecs: { audio: [PCMU] },
    });
    expect(answer.media.map((m) => m.port)).toEqual([0, 30002, 0]);
  });

  it('rejects everything when nothing is in common (a UAS then answers 488)', () => {
    const answer = createAnswer(phone(), { ...base, codecs: { audio: [{ name: 'AMR', clockRate: 8000 }] } });
    expect(answer.media.every((m) => m.rejected)).toBe(true);
    expect(answer.media).toHaveLength(1);
  });
});

describe('RFC 3264 §6.1: directions', () => {
  const table: [Direction, Direction, Direction][] = [
    ['sendrecv', 'sendrecv', 'sendrecv'],
    ['sendrecv', 'sendonly', 'sendonly'],
    ['sendrecv', 'recvonly', 'recvonly'],
    ['sendrecv', 'inactive', 'inactive'],
    ['sendonly', 'sendrecv', 'recvonly'],
    ['sendonly', 'recvonly', 'recvonly'],
    ['sendonly', 'sendonly', 'inactive'],
    ['recvonly', 'sendrecv', 'sendonly'],
    ['recvonly', 'sendonly', 'sendonly'],
    ['recvonly', 'recvonly', 'inactive'],
    ['inactive', 'sendrecv', 'inactive'],
    ['inactive', 'sendonly', 'inactive'],
  ];

  it('answerDirection: sendonly ↔ recvonly, inactive stays inactive, the preference narrows', () => {
    for (const [offered, pref, expected] of table)
      expect(answerDirection(offered, pref), `${offered}/${pref}`).toBe(expected);
    expect(answerDirection('sendonly')).toBe('recvonly');
  });

  it('createAnswer writes the mapped direction on each accepted stream', () => {
    for (const [offered, pref, expected] of table) {
      const offer = parseSdp(crlf(...MINIMAL, 'm=audio 49170 RTP/AVP 0', `a=${offered}`));
      expect(createAnswer(offer, { ...base, direction: pref }).media[0]?.direction).toBe(expected);
    }
  });

  it('takes the session-level direction of the offer, and a preference per media type', () => {
    const offer = parseSdp(
      crlf(...MINIMAL, 'a=sendonly', 'm=audio 49170 RTP/AVP 0', 'm=video 49172 RTP/AVP 31', 'a=sendrecv'),
    );
    const answer = createAnswer(offer, {
      ...base,
      codecs: { audio: [PCMU], video: [{ name: 'H261', clockRate: 90000 }] },
      direction: { video: 'recvonly' },
    });
    expect(answer.media.map((m) => m.direction)).toEqual(['recvonly', 'recvonly']);
  });

  it('answers an RFC 2543 hold (c=0.0.0.0) with recvonly', () => {
    const answer = createAnswer(parseSdp(fixture('hold-old-style.sdp')), { ...base, codecs: { audio: [PCMU, DTMF] } });
    expect(answer.media[0]?.direction).toBe('recvonly');
    expect(answer.media[0]?.formats).toEqual(['0', '101']);
  });

  it('answers a sendonly hold with recvonly', () => {
    const answer = createAnswer(parseSdp(fixture('hold-sendonly.sdp')), base);
    expect(answer.media[0]?.direction).toBe('recvonly');
  });

  it('holdDirection: sendrecv → sendonly, recvonly → inactive (RFC 3264 §8.4)', () => {
    expect(['sendrecv', 'sendonly', 'recvonly', 'inactive'].map((d) => holdDirection(d as Direction))).toEqual([
      'sendonly',
      'sendonly',
      'inactive',
      'inactive',
    ]);
  });
});

describe('answer extras', () => {
  it('echoes a=rtcp-mux only when offered and wanted (RFC 5761), writes ptime for audio, adds attributes', () => {
    const offer = parseSdp(fixture('chrome-offer.sdp'));
    const options: AnswerOptions = {
      ...base,
      protocols: ['UDP/TLS/RTP/SAVPF'],
      codecs: { audio: [PCMU] },
      ptime: 20,
      sessionAttributes: [['ice-lite']],
      mediaAttributes: (m) => [
        ['ice-ufrag', 'abcd'],
        ['setup', m.setup === 'actpass' ? 'passive' : 'active'],
      ],
    };
    const plain = createAnswer(offer, options).media[0];
    expect(plain?.rtcpMux).toBe(false);
    const answer = createAnswer(offer, { ...options, rtcpMux: true });
    expect(answer.iceLite).toBe(true);
    expect(answer.media[0]?.lines.map((l) => `${l.type}=${l.value}`)).toEqual([
      'm=audio 20000 UDP/TLS/RTP/SAVPF 0',
      'a=mid:0',
      'a=rtpmap:0 PCMU/8000',
      'a=ptime:20',
      'a=rtcp-mux',
      'a=sendrecv',
      'a=ice-ufrag:abcd',
      'a=setup:passive',
    ]);
    expect(createAnswer(phone(), { ...base, rtcpMux: true }).media[0]?.rtcpMux).toBe(false);
  });

  it('refuses options that cannot be written as SDP (INVALID_ARGUMENT)', () => {
    for (const bad of [
      { ...base, address: 'two words' },
      { ...base, sessionName: 'x\r\ny' },
      { ...base, sessionAttributes: [['bad name']] as const },
      { ...base, origin: { sessionId: 'abc' } },
    ]) {
      try {
        createAnswer(phone(), bad);
        throw new Error('created');
      } catch (e) {
        expect(e).toBeInstanceOf(SdpError);
        expect((e as SdpError).code).toBe('INVALID_ARGUMENT');
      }
    }
  });

  it('codecMatches compares name, clock rate and channels', () => {
    const c = { payloadType: 111, name: 'opus', clockRate: 48000, channels: 2, fmtp: undefined };
    expect(codecMatches(c, { name: 'Opus', clockRate: 48000, channels: 2 })).toBe(true);
    expect(codecMatches(c, { name: 'opus', clockRate: 16000, channels: 2 })).toBe(false);
    expect(codecMatches(c, { name: 'opus', clockRate: 48000 })).toBe(false);
  });
});

describe('createOffer (RFC 3264 §5)', () => {
  it('numbers static codecs by RFC 3551 and the others from 96, with rtpmap and fmtp', () => {
    const offer = createOffer({
      address: '192.0.2.1',
      origin: { username: 'ua', sessionId: '99', sessionVersion: '1' },
      media: [
        {
          type: 'audio',
          port: 4000,
          codecs: [{ name: 'opus', clockRate: 48000, channels: 2, fmtp: 'useinbandfec=1' }, PCMU, PCMA, DTMF],
          ptime: 20,
        },
        {
          type: 'video',
          port: 4002,
          proto: 'RTP/AVPF',
          direction: 'recvonly',
          mid: 'v',
          rtcpMux: true,
          codecs: [
            { name: 'VP8', clockRate: 90000, payloadType: 100 },
            { name: 'rtx', clockRate: 90000, payloadType: 101, fmtp: 'apt=100' },
            { name: 'H264', clockRate: 90000, fmtp: 'packetization-mode=1' },
          ],
          attributes: [['rtcp-fb', '100 nack']],
        },
      ],
    });
    expect(serializeSdp(offer)).toBe(
      crlf(
        'v=0',
        'o=ua 99 1 IN IP4 192.0.2.1',
        's=-',
        'c=IN IP4 192.0.2.1',
        't=0 0',
        'm=audio 4000 RTP/AVP 96 0 8 97',
        'a=rtpmap:96 opus/48000/2',
        'a=fmtp:96 useinbandfec=1',
        'a=rtpmap:0 PCMU/8000',
        'a=rtpmap:8 PCMA/8000',
        'a=rtpmap:97 telephone-event/8000',
        'a=ptime:20',
        'a=sendrecv',
        'm=video 4002 RTP/AVPF 100 101 96',
        'a=mid:v',
        'a=rtpmap:100 VP8/90000',
        'a=rtpmap:101 rtx/90000',
        'a=fmtp:101 apt=100',
        'a=rtpmap:96 H264/90000',
        'a=fmtp:96 packetization-mode=1',
        'a=rtcp-mux',
        'a=recvonly',
        'a=rtcp-fb:100 nack',
      ),
    );
  });

  it('offers and answers round: the answer to its own offer keeps everything in common', () => {
    const offer = createOffer({
      address: '192.0.2.1',
      media: [{ type: 'audio', port: 4000, codecs: [PCMU, PCMA, DTMF] }],
    });
    const answer = createAnswer(offer, { ...base, codecs: { audio: [PCMA, DTMF] } });
    expect(answer.media[0]?.codecs.map((c) => `${c.payloadType} ${c.name}`)).toEqual(['8 PCMA', '96 telephone-event']);
  });

  it('refuses a section without codecs and bad payload types', () => {
    expect(() => createOffer({ address: '192.0.2.1', media: [{ type: 'audio', port: 1, codecs: [] }] })).toThrow(
      SdpError,
    );
    expect(() =>
      createOffer({
        address: '192.0.2.1',
        media: [{ type: 'audio', port: 1, codecs: [{ ...PCMU, payloadType: 128 }] }],
      }),
    ).toThrow(SdpError);
  });
});

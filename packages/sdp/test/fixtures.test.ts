// Real-world shaped bodies (test/fixtures/*.sdp, CRLF): each parses, reads back the fields a
// user agent needs, and serialises byte for byte as it came.
import { describe, expect, it } from 'vitest';
import { parseSdp, serializeSdp } from '../src/index.js';
import { fixture, fixtureBytes, fixtureNames } from './helpers.js';

describe('round trip of every fixture (RFC 8866 §5: CRLF lines, kept as they came)', () => {
  it('has the fixtures', () => {
    expect(fixtureNames.length).toBeGreaterThanOrEqual(10);
  });
  for (const name of fixtureNames) {
    it(`${name}: serializeSdp(parseSdp(text)) === text, from text and from bytes`, () => {
      const text = fixture(name);
      expect(text.endsWith('\r\n')).toBe(true);
      const sd = parseSdp(text);
      expect(sd.exactLineEnds).toBe(true);
      expect(serializeSdp(sd)).toBe(text);
      expect(serializeSdp(parseSdp(fixtureBytes(name)))).toBe(text);
      expect(serializeSdp(sd.clone())).toBe(text);
    });
    it(`${name}: with bare LF line ends parses to the same lines and serialises with CRLF`, () => {
      const text = fixture(name);
      const sd = parseSdp(text.replaceAll('\r\n', '\n'));
      expect(sd.exactLineEnds).toBe(false);
      expect(serializeSdp(sd)).toBe(text);
    });
  }
});

describe('Chrome-style WebRTC offer (BUNDLE, ICE, DTLS, rtcp-mux, msid, ssrc, extmap, rtx)', () => {
  const sd = parseSdp(fixture('chrome-offer.sdp'));
  const [audio, video, data] = sd.media;

  it('reads the session level', () => {
    expect(sd.version).toBe(0);
    expect(sd.origin).toEqual({
      username: '-',
      sessionId: '5921479208563177420',
      sessionVersion: '2',
      nettype: 'IN',
      addrtype: 'IP4',
      address: '127.0.0.1',
    });
    // a 64-bit id survives as a string; BigInt does the sums
    expect(BigInt(sd.origin.sessionId) + 1n).toBe(5921479208563177421n);
    expect(sd.sessionName).toBe('-');
    expect(sd.timing).toEqual([{ start: 0, stop: 0, repeats: [], zoneAdjustments: [] }]);
    expect(sd.groups).toEqual([{ semantics: 'BUNDLE', mids: ['0', '1', '2'] }]);
    expect(sd.bundle).toEqual(['0', '1', '2']);
    expect(sd.hasAttribute('extmap-allow-mixed')).toBe(true);
    expect(sd.getAttribute('msid-semantic')).toBe(' WMS 7d2c3b1e-9a44-4f0e-b3a9-2e8f1c6d5a70');
    expect(sd.connection).toBeUndefined();
    expect(sd.media.map((m) => [m.type, m.port, m.proto, m.mid])).toEqual([
      ['audio', 54603, 'UDP/TLS/RTP/SAVPF', '0'],
      ['video', 9, 'UDP/TLS/RTP/SAVPF', '1'],
      ['application', 9, 'UDP/DTLS/SCTP', '2'],
    ]);
  });

  it('reads the audio section: opus first, RED, G.722, G.711, CN and two telephone-events', () => {
    if (audio === undefined) throw new Error('no audio');
    expect(audio.formats).toEqual(['111', '63', '9', '0', '8', '13', '110', '126']);
    expect(audio.connections).toEqual([
      { nettype: 'IN', addrtype: 'IP4', address: '203.0.113.77', ttl: undefined, numberOfAddresses: undefined },
    ]);
    expect(audio.rtcp).toEqual({ port: 9, nettype: 'IN', addrtype: 'IP4', address: '0.0.0.0' });
    expect(audio.rtcpMux).toBe(true);
    expect(audio.hasAttribute('rtcp-rsize')).toBe(true);
    expect(audio.rtpmap(111)).toEqual({ payloadType: 111, encoding: 'opus', clockRate: 48000, channels: 2 });
    expect(audio.fmtp(111)?.params).toEqual(
      new Map([
        ['minptime', '10'],
        ['useinbandfec', '1'],
      ]),
    );
    expect(audio.codecs.map((c) => `${c.payloadType} ${c.name}/${c.clockRate}`)).toEqual([
      '111 opus/48000',
      '63 red/48000',
      '9 G722/8000',
      '0 PCMU/8000',
      '8 PCMA/8000',
      '13 CN/8000',
      '110 telephone-event/48000',
      '126 telephone-event/8000',
    ]);
    expect(audio.direction).toBe('sendrecv');
    expect(sd.directionOf(audio)).toBe('sendrecv');
    expect(audio.iceUfrag).toBe('Xq7e');
    expect(audio.icePwd).toBe('p3R8kLw0vN2yQmT5sJ9hF4cB');
    expect(audio.iceOptions).toEqual(['trickle']);
    expect(audio.setup).toBe('actpass');
    expect(audio.fingerprints).toEqual([
      {
        algorithm: 'sha-256',
        value: '4A:1F:9C:0E:77:B2:3D:58:E6:A0:C1:2B:94:6F:DD:13:08:5E:7A:C9:B4:21:F0:6D:3A:88:E2:57:1C:0B:96:4D',
      },
    ]);
    expect(audio.extmaps.map((e) => [e.id, e.uri])).toEqual([
      [1, 'urn:ietf:params:rtp-hdrext:ssrc-audio-level'],
      [2, 'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time'],
      [3, 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01'],
      [4, 'urn:ietf:params:rtp-hdrext:sdes:mid'],
    ]);
    expect(audio.msids).toEqual([
      { stream: '7d2c3b1e-9a44-4f0e-b3a9-2e8f1c6d5a70', track: '0b6e43f8-5c1d-4a29-9e77-a3f2d8b1c640' },
    ]);
    expect(audio.ssrcs).toEqual([
      { id: 2214969876, attribute: 'cname', value: 'vN3qP8sZ1kT6wYe0' },
      {
        id: 2214969876,
        attribute: 'msid',
        value: '7d2c3b1e-9a44-4f0e-b3a9-2e8f1c6d5a70 0b6e43f8-5c1d-4a29-9e77-a3f2d8b1c640',
      },
    ]);
  });

  it('reads ICE candidates to fields (RFC 8839 §5.1): host, server reflexive, TCP active', () => {
    expect(audio?.candidates).toEqual([
      {
        foundation: '1467250027',
        component: 1,
        transport: 'udp',
        priority: 2122260223,
        address: '192.168.1.34',
        port: 54603,
        type: 'host',
        relatedAddress: undefined,
        relatedPort: undefined,
        tcpType: undefined,
        extensions: [
          ['generation', '0'],
          ['network-id', '1'],
          ['network-cost', '10'],
        ],
      },
      {
        foundation: '2732471323',
        component: 1,
        transport: 'udp',
        priority: 1686052607,
        address: '203.0.113.77',
        port: 54603,
        type: 'srflx',
        relatedAddress: '192.168.1.34',
        relatedPort: 54603,
        tcpType: undefined,
        extensions: [
          ['generation', '0'],
          ['network-id', '1'],
          ['network-cost', '10'],
        ],
      },
      {
        foundation: '435653019',
        component: 1,
        transport: 'tcp',
        priority: 1518280447,
        address: '192.168.1.34',
        port: 9,
        type: 'host',
        relatedAddress: undefined,
        relatedPort: undefined,
        tcpType: 'active',
        extensions: [
          ['tcptype', 'active'],
          ['generation', '0'],
          ['network-id', '1'],
          ['network-cost', '10'],
        ],
      },
    ]);
    expect(audio?.endOfCandidates).toBe(false);
  });

  it('reads the video section: VP8, H.264 in two profiles and AV1, each with rtx', () => {
    if (video === undefined) throw new Error('no video');
    expect(video.codecs.map((c) => `${c.payloadType} ${c.name} ${c.fmtp ?? ''}`.trim())).toEqual([
      '96 VP8',
      '97 rtx apt=96',
      '102 H264 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f',
      '103 rtx apt=102',
      '104 H264 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f',
      '105 rtx apt=104',
      '45 AV1 level-idx=5;profile=0;tier=0',
      '46 rtx apt=45',
    ]);
    expect(video.getAttributes('rtcp-fb').filter((v) => v.startsWith('96 '))).toEqual([
      '96 goog-remb',
      '96 transport-cc',
      '96 ccm fir',
      '96 nack',
      '96 nack pli',
    ]);
    expect(video.ssrcGroups).toEqual([{ semantics: 'FID', ssrcs: [3570614608, 4055226510] }]);
    expect(video.ssrcs.filter((s) => s.attribute === 'cname').map((s) => s.id)).toEqual([3570614608, 4055226510]);
    expect(video.extmaps.find((e) => e.id === 13)?.uri).toBe('urn:3gpp:video-orientation');
    // ICE in use: c=IN IP4 0.0.0.0 is a placeholder, not an RFC 2543 hold (RFC 8839 §4.2.5)
    expect(video.connections[0]?.address).toBe('0.0.0.0');
    expect(sd.directionOf(video)).toBe('sendrecv');
  });

  it('reads the data channel section: formats are not payload types', () => {
    if (data === undefined) throw new Error('no data');
    expect(data.formats).toEqual(['webrtc-datachannel']);
    expect(data.codecs).toEqual([]);
    expect(data.getAttribute('sctp-port')).toBe('5000');
    expect(data.getAttribute('max-message-size')).toBe('262144');
  });
});

describe('Firefox-style offer (session-level fingerprint, extmap directions, attributes sorted)', () => {
  const sd = parseSdp(fixture('firefox-offer.sdp'));
  const [audio, video] = sd.media;

  it('reads the session level', () => {
    expect(sd.origin.username).toBe('mozilla...THIS_IS_SDPARTA-128.0');
    expect(sd.origin.sessionId).toBe('4729318840113052876');
    expect(sd.origin.sessionVersion).toBe('0');
    expect(sd.fingerprints.map((f) => f.algorithm)).toEqual(['sha-256']);
    expect(sd.iceOptions).toEqual(['trickle']);
    expect(sd.bundle).toEqual(['0', '1']);
    expect(sd.getAttribute('msid-semantic')).toBe('WMS *');
    expect(audio?.fingerprints).toEqual([]);
  });

  it('reads audio with channel counts written out', () => {
    expect(audio?.rtpmaps.map((r) => [r.payloadType, r.encoding, r.clockRate, r.channels])).toEqual([
      [109, 'opus', 48000, 2],
      [9, 'G722', 8000, 1],
      [0, 'PCMU', 8000, undefined],
      [8, 'PCMA', 8000, undefined],
      [101, 'telephone-event', 8000, 1],
    ]);
    expect(audio?.fmtp('101')?.parameters).toBe('0-15');
    expect(audio?.fmtp(109)?.params.get('stereo')).toBe('1');
    expect(audio?.extmaps[1]).toEqual({
      id: 2,
      direction: 'recvonly',
      uri: 'urn:ietf:params:rtp-hdrext:csrc-audio-level',
      attributes: undefined,
    });
    expect(audio?.msids[0]?.stream).toBe('{3b6f2a91-7c4e-4d08-a5e1-9f2c6b8d0e47}');
    expect(audio?.iceUfrag).toBe('5e8a9b1c');
  });

  it('reads video: every fmtp before every rtpmap still joins up', () => {
    expect(video?.codecs.map((c) => `${c.payloadType} ${c.name}`)).toEqual([
      '120 VP8',
      '124 rtx',
      '121 VP9',
      '125 rtx',
      '126 H264',
      '127 rtx',
      '97 H264',
      '98 rtx',
    ]);
    expect(video?.codecs.find((c) => c.payloadType === 97)?.fmtp).toBe(
      'profile-level-id=42e01f;level-asymmetry-allowed=1',
    );
    expect(video?.ssrcGroups).toEqual([{ semantics: 'FID', ssrcs: [2902557214, 664015893] }]);
  });
});

describe('SIP phone audio offer (G.711, G.722, G.729, telephone-event, ptime)', () => {
  const sd = parseSdp(fixture('sip-phone-offer.sdp'));
  const audio = sd.media[0];

  it('reads the fields', () => {
    expect(sd.origin.username).toBe('deskphone');
    expect(sd.sessionName).toBe('SIP Call');
    expect(sd.connection?.address).toBe('192.0.2.45');
    expect(audio?.port).toBe(11780);
    expect(audio?.proto).toBe('RTP/AVP');
    expect(audio?.codecs.map((c) => [c.payloadType, c.name, c.clockRate, c.fmtp])).toEqual([
      [0, 'PCMU', 8000, undefined],
      [8, 'PCMA', 8000, undefined],
      [9, 'G722', 8000, undefined],
      [18, 'G729', 8000, 'annexb=no'],
      [101, 'telephone-event', 8000, '0-16'],
    ]);
    expect(audio?.ptime).toBe(20);
    expect(audio?.maxptime).toBe(150);
    expect(sd.directionOf(0)).toBe('sendrecv');
  });
});

describe('hold offers (RFC 3264 §8.4)', () => {
  it('reads a sendonly re-offer with the version one higher', () => {
    const first = parseSdp(fixture('sip-phone-offer.sdp'));
    const sd = parseSdp(fixture('hold-sendonly.sdp'));
    expect(BigInt(sd.origin.sessionVersion)).toBe(BigInt(first.origin.sessionVersion) + 1n);
    expect(sd.origin.sessionId).toBe(first.origin.sessionId);
    expect(sd.media[0]?.direction).toBe('sendonly');
    expect(sd.directionOf(0)).toBe('sendonly');
  });

  it('reads an RFC 2543 hold, c=0.0.0.0 without a direction, as sendonly', () => {
    const sd = parseSdp(fixture('hold-old-style.sdp'));
    expect(sd.connection?.address).toBe('0.0.0.0');
    expect(sd.media[0]?.direction).toBeUndefined();
    expect(sd.directionOf(0)).toBe('sendonly');
    expect(sd.bandwidths).toEqual([{ type: 'CT', value: 64 }]);
    expect(sd.media[0]?.bandwidths).toEqual([{ type: 'AS', value: 64 }]);
  });
});

describe('answer with a rejected video stream (RFC 3264 §6)', () => {
  it('reads port 0 as rejected', () => {
    const sd = parseSdp(fixture('answer-rejected-video.sdp'));
    expect(sd.media.map((m) => [m.type, m.port, m.rejected])).toEqual([
      ['audio', 30000, false],
      ['video', 0, true],
    ]);
    expect(sd.media[1]?.formats).toEqual(['96']);
    expect(sd.media[1]?.codecs).toEqual([]); // dynamic, no rtpmap
  });
});

describe('the examples of RFC 4566 §5 and RFC 8866 §5', () => {
  it('RFC 4566: multicast with TTL, bounded time, session-level recvonly', () => {
    const sd = parseSdp(fixture('rfc4566-example.sdp'));
    expect(sd.origin).toEqual({
      username: 'jdoe',
      sessionId: '2890844526',
      sessionVersion: '2890842807',
      nettype: 'IN',
      addrtype: 'IP4',
      address: '10.47.16.5',
    });
    expect(sd.sessionName).toBe('SDP Seminar');
    expect(sd.information).toBe('A Seminar on the session description protocol');
    expect(sd.uri).toBe('http://www.example.com/seminars/sdp.pdf');
    expect(sd.emails).toEqual(['j.doe@example.com (Jane Doe)']);
    expect(sd.connection).toEqual({
      nettype: 'IN',
      addrtype: 'IP4',
      address: '224.2.17.12',
      ttl: 127,
      numberOfAddresses: undefined,
    });
    expect(sd.timing[0]).toMatchObject({ start: 2873397496, stop: 2873404696 });
    expect(sd.direction).toBe('recvonly');
    expect(sd.media[0]?.direction).toBeUndefined();
    expect(sd.directionOf(1)).toBe('recvonly');
    expect(sd.media[1]?.codecs[0]).toEqual({
      payloadType: 99,
      name: 'h263-1998',
      clockRate: 90000,
      channels: undefined,
      fmtp: undefined,
    });
  });

  it('RFC 8866: phone, two audio streams, an IPv6 media connection', () => {
    const sd = parseSdp(fixture('rfc8866-example.sdp'));
    expect(sd.phones).toEqual(['+1 617 555-6011']);
    expect(sd.emails).toEqual(['Jane Doe <jane@jdoe.example.com>']);
    expect(sd.information).toBe('SDP Offer #1');
    expect(sd.media.map((m) => m.port)).toEqual([49170, 49180, 51372]);
    expect(sd.media[2]?.connections[0]).toMatchObject({ addrtype: 'IP6', address: '2001:db8::2' });
    expect(sd.media[0]?.connections).toEqual([]);
  });

  it('a scheduled multicast session: r= in typed times, z=, k=, layered addresses and ports', () => {
    const sd = parseSdp(fixture('scheduled-multicast.sdp'));
    expect(sd.connection).toEqual({
      nettype: 'IN',
      addrtype: 'IP4',
      address: '233.252.0.10',
      ttl: 127,
      numberOfAddresses: 2,
    });
    expect(sd.timing).toEqual([
      {
        start: 3930919200,
        stop: 3937972800,
        repeats: [
          { interval: 604800, duration: 3600, offsets: [0, 90000] },
          { interval: 604800, duration: 5400, offsets: [172800] },
        ],
        zoneAdjustments: [
          { time: 3938140800, offset: -3600 },
          { time: 3953865600, offset: 0 },
        ],
      },
    ]);
    expect(sd.key).toBe('prompt');
    expect(sd.getAttribute('tool')).toBe('lecturecast 4.2');
    expect(sd.media[1]?.numberOfPorts).toBe(2);
    expect(sd.media[1]?.information).toBe('Slides and speaker');
    expect(sd.media[0]?.codecs[0]).toMatchObject({ name: 'L16', clockRate: 44100, payloadType: 10 });
  });

  it('a T.38 re-offer: udptl formats and unknown attributes kept in order', () => {
    const sd = parseSdp(fixture('sip-t38-reoffer.sdp'));
    const image = sd.media[0];
    expect([image?.type, image?.proto, image?.formats]).toEqual(['image', 'udptl', ['t38']]);
    expect(image?.attributes.map((a) => a.name)).toEqual([
      'T38FaxVersion',
      'T38MaxBitRate',
      'T38FaxRateManagement',
      'T38FaxMaxBuffer',
      'T38FaxMaxDatagram',
      'T38FaxUdpEC',
    ]);
    expect(image?.getAttribute('T38MaxBitRate')).toBe('14400');
  });
});

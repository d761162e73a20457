// The echo UAS with a real user agent calling it, on the virtual network and on UDP.
import { UserAgent } from '@sipkit/dialog';
import type { SipRequest, SipResponse } from '@sipkit/parser';
import { createOffer, parseSdp, serializeSdp } from '@sipkit/sdp';
import { VirtualClock, VirtualNetwork } from '@sipkit/testkit';
import { udpTransport } from '@sipkit/transport-node';
import { describe, expect, it } from 'vitest';
import { echoUas, mirrorAnswer } from '../src/echo.js';

const text = (b: Uint8Array | string | undefined) => (typeof b === 'string' ? b : new TextDecoder().decode(b));
const offer = (address: string) =>
  serializeSdp(
    createOffer({
      address,
      media: [
        {
          type: 'audio',
          port: 4000,
          codecs: [
            { name: 'opus', clockRate: 48000, channels: 2, fmtp: 'useinbandfec=1' },
            { name: 'PCMA', clockRate: 8000 },
            { name: 'telephone-event', clockRate: 8000 },
          ],
        },
        { type: 'video', port: 4002, codecs: [{ name: 'VP8', clockRate: 90000 }], direction: 'sendonly' },
      ],
    }),
  );

function setup() {
  const clock = new VirtualClock();
  const network = new VirtualNetwork({ clock, link: { delay: 5 } });
  const echo = echoUas({
    transports: [network.endpoint({ address: '10.0.0.7', port: 5060 })],
    mediaAddress: '10.0.0.8',
    answerAfter: 1000,
    clock,
  });
  const alice = new UserAgent({
    transports: [network.endpoint({ address: '10.0.1.1', port: 5060 })],
    aor: 'sip:alice@10.0.1.1',
    clock,
  });
  return { clock, network, echo, alice };
}

describe('an echo UAS', () => {
  it('answers an INVITE with 180, then 200 with an SDP answer that mirrors the offered codecs (RFC 3264 §6), and hangs up on BYE', async () => {
    const { clock, network, alice } = setup();
    const sent = offer('10.0.1.1');
    const call = alice.invite('sip:echo@10.0.0.7', { body: sent });
    const progress: number[] = [];
    call.on('progress', (r) => progress.push(r.status));
    await clock.advanceAsync(500);
    expect(progress).toEqual([180]);
    expect(call.state).toBe('early');
    await clock.advanceAsync(600);
    expect(call.state).toBe('established');
    const answer = parseSdp(text(call.remoteBody));
    const asked = parseSdp(sent);
    expect(answer.media.map((m) => m.type)).toEqual(['audio', 'video']);
    for (const [i, m] of answer.media.entries()) {
      const o = asked.media[i];
      expect(m.rejected).toBe(false);
      expect(m.codecs.map((c) => `${c.payloadType} ${c.name}/${c.clockRate}/${c.channels ?? 1}`)).toEqual(
        o?.codecs.map((c) => `${c.payloadType} ${c.name}/${c.clockRate}/${c.channels ?? 1}`),
      );
      expect(m.port).toBe(40000 + 2 * i);
    }
    // The offer's fmtp is echoed; a sendonly stream is answered recvonly (§6.1).
    expect(answer.media[0]?.codecs[0]?.fmtp).toBe('useinbandfec=1');
    expect(answer.media[1]?.direction).toBe('recvonly');
    expect(answer.connection?.address).toBe('10.0.0.8');
    network.clearTrace();
    const bye = call.bye();
    await clock.advanceAsync(100);
    expect((await bye).status).toBe(200);
    expect(network.trace.map((t) => t.label)).toEqual(['BYE', '200 OK']);
  });

  it('offers in its 200 when the INVITE has no offer, and refuses with 488 an offer it cannot take', async () => {
    const { clock, alice } = setup();
    const late = alice.invite('sip:echo@10.0.0.7');
    const image = 'v=0\r\no=- 1 1 IN IP4 10.0.1.1\r\ns=-\r\nc=IN IP4 10.0.1.1\r\nt=0 0\r\nm=image 4000 udptl t38\r\n';
    const refused = alice.invite('sip:echo@10.0.0.7', { body: image });
    const failed: number[] = [];
    refused.on('failed', (r) => failed.push((r as SipResponse).status));
    await clock.advanceAsync(1200);
    expect(late.state).toBe('established');
    const ours = parseSdp(text(late.remoteBody));
    expect(ours.media[0]?.codecs.map((c) => c.name)).toEqual(['PCMU', 'PCMA', 'telephone-event']);
    expect(failed).toEqual([488]);
    expect(mirrorAnswer('not sdp', '10.0.0.8', 40000)).toBeUndefined();
  });

  it('sends a MESSAGE back to its sender as a new MESSAGE (RFC 3428), but not a reply, and answers OPTIONS', async () => {
    const { clock, alice } = setup();
    const got: SipRequest[] = [];
    alice.on('message', (m) => got.push(m));
    const sent = alice.request('MESSAGE', 'sip:echo@10.0.0.7', {
      body: 'hello, echo',
      headers: [['Content-Type', 'text/plain;charset=utf-8']],
    });
    const reply = alice.request('MESSAGE', 'sip:echo@10.0.0.7', {
      body: 'not again',
      headers: [
        ['Content-Type', 'text/plain'],
        ['In-Reply-To', 'earlier@10.0.0.7'],
      ],
    });
    const options = alice.request('OPTIONS', 'sip:echo@10.0.0.7');
    await clock.advanceAsync(200);
    expect((await sent).status).toBe(200);
    expect((await reply).status).toBe(200);
    expect((await options).status).toBe(200);
    expect(got.map((m) => text(m.body))).toEqual(['hello, echo']);
    expect(got[0]?.get('Content-Type')).toBe('text/plain;charset=utf-8');
    expect(got[0]?.get('In-Reply-To')).toBe((await sent).callId);
    expect(got[0]?.uri).toBe('sip:alice@10.0.1.1');
  });
});

describe('the echo UAS on UDP 127.0.0.1', () => {
  it('answers a call from a real user agent with the offered codecs', async () => {
    const [te, ta] = await Promise.all([0, 1].map(() => udpTransport({ host: '127.0.0.1', port: 0 })));
    if (te === undefined || ta === undefined) throw new Error('no sockets');
    const echo = echoUas({ transports: [te] });
    const alice = new UserAgent({ transports: [ta], aor: 'sip:alice@127.0.0.1' });
    try {
      const call = alice.invite(`sip:echo@127.0.0.1:${te.local.port}`, { body: offer('127.0.0.1') });
      const progress: number[] = [];
      call.on('progress', (r) => progress.push(r.status));
      await new Promise((resolve, reject) => {
        call.on('established', resolve);
        call.on('failed', reject);
      });
      expect(progress).toContain(180);
      const answer = parseSdp(text(call.remoteBody));
      expect(answer.media.map((m) => m.codecs.map((c) => c.name))).toEqual([
        ['opus', 'PCMA', 'telephone-event'],
        ['VP8'],
      ]);
      expect(answer.connection?.address).toBe('127.0.0.1');
      expect((await call.bye()).status).toBe(200);
    } finally {
      await Promise.all([echo.close(), alice.close()]);
    }
  });
});

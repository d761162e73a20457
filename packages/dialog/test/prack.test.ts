// RFC 3262: reliable provisional responses and PRACK, with early media.
import type { SipRequest } from '@sipkit/parser';
import { VirtualClock, VirtualNetwork } from '@sipkit/testkit';
import { describe, expect, it } from 'vitest';
import { type IncomingCall, UserAgent } from '../src/index.js';

const sdp = (who: string) =>
  `v=0\r\no=${who} 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0\r\n`;
const text = (b: Uint8Array | undefined) => (b === undefined ? '' : new TextDecoder().decode(b));

function pair(link: { delay: number; loss?: number } = { delay: 10 }, seed = 1) {
  const clock = new VirtualClock();
  const network = new VirtualNetwork({ clock, link, seed });
  const alice = new UserAgent({
    transports: [network.endpoint({ address: '10.0.0.1', port: 5060 })],
    aor: 'sip:alice@10.0.0.1',
    clock,
  });
  const bob = new UserAgent({
    transports: [network.endpoint({ address: '10.0.0.2', port: 5060 })],
    aor: 'sip:bob@10.0.0.2',
    clock,
  });
  const incoming: IncomingCall[] = [];
  bob.on('invite', (c) => incoming.push(c));
  return { clock, network, alice, bob, incoming };
}

describe('reliable provisional responses (RFC 3262)', () => {
  it('a 183 with early media is sent reliably, PRACKed with RAck, and the PRACK gets 200', async () => {
    const { clock, network, alice, incoming } = pair();
    const call = alice.invite('sip:bob@10.0.0.2', { body: sdp('alice') });
    await clock.advanceAsync(20);
    const inc = incoming[0] as IncomingCall;
    expect(inc.invite.supported).toContain('100rel');
    const pracks: SipRequest[] = [];
    inc.on('prack', (p) => pracks.push(p));
    expect(inc.ring({ status: 183, reliable: true, body: sdp('bob') })).toBe(true);
    await clock.advanceAsync(100);
    expect(text(call.remoteBody)).toBe(sdp('bob'));
    expect(pracks).toHaveLength(1);
    const rack = pracks[0]?.rack;
    const response = network.trace.find((t) => t.label === '183 Session Progress');
    expect(rack?.method).toBe('INVITE');
    expect(response).toBeDefined();
    expect(network.trace.map((t) => t.label)).toEqual(['INVITE', '183 Session Progress', 'PRACK', '200 OK']);
    // No more 183s once PRACKed.
    await clock.advanceAsync(5_000);
    expect(network.trace.filter((t) => t.label === '183 Session Progress')).toHaveLength(1);
    inc.accept();
    await clock.advanceAsync(100);
    expect(call.state).toBe('established');
  });

  it('retransmits the reliable 183 over a lossy link until the PRACK arrives, and the UAC PRACKs each RSeq once', async () => {
    const { clock, network, alice, incoming } = pair({ delay: 10, loss: 0.4 }, 5);
    const call = alice.invite('sip:bob@10.0.0.2');
    for (let i = 0; i < 100 && incoming.length === 0; i++) await clock.advanceAsync(100);
    const inc = incoming[0] as IncomingCall;
    let pracked = 0;
    inc.on('prack', () => pracked++);
    inc.ring({ reliable: true });
    for (let i = 0; i < 300 && pracked === 0; i++) await clock.advanceAsync(100);
    expect(pracked).toBe(1);
    let progress = 0;
    call.on('progress', () => progress++);
    // Later copies of the same 180 reach Alice's UA but not her application.
    await clock.advanceAsync(10_000);
    expect(progress).toBe(0);
    void network;
  });

  it('does not send reliably to a caller without 100rel', async () => {
    const { clock, network, bob } = pair();
    const carol = new UserAgent({
      transports: [network.endpoint({ address: '10.0.0.3', port: 5060 })],
      aor: 'sip:carol@10.0.0.3',
      clock,
    });
    let ringResult: boolean | undefined;
    bob.on('invite', (c) => {
      ringResult = c.ring({ reliable: true });
    });
    // An INVITE sent as a plain request carries no Supported: 100rel.
    void carol.request('INVITE', 'sip:bob@10.0.0.2').catch(() => undefined);
    await clock.advanceAsync(200);
    expect(ringResult).toBe(false);
  });

  it('gives up with 504 when no PRACK comes within 64*T1', async () => {
    const { clock, network, alice, incoming } = pair();
    const call = alice.invite('sip:bob@10.0.0.2');
    await clock.advanceAsync(20);
    network.link('10.0.0.1:5060', '10.0.0.2:5060', { loss: 1 });
    const inc = incoming[0] as IncomingCall;
    inc.ring({ reliable: true });
    const failed: number[] = [];
    call.on('failed', (r) => failed.push((r as { status: number }).status));
    await clock.advanceAsync(33_000);
    expect(inc.state).toBe('terminated');
    expect(failed).toEqual([504]);
  });
});

describe('early media offer/answer with @sipkit/sdp (RFC 3262 §5, RFC 3264)', () => {
  it('the INVITE offers, the reliable 183 answers, and both sides agree on PCMA', async () => {
    const { createAnswer, parseSdp, serializeSdp, OfferAnswer } = await import('@sipkit/sdp');
    const { clock, alice, incoming } = pair();
    const offer =
      'v=0\r\no=alice 2890844526 2890844526 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n' +
      'm=audio 49170 RTP/AVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n';
    const callerSession = new OfferAnswer();
    callerSession.setLocalOffer(parseSdp(offer));
    const call = alice.invite('sip:bob@10.0.0.2', { body: offer });
    await clock.advanceAsync(20);
    const inc = incoming[0] as IncomingCall;
    const calleeSession = new OfferAnswer();
    const remote = parseSdp(text(inc.remoteBody));
    calleeSession.setRemoteOffer(remote);
    const answer = calleeSession.setLocalAnswer(
      createAnswer(remote, {
        address: '10.0.0.2',
        ports: { audio: 30000 },
        codecs: {
          audio: [
            { name: 'PCMA', clockRate: 8000 },
            { name: 'telephone-event', clockRate: 8000 },
          ],
        },
      }),
    );
    inc.ring({ status: 183, reliable: true, body: serializeSdp(answer) });
    await clock.advanceAsync(100);
    callerSession.setRemoteAnswer(parseSdp(text(call.remoteBody)));
    expect(callerSession.state).toBe('stable');
    expect(calleeSession.state).toBe('stable');
    const agreed = parseSdp(text(call.remoteBody)).media[0];
    expect(agreed?.port).toBe(30000);
    expect(agreed?.codecs.map((c) => c.name)).toEqual(['PCMA', 'telephone-event']);
  });
});

// RFC 3264 §4 and §8, RFC 6337: the offer/answer state of a session, o= versions, hold and resume.
import { describe, expect, it } from 'vitest';
import {
  type CodecSpec,
  createAnswer,
  createOffer,
  OfferAnswer,
  type OfferAnswerState,
  parseSdp,
  SdpError,
  type SessionDescription,
  serializeSdp,
} from '../src/index.js';
import { fixture } from './helpers.js';

const PCMU: CodecSpec = { name: 'PCMU', clockRate: 8000 };
const H261: CodecSpec = { name: 'H261', clockRate: 90000 };

const localOffer = () =>
  createOffer({
    address: '192.0.2.1',
    origin: { username: 'alice', sessionId: '1000', sessionVersion: '7' },
    media: [
      { type: 'audio', port: 4000, codecs: [PCMU] },
      { type: 'video', port: 4002, codecs: [H261] },
    ],
  });

/** The peer's answer to an offer (its own o= line, version v). */
const peerAnswer = (offer: SessionDescription, version = 1, direction: 'sendrecv' | 'recvonly' = 'sendrecv') =>
  createAnswer(offer, {
    address: '198.51.100.2',
    ports: { audio: 5000, video: 5002 },
    codecs: { audio: [PCMU], video: [H261] },
    direction,
    origin: { username: 'bob', sessionId: '2000', sessionVersion: String(version) },
  });

const peerOffer = (version = 1) =>
  createOffer({
    address: '198.51.100.2',
    origin: { username: 'bob', sessionId: '2000', sessionVersion: String(version) },
    media: [
      { type: 'audio', port: 5000, codecs: [PCMU] },
      { type: 'video', port: 5002, codecs: [H261] },
    ],
  });

const myAnswer = (offer: SessionDescription) =>
  createAnswer(offer, {
    address: '192.0.2.1',
    ports: { audio: 4000, video: 4002 },
    codecs: { audio: [PCMU], video: [H261] },
    origin: { username: 'alice', sessionId: '1000', sessionVersion: '7' },
  });

function stateError(f: () => unknown, code = 'INVALID_STATE'): void {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(SdpError);
    expect((e as SdpError).code).toBe(code);
    return;
  }
  throw new Error('no error');
}

/** A session in `stable` after this side's offer was answered. */
function established(): OfferAnswer {
  const oa = new OfferAnswer();
  const offer = oa.setLocalOffer(localOffer());
  oa.setRemoteAnswer(peerAnswer(offer));
  return oa;
}

describe('stable', () => {
  it('starts stable with nothing negotiated', () => {
    const oa = new OfferAnswer();
    expect(oa.state).toBe('stable');
    expect([oa.localDescription, oa.remoteDescription, oa.pendingOffer, oa.sessionVersion]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(oa.onHold).toBe(false);
  });

  it('a local offer moves to have-local-offer; the first one fixes the o= line as given', () => {
    const oa = new OfferAnswer();
    const offer = localOffer();
    const sent = oa.setLocalOffer(offer);
    expect(oa.state).toBe('have-local-offer');
    expect(oa.pendingOffer).toBe(sent);
    expect(sent).not.toBe(offer);
    expect(serializeSdp(sent)).toBe(serializeSdp(offer));
    expect(oa.sessionVersion).toBe('7');
  });

  it('a remote offer moves to have-remote-offer', () => {
    const oa = new OfferAnswer();
    expect(oa.setRemoteOffer(serializeSdp(peerOffer()))).toBe(true);
    expect(oa.state).toBe('have-remote-offer');
    expect(oa.pendingOffer?.origin.username).toBe('bob');
  });

  it('refuses an answer, a local answer and a rollback (INVALID_STATE)', () => {
    const oa = established();
    stateError(() => oa.setRemoteAnswer(peerAnswer(localOffer())));
    stateError(() => oa.setLocalAnswer(myAnswer(peerOffer())));
    stateError(() => oa.rollback());
    expect(oa.state).toBe('stable');
  });
});

describe('have-local-offer', () => {
  it('the remote answer moves to stable and puts offer and answer in effect', () => {
    const oa = new OfferAnswer();
    const offer = oa.setLocalOffer(localOffer());
    const answer = peerAnswer(offer);
    oa.setRemoteAnswer(serializeSdp(answer));
    expect(oa.state).toBe('stable');
    expect(oa.localDescription).toBe(offer);
    expect(oa.remoteDescription && serializeSdp(oa.remoteDescription)).toBe(serializeSdp(answer));
    expect(oa.pendingOffer).toBeUndefined();
  });

  it('rollback (offer refused: 488, 491) returns to stable with the previous descriptions', () => {
    const oa = established();
    const before = oa.localDescription;
    const reoffer = oa.localDescription?.clone() as SessionDescription;
    reoffer.media[1]?.setPort(0);
    oa.setLocalOffer(reoffer);
    oa.rollback();
    expect(oa.state).toBe('stable');
    expect(oa.localDescription).toBe(before);
    expect(oa.pendingOffer).toBeUndefined();
  });

  it('refuses a second offer either way, and a local answer (INVALID_STATE; glare is a SIP 491)', () => {
    const oa = new OfferAnswer();
    oa.setLocalOffer(localOffer());
    stateError(() => oa.setLocalOffer(localOffer()));
    stateError(() => oa.setRemoteOffer(peerOffer()));
    stateError(() => oa.setLocalAnswer(myAnswer(peerOffer())));
    stateError(() => oa.hold());
    expect(oa.state).toBe('have-local-offer');
  });

  it('refuses an answer whose m= lines do not line up with the offer (INVALID_ANSWER, RFC 3264 §6)', () => {
    const oa = new OfferAnswer();
    oa.setLocalOffer(localOffer());
    const short = parseSdp(fixture('sip-phone-offer.sdp'));
    stateError(() => oa.setRemoteAnswer(short), 'INVALID_ANSWER');
    const swapped = parseSdp(
      serializeSdp(peerAnswer(localOffer()))
        .replace('m=audio', 'm=XXX')
        .replace('m=video', 'm=audio')
        .replace('m=XXX', 'm=video'),
    );
    stateError(() => oa.setRemoteAnswer(swapped), 'INVALID_ANSWER');
    expect(oa.state).toBe('have-local-offer');
  });
});

describe('have-remote-offer', () => {
  it('the local answer moves to stable, stamped with this side o= line', () => {
    const oa = new OfferAnswer();
    oa.setRemoteOffer(peerOffer());
    const sent = oa.setLocalAnswer(myAnswer(oa.pendingOffer as SessionDescription));
    expect(oa.state).toBe('stable');
    expect(sent.origin).toMatchObject({ username: 'alice', sessionId: '1000', sessionVersion: '7' });
    expect(oa.localDescription).toBe(sent);
    expect(oa.remoteDescription?.origin.username).toBe('bob');
  });

  it('rollback (this side refuses the offer with 488) returns to stable', () => {
    const oa = established();
    const remote = oa.remoteDescription;
    oa.setRemoteOffer(peerOffer(2));
    oa.rollback();
    expect(oa.state).toBe('stable');
    expect(oa.remoteDescription).toBe(remote);
  });

  it('refuses offers, a remote answer and hold/resume (INVALID_STATE)', () => {
    const oa = new OfferAnswer();
    oa.setRemoteOffer(peerOffer());
    stateError(() => oa.setLocalOffer(localOffer()));
    stateError(() => oa.setRemoteOffer(peerOffer()));
    stateError(() => oa.setRemoteAnswer(peerAnswer(localOffer())));
    stateError(() => oa.hold());
    stateError(() => oa.resume());
    expect(oa.state).toBe('have-remote-offer');
  });

  it('refuses a local answer with another number of m= lines (INVALID_ANSWER)', () => {
    const oa = new OfferAnswer();
    oa.setRemoteOffer(peerOffer());
    stateError(() => oa.setLocalAnswer(parseSdp(fixture('sip-phone-offer.sdp'))), 'INVALID_ANSWER');
    const three = parseSdp(`${serializeSdp(myAnswer(peerOffer()))}m=audio 0 RTP/AVP 0\r\n`);
    stateError(() => oa.setLocalAnswer(three), 'INVALID_ANSWER');
  });
});

describe('every transition, table-driven', () => {
  type Step = 'localOffer' | 'remoteAnswer' | 'remoteOffer' | 'localAnswer' | 'rollback';
  const legal: Record<OfferAnswerState, Partial<Record<Step, OfferAnswerState>>> = {
    stable: { localOffer: 'have-local-offer', remoteOffer: 'have-remote-offer' },
    'have-local-offer': { remoteAnswer: 'stable', rollback: 'stable' },
    'have-remote-offer': { localAnswer: 'stable', rollback: 'stable' },
  };
  const into: Record<OfferAnswerState, () => OfferAnswer> = {
    stable: established,
    'have-local-offer': () => {
      const oa = established();
      oa.setLocalOffer(localOffer());
      return oa;
    },
    'have-remote-offer': () => {
      const oa = established();
      oa.setRemoteOffer(peerOffer(2));
      return oa;
    },
  };
  const run = (oa: OfferAnswer, step: Step) => {
    if (step === 'localOffer') return oa.setLocalOffer(localOffer());
    if (step === 'remoteOffer') return oa.setRemoteOffer(peerOffer(3));
    if (step === 'remoteAnswer') return oa.setRemoteAnswer(peerAnswer(oa.pendingOffer ?? localOffer(), 3));
    if (step === 'localAnswer') return oa.setLocalAnswer(myAnswer(oa.pendingOffer ?? peerOffer()));
    return oa.rollback();
  };
  for (const from of Object.keys(legal) as OfferAnswerState[]) {
    for (const step of ['localOffer', 'remoteAnswer', 'remoteOffer', 'localAnswer', 'rollback'] as Step[]) {
      const to = legal[from][step];
      it(`${from} + ${step} → ${to ?? 'INVALID_STATE'}`, () => {
        const oa = into[from]();
        if (to === undefined) {
          stateError(() => run(oa, step));
          expect(oa.state).toBe(from);
        } else {
          run(oa, step);
          expect(oa.state).toBe(to);
        }
      });
    }
  }
});

describe('o= versions (RFC 3264 §8)', () => {
  it('each changed description this side sends gets the same o= line with the version one higher', () => {
    const oa = established();
    const reoffer = localOffer(); // same content, as built again
    reoffer.media[1]?.setPort(0); // drop video
    const sent = oa.setLocalOffer(reoffer);
    expect(sent.origin).toMatchObject({ username: 'alice', sessionId: '1000', sessionVersion: '8' });
    oa.setRemoteAnswer(peerAnswer(sent, 2));
    // a re-offer built with another o= line still goes out with this session's
    const other = createOffer({
      address: '192.0.2.1',
      origin: { username: 'x', sessionId: '5', sessionVersion: '1' },
      media: [
        { type: 'audio', port: 4010, codecs: [PCMU] },
        { type: 'video', port: 0, codecs: [H261] },
      ],
    });
    const third = oa.setLocalOffer(other);
    expect(third.origin).toMatchObject({ username: 'alice', sessionId: '1000', sessionVersion: '9' });
    expect(oa.sessionVersion).toBe('9');
  });

  it('an unchanged description keeps its version (a session refresh)', () => {
    const oa = established();
    const sent = oa.setLocalOffer(oa.localDescription as SessionDescription);
    expect(sent.origin.sessionVersion).toBe('7');
    oa.setRemoteAnswer(peerAnswer(sent));
  });

  it('the answers this side sends are versioned the same way', () => {
    const oa = new OfferAnswer();
    oa.setRemoteOffer(peerOffer(1));
    expect(oa.setLocalAnswer(myAnswer(oa.pendingOffer as SessionDescription)).origin.sessionVersion).toBe('7');
    oa.setRemoteOffer(peerOffer(2));
    const same = oa.setLocalAnswer(myAnswer(oa.pendingOffer as SessionDescription));
    expect(same.origin.sessionVersion).toBe('7');
    oa.setRemoteOffer(peerOffer(3));
    const changed = myAnswer(oa.pendingOffer as SessionDescription);
    changed.media[1]?.setPort(0);
    expect(oa.setLocalAnswer(changed).origin.sessionVersion).toBe('8');
  });

  it('never reuses a version for other content, even after a rollback', () => {
    const oa = established();
    const a = oa.localDescription?.clone() as SessionDescription;
    a.media[1]?.setPort(0);
    expect(oa.setLocalOffer(a).origin.sessionVersion).toBe('8');
    oa.rollback();
    const b = oa.localDescription?.clone() as SessionDescription;
    b.media[0]?.setPort(4100);
    expect(oa.setLocalOffer(b).origin.sessionVersion).toBe('9');
  });

  it('keeps a 64-bit version exact', () => {
    const oa = new OfferAnswer();
    const offer = createOffer({
      address: '192.0.2.1',
      origin: { sessionId: '18446744073709551615', sessionVersion: '18446744073709551615' },
      media: [{ type: 'audio', port: 4000, codecs: [PCMU] }],
    });
    const sent = oa.setLocalOffer(offer);
    oa.setRemoteAnswer(
      createAnswer(sent, { address: '198.51.100.2', ports: { audio: 5000 }, codecs: { audio: [PCMU] } }),
    );
    expect(oa.hold().origin.sessionVersion).toBe('18446744073709551616');
  });

  it('tells a new remote offer from a repeated one by its o= line', () => {
    const oa = new OfferAnswer();
    expect(oa.setRemoteOffer(peerOffer(1))).toBe(true);
    oa.setLocalAnswer(myAnswer(oa.pendingOffer as SessionDescription));
    expect(oa.setRemoteOffer(peerOffer(1))).toBe(false);
    oa.rollback();
    expect(oa.setRemoteOffer(peerOffer(2))).toBe(true);
  });

  it('refuses a re-offer that drops m= lines (INVALID_OFFER), either way', () => {
    const oa = established();
    const one = createOffer({ address: '192.0.2.1', media: [{ type: 'audio', port: 4000, codecs: [PCMU] }] });
    stateError(() => oa.setLocalOffer(one), 'INVALID_OFFER');
    const peerOne = createOffer({ address: '198.51.100.2', media: [{ type: 'audio', port: 5000, codecs: [PCMU] }] });
    stateError(() => oa.setRemoteOffer(peerOne), 'INVALID_OFFER');
    expect(oa.state).toBe('stable');
  });
});

describe('hold and resume (RFC 3264 §8.4, RFC 6337 §5.3)', () => {
  it('hold re-offers sendrecv streams as sendonly, version + 1; onHold once answered', () => {
    const oa = established();
    const hold = oa.hold();
    expect(oa.state).toBe('have-local-offer');
    expect(hold.media.map((m) => m.direction)).toEqual(['sendonly', 'sendonly']);
    expect(hold.origin.sessionVersion).toBe('8');
    expect(oa.onHold).toBe(false);
    const answer = createAnswer(hold, {
      address: '198.51.100.2',
      ports: { audio: 5000, video: 5002 },
      codecs: { audio: [PCMU], video: [H261] },
    });
    expect(answer.media.map((m) => m.direction)).toEqual(['recvonly', 'recvonly']);
    oa.setRemoteAnswer(answer);
    expect(oa.onHold).toBe(true);
    // only the direction lines and o= changed
    const before = serializeSdp(localOffer()).replaceAll('a=sendrecv', 'a=sendonly').replace(' 1000 7 ', ' 1000 8 ');
    expect(serializeSdp(hold)).toBe(before);
  });

  it('hold turns a recvonly stream inactive, leaves inactive and rejected streams alone', () => {
    const oa = new OfferAnswer();
    const offer = createOffer({
      address: '192.0.2.1',
      origin: { sessionId: '1', sessionVersion: '1' },
      media: [
        { type: 'audio', port: 4000, codecs: [PCMU], direction: 'recvonly' },
        { type: 'audio', port: 4002, codecs: [PCMU], direction: 'inactive' },
        { type: 'audio', port: 4004, codecs: [PCMU], direction: 'sendonly' },
        { type: 'video', port: 0, codecs: [H261] },
      ],
    });
    const sent = oa.setLocalOffer(offer);
    oa.setRemoteAnswer(peerAnswer(sent));
    const hold = oa.hold();
    expect(hold.media.map((m) => m.direction)).toEqual(['inactive', 'inactive', 'sendonly', 'sendrecv']);
  });

  it('a stream this side answered recvonly (the peer holds) goes inactive', () => {
    const oa = new OfferAnswer();
    oa.setRemoteOffer(parseSdp(fixture('hold-sendonly.sdp')));
    const answer = oa.setLocalAnswer(
      createAnswer(oa.pendingOffer as SessionDescription, {
        address: '192.0.2.1',
        ports: { audio: 4000 },
        codecs: { audio: [{ name: 'PCMA', clockRate: 8000 }] },
        origin: { sessionId: '1', sessionVersion: '1' },
      }),
    );
    expect(answer.media[0]?.direction).toBe('recvonly');
    expect(oa.hold().media[0]?.direction).toBe('inactive');
  });

  it('resume restores each stream direction as before hold, version + 1', () => {
    const oa = established();
    oa.setRemoteAnswer(peerAnswer(oa.hold(), 2));
    const resume = oa.resume();
    expect(resume.media.map((m) => m.direction)).toEqual(['sendrecv', 'sendrecv']);
    expect(resume.origin.sessionVersion).toBe('9');
    expect(oa.onHold).toBe(true);
    oa.setRemoteAnswer(peerAnswer(resume, 3));
    expect(oa.onHold).toBe(false);
    // back to the original content
    expect(serializeSdp(resume)).toBe(serializeSdp(localOffer()).replace(' 1000 7 ', ' 1000 9 '));
  });

  it('resume removes a direction hold added where there was none (session default)', () => {
    const oa = new OfferAnswer();
    const plain = parseSdp(fixture('hold-old-style.sdp').replace('c=IN IP4 0.0.0.0', 'c=IN IP4 198.51.100.9'));
    oa.setLocalOffer(plain);
    oa.setRemoteAnswer(peerAnswer(plain));
    const hold = oa.hold();
    expect(hold.media[0]?.direction).toBe('sendonly');
    oa.setRemoteAnswer(peerAnswer(hold, 2));
    const resume = oa.resume();
    expect(resume.media[0]?.direction).toBeUndefined();
    expect(serializeSdp(resume)).toBe(serializeSdp(plain).replace(' 20518 20519 ', ' 20518 20521 '));
  });

  it('a refused hold (rollback) leaves the session off hold; a refused resume leaves it on', () => {
    const oa = established();
    oa.hold();
    oa.rollback();
    expect(oa.onHold).toBe(false);
    oa.setRemoteAnswer(peerAnswer(oa.hold(), 2));
    expect(oa.onHold).toBe(true);
    oa.resume();
    oa.rollback();
    expect(oa.onHold).toBe(true);
  });

  it('while on hold, this side answers a peer re-offer with its streams still held', () => {
    const oa = established();
    oa.setRemoteAnswer(peerAnswer(oa.hold(), 2));
    oa.setRemoteOffer(peerOffer(3));
    const answer = oa.setLocalAnswer(myAnswer(oa.pendingOffer as SessionDescription));
    expect(answer.media.map((m) => m.direction)).toEqual(['sendonly', 'sendonly']);
    expect(oa.onHold).toBe(true);
  });

  it('refuses hold before any exchange, hold on hold, and resume off hold (INVALID_STATE)', () => {
    stateError(() => new OfferAnswer().hold());
    const oa = established();
    stateError(() => oa.resume());
    oa.setRemoteAnswer(peerAnswer(oa.hold(), 2));
    stateError(() => oa.hold());
    expect(oa.state).toBe('stable');
  });
});

import { holdDirection } from './codecs.js';
import type { SessionDescription } from './description.js';
import { SdpError } from './errors.js';
import { parseSdp } from './parse.js';
import type { Direction, Origin } from './types.js';

/**
 * Where an offer/answer exchange stands (RFC 3264 §4, with the names JSEP uses):
 *
 * - `stable`: no offer outstanding; either side may offer.
 * - `have-local-offer`: this side sent an offer and waits for the answer.
 * - `have-remote-offer`: an offer arrived and this side owes the answer.
 *
 * @public
 */
export type OfferAnswerState = 'stable' | 'have-local-offer' | 'have-remote-offer';

/** What moves the state machine. */
type OfferAnswerEvent = 'localOffer' | 'remoteAnswer' | 'remoteOffer' | 'localAnswer' | 'rollback';

// RFC 3264 §4: at most one offer outstanding in each direction at a time, and the answer
// goes to the side that made the offer (RFC 6337 §2.1 for the SIP methods that carry them).
const TRANSITIONS: Readonly<Record<OfferAnswerState, Partial<Record<OfferAnswerEvent, OfferAnswerState>>>> = {
  stable: { localOffer: 'have-local-offer', remoteOffer: 'have-remote-offer' },
  'have-local-offer': { remoteAnswer: 'stable', rollback: 'stable' },
  'have-remote-offer': { localAnswer: 'stable', rollback: 'stable' },
};

/** The description without its o= line: what decides whether a new version is due. */
function contentOf(sd: SessionDescription): string {
  return sd
    .toString()
    .split('\r\n')
    .filter((l) => !l.startsWith('o='))
    .join('\r\n');
}

function parsed(sd: SessionDescription | string | Uint8Array): SessionDescription {
  return typeof sd === 'string' || sd instanceof Uint8Array ? parseSdp(sd) : sd;
}

/** RFC 3264 §6: the answer has the offer's m= lines, in the same order, of the same types. */
function checkAnswer(offer: SessionDescription, answer: SessionDescription): void {
  if (answer.media.length !== offer.media.length) {
    throw new SdpError(
      'INVALID_ANSWER',
      `the answer has ${answer.media.length} media sections, the offer ${offer.media.length} (RFC 3264 §6)`,
    );
  }
  answer.media.forEach((m, i) => {
    const o = offer.media[i] as (typeof offer.media)[number];
    if (m.type !== o.type) {
      throw new SdpError('INVALID_ANSWER', `media section ${i} is ${m.type} in the answer, ${o.type} in the offer`);
    }
  });
}

/**
 * The offer/answer state of one session (RFC 3264 §4 and §8, RFC 6337): which side owes what,
 * the descriptions in effect, this side's `o=` line, and hold.
 *
 * It does no I/O and builds no media: hand it each description this side sends (it stamps
 * them with its `o=` line) and each one that arrives, in the order they happen, and it
 * refuses an out-of-turn one with {@link SdpError} `INVALID_STATE`.
 *
 * The first description this side sends fixes its `o=` line; each later one gets the same line
 * with the version one higher than the last one sent, unless its content is unchanged, in
 * which case the version stays (RFC 3264 §8). A version is never reused for different content,
 * even after {@link OfferAnswer.rollback}.
 *
 * @example
 * ```ts
 * const session = new OfferAnswer();
 * const offer = session.setLocalOffer(
 *   createOffer({ address: '192.0.2.1', media: [{ type: 'audio', port: 4000, codecs: [{ name: 'PCMU', clockRate: 8000 }] }] }),
 * );
 * // … `offer` goes out in an INVITE; the 200 OK brings the answer:
 * session.setRemoteAnswer(okBody); // stable: offer and answer in effect
 * const hold = session.hold(); // a re-INVITE body: a=sendonly, o= version one higher
 * ```
 *
 * @public
 */
export class OfferAnswer {
  #state: OfferAnswerState = 'stable';
  #local: SessionDescription | undefined;
  #remote: SessionDescription | undefined;
  #pending: SessionDescription | undefined;
  #origin: Origin | undefined;
  #version = 0n;
  #lastSent: string | undefined;
  #held = false;
  #heldPending = false;
  /** Each media section's own direction attribute before hold (null: none). */
  #beforeHold: (Direction | null)[] = [];

  /** Where the exchange stands. */
  get state(): OfferAnswerState {
    return this.#state;
  }

  /** The description this side sent in the last completed exchange, if any. */
  get localDescription(): SessionDescription | undefined {
    return this.#local;
  }

  /** The description the peer sent in the last completed exchange, if any. */
  get remoteDescription(): SessionDescription | undefined {
    return this.#remote;
  }

  /** The outstanding offer: this side's in `have-local-offer`, the peer's in `have-remote-offer`. */
  get pendingOffer(): SessionDescription | undefined {
    return this.#pending;
  }

  /** Whether this side has put the session on hold (the hold offer was answered). */
  get onHold(): boolean {
    return this.#held;
  }

  /** The session version of the last description this side sent, as a decimal string. */
  get sessionVersion(): string | undefined {
    return this.#origin === undefined ? undefined : this.#version.toString();
  }

  /** Checks that `event` is legal now and returns the next state. */
  #next(event: OfferAnswerEvent, what: string): OfferAnswerState {
    const next = TRANSITIONS[this.#state][event];
    if (next === undefined) throw new SdpError('INVALID_STATE', `${what} is not allowed in state ${this.#state}`);
    return next;
  }

  /** A copy of `sd` with this side's o= line and the right version (RFC 3264 §8). */
  #stamp(sd: SessionDescription): SessionDescription {
    const out = sd.clone();
    if (this.#origin === undefined) {
      this.#origin = out.origin;
      this.#version = BigInt(this.#origin.sessionVersion);
    } else {
      out.setOrigin({ ...this.#origin, sessionVersion: this.#version.toString() });
      // RFC 3264 §8: a changed description has the version one higher than the previous one;
      // an unchanged one keeps it.
      if (contentOf(out) !== this.#lastSent) {
        this.#version += 1n;
        out.setOrigin({ ...this.#origin, sessionVersion: this.#version.toString() });
      }
    }
    this.#lastSent = contentOf(out);
    return out;
  }

  /** RFC 3264 §8: a new offer keeps every m= line of the session (and may add more). */
  #checkReoffer(offer: SessionDescription): void {
    const before = this.#local?.media.length ?? 0;
    if (offer.media.length < before) {
      throw new SdpError('INVALID_OFFER', `an offer must keep all ${before} media sections (RFC 3264 §8)`);
    }
  }

  /**
   * This side sends an offer: `stable` → `have-local-offer`.
   *
   * @param offer - the offer as built ({@link createOffer}, or an edited copy of the last one)
   * @returns the offer to send: a copy with this side's `o=` line
   * @throws {@link SdpError} `INVALID_STATE` outside `stable`; `INVALID_OFFER` when it has fewer
   *   media sections than the session
   */
  setLocalOffer(offer: SessionDescription): SessionDescription {
    return this.#offer(offer, this.#held);
  }

  #offer(offer: SessionDescription, held: boolean): SessionDescription {
    const next = this.#next('localOffer', 'a local offer');
    this.#checkReoffer(offer);
    this.#pending = this.#stamp(offer);
    this.#heldPending = held;
    this.#state = next;
    return this.#pending;
  }

  /**
   * The peer's answer arrived: `have-local-offer` → `stable`; offer and answer take effect.
   *
   * @param answer - the answer, parsed or as text
   * @throws {@link SdpError} `INVALID_STATE` outside `have-local-offer`; `INVALID_ANSWER` when
   *   its media sections do not line up with the offer's; {@link SdpParseError} for text that
   *   is not SDP
   */
  setRemoteAnswer(answer: SessionDescription | string | Uint8Array): void {
    const next = this.#next('remoteAnswer', 'a remote answer');
    const sd = parsed(answer);
    checkAnswer(this.#pending as SessionDescription, sd);
    this.#local = this.#pending;
    this.#remote = sd;
    this.#pending = undefined;
    this.#held = this.#heldPending;
    this.#state = next;
  }

  /**
   * An offer arrived: `stable` → `have-remote-offer`. Answer it with
   * {@link OfferAnswer.setLocalAnswer}, or refuse it (a 488 or 491) with
   * {@link OfferAnswer.rollback}.
   *
   * @param offer - the offer, parsed or as text
   * @returns whether it is new: false when its `o=` line equals the last one from the peer,
   *   so by RFC 3264 §8 nothing changed (a session refresh)
   * @throws {@link SdpError} `INVALID_STATE` outside `stable` (glare: a SIP UA answers 491);
   *   `INVALID_OFFER` when it drops media sections; {@link SdpParseError} for text that is not SDP
   */
  setRemoteOffer(offer: SessionDescription | string | Uint8Array): boolean {
    const next = this.#next('remoteOffer', 'a remote offer');
    const sd = parsed(offer);
    const before = this.#remote?.media.length ?? 0;
    if (sd.media.length < before) {
      throw new SdpError('INVALID_OFFER', `an offer must keep all ${before} media sections (RFC 3264 §8)`);
    }
    const prev = this.#remote?.origin;
    const o = sd.origin;
    const changed =
      prev === undefined ||
      prev.sessionId !== o.sessionId ||
      prev.sessionVersion !== o.sessionVersion ||
      prev.username !== o.username ||
      prev.address !== o.address;
    this.#pending = sd;
    this.#state = next;
    return changed;
  }

  /**
   * This side answers the outstanding offer: `have-remote-offer` → `stable`. While this side
   * holds the session, the answer's streams are put on hold as well ({@link holdDirection}),
   * so answering a peer's re-offer does not take the session off hold (RFC 6337 §5.3).
   *
   * @param answer - the answer as built ({@link createAnswer})
   * @returns the answer to send: a copy with this side's `o=` line
   * @throws {@link SdpError} `INVALID_STATE` outside `have-remote-offer`; `INVALID_ANSWER` when
   *   its media sections do not line up with the offer's
   */
  setLocalAnswer(answer: SessionDescription): SessionDescription {
    const next = this.#next('localAnswer', 'a local answer');
    const offer = this.#pending as SessionDescription;
    checkAnswer(offer, answer);
    let sd = answer;
    if (this.#held) {
      sd = answer.clone();
      for (const m of sd.media) if (!m.rejected) m.setDirection(holdDirection(sd.directionOf(m)));
    }
    this.#local = this.#stamp(sd);
    this.#remote = offer;
    this.#pending = undefined;
    this.#state = next;
    return this.#local;
  }

  /**
   * Drops the outstanding offer and returns to `stable` with the previous descriptions in
   * effect: this side's offer was refused (488, 491, or a failed re-INVITE), or this side
   * refuses the peer's.
   *
   * @throws {@link SdpError} `INVALID_STATE` in `stable`
   */
  rollback(): void {
    const next = this.#next('rollback', 'a rollback');
    this.#pending = undefined;
    this.#heldPending = this.#held;
    this.#state = next;
  }

  /**
   * Puts the session on hold (RFC 3264 §8.4, RFC 6337 §5.3): a re-offer from this side's
   * current description where each stream that was `sendrecv` becomes `sendonly` and each that
   * was `recvonly` becomes `inactive` (rejected streams stay as they are), with the version one
   * higher. `stable` → `have-local-offer`; {@link OfferAnswer.onHold} turns true when the answer
   * arrives.
   *
   * @returns the offer to send
   * @throws {@link SdpError} `INVALID_STATE` outside `stable`, before a completed exchange, or
   *   when already on hold
   */
  hold(): SessionDescription {
    this.#next('localOffer', 'hold');
    if (this.#local === undefined) throw new SdpError('INVALID_STATE', 'hold before any offer/answer exchange');
    if (this.#held) throw new SdpError('INVALID_STATE', 'already on hold');
    const offer = this.#local.clone();
    const before = offer.media.map((m) => m.direction ?? null);
    for (const m of offer.media) if (!m.rejected) m.setDirection(holdDirection(offer.directionOf(m)));
    const sent = this.#offer(offer, true);
    this.#beforeHold = before;
    return sent;
  }

  /**
   * Takes the session off hold: a re-offer from this side's current description with each
   * stream's direction as it was before {@link OfferAnswer.hold}, with the version one higher.
   * `stable` → `have-local-offer`; {@link OfferAnswer.onHold} turns false when the answer
   * arrives.
   *
   * @returns the offer to send
   * @throws {@link SdpError} `INVALID_STATE` outside `stable` or when not on hold
   */
  resume(): SessionDescription {
    this.#next('localOffer', 'resume');
    if (!this.#held || this.#local === undefined) throw new SdpError('INVALID_STATE', 'not on hold');
    const offer = this.#local.clone();
    offer.media.forEach((m, i) => {
      const d = this.#beforeHold[i];
      if (m.rejected || d === undefined) return; // a section added while on hold keeps its own
      if (d !== null) m.setDirection(d);
      else for (const x of ['sendrecv', 'sendonly', 'recvonly', 'inactive']) m.removeAttribute(x);
    });
    return this.#offer(offer, false);
  }
}

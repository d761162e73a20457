import { fmtpParams } from './internal/attributes.js';
import type { Codec, Direction } from './types.js';

/**
 * A codec this side supports, as {@link createOffer} and {@link createAnswer} take it.
 *
 * @public
 */
export interface CodecSpec {
  /** Encoding name, matched case-insensitively (`opus`, `PCMU`, `telephone-event`, `rtx`, …). */
  readonly name: string;
  /** Clock rate in Hz. */
  readonly clockRate: number;
  /**
   * Number of audio channels.
   *
   * @defaultValue 1
   */
  readonly channels?: number | undefined;
  /**
   * Format parameters this side wants in its own `a=fmtp` (what it is willing to receive). In an
   * answer, when left out, the offer's parameters for that payload type are echoed.
   */
  readonly fmtp?: string | undefined;
  /**
   * Payload type to use in an offer. Left out: the RFC 3551 static type when there is one,
   * else the next free dynamic type from 96. An answer always uses the offer's numbers
   * (RFC 3264 §6.1).
   */
  readonly payloadType?: number | undefined;
}

/**
 * Formats that ride along with a media codec but do not make a stream by themselves: DTMF
 * (RFC 4733), comfort noise (RFC 3389), retransmission (RFC 4588), redundancy (RFC 2198) and FEC.
 */
const AUXILIARY = new Set(['telephone-event', 'cn', 'rtx', 'red', 'ulpfec', 'flexfec', 'flexfec-03']);

/** @returns whether a codec name is an auxiliary format (DTMF, CN, RTX, RED, FEC). */
export function isAuxiliary(name: string): boolean {
  return AUXILIARY.has(name.toLowerCase());
}

/**
 * Whether an offered codec is one this side supports: same name (case-insensitively), clock
 * rate and channel count (1 when not given). For H.264, when the local spec has an fmtp, the
 * `packetization-mode` (0 when absent) must also be equal (RFC 6184 §8.2.2), and the profile
 * (the first two bytes of `profile-level-id`) too when both give one.
 *
 * @param offered - a codec of an offered media section
 * @param local - a codec this side supports
 * @returns whether they are the same codec
 *
 * @public
 */
export function codecMatches(offered: Codec, local: CodecSpec): boolean {
  if (offered.name.toLowerCase() !== local.name.toLowerCase()) return false;
  if (offered.clockRate !== local.clockRate) return false;
  if ((offered.channels ?? 1) !== (local.channels ?? 1)) return false;
  if (offered.name.toLowerCase() === 'h264' && local.fmtp !== undefined) {
    const a = fmtpParams(offered.fmtp ?? '');
    const b = fmtpParams(local.fmtp);
    if ((a.get('packetization-mode') ?? '0') !== (b.get('packetization-mode') ?? '0')) return false;
    const pa = a.get('profile-level-id');
    const pb = b.get('profile-level-id');
    if (pa !== undefined && pb !== undefined && pa.slice(0, 4).toLowerCase() !== pb.slice(0, 4).toLowerCase()) {
      return false;
    }
  }
  return true;
}

const sends = (d: Direction) => d === 'sendrecv' || d === 'sendonly';
const receives = (d: Direction) => d === 'sendrecv' || d === 'recvonly';

/**
 * The direction of an answered stream (RFC 3264 §6.1): the answerer sends only if the offerer
 * receives and it wants to send, and receives only if the offerer sends and it wants to
 * receive. So `sendonly` is answered `recvonly` (or `inactive`), `recvonly` is answered
 * `sendonly` (or `inactive`), and `inactive` stays `inactive`.
 *
 * @param offered - the direction the offer gives the stream ({@link SessionDescription.directionOf})
 * @param preference - what this side wants
 * @returns the direction to put in the answer
 *
 * @public
 */
export function answerDirection(offered: Direction, preference: Direction = 'sendrecv'): Direction {
  const send = receives(offered) && sends(preference);
  const recv = sends(offered) && receives(preference);
  return send ? (recv ? 'sendrecv' : 'sendonly') : recv ? 'recvonly' : 'inactive';
}

/**
 * The direction a stream takes when this side puts it on hold (RFC 3264 §8.4, RFC 6337 §5.3):
 * `sendrecv` becomes `sendonly`, `recvonly` becomes `inactive`; `sendonly` and `inactive` stay.
 *
 * @param current - the direction this side gave the stream last
 * @returns the direction of the hold offer
 *
 * @public
 */
export function holdDirection(current: Direction): Direction {
  return current === 'sendrecv' ? 'sendonly' : current === 'recvonly' ? 'inactive' : current;
}

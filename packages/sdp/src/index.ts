/**
 * SDP, the Session Description Protocol (RFC 8866), and the offer/answer model (RFC 3264).
 *
 * {@link parseSdp} reads a session description strictly (RFC 8866 §5 and §9) and keeps every
 * line as it came, so {@link serializeSdp} gives back the input byte for byte; typed readers
 * (origin, connections, media, rtpmap, fmtp, candidates, fingerprints, …) parse lines on
 * demand, and edit methods replace whole lines. {@link createOffer} and {@link createAnswer}
 * build descriptions by RFC 3264 §5 and §6, and {@link OfferAnswer} tracks whose turn it is,
 * the `o=` version, and hold (§8).
 *
 * @example
 * ```ts
 * import { createAnswer, parseSdp, serializeSdp } from '@sipkit/sdp';
 *
 * const offer = parseSdp(body); // the INVITE's body
 * const answer = createAnswer(offer, {
 *   address: '192.0.2.20',
 *   ports: { audio: 40000 },
 *   codecs: { audio: [{ name: 'PCMA', clockRate: 8000 }, { name: 'telephone-event', clockRate: 8000 }] },
 * });
 * if (answer.media.every((m) => m.rejected)) {
 *   // nothing in common: answer 488 Not Acceptable Here
 * }
 * const text = serializeSdp(answer); // the 200 OK's body
 * ```
 *
 * @packageDocumentation
 */

export { type AnswerOptions, createAnswer, type PortAllocator } from './answer.js';
export { answerDirection, type CodecSpec, codecMatches, holdDirection } from './codecs.js';
export {
  type ConnectionInit,
  MediaDescription,
  SdpSection,
  SessionDescription,
  serializeSdp,
} from './description.js';
export { SdpError, type SdpErrorCode, SdpParseError, type SdpParseErrorCode } from './errors.js';
export { createOffer, type MediaOfferInit, type OfferOptions } from './offer.js';
export { OfferAnswer, type OfferAnswerState } from './offer-answer.js';
export { type ParseSdpOptions, parseSdp } from './parse.js';
export type {
  Attribute,
  AttributeInit,
  Bandwidth,
  Candidate,
  Codec,
  Connection,
  Direction,
  ExtMap,
  Fingerprint,
  Fmtp,
  Group,
  Msid,
  Origin,
  OriginInit,
  RepeatTime,
  Rtcp,
  RtpMap,
  SdpLine,
  Setup,
  Ssrc,
  SsrcGroup,
  TimeDescription,
  ZoneAdjustment,
} from './types.js';

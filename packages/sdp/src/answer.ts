import { answerDirection, type CodecSpec, codecMatches, isAuxiliary } from './codecs.js';
import type { MediaDescription, SessionDescription } from './description.js';
import { fmtpParams } from './internal/attributes.js';
import { addrtypeOf, attributeLine, build, codecLines, originLine } from './internal/build.js';
import { rtpProto } from './internal/grammar.js';
import type { AttributeInit, Codec, Direction, OriginInit } from './types.js';

/**
 * Picks the port for an offered media section; 0 (or undefined) rejects the stream.
 *
 * @param offered - the offered media section
 * @param index - its index in the offer
 * @returns the local port, or 0/undefined to reject
 *
 * @public
 */
export type PortAllocator = (offered: MediaDescription, index: number) => number | undefined;

/**
 * Options of {@link createAnswer}: what this side supports and where it receives.
 *
 * @public
 */
export interface AnswerOptions {
  /** Address this side receives media on; it goes in `o=` and the session-level `c=`. */
  readonly address: string;
  /**
   * Supported codecs per media type (`audio`, `video`, …; for a non-RTP proto, the formats by
   * name, such as `t38`). A media type without an entry is rejected. Put `telephone-event`
   * here (at each clock rate) to accept DTMF, and `rtx` to accept retransmission.
   */
  readonly codecs: Readonly<Record<string, readonly CodecSpec[] | undefined>>;
  /**
   * Local ports: one per media type, or a function per offered section. A section without a
   * port (or with 0) is rejected.
   */
  readonly ports: Readonly<Record<string, number | undefined>> | PortAllocator;
  /**
   * What this side wants for every stream; {@link answerDirection} combines it with the
   * offer's direction (RFC 3264 §6.1). A record gives it per media type.
   *
   * @defaultValue `sendrecv`
   */
  readonly direction?: Direction | Readonly<Record<string, Direction | undefined>> | undefined;
  /**
   * Transport protocols this side can use; a section offered with another one is rejected.
   * Add `RTP/SAVP` or `UDP/TLS/RTP/SAVPF` only with the crypto, ICE and DTLS attributes that
   * go with them ({@link AnswerOptions.mediaAttributes}).
   *
   * @defaultValue `['RTP/AVP', 'RTP/AVPF']`
   */
  readonly protocols?: readonly string[] | undefined;
  /** The `o=` fields; see {@link OriginInit}. */
  readonly origin?: OriginInit | undefined;
  /**
   * Session name.
   *
   * @defaultValue `-`
   */
  readonly sessionName?: string | undefined;
  /** `a=ptime` for accepted audio sections, in milliseconds. */
  readonly ptime?: number | undefined;
  /**
   * Whether to accept `a=rtcp-mux` (RFC 5761 §5.1.1) when it is offered.
   *
   * @defaultValue false
   */
  readonly rtcpMux?: boolean | undefined;
  /** Session-level attributes. */
  readonly sessionAttributes?: readonly AttributeInit[] | undefined;
  /**
   * More attributes for each accepted section (crypto, ICE, fingerprint, …), written last.
   *
   * @param offered - the offered section
   * @param index - its index in the offer
   * @returns the attributes to add
   */
  readonly mediaAttributes?: ((offered: MediaDescription, index: number) => readonly AttributeInit[]) | undefined;
}

const DEFAULT_PROTOCOLS: readonly string[] = ['RTP/AVP', 'RTP/AVPF'];

/** An offered codec with the fmtp to answer with. */
interface Chosen {
  codec: Codec;
  fmtp: string | undefined;
}

/**
 * The offered codecs this side supports, in the offerer's order (RFC 3264 §6.1), each with the
 * fmtp to answer with; auxiliary formats are kept only if a media codec is, and `rtx` only with
 * the payload type it repairs (RFC 4588 §8.6).
 */
function intersect(offered: readonly Codec[], specs: readonly CodecSpec[]): Chosen[] {
  const chosen = new Map<number, Chosen>();
  for (const c of offered) {
    if (c.name.toLowerCase() === 'rtx') continue;
    const spec = specs.find((s) => codecMatches(c, s));
    if (spec !== undefined) chosen.set(c.payloadType, { codec: c, fmtp: spec.fmtp ?? c.fmtp });
  }
  if (![...chosen.values()].some(({ codec }) => !isAuxiliary(codec.name))) return [];
  for (const c of offered) {
    if (c.name.toLowerCase() !== 'rtx' || !specs.some((s) => codecMatches(c, s))) continue;
    const apt = Number(fmtpParams(c.fmtp ?? '').get('apt'));
    const target = chosen.get(apt);
    if (target !== undefined && !isAuxiliary(target.codec.name)) chosen.set(c.payloadType, { codec: c, fmtp: c.fmtp });
  }
  return offered.flatMap((c) => chosen.get(c.payloadType) ?? []);
}

/**
 * Answers an offer (RFC 3264 §6).
 *
 * The answer has the offer's `m=` lines, same number, same order. A section is rejected with
 * port 0 (keeping the offered formats) when it was offered with port 0, when its media type or
 * proto is not supported, when no port is given for it, or when no codec is in common. An
 * accepted section lists the supported formats in the offerer's order with the offer's payload
 * type numbers (§6.1); `telephone-event`, comfort noise and the like come along only when both
 * sides support them and a media codec is accepted. Its direction is {@link answerDirection}
 * of the offer's ({@link SessionDescription.directionOf}, so a `c=0.0.0.0` hold counts as
 * `sendonly`) and the local preference. `a=mid` is echoed; the `t=` lines are copied
 * (§6: the time cannot be negotiated); `o=` gets this side's own session id and version.
 *
 * All sections rejected means nothing was acceptable: a UAS then answers 488 instead.
 *
 * @param offer - the offer
 * @param options - what this side supports
 * @returns the answer
 * @throws {@link SdpError} `INVALID_ARGUMENT` when an option cannot be written as SDP;
 *   {@link SdpParseError} `INVALID_ATTRIBUTE` when an offered rtpmap or fmtp is malformed
 *
 * @public
 */
export function createAnswer(offer: SessionDescription, options: AnswerOptions): SessionDescription {
  const { address } = options;
  const protocols = options.protocols ?? DEFAULT_PROTOCOLS;
  const lines = [
    'v=0',
    originLine(options.origin, address),
    `s=${options.sessionName ?? '-'}`,
    `c=IN ${addrtypeOf(address)} ${address}`,
    // RFC 3264 §6: the t= line in the answer MUST equal that of the offer.
    ...offer.lines.filter((l) => l.type === 't' || l.type === 'r' || l.type === 'z').map((l) => `${l.type}=${l.value}`),
    ...(options.sessionAttributes ?? []).map(attributeLine),
  ];
  offer.media.forEach((m, i) => {
    lines.push(...answerSection(offer, m, i, options, protocols));
  });
  return build(lines, 'createAnswer');
}

/** The lines of the answer to one offered media section. */
function answerSection(
  offer: SessionDescription,
  m: MediaDescription,
  i: number,
  options: AnswerOptions,
  protocols: readonly string[],
): string[] {
  const mid = m.mid;
  // RFC 3264 §6: a rejected stream has port 0; its formats are ignored, at least one stays.
  const rejected = [`m=${m.type} 0 ${m.proto} ${m.formats.join(' ')}`, ...(mid === undefined ? [] : [`a=mid:${mid}`])];
  const specs = options.codecs[m.type];
  // RFC 3264 §6: a stream offered with port 0 stays rejected.
  if (m.port === 0 || specs === undefined || specs.length === 0 || !protocols.includes(m.proto)) return rejected;
  const port = typeof options.ports === 'function' ? options.ports(m, i) : options.ports[m.type];
  if (port === undefined || port === 0) return rejected;

  const formats: string[] = [];
  const attrs: string[] = [];
  if (mid !== undefined) attrs.push(`a=mid:${mid}`);
  if (rtpProto(m.proto)) {
    for (const { codec, fmtp } of intersect(m.codecs, specs)) {
      formats.push(String(codec.payloadType));
      attrs.push(...codecLines(codec.payloadType, { ...codec, fmtp }));
    }
  } else {
    for (const f of m.formats) if (specs.some((s) => s.name.toLowerCase() === f.toLowerCase())) formats.push(f);
  }
  if (formats.length === 0) return rejected;
  if (options.ptime !== undefined && m.type === 'audio') attrs.push(`a=ptime:${options.ptime}`);
  // RFC 5761 §5.1.1: the answerer includes rtcp-mux only when the offer did.
  if (options.rtcpMux === true && m.rtcpMux) attrs.push('a=rtcp-mux');
  const pref = typeof options.direction === 'object' ? options.direction[m.type] : options.direction;
  attrs.push(`a=${answerDirection(offer.directionOf(m), pref ?? 'sendrecv')}`);
  attrs.push(...(options.mediaAttributes?.(m, i) ?? []).map(attributeLine));
  return [`m=${m.type} ${port} ${m.proto} ${formats.join(' ')}`, ...attrs];
}

import type { CodecSpec } from './codecs.js';
import type { SessionDescription } from './description.js';
import { SdpError } from './errors.js';
import { addrtypeOf, attributeLine, build, codecLines, originLine } from './internal/build.js';
import { rtpProto } from './internal/grammar.js';
import { staticPayloadType } from './internal/static.js';
import type { AttributeInit, Direction, OriginInit } from './types.js';

/**
 * One media section of an offer, for {@link createOffer}.
 *
 * @public
 */
export interface MediaOfferInit {
  /** Media type: `audio`, `video`, `image`, `application`, … */
  readonly type: string;
  /** Port this side receives on (0 for a disabled section). */
  readonly port: number;
  /**
   * Codecs in preference order. For an RTP proto each gets a payload type and an `a=rtpmap`
   * (and `a=fmtp` when it has parameters); for another proto each name is a format as is
   * (`t38`, `webrtc-datachannel`).
   */
  readonly codecs: readonly CodecSpec[];
  /**
   * Transport protocol.
   *
   * @defaultValue `RTP/AVP`
   */
  readonly proto?: string | undefined;
  /**
   * Direction attribute.
   *
   * @defaultValue `sendrecv`
   */
  readonly direction?: Direction | undefined;
  /** `a=mid` (RFC 5888), if wanted. */
  readonly mid?: string | undefined;
  /** `a=ptime` in milliseconds, if wanted. */
  readonly ptime?: number | undefined;
  /**
   * Whether to offer `a=rtcp-mux` (RFC 5761).
   *
   * @defaultValue false
   */
  readonly rtcpMux?: boolean | undefined;
  /** More attributes, written after the others. */
  readonly attributes?: readonly AttributeInit[] | undefined;
}

/**
 * Options of {@link createOffer}.
 *
 * @public
 */
export interface OfferOptions {
  /** Address this side receives media on; it goes in `o=` and the session-level `c=`. */
  readonly address: string;
  /** The media sections, in order. */
  readonly media: readonly MediaOfferInit[];
  /** The `o=` fields; see {@link OriginInit}. */
  readonly origin?: OriginInit | undefined;
  /**
   * Session name.
   *
   * @defaultValue `-`
   */
  readonly sessionName?: string | undefined;
  /** Session-level attributes. */
  readonly attributes?: readonly AttributeInit[] | undefined;
}

/**
 * Makes an offer (RFC 3264 §5): `o=` with a fresh session id, one `c=` at session level,
 * `t=0 0`, and per media section its codecs, direction and attributes.
 *
 * @param options - what to offer
 * @returns the offer
 * @throws {@link SdpError} `INVALID_ARGUMENT` when an option cannot be written as SDP
 *
 * @public
 */
export function createOffer(options: OfferOptions): SessionDescription {
  const { address } = options;
  const lines = [
    'v=0',
    originLine(options.origin, address),
    `s=${options.sessionName ?? '-'}`,
    `c=IN ${addrtypeOf(address)} ${address}`,
    't=0 0',
    ...(options.attributes ?? []).map(attributeLine),
  ];
  for (const m of options.media) {
    const proto = m.proto ?? 'RTP/AVP';
    if (m.codecs.length === 0) throw new SdpError('INVALID_ARGUMENT', `no codecs for ${m.type}`);
    const formats: string[] = [];
    const attrs: string[] = [];
    if (m.mid !== undefined) attrs.push(`a=mid:${m.mid}`);
    if (rtpProto(proto)) {
      const used = new Set(m.codecs.map((c) => c.payloadType).filter((pt) => pt !== undefined));
      let next = 96;
      for (const c of m.codecs) {
        let pt = c.payloadType ?? staticPayloadType(c.name, c.clockRate, c.channels);
        if (pt === undefined || (c.payloadType === undefined && used.has(pt))) {
          while (used.has(next)) next++;
          pt = next;
        }
        if (!Number.isInteger(pt) || pt < 0 || pt > 127)
          throw new SdpError('INVALID_ARGUMENT', `bad payload type ${pt}`);
        used.add(pt);
        formats.push(String(pt));
        attrs.push(...codecLines(pt, c));
      }
    } else {
      for (const c of m.codecs) formats.push(c.name);
    }
    if (m.ptime !== undefined) attrs.push(`a=ptime:${m.ptime}`);
    if (m.rtcpMux === true) attrs.push('a=rtcp-mux');
    attrs.push(`a=${m.direction ?? 'sendrecv'}`);
    attrs.push(...(m.attributes ?? []).map(attributeLine));
    lines.push(`m=${m.type} ${m.port} ${proto} ${formats.join(' ')}`, ...attrs);
  }
  return build(lines, 'createOffer');
}

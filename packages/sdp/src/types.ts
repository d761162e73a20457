/**
 * One line of a session description as it came, without its line end: `type` is the letter
 * before `=`, `value` everything after it.
 *
 * @public
 */
export interface SdpLine {
  /** The type letter (`v`, `o`, `m`, `a`, …). */
  readonly type: string;
  /** Everything after `=`, exactly as written. */
  readonly value: string;
  /** 1-based line number in the parsed input; 0 for a line added by an edit method. */
  readonly lineNumber: number;
}

/**
 * The `o=` line (RFC 8866 §5.2). The session id and version are kept as the decimal strings
 * they came as: they may be larger than a JavaScript number holds (use `BigInt` to do sums).
 *
 * @public
 */
export interface Origin {
  /** The user's login on the originating host, or `-`. */
  readonly username: string;
  /** Numeric session id, as a decimal string. */
  readonly sessionId: string;
  /** Numeric session version, as a decimal string; RFC 3264 §8 increments it on each change. */
  readonly sessionVersion: string;
  /** Network type, `IN` on the Internet. */
  readonly nettype: string;
  /** Address type: `IP4` or `IP6`. */
  readonly addrtype: string;
  /** Address (or fully qualified domain name) of the originating host. */
  readonly address: string;
}

/**
 * A `c=` line (RFC 8866 §5.7).
 *
 * @public
 */
export interface Connection {
  /** Network type, `IN` on the Internet. */
  readonly nettype: string;
  /** Address type: `IP4` or `IP6`. */
  readonly addrtype: string;
  /** The address without its `/ttl` and `/count` suffixes. `0.0.0.0` is the RFC 2543 hold. */
  readonly address: string;
  /** Time to live of an IPv4 multicast address (`/ttl`). */
  readonly ttl: number | undefined;
  /** Number of consecutive multicast addresses (`/count`). */
  readonly numberOfAddresses: number | undefined;
}

/**
 * A `b=` line (RFC 8866 §5.8): `CT`, `AS`, `TIAS` (RFC 3890), `RS`/`RR` (RFC 3556), …
 *
 * @public
 */
export interface Bandwidth {
  /** Bandwidth type token. */
  readonly type: string;
  /** The value, kilobits per second for `CT` and `AS`, bits per second for `TIAS`. */
  readonly value: number;
}

/**
 * An `r=` line (RFC 8866 §5.10), every time converted to seconds.
 *
 * @public
 */
export interface RepeatTime {
  /** Repeat interval in seconds. */
  readonly interval: number;
  /** Active duration in seconds. */
  readonly duration: number;
  /** Offsets from the start time, in seconds. */
  readonly offsets: readonly number[];
}

/**
 * One adjustment of a `z=` line (RFC 8866 §5.11).
 *
 * @public
 */
export interface ZoneAdjustment {
  /** NTP time (seconds since 1900) at which the adjustment happens. */
  readonly time: number;
  /** Offset in seconds (negative for backwards). */
  readonly offset: number;
}

/**
 * A time description: a `t=` line with the `r=` and `z=` lines after it (RFC 8866 §5.9–§5.11).
 *
 * @public
 */
export interface TimeDescription {
  /** Start time, NTP seconds since 1900; 0 for unbounded. */
  readonly start: number;
  /** Stop time, NTP seconds since 1900; 0 for unbounded. */
  readonly stop: number;
  /** The `r=` lines. */
  readonly repeats: readonly RepeatTime[];
  /** The adjustments of the `z=` line, if any. */
  readonly zoneAdjustments: readonly ZoneAdjustment[];
}

/**
 * An `a=` line: `a=name` (a property attribute, `value` undefined) or `a=name:value`.
 *
 * @public
 */
export interface Attribute {
  /** The attribute name (a token), compared case-sensitively. */
  readonly name: string;
  /** Everything after the first `:`, or undefined for a property attribute. */
  readonly value: string | undefined;
}

/**
 * Media direction attributes (RFC 8866 §6.7, RFC 3264 §5.1). A media section without one takes
 * the session's, and `sendrecv` when neither has one.
 *
 * @public
 */
export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/**
 * `a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>]`
 * (RFC 8866 §6.6).
 *
 * @public
 */
export interface RtpMap {
  /** RTP payload type, 0–127. */
  readonly payloadType: number;
  /** Encoding name as written (`opus`, `PCMU`, `telephone-event`, …). */
  readonly encoding: string;
  /** Clock rate in Hz. */
  readonly clockRate: number;
  /** Encoding parameters: the number of audio channels, when given. */
  readonly channels: number | undefined;
}

/**
 * `a=fmtp:<format> <format specific parameters>` (RFC 8866 §6.15).
 *
 * @public
 */
export interface Fmtp {
  /** The format (the payload type for RTP) it applies to. */
  readonly format: string;
  /** The parameters as written. */
  readonly parameters: string;
  /**
   * The parameters split at `;` into `name=value` pairs, names and values trimmed; a part
   * without `=` (`0-15` of telephone-event) is a name with an empty value.
   */
  readonly params: ReadonlyMap<string, string>;
}

/**
 * `a=rtcp:<port> [<nettype> <addrtype> <connection-address>]` (RFC 3605).
 *
 * @public
 */
export interface Rtcp {
  /** The RTCP port. */
  readonly port: number;
  /** Network type, when an address is given. */
  readonly nettype: string | undefined;
  /** Address type, when an address is given. */
  readonly addrtype: string | undefined;
  /** The RTCP address, when given. */
  readonly address: string | undefined;
}

/**
 * `a=candidate:` (RFC 8839 §5.1): one ICE candidate.
 *
 * @public
 */
export interface Candidate {
  /** Foundation. */
  readonly foundation: string;
  /** Component id: 1 for RTP, 2 for RTCP. */
  readonly component: number;
  /** Transport, `UDP` or `TCP` as written. */
  readonly transport: string;
  /** Priority. */
  readonly priority: number;
  /** Connection address (an IP address or, with mDNS, a `.local` name). */
  readonly address: string;
  /** Port. */
  readonly port: number;
  /** Candidate type: `host`, `srflx`, `prflx`, `relay`. */
  readonly type: string;
  /** `raddr`, for reflexive and relayed candidates. */
  readonly relatedAddress: string | undefined;
  /** `rport`, for reflexive and relayed candidates. */
  readonly relatedPort: number | undefined;
  /** `tcptype` of a TCP candidate (RFC 6544): `active`, `passive` or `so`. */
  readonly tcpType: string | undefined;
  /** Every extension name/value pair after the fixed fields, in order (`generation`, `ufrag`, …). */
  readonly extensions: readonly (readonly [string, string])[];
}

/**
 * `a=fingerprint:<hash-func> <fingerprint>` (RFC 8122 §5).
 *
 * @public
 */
export interface Fingerprint {
  /** Hash function, as written (`sha-256`). */
  readonly algorithm: string;
  /** Colon-separated uppercase hex pairs, as written. */
  readonly value: string;
}

/**
 * `a=setup:` (RFC 4145 §4): which side opens the connection (the DTLS client, in WebRTC).
 *
 * @public
 */
export type Setup = 'active' | 'passive' | 'actpass' | 'holdconn';

/**
 * `a=ssrc:<ssrc-id> <attribute>[:<value>]` (RFC 5576 §4.1).
 *
 * @public
 */
export interface Ssrc {
  /** The SSRC, 0 to 2³²−1. */
  readonly id: number;
  /** Source attribute name (`cname`, `msid`, …). */
  readonly attribute: string;
  /** Source attribute value, when given. */
  readonly value: string | undefined;
}

/**
 * `a=ssrc-group:<semantics> <ssrc-id> …` (RFC 5576 §4.2): `FID` pairs a stream with its
 * retransmission stream (RFC 4588), `SIM` lists simulcast layers.
 *
 * @public
 */
export interface SsrcGroup {
  /** Semantics token. */
  readonly semantics: string;
  /** The SSRCs, in order. */
  readonly ssrcs: readonly number[];
}

/**
 * `a=group:<semantics> <mid> …` (RFC 5888 §5); `BUNDLE` (RFC 9143) is the common one.
 *
 * @public
 */
export interface Group {
  /** Semantics token (`BUNDLE`, `LS`, `FID`, …). */
  readonly semantics: string;
  /** Identification tags (`a=mid` values) of the grouped media sections, in order. */
  readonly mids: readonly string[];
}

/**
 * `a=extmap:<id>[/<direction>] <uri> [<extension attributes>]` (RFC 8285 §8).
 *
 * @public
 */
export interface ExtMap {
  /** Local identifier, 1–14 for one-byte headers, up to 255 for two-byte. */
  readonly id: number;
  /** Direction, when given. */
  readonly direction: Direction | undefined;
  /** The extension's URI. */
  readonly uri: string;
  /** Extension attributes, when given. */
  readonly attributes: string | undefined;
}

/**
 * `a=msid:<stream id> [<track id>]` (RFC 8830 §2).
 *
 * @public
 */
export interface Msid {
  /** Media stream id (`-` for none). */
  readonly stream: string;
  /** The application data: the track id, in WebRTC. */
  readonly track: string | undefined;
}

/**
 * One RTP payload format of a media section, as {@link MediaDescription.codecs} assembles it
 * from the `m=` format list, `a=rtpmap` and `a=fmtp`, with the static payload types of RFC 3551
 * for formats without `a=rtpmap`.
 *
 * @public
 */
export interface Codec {
  /** RTP payload type. */
  readonly payloadType: number;
  /** Encoding name, as written. */
  readonly name: string;
  /** Clock rate in Hz. */
  readonly clockRate: number;
  /** Number of channels, when the rtpmap gives it (audio without it means 1). */
  readonly channels: number | undefined;
  /** The `a=fmtp` parameters for this payload type, as written. */
  readonly fmtp: string | undefined;
}

/**
 * The `o=` fields a builder takes; what is left out is made up.
 *
 * @public
 */
export interface OriginInit {
  /**
   * The user's login on the originating host.
   *
   * @defaultValue `-`
   */
  readonly username?: string | undefined;
  /**
   * Numeric session id, decimal digits.
   *
   * @defaultValue a random 62-bit number
   */
  readonly sessionId?: string | undefined;
  /**
   * Numeric session version, decimal digits.
   *
   * @defaultValue `1`
   */
  readonly sessionVersion?: string | undefined;
}

/**
 * An attribute for a builder to write: `[name]` for `a=name`, `[name, value]` for
 * `a=name:value`.
 *
 * @public
 */
export type AttributeInit = readonly [name: string, value?: string];

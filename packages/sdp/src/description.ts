import { SdpError } from './errors.js';
import {
  DIRECTIONS,
  parseCandidate,
  parseExtMap,
  parseFingerprint,
  parseFmtp,
  parseGroup,
  parseMsid,
  parseRtcp,
  parseRtpMap,
  parseSetup,
  parseSsrc,
  parseSsrcGroup,
} from './internal/attributes.js';
import {
  checkText,
  checkToken,
  formatMediaLine,
  type MediaLine,
  parseBandwidth,
  parseConnection,
  parseMediaLine,
  parseOrigin,
  parseRepeat,
  parseTiming,
  parseZone,
  rtpProto,
  splitAttribute,
} from './internal/grammar.js';
import { MEDIA_RANK, SESSION_RANK } from './internal/order.js';
import { STATIC_PAYLOADS } from './internal/static.js';
import type {
  Attribute,
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

/**
 * What {@link SdpSection.setConnection} writes: the fields of a `c=` line, `IN` and the address
 * type filled in when left out.
 *
 * @public
 */
export interface ConnectionInit {
  /** The address (unicast, or multicast with `ttl`). */
  readonly address: string;
  /**
   * Address type.
   *
   * @defaultValue `IP6` when the address holds a `:`, else `IP4`
   */
  readonly addrtype?: string | undefined;
  /**
   * Network type.
   *
   * @defaultValue `IN`
   */
  readonly nettype?: string | undefined;
  /** IPv4 multicast time to live. */
  readonly ttl?: number | undefined;
  /** Number of consecutive multicast addresses. */
  readonly numberOfAddresses?: number | undefined;
}

/** @returns a new line, not from the input (line number 0). */
function newLine(type: string, value: string): SdpLine {
  return { type, value, lineNumber: 0 };
}

function attributeValue(name: string, value: string | undefined): string {
  checkToken(name, 'attribute name');
  if (value === undefined) return name;
  checkText(value, `a=${name} value`);
  return `${name}:${value}`;
}

/** @returns the `c=` value for these fields. */
export function formatConnection(c: ConnectionInit): string {
  const addrtype = c.addrtype ?? (c.address.includes(':') ? 'IP6' : 'IP4');
  checkToken(c.nettype ?? 'IN', 'nettype');
  checkToken(addrtype, 'addrtype');
  if (c.address === '' || /[\s\x00]/.test(c.address)) throw new SdpError('INVALID_ARGUMENT', 'bad connection address');
  let address = c.address;
  if (c.ttl !== undefined) address += `/${c.ttl}`;
  if (c.numberOfAddresses !== undefined) address += `/${c.numberOfAddresses}`;
  return `${c.nettype ?? 'IN'} ${addrtype} ${address}`;
}

/**
 * What the session level and a media section share: information, connections, bandwidths,
 * key and attributes, with typed readers for the attributes that may appear at either level.
 *
 * A section is a list of raw lines. Readers parse those lines on demand, and edit methods
 * replace, insert or remove whole lines, so a line nobody edited serialises exactly as it came.
 * Lines are inserted in the order RFC 8866 §5 prescribes.
 *
 * @public
 */
export abstract class SdpSection {
  /** @internal */
  readonly _lines: SdpLine[];

  /** @internal */
  constructor(lines: SdpLine[]) {
    this._lines = lines;
  }

  /** @internal Rank of a line type in the §5 order of this section, or undefined. */
  abstract _rank(type: string): number | undefined;

  /** The raw lines of this section, in order (for a media section, the `m=` line first). */
  get lines(): readonly SdpLine[] {
    return this._lines;
  }

  /** @internal Every line of this type. */
  _all(type: string): SdpLine[] {
    return this._lines.filter((l) => l.type === type);
  }

  /** @internal Inserts a line where the §5 order puts it: after the last line of equal or lower rank. */
  _insert(line: SdpLine): void {
    const rank = this._rank(line.type) ?? Number.POSITIVE_INFINITY;
    let at = this._lines.length;
    for (let i = this._lines.length - 1; i >= 0; i--) {
      const r = this._rank((this._lines[i] as SdpLine).type);
      if (r !== undefined && r <= rank) {
        at = i + 1;
        break;
      }
      if (i === 0) at = 0;
    }
    this._lines.splice(at, 0, line);
  }

  /**
   * @internal Replaces every line that `match` selects with `values` (the first at the place of
   * the first old line), or inserts them where the order puts them when none matched.
   */
  _replace(match: (l: SdpLine) => boolean, type: string, values: readonly string[]): void {
    const first = this._lines.findIndex(match);
    for (let i = this._lines.length - 1; i >= 0; i--) if (match(this._lines[i] as SdpLine)) this._lines.splice(i, 1);
    if (first < 0) {
      for (const v of values) this._insert(newLine(type, v));
    } else {
      this._lines.splice(first, 0, ...values.map((v) => newLine(type, v)));
    }
  }

  /** `i=`: information about the session or the media, if any. */
  get information(): string | undefined {
    return this._all('i')[0]?.value;
  }

  /**
   * Replaces, adds or (with undefined) removes the `i=` line.
   *
   * @param text - the new information
   */
  setInformation(text: string | undefined): void {
    if (text !== undefined) checkText(text, 'i=');
    this._replace((l) => l.type === 'i', 'i', text === undefined ? [] : [text]);
  }

  /** `c=` lines of this section (at most one at session level). */
  get connections(): Connection[] {
    return this._all('c').map(parseConnection);
  }

  /**
   * Replaces every `c=` line of this section with one for `connection`, or removes them.
   *
   * @param connection - the new connection data, or undefined to remove it
   */
  setConnection(connection: ConnectionInit | undefined): void {
    this._replace((l) => l.type === 'c', 'c', connection === undefined ? [] : [formatConnection(connection)]);
  }

  /** `b=` lines, in order. */
  get bandwidths(): Bandwidth[] {
    return this._all('b').map(parseBandwidth);
  }

  /**
   * Replaces, adds or (with undefined) removes the `b=` line of one bandwidth type.
   *
   * @param type - bandwidth type (`AS`, `TIAS`, `CT`, …)
   * @param value - the bandwidth, or undefined to remove it
   */
  setBandwidth(type: string, value: number | undefined): void {
    checkToken(type, 'bandwidth type');
    if (value !== undefined && !(Number.isSafeInteger(value) && value >= 0)) {
      throw new SdpError('INVALID_ARGUMENT', 'bandwidth must be a non-negative integer');
    }
    this._replace(
      (l) => l.type === 'b' && l.value.startsWith(`${type}:`),
      'b',
      value === undefined ? [] : [`${type}:${value}`],
    );
  }

  /** `k=` (obsolete, RFC 8866 §5.12): the raw value, if any. */
  get key(): string | undefined {
    return this._all('k')[0]?.value;
  }

  /** Every `a=` line of this section, in order. */
  get attributes(): Attribute[] {
    return this._all('a').map((l) => {
      const [name, value] = splitAttribute(l.value);
      return { name, value };
    });
  }

  /** @internal The `a=` lines with this name. */
  _attributeLines(name: string): SdpLine[] {
    return this._lines.filter((l) => l.type === 'a' && splitAttribute(l.value)[0] === name);
  }

  /** @internal (line, value) of every `a=name:value` line. */
  _values(name: string): [SdpLine, string][] {
    const out: [SdpLine, string][] = [];
    for (const l of this._attributeLines(name)) {
      const v = splitAttribute(l.value)[1];
      if (v !== undefined) out.push([l, v]);
    }
    return out;
  }

  /**
   * @param name - attribute name (case-sensitive)
   * @returns whether an `a=name` or `a=name:…` line is present
   */
  hasAttribute(name: string): boolean {
    return this._attributeLines(name).length > 0;
  }

  /**
   * @param name - attribute name (case-sensitive)
   * @returns the value of the first `a=name:value` line; `''` for a property attribute `a=name`;
   *   undefined when absent
   */
  getAttribute(name: string): string | undefined {
    const l = this._attributeLines(name)[0];
    return l === undefined ? undefined : (splitAttribute(l.value)[1] ?? '');
  }

  /**
   * @param name - attribute name (case-sensitive)
   * @returns the values of every `a=name:value` line, in order
   */
  getAttributes(name: string): string[] {
    return this._values(name).map(([, v]) => v);
  }

  /**
   * Appends an `a=` line after the last line of this section.
   *
   * @param name - attribute name (a token)
   * @param value - the value, or undefined for a property attribute
   */
  addAttribute(name: string, value?: string): void {
    this._insert(newLine('a', attributeValue(name, value)));
  }

  /**
   * Sets an attribute that appears once: replaces the first `a=name` line in place and removes
   * the others, or appends one when there is none.
   *
   * @param name - attribute name (a token)
   * @param value - the value, or undefined for a property attribute
   */
  setAttribute(name: string, value?: string): void {
    const line = attributeValue(name, value);
    this._replace((l) => l.type === 'a' && splitAttribute(l.value)[0] === name, 'a', [line]);
  }

  /**
   * Removes every `a=name` line.
   *
   * @param name - attribute name (case-sensitive)
   * @returns how many lines were removed
   */
  removeAttribute(name: string): number {
    const before = this._lines.length;
    for (let i = this._lines.length - 1; i >= 0; i--) {
      const l = this._lines[i] as SdpLine;
      if (l.type === 'a' && splitAttribute(l.value)[0] === name) this._lines.splice(i, 1);
    }
    return before - this._lines.length;
  }

  /**
   * The direction attribute written in this section (RFC 8866 §6.7), or undefined. For what
   * applies to a media section, with the session default, see
   * {@link SessionDescription.directionOf}.
   */
  get direction(): Direction | undefined {
    for (const l of this._lines) if (l.type === 'a' && DIRECTIONS.has(l.value)) return l.value as Direction;
    return undefined;
  }

  /**
   * Writes the direction attribute of this section: replaces the first one in place and removes
   * any other, or appends one.
   *
   * @param direction - the new direction
   */
  setDirection(direction: Direction): void {
    if (!DIRECTIONS.has(direction)) throw new SdpError('INVALID_ARGUMENT', `not a direction: ${direction}`);
    this._replace((l) => l.type === 'a' && DIRECTIONS.has(l.value), 'a', [direction]);
  }

  /** `a=ice-ufrag` (RFC 8839 §5.4), at this level. */
  get iceUfrag(): string | undefined {
    return this._values('ice-ufrag')[0]?.[1];
  }

  /** `a=ice-pwd` (RFC 8839 §5.4), at this level. */
  get icePwd(): string | undefined {
    return this._values('ice-pwd')[0]?.[1];
  }

  /** `a=ice-options` tokens (RFC 8839 §5.6), at this level: `trickle`, `ice2`, … */
  get iceOptions(): string[] {
    return this.getAttributes('ice-options').flatMap((v) => v.split(' ').filter((t) => t !== ''));
  }

  /** `a=fingerprint` lines (RFC 8122), at this level. */
  get fingerprints(): Fingerprint[] {
    return this._values('fingerprint').map(([l, v]) => parseFingerprint(l, v));
  }

  /** `a=setup` (RFC 4145), at this level. */
  get setup(): Setup | undefined {
    const first = this._values('setup')[0];
    return first === undefined ? undefined : parseSetup(first[0], first[1]);
  }

  /** `a=extmap` lines (RFC 8285), at this level. */
  get extmaps(): ExtMap[] {
    return this._values('extmap').map(([l, v]) => parseExtMap(l, v));
  }
}

/**
 * A media description (RFC 8866 §5.14): the `m=` line and the `i=`, `c=`, `b=`, `k=` and `a=`
 * lines after it.
 *
 * @public
 */
export class MediaDescription extends SdpSection {
  /** @internal */
  _rank(type: string): number | undefined {
    return MEDIA_RANK[type];
  }

  /** @internal */
  get _m(): MediaLine {
    return parseMediaLine(this._lines[0] as SdpLine);
  }

  /** Media type: `audio`, `video`, `text`, `application`, `message`, `image`, … */
  get type(): string {
    return this._m.media;
  }

  /** Transport port; 0 for a rejected or disabled stream (RFC 3264 §6, §8.2). */
  get port(): number {
    return this._m.port;
  }

  /** The `/<number of ports>` of the `m=` line, if any. */
  get numberOfPorts(): number | undefined {
    return this._m.numberOfPorts;
  }

  /** Transport protocol: `RTP/AVP`, `RTP/SAVP`, `UDP/TLS/RTP/SAVPF`, `UDP/DTLS/SCTP`, `udptl`, … */
  get proto(): string {
    return this._m.proto;
  }

  /** Media formats in preference order: RTP payload types (as strings) for RTP protos. */
  get formats(): string[] {
    return this._m.formats;
  }

  /** Whether the port is 0: the stream is rejected or disabled (RFC 3264 §6, §8.2). */
  get rejected(): boolean {
    return this._m.port === 0;
  }

  /**
   * Rewrites the port of the `m=` line (0 rejects or disables the stream).
   *
   * @param port - 0 to 65535
   */
  setPort(port: number): void {
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new SdpError('INVALID_ARGUMENT', 'port out of range');
    this._lines[0] = newLine('m', formatMediaLine({ ...this._m, port }));
  }

  /**
   * Rewrites the format list of the `m=` line. Attributes of formats no longer listed stay;
   * remove them with {@link SdpSection.removeAttribute} or by rewriting.
   *
   * @param formats - one or more format tokens, in preference order
   */
  setFormats(formats: readonly string[]): void {
    if (formats.length === 0) throw new SdpError('INVALID_ARGUMENT', 'an m= line needs at least one format');
    for (const f of formats) checkToken(f, 'format');
    this._lines[0] = newLine('m', formatMediaLine({ ...this._m, formats: [...formats] }));
  }

  /** `a=mid` (RFC 5888): the identification tag. */
  get mid(): string | undefined {
    return this._values('mid')[0]?.[1];
  }

  /** `a=rtcp` (RFC 3605): the RTCP port and address, when not port + 1. */
  get rtcp(): Rtcp | undefined {
    const first = this._values('rtcp')[0];
    return first === undefined ? undefined : parseRtcp(first[0], first[1]);
  }

  /** Whether `a=rtcp-mux` (RFC 5761) is present. */
  get rtcpMux(): boolean {
    return this.hasAttribute('rtcp-mux');
  }

  /** `a=rtpmap` lines, in order. */
  get rtpmaps(): RtpMap[] {
    return this._values('rtpmap').map(([l, v]) => parseRtpMap(l, v));
  }

  /**
   * @param payloadType - RTP payload type
   * @returns its `a=rtpmap`, if any
   */
  rtpmap(payloadType: number): RtpMap | undefined {
    return this.rtpmaps.find((r) => r.payloadType === payloadType);
  }

  /** `a=fmtp` lines, in order. */
  get fmtps(): Fmtp[] {
    return this._values('fmtp').map(([l, v]) => parseFmtp(l, v));
  }

  /**
   * @param format - the format (payload type) as written in the `m=` line, or a payload type
   * @returns its `a=fmtp`, if any
   */
  fmtp(format: string | number): Fmtp | undefined {
    const f = String(format);
    return this.fmtps.find((x) => x.format === f);
  }

  /**
   * The RTP payload formats of an RTP media section in `m=` order: `a=rtpmap` and `a=fmtp`
   * joined, with RFC 3551's static payload types for formats without `a=rtpmap`. Dynamic
   * payload types without `a=rtpmap` are left out; a non-RTP section has none.
   */
  get codecs(): Codec[] {
    if (!rtpProto(this.proto)) return [];
    const maps = new Map(this.rtpmaps.map((r) => [r.payloadType, r]));
    const fmtps = new Map(this.fmtps.map((f) => [f.format, f.parameters]));
    const out: Codec[] = [];
    for (const f of this.formats) {
      if (!/^[0-9]{1,3}$/.test(f)) continue;
      const pt = Number(f);
      const map = maps.get(pt);
      const known = STATIC_PAYLOADS.get(pt);
      if (map !== undefined) {
        out.push({
          payloadType: pt,
          name: map.encoding,
          clockRate: map.clockRate,
          channels: map.channels,
          fmtp: fmtps.get(f),
        });
      } else if (known !== undefined) {
        out.push({ payloadType: pt, name: known[0], clockRate: known[1], channels: undefined, fmtp: fmtps.get(f) });
      }
    }
    return out;
  }

  /** `a=ptime` (RFC 8866 §6.4), milliseconds of media per packet. */
  get ptime(): number | undefined {
    const v = this._values('ptime')[0]?.[1];
    return v === undefined || !/^[0-9]+(\.[0-9]+)?$/.test(v) ? undefined : Number(v);
  }

  /** `a=maxptime` (RFC 8866 §6.5), milliseconds. */
  get maxptime(): number | undefined {
    const v = this._values('maxptime')[0]?.[1];
    return v === undefined || !/^[0-9]+(\.[0-9]+)?$/.test(v) ? undefined : Number(v);
  }

  /** `a=candidate` lines (RFC 8839), in order. */
  get candidates(): Candidate[] {
    return this._values('candidate').map(([l, v]) => parseCandidate(l, v));
  }

  /** Whether `a=end-of-candidates` (RFC 8840) is present. */
  get endOfCandidates(): boolean {
    return this.hasAttribute('end-of-candidates');
  }

  /** `a=ssrc` lines (RFC 5576), in order. */
  get ssrcs(): Ssrc[] {
    return this._values('ssrc').map(([l, v]) => parseSsrc(l, v));
  }

  /** `a=ssrc-group` lines (RFC 5576), in order. */
  get ssrcGroups(): SsrcGroup[] {
    return this._values('ssrc-group').map(([l, v]) => parseSsrcGroup(l, v));
  }

  /** `a=msid` lines (RFC 8830), in order. */
  get msids(): Msid[] {
    return this._values('msid').map(([l, v]) => parseMsid(l, v));
  }

  /** @returns an independent copy. */
  clone(): MediaDescription {
    return new MediaDescription([...this._lines]);
  }
}

/** RFC 3264 §8.4: the RFC 2543 hold address; an ICE agent uses it as a placeholder instead. */
function isOldHold(c: Connection | undefined): boolean {
  return c !== undefined && c.addrtype === 'IP4' && c.address === '0.0.0.0';
}

/**
 * A session description (RFC 8866): the session-level lines and the media descriptions.
 * Made by {@link parseSdp}, {@link createOffer} and {@link createAnswer}; written by
 * {@link serializeSdp}.
 *
 * @public
 */
export class SessionDescription extends SdpSection {
  /** The media descriptions, in order. */
  readonly media: MediaDescription[];
  /**
   * Whether every input line ended with CRLF. False when some ended with a bare LF or the last
   * had no line end (RFC 8866 §5 asks parsers to tolerate that); {@link serializeSdp} always
   * writes CRLF, so then its output differs from the input in those line ends only.
   */
  readonly exactLineEnds: boolean;

  /** @internal */
  constructor(lines: SdpLine[], media: MediaDescription[], exactLineEnds: boolean) {
    super(lines);
    this.media = media;
    this.exactLineEnds = exactLineEnds;
  }

  /** @internal */
  _rank(type: string): number | undefined {
    return SESSION_RANK[type];
  }

  /** `v=`: always 0 (RFC 8866 §5.1). */
  get version(): number {
    return Number(this._all('v')[0]?.value);
  }

  /** `o=` (RFC 8866 §5.2). */
  get origin(): Origin {
    return parseOrigin(this._all('o')[0] as SdpLine);
  }

  /**
   * Rewrites the `o=` line.
   *
   * @param origin - the new origin; session id and version are decimal digits
   */
  setOrigin(origin: Origin): void {
    const value = [
      origin.username,
      origin.sessionId,
      origin.sessionVersion,
      origin.nettype,
      origin.addrtype,
      origin.address,
    ].join(' ');
    checkText(value, 'o=');
    const line = newLine('o', value);
    try {
      parseOrigin(line);
    } catch (e) {
      throw new SdpError('INVALID_ARGUMENT', (e as Error).message);
    }
    this._replace((l) => l.type === 'o', 'o', [value]);
  }

  /** `s=` (RFC 8866 §5.3): the session name, `-` or a single space when there is none. */
  get sessionName(): string {
    return (this._all('s')[0] as SdpLine).value;
  }

  /**
   * Rewrites the `s=` line.
   *
   * @param name - the new session name (RFC 8866 §5.3: not empty; `-` for none)
   */
  setSessionName(name: string): void {
    checkText(name, 's=');
    this._replace((l) => l.type === 's', 's', [name]);
  }

  /** `u=` (RFC 8866 §5.5), if any. */
  get uri(): string | undefined {
    return this._all('u')[0]?.value;
  }

  /** `e=` lines (RFC 8866 §5.6), as written. */
  get emails(): string[] {
    return this._all('e').map((l) => l.value);
  }

  /** `p=` lines (RFC 8866 §5.6), as written. */
  get phones(): string[] {
    return this._all('p').map((l) => l.value);
  }

  /** The session-level `c=` line, if any (RFC 8866 §5.7). */
  get connection(): Connection | undefined {
    return this.connections[0];
  }

  /** The time descriptions: each `t=` with its `r=` and `z=` lines (RFC 8866 §5.9–§5.11). */
  get timing(): TimeDescription[] {
    const out: { start: number; stop: number; repeats: RepeatTime[]; zoneAdjustments: ZoneAdjustment[] }[] = [];
    for (const l of this._lines) {
      if (l.type === 't') out.push({ ...parseTiming(l), repeats: [], zoneAdjustments: [] });
      else if (l.type === 'r') out.at(-1)?.repeats.push(parseRepeat(l));
      else if (l.type === 'z') out.at(-1)?.zoneAdjustments.push(...parseZone(l));
    }
    return out;
  }

  /** `a=group` lines (RFC 5888), in order. */
  get groups(): Group[] {
    return this._values('group').map(([l, v]) => parseGroup(l, v));
  }

  /** The identification tags of the first `a=group:BUNDLE` (RFC 9143), if any. */
  get bundle(): readonly string[] | undefined {
    return this.groups.find((g) => g.semantics === 'BUNDLE')?.mids;
  }

  /** Whether `a=ice-lite` (RFC 8839 §5.3) is present. */
  get iceLite(): boolean {
    return this.hasAttribute('ice-lite');
  }

  /**
   * The direction that applies to a media section: its own attribute, else the session's,
   * else `sendrecv` (RFC 8866 §6.7). A section whose connection address is `0.0.0.0`, the hold
   * of RFC 2543, does not want media (RFC 3264 §8.4): `sendrecv` becomes `sendonly` and
   * `recvonly` becomes `inactive` — unless ICE is in use (`a=ice-ufrag`), where `0.0.0.0` is a
   * placeholder (RFC 8839 §4.2.5).
   *
   * @param media - a media description of this session, or its index
   * @returns the effective direction
   */
  directionOf(media: MediaDescription | number): Direction {
    const m = typeof media === 'number' ? this.media[media] : media;
    if (m === undefined) throw new SdpError('INVALID_ARGUMENT', `no media section ${media}`);
    const d = m.direction ?? this.direction ?? 'sendrecv';
    const ice = m.iceUfrag !== undefined || this.iceUfrag !== undefined;
    if (!ice && isOldHold(m.connections[0] ?? this.connection)) {
      if (d === 'sendrecv') return 'sendonly';
      if (d === 'recvonly') return 'inactive';
    }
    return d;
  }

  /** @returns an independent copy. */
  clone(): SessionDescription {
    return new SessionDescription(
      [...this._lines],
      this.media.map((m) => m.clone()),
      this.exactLineEnds,
    );
  }

  /** @returns the description as text: {@link serializeSdp}. */
  override toString(): string {
    return serializeSdp(this);
  }
}

/**
 * Writes a session description: every line followed by CRLF (RFC 8866 §5). For a description
 * parsed from CRLF text and not edited, the result is the input, byte for byte.
 *
 * @param sd - the session description
 * @returns SDP text
 *
 * @public
 */
export function serializeSdp(sd: SessionDescription): string {
  let out = '';
  for (const l of sd._lines) out += `${l.type}=${l.value}\r\n`;
  for (const m of sd.media) for (const l of m._lines) out += `${l.type}=${l.value}\r\n`;
  return out;
}

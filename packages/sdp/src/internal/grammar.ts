// The field grammars of RFC 8866 §9, one function per line type. Each takes the line as parsed
// and throws SdpParseError (with the line's number) when the value is off its grammar.
import { SdpError, SdpParseError, type SdpParseErrorCode } from '../errors.js';
import type { Bandwidth, Connection, Origin, RepeatTime, SdpLine, ZoneAdjustment } from '../types.js';

/** RFC 8866 §9 token-char: ALPHA / DIGIT and `!#$%&'*+-.^_\`{|}~`. */
export const TOKEN = /^[!#$%&'*+\-.^_`{|}~0-9A-Za-z]+$/;
const DIGITS = /^[0-9]+$/;
/** non-ws-string: VCHAR / %x80-FF (no space, no control character). */
const NON_WS = /^[^\x00-\x20\x7f]+$/;

/** @returns the line as it is written, for error excerpts. */
export function lineText(line: SdpLine): string {
  return `${line.type}=${line.value}`;
}

export function fail(code: SdpParseErrorCode, reason: string, line: SdpLine): never {
  throw new SdpParseError(code, reason, line.lineNumber, lineText(line));
}

/** Splits at single spaces; an empty part (two spaces, a leading or trailing one) fails. */
function fields(line: SdpLine, code: SdpParseErrorCode, what: string): string[] {
  const parts = line.value.split(' ');
  for (const p of parts) if (p === '') fail(code, `${what}: fields must be separated by single spaces`, line);
  return parts;
}

// RFC 8866 §5.2: o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>
export function parseOrigin(line: SdpLine): Origin {
  const p = fields(line, 'INVALID_ORIGIN', 'o=');
  if (p.length !== 6) fail('INVALID_ORIGIN', 'o= must have 6 fields', line);
  const [username, sessionId, sessionVersion, nettype, addrtype, address] = p as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if (!NON_WS.test(username)) fail('INVALID_ORIGIN', 'o= username has a control character', line);
  if (!DIGITS.test(sessionId)) fail('INVALID_ORIGIN', 'o= sess-id must be digits', line);
  if (!DIGITS.test(sessionVersion)) fail('INVALID_ORIGIN', 'o= sess-version must be digits', line);
  if (!TOKEN.test(nettype) || !TOKEN.test(addrtype)) fail('INVALID_ORIGIN', 'o= nettype and addrtype are tokens', line);
  if (!NON_WS.test(address)) fail('INVALID_ORIGIN', 'o= address has a control character', line);
  return { username, sessionId, sessionVersion, nettype, addrtype, address };
}

// RFC 8866 §5.7: c=<nettype> <addrtype> <connection-address>, where an IP4 multicast address
// carries /ttl[/count] and an IP6 one /count.
export function parseConnection(line: SdpLine): Connection {
  const p = fields(line, 'INVALID_CONNECTION', 'c=');
  if (p.length !== 3) fail('INVALID_CONNECTION', 'c= must have 3 fields', line);
  const [nettype, addrtype, full] = p as [string, string, string];
  if (!TOKEN.test(nettype) || !TOKEN.test(addrtype)) {
    fail('INVALID_CONNECTION', 'c= nettype and addrtype are tokens', line);
  }
  if (!NON_WS.test(full)) fail('INVALID_CONNECTION', 'c= address has a control character', line);
  let address = full;
  let ttl: number | undefined;
  let numberOfAddresses: number | undefined;
  if (addrtype === 'IP4' || addrtype === 'IP6') {
    const parts = full.split('/');
    address = parts[0] as string;
    const rest = parts.slice(1);
    if (address === '' || rest.length > (addrtype === 'IP4' ? 2 : 1) || rest.some((r) => !DIGITS.test(r))) {
      fail(
        'INVALID_CONNECTION',
        `c= ${addrtype} address must be addr${addrtype === 'IP4' ? '[/ttl[/n]]' : '[/n]'}`,
        line,
      );
    }
    if (addrtype === 'IP4') {
      if (rest[0] !== undefined) ttl = Number(rest[0]);
      if (rest[1] !== undefined) numberOfAddresses = Number(rest[1]);
    } else if (rest[0] !== undefined) {
      numberOfAddresses = Number(rest[0]);
    }
  }
  return { nettype, addrtype, address, ttl, numberOfAddresses };
}

// RFC 8866 §5.8: b=<bwtype>:<bandwidth>
export function parseBandwidth(line: SdpLine): Bandwidth {
  const i = line.value.indexOf(':');
  const type = line.value.slice(0, i);
  const value = line.value.slice(i + 1);
  if (i < 0 || !TOKEN.test(type) || !DIGITS.test(value))
    fail('INVALID_BANDWIDTH', 'b= must be <bwtype>:<digits>', line);
  return { type, value: Number(value) };
}

// RFC 8866 §5.9: t=<start-time> <stop-time>
export function parseTiming(line: SdpLine): { start: number; stop: number } {
  const p = fields(line, 'INVALID_TIMING', 't=');
  if (p.length !== 2 || !DIGITS.test(p[0] as string) || !DIGITS.test(p[1] as string)) {
    fail('INVALID_TIMING', 't= must be <start> <stop>, both digits', line);
  }
  return { start: Number(p[0]), stop: Number(p[1]) };
}

const UNIT: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86400 };

/** typed-time = 1*DIGIT [fixed-len-time-unit] (RFC 8866 §9), in seconds, or undefined. */
function typedTime(s: string): number | undefined {
  const m = /^([0-9]+)([dhms]?)$/.exec(s);
  return m ? Number(m[1]) * (UNIT[m[2] as string] as number) : undefined;
}

// RFC 8866 §5.10: r=<repeat interval> <active duration> <offsets from start-time>
export function parseRepeat(line: SdpLine): RepeatTime {
  const p = fields(line, 'INVALID_TIMING', 'r=').map(typedTime);
  if (p.length < 3 || p.some((t) => t === undefined) || !/^[1-9]/.test(line.value)) {
    fail('INVALID_TIMING', 'r= must be <interval> <duration> <offset>…, typed times', line);
  }
  const [interval, duration, ...offsets] = p as number[];
  return { interval: interval as number, duration: duration as number, offsets };
}

// RFC 8866 §5.11: z=<adjustment time> <offset> <adjustment time> <offset> …
export function parseZone(line: SdpLine): ZoneAdjustment[] {
  const p = fields(line, 'INVALID_TIMING', 'z=');
  const out: ZoneAdjustment[] = [];
  if (p.length % 2 !== 0) fail('INVALID_TIMING', 'z= must be pairs of <time> <offset>', line);
  for (let i = 0; i < p.length; i += 2) {
    const time = p[i] as string;
    const raw = p[i + 1] as string;
    const neg = raw.startsWith('-');
    const offset = typedTime(neg ? raw.slice(1) : raw);
    if (!DIGITS.test(time) || offset === undefined) fail('INVALID_TIMING', 'z= must be pairs of <time> <offset>', line);
    out.push({ time: Number(time), offset: neg ? -offset : offset });
  }
  return out;
}

/** The fields of an `m=` line. */
export interface MediaLine {
  media: string;
  port: number;
  numberOfPorts: number | undefined;
  proto: string;
  formats: string[];
}

// RFC 8866 §5.14: m=<media> <port>[/<number of ports>] <proto> <fmt> …
export function parseMediaLine(line: SdpLine): MediaLine {
  const p = fields(line, 'INVALID_MEDIA', 'm=');
  if (p.length < 4) fail('INVALID_MEDIA', 'm= must be <media> <port> <proto> <fmt>…', line);
  const [media, portField, proto, ...formats] = p as string[];
  if (!TOKEN.test(media as string)) fail('INVALID_MEDIA', 'm= media type must be a token', line);
  const slash = (portField as string).indexOf('/');
  const port = slash < 0 ? (portField as string) : (portField as string).slice(0, slash);
  const count = slash < 0 ? undefined : (portField as string).slice(slash + 1);
  if (!DIGITS.test(port) || port.length > 5 || Number(port) > 65535) {
    fail('INVALID_PORT', 'm= port must be a number from 0 to 65535', line);
  }
  if (count !== undefined && !/^[1-9][0-9]*$/.test(count)) {
    fail('INVALID_PORT', 'm= number of ports must be a positive integer', line);
  }
  // proto = token *("/" token)
  if (!(proto as string).split('/').every((t) => TOKEN.test(t))) fail('INVALID_MEDIA', 'm= proto must be tokens', line);
  for (const f of formats) if (!TOKEN.test(f)) fail('INVALID_MEDIA', 'm= formats must be tokens', line);
  return {
    media: media as string,
    port: Number(port),
    numberOfPorts: count === undefined ? undefined : Number(count),
    proto: proto as string,
    formats,
  };
}

/** @returns the `m=` value for these fields. */
export function formatMediaLine(m: MediaLine): string {
  const port = m.numberOfPorts === undefined ? `${m.port}` : `${m.port}/${m.numberOfPorts}`;
  return `${m.media} ${port} ${m.proto} ${m.formats.join(' ')}`;
}

// RFC 8866 §5.13: a=<attribute-name>[:<attribute-value>]
export function splitAttribute(value: string): [name: string, value: string | undefined] {
  const i = value.indexOf(':');
  return i < 0 ? [value, undefined] : [value.slice(0, i), value.slice(i + 1)];
}

export function checkAttribute(line: SdpLine): void {
  if (!TOKEN.test(splitAttribute(line.value)[0])) fail('INVALID_ATTRIBUTE', 'a= name must be a token', line);
}

/** Throws INVALID_ARGUMENT unless `s` can go on an SDP line (RFC 8866 §9 byte-string). */
export function checkText(s: string, what: string): void {
  if (/[\x00\r\n]/.test(s)) throw new SdpError('INVALID_ARGUMENT', `${what} must not hold NUL, CR or LF`);
}

export function checkToken(s: string, what: string): void {
  if (!TOKEN.test(s)) throw new SdpError('INVALID_ARGUMENT', `${what} must be a token: ${JSON.stringify(s)}`);
}

/** @returns whether a proto carries RTP, so formats are payload types. */
export function rtpProto(proto: string): boolean {
  return proto.split('/').includes('RTP');
}

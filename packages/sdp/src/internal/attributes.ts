// Grammars of the common attribute values, read on demand by the typed accessors. Each takes
// the a= line (for the error's line number) and the value after `name:`.
import type {
  Candidate,
  Direction,
  ExtMap,
  Fingerprint,
  Fmtp,
  Group,
  Msid,
  Rtcp,
  RtpMap,
  SdpLine,
  Setup,
  Ssrc,
  SsrcGroup,
} from '../types.js';
import { fail, TOKEN } from './grammar.js';

const DIGITS = /^[0-9]+$/;
const MAX_U32 = 0xffffffff;

function bad(line: SdpLine, what: string): never {
  fail('INVALID_ATTRIBUTE', `a=${what} does not follow its grammar`, line);
}

function num(s: string | undefined, line: SdpLine, what: string, max: number): number {
  if (s === undefined || !DIGITS.test(s) || s.length > 10 || Number(s) > max) bad(line, what);
  return Number(s);
}

export const DIRECTIONS: ReadonlySet<string> = new Set(['sendrecv', 'sendonly', 'recvonly', 'inactive']);

// RFC 8866 §6.6: a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>]
export function parseRtpMap(line: SdpLine, value: string): RtpMap {
  const sp = value.indexOf(' ');
  if (sp < 0) bad(line, 'rtpmap');
  const payloadType = num(value.slice(0, sp), line, 'rtpmap', 127);
  const parts = value.slice(sp + 1).split('/');
  const encoding = parts[0] as string;
  if (!TOKEN.test(encoding) || parts.length < 2 || parts.length > 3) bad(line, 'rtpmap');
  const clockRate = num(parts[1], line, 'rtpmap', MAX_U32);
  const channels = parts[2] === undefined ? undefined : num(parts[2], line, 'rtpmap', MAX_U32);
  return { payloadType, encoding, clockRate, channels };
}

/** Splits fmtp parameters at `;` into trimmed `name=value` pairs. */
export function fmtpParams(parameters: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const part of parameters.split(';')) {
    const p = part.trim();
    if (p === '') continue;
    const eq = p.indexOf('=');
    if (eq < 0) params.set(p, '');
    else params.set(p.slice(0, eq).trim(), p.slice(eq + 1).trim());
  }
  return params;
}

// RFC 8866 §6.15: a=fmtp:<format> <format specific parameters>
export function parseFmtp(line: SdpLine, value: string): Fmtp {
  const sp = value.indexOf(' ');
  const format = sp < 0 ? value : value.slice(0, sp);
  if (!TOKEN.test(format)) bad(line, 'fmtp');
  const parameters = sp < 0 ? '' : value.slice(sp + 1);
  return { format, parameters, params: fmtpParams(parameters) };
}

// RFC 3605 §2.1: a=rtcp:<port> [<nettype> <addrtype> <connection-address>]
export function parseRtcp(line: SdpLine, value: string): Rtcp {
  const p = value.split(' ');
  if (p.length !== 1 && p.length !== 4) bad(line, 'rtcp');
  return { port: num(p[0], line, 'rtcp', 65535), nettype: p[1], addrtype: p[2], address: p[3] };
}

// RFC 8839 §5.1: a=candidate:<foundation> <component-id> <transport> <priority>
//   <connection-address> <port> typ <cand-type> [raddr <addr>] [rport <port>] *(<name> <value>)
export function parseCandidate(line: SdpLine, value: string): Candidate {
  const p = value.split(' ');
  if (p.length < 8 || p.length % 2 !== 0 || p[6] !== 'typ' || p.some((x) => x === '')) bad(line, 'candidate');
  const [foundation, component, transport, priority, address, port, , type] = p as string[];
  let relatedAddress: string | undefined;
  let relatedPort: number | undefined;
  let tcpType: string | undefined;
  const extensions: [string, string][] = [];
  for (let i = 8; i < p.length; i += 2) {
    const name = p[i] as string;
    const v = p[i + 1] as string;
    if (name === 'raddr') relatedAddress = v;
    else if (name === 'rport') relatedPort = num(v, line, 'candidate', 65535);
    else {
      if (name === 'tcptype') tcpType = v;
      extensions.push([name, v]);
    }
  }
  return {
    foundation: foundation as string,
    component: num(component, line, 'candidate', 256),
    transport: transport as string,
    priority: num(priority, line, 'candidate', MAX_U32),
    address: address as string,
    port: num(port, line, 'candidate', 65535),
    type: type as string,
    relatedAddress,
    relatedPort,
    tcpType,
    extensions,
  };
}

// RFC 8122 §5: a=fingerprint:<hash-func> <fingerprint>
export function parseFingerprint(line: SdpLine, value: string): Fingerprint {
  const p = value.split(' ');
  if (p.length !== 2 || !TOKEN.test(p[0] as string) || !/^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2})*$/.test(p[1] as string)) {
    bad(line, 'fingerprint');
  }
  return { algorithm: p[0] as string, value: p[1] as string };
}

const SETUPS: ReadonlySet<string> = new Set(['active', 'passive', 'actpass', 'holdconn']);

// RFC 4145 §4: a=setup:active|passive|actpass|holdconn
export function parseSetup(line: SdpLine, value: string): Setup {
  if (!SETUPS.has(value)) bad(line, 'setup');
  return value as Setup;
}

// RFC 5576 §4.1: a=ssrc:<ssrc-id> <attribute>[:<value>]
export function parseSsrc(line: SdpLine, value: string): Ssrc {
  const sp = value.indexOf(' ');
  if (sp < 0) bad(line, 'ssrc');
  const id = num(value.slice(0, sp), line, 'ssrc', MAX_U32);
  const rest = value.slice(sp + 1);
  const colon = rest.indexOf(':');
  const attribute = colon < 0 ? rest : rest.slice(0, colon);
  if (!TOKEN.test(attribute)) bad(line, 'ssrc');
  return { id, attribute, value: colon < 0 ? undefined : rest.slice(colon + 1) };
}

// RFC 5576 §4.2: a=ssrc-group:<semantics> <ssrc-id> …
export function parseSsrcGroup(line: SdpLine, value: string): SsrcGroup {
  const p = value.split(' ');
  if (!TOKEN.test(p[0] as string)) bad(line, 'ssrc-group');
  return { semantics: p[0] as string, ssrcs: p.slice(1).map((s) => num(s, line, 'ssrc-group', MAX_U32)) };
}

// RFC 5888 §5: a=group:<semantics> *(SP <identification-tag>)
export function parseGroup(line: SdpLine, value: string): Group {
  const p = value.split(' ');
  if (!TOKEN.test(p[0] as string) || p.slice(1).some((m) => !TOKEN.test(m))) bad(line, 'group');
  return { semantics: p[0] as string, mids: p.slice(1) };
}

// RFC 8285 §8: a=extmap:<value>["/"<direction>] <URI> <extensionattributes>
export function parseExtMap(line: SdpLine, value: string): ExtMap {
  const p = value.split(' ');
  if (p.length < 2 || p[1] === '') bad(line, 'extmap');
  const [idField, uri] = p as [string, string];
  const slash = idField.indexOf('/');
  const id = num(slash < 0 ? idField : idField.slice(0, slash), line, 'extmap', 4095);
  const dir = slash < 0 ? undefined : idField.slice(slash + 1);
  if (dir !== undefined && !DIRECTIONS.has(dir)) bad(line, 'extmap');
  return {
    id,
    direction: dir as Direction | undefined,
    uri,
    attributes: p.length > 2 ? p.slice(2).join(' ') : undefined,
  };
}

// RFC 8830 §2: a=msid:<msid-id> [<msid-appdata>]
export function parseMsid(line: SdpLine, value: string): Msid {
  const p = value.split(' ');
  if (p.length > 2 || p[0] === '' || p[1] === '') bad(line, 'msid');
  return { stream: p[0] as string, track: p[1] };
}

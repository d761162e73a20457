// Writing a description as text and parsing it back: what the builders make is checked by the
// same parser as what arrives, and a bad option becomes INVALID_ARGUMENT.
import type { SessionDescription } from '../description.js';
import { SdpError, SdpParseError } from '../errors.js';
import { parseSdp } from '../parse.js';
import type { AttributeInit, OriginInit } from '../types.js';

/** @returns a random session id (RFC 8866 §5.2 only asks it to be unique for the host). */
export function randomSessionId(): string {
  const b = crypto.getRandomValues(new Uint32Array(2));
  return ((BigInt((b[0] as number) & 0x3fffffff) << 32n) | BigInt(b[1] as number)).toString();
}

export function addrtypeOf(address: string): string {
  return address.includes(':') ? 'IP6' : 'IP4';
}

export function originLine(origin: OriginInit | undefined, address: string): string {
  return `o=${origin?.username ?? '-'} ${origin?.sessionId ?? randomSessionId()} ${origin?.sessionVersion ?? '1'} IN ${addrtypeOf(address)} ${address}`;
}

export function attributeLine([name, value]: AttributeInit): string {
  return value === undefined ? `a=${name}` : `a=${name}:${value}`;
}

/** Parses what a builder wrote; a parse failure is a bad option, not bad input. */
export function build(lines: readonly string[], what: string): SessionDescription {
  for (const l of lines) {
    if (/[\r\n\0]/.test(l)) throw new SdpError('INVALID_ARGUMENT', `${what}: NUL, CR or LF in ${JSON.stringify(l)}`);
  }
  try {
    return parseSdp(lines.map((l) => `${l}\r\n`).join(''));
  } catch (e) {
    if (e instanceof SdpParseError) throw new SdpError('INVALID_ARGUMENT', `${what}: ${e.message}`);
    throw e;
  }
}

/** The a=rtpmap and a=fmtp lines of one codec. */
export function codecLines(
  pt: number | string,
  c: { name: string; clockRate: number; channels?: number | undefined; fmtp?: string | undefined },
): string[] {
  const ch = c.channels !== undefined && c.channels !== 1 ? `/${c.channels}` : '';
  const out = [`a=rtpmap:${pt} ${c.name}/${c.clockRate}${ch}`];
  if (c.fmtp !== undefined && c.fmtp !== '') out.push(`a=fmtp:${pt} ${c.fmtp}`);
  return out;
}

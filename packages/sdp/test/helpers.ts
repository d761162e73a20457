import { readdirSync, readFileSync } from 'node:fs';

const dir = new URL('./fixtures/', import.meta.url);

/** Names of every fixture body. */
export const fixtureNames: string[] = readdirSync(dir)
  .filter((f) => f.endsWith('.sdp'))
  .sort();

/** A fixture as text (CRLF line ends, as written to disk). */
export function fixture(name: string): string {
  return readFileSync(new URL(name, dir), 'utf8');
}

/** A fixture as bytes. */
export function fixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(name, dir)));
}

/** Joins lines with CRLF, with a CRLF after the last. */
export function crlf(...lines: string[]): string {
  return lines.map((l) => `${l}\r\n`).join('');
}

/** The smallest valid description, for tests to extend. */
export const MINIMAL = ['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 192.0.2.1', 't=0 0'];

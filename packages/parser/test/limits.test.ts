import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, parseMessage, SipParseError } from '../src/index.js';

function code(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof SipParseError) return e.code;
    throw e;
  }
  return undefined;
}

const head = 'OPTIONS sip:a@b SIP/2.0\r\n';

describe('limits (safe defaults, each an option)', () => {
  it('has safe defaults', () => {
    expect(DEFAULT_LIMITS).toEqual({ maxMessageSize: 65535, maxHeaders: 256, maxLineLength: 8192, maxVias: 70 });
  });

  it('refuses a message over maxMessageSize', () => {
    expect(code(() => parseMessage(`${head}\r\n${'x'.repeat(70000)}`))).toBe('MESSAGE_TOO_LARGE');
    expect(code(() => parseMessage(`${head}\r\n${'x'.repeat(200)}`, { limits: { maxMessageSize: 100 } }))).toBe(
      'MESSAGE_TOO_LARGE',
    );
  });

  it('refuses more than maxHeaders fields', () => {
    const many = `${head}${'X-A: 1\r\n'.repeat(11)}\r\n`;
    expect(code(() => parseMessage(many, { limits: { maxHeaders: 10 } }))).toBe('TOO_MANY_HEADERS');
    expect(code(() => parseMessage(many, { limits: { maxHeaders: 11 } }))).toBeUndefined();
  });

  it('refuses a line over maxLineLength, also when folded lines are each short', () => {
    expect(code(() => parseMessage(`${head}X: ${'a'.repeat(9000)}\r\n\r\n`))).toBe('LINE_TOO_LONG');
    expect(code(() => parseMessage(`OPTIONS sip:${'a'.repeat(9000)}@b SIP/2.0\r\n\r\n`))).toBe('LINE_TOO_LONG');
    const folded = `${head}X: ${'a\r\n '.repeat(3000)}\r\n\r\n`;
    expect(code(() => parseMessage(folded))).toBeUndefined();
  });

  it('refuses more than maxVias Via fields', () => {
    const vias = `${head}${'Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n'.repeat(5)}\r\n`;
    expect(code(() => parseMessage(vias, { limits: { maxVias: 4 } }))).toBe('TOO_MANY_VIAS');
  });

  it('names the key of a bad limit', () => {
    expect(() => parseMessage(head, { limits: { maxHeaders: -1 } })).toThrow(/limits\.maxHeaders/);
  });

  it('never reads a negative, non-numeric or huge Content-Length as a count (RFC 4475 ncl)', () => {
    for (const v of ['-1', 'five', '99999999999999999999', '', '1 2']) {
      expect(
        code(() => parseMessage(`${head}Content-Length: ${v}\r\n\r\n`)),
        v,
      ).toBe('INVALID_CONTENT_LENGTH');
    }
  });
});

import { expect, it, describe as suite } from 'vitest';
import { describe, EXAMPLE } from '../src/describe.js';

suite('sipkit-demo', () => {
  it('prints the fields of the RFC 3261 §24.2 INVITE', () => {
    const out = describe(EXAMPLE).join('\n');
    expect(out).toContain('request  INVITE sip:bob@biloxi.com');
    expect(out).toContain('branch z9hG4bK776asdhds');
    expect(out).toContain('tag 1928301774');
    expect(out).toContain('CSeq      314159 INVITE');
    expect(out).toContain('142 bytes of application/sdp');
    expect(out).toContain('valid     yes');
  });

  it('explains bytes that are not SIP instead of throwing', () => {
    expect(describe('hello\r\n\r\n')[0]).toMatch(
      /^not a SIP message: INVALID_START_LINE: expected SP after the method at offset 5 in "hello"/,
    );
  });

  it('names a malformed header and the status it deserves', () => {
    const out = describe(EXAMPLE.replace('CSeq: 314159 INVITE', 'CSeq: x INVITE')).join('\n');
    expect(out).toContain('CSeq      (malformed:');
    expect(out).toContain('valid     no: 400 Malformed CSeq');
  });
});

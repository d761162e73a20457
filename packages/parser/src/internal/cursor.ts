// A cursor over one header value (already unfolded) with the RFC 3261 §25.1 separators.
import { SipParseError } from '../errors.js';
import * as chars from './chars.js';
import { isIpv6 } from './ip.js';

// Module constants, not imported bindings: V8 re-checks an imported binding on every read (it is
// live), which costs about a third of a table-driven byte loop.
const { isWsp, TOKEN } = chars;

export class Cursor {
  readonly s: string;
  i: number;
  readonly end: number;
  readonly header: string;

  constructor(s: string, header: string, start = 0, end = s.length) {
    this.s = s;
    this.i = start;
    this.end = end;
    this.header = header;
  }

  fail(expected: string, at = this.i): never {
    throw new SipParseError('INVALID_HEADER_VALUE', `expected ${expected}`, at, this.header, this.s);
  }

  atEnd(): boolean {
    return this.i >= this.end;
  }

  peek(): number {
    return this.i < this.end ? this.s.charCodeAt(this.i) : -1;
  }

  /** SWS: optional white space (values are unfolded, so only SP and HTAB remain). */
  ws(): void {
    while (this.i < this.end && isWsp(this.s.charCodeAt(this.i))) this.i++;
  }

  /** LWS: at least one white space character. */
  lws(): boolean {
    const from = this.i;
    this.ws();
    return this.i > from;
  }

  /** SWS c SWS, e.g. SEMI, COMMA, EQUAL, SLASH, COLON. Returns false (and stays) if absent. */
  sep(c: number): boolean {
    const from = this.i;
    this.ws();
    if (this.peek() === c) {
      this.i++;
      this.ws();
      return true;
    }
    this.i = from;
    return false;
  }

  expectSep(c: number, what: string): void {
    if (!this.sep(c)) this.fail(what);
  }

  token(what = 'a token'): string {
    const from = this.i;
    while (this.i < this.end) {
      const c = this.s.charCodeAt(this.i);
      if (c > 0x7f || TOKEN[c] !== 1) break;
      this.i++;
    }
    if (this.i === from) this.fail(what);
    return this.s.slice(from, this.i);
  }

  /** Reads a run of characters from a 256-entry class table (may be empty). */
  run(table: Uint8Array): string {
    const from = this.i;
    while (this.i < this.end) {
      const c = this.s.charCodeAt(this.i);
      if (c > 0xff || table[c] !== 1) break;
      this.i++;
    }
    return this.s.slice(from, this.i);
  }

  /** quoted-string at the cursor; returns the content with quoted-pairs resolved. */
  quoted(): string {
    if (this.peek() !== 0x22) this.fail('a quoted string');
    const from = this.i;
    this.i++;
    let out = '';
    let run = this.i;
    for (;;) {
      if (this.i >= this.end) this.fail('a closing quote', from);
      const c = this.s.charCodeAt(this.i);
      if (c === 0x22) break;
      if (c === 0x5c) {
        // RFC 3261 §25.1 quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F)
        const n = this.i + 1 < this.end ? this.s.charCodeAt(this.i + 1) : -1;
        if (n < 0 || n === 0x0a || n === 0x0d || n > 0x7f) this.fail('a quoted pair');
        out += this.s.slice(run, this.i);
        this.i += 2;
        run = this.i - 1;
        continue;
      }
      // qdtext: LWS / %x21 / %x23-5B / %x5D-7E / UTF8-NONASCII; no bare controls
      if (c < 0x20 && c !== 0x09) this.fail('a printable character in a quoted string');
      this.i++;
    }
    out += this.s.slice(run, this.i);
    this.i++;
    return out;
  }

  /**
   * Steps over an IPv6reference (RFC 3261 §25.1: "[" IPv6address "]"), the cursor on its "[".
   * What the brackets hold must be an IPv6 address: nothing else, no control character above
   * all, may hide inside them.
   */
  ipv6Reference(): void {
    const close = this.s.indexOf(']', this.i);
    if (close < 0 || close >= this.end) this.fail('"]"');
    if (!isIpv6(this.s, this.i + 1, close)) this.fail('an IPv6 address between "[" and "]"');
    this.i = close + 1;
  }

  /** gen-value = token / host / quoted-string; returns the value unquoted. */
  genValue(): string {
    if (this.peek() === 0x22) return this.quoted();
    const from = this.i;
    if (this.peek() === 0x5b) {
      this.ipv6Reference();
      return this.s.slice(from, this.i);
    }
    while (this.i < this.end) {
      const c = this.s.charCodeAt(this.i);
      if (c > 0x7f || (TOKEN[c] !== 1 && c !== 0x3a)) break;
      this.i++;
    }
    if (this.i === from) this.fail('a parameter value');
    return this.s.slice(from, this.i);
  }
}

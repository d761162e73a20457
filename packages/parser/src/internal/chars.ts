// Character classes of RFC 3261 §25.1, as 256-entry tables so the hot loops do one load per byte.

function table(chars: string, alnum: boolean): Uint8Array {
  const t = new Uint8Array(256);
  if (alnum) {
    for (let c = 0x30; c <= 0x39; c++) t[c] = 1;
    for (let c = 0x41; c <= 0x5a; c++) t[c] = 1;
    for (let c = 0x61; c <= 0x7a; c++) t[c] = 1;
  }
  for (let i = 0; i < chars.length; i++) t[chars.charCodeAt(i)] = 1;
  return t;
}

/** RFC 3261 §25.1 `token`: alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~" */
export const TOKEN = table("-.!%*_+`'~", true);
/** RFC 3261 §25.1 `word` (Call-ID): token chars plus ( ) < > : \ DQUOTE / [ ] ? { } */
export const WORD = table('-.!%*_+`\'~()<>:\\"/[]?{}', true);
/** RFC 3261 §25.1 `unreserved` plus `user-unreserved` (& = + $ , ; ? /) */
export const USER = table("-_.!~*'()&=+$,;?/", true);
/** `password` = *( unreserved / escaped / & = + $ , ) */
export const PASSWORD = table("-_.!~*'()&=+$,", true);
/** `paramchar` = param-unreserved / unreserved / escaped; param-unreserved = [ ] / : & + $ */
export const PARAMCHAR = table("[]/:&+$-_.!~*'()", true);
/** `hnv-unreserved` / unreserved for URI header names and values: [ ] / ? : + $ */
export const HNVCHAR = table("[]/?:+$-_.!~*'()", true);
/** hostname characters (alphanum, "-", "."); IPv6 references are handled apart */
export const HOST = table('-.', true);
/** A gen-value in the fast readers: token characters and ":" (IPv6 addresses in received). */
export const TOKEN_COLON = table("-.!%*_+`'~:", true);
/** Characters of a URI between angle brackets in the fast readers: VCHAR but < > and DQUOTE. */
export const URI_IN_BRACKETS = new Uint8Array(256);
for (let c = 0x21; c < 0x7f; c++) if (c !== 0x3c && c !== 0x3e && c !== 0x22) URI_IN_BRACKETS[c] = 1;
/** `scheme` continuation characters: ALPHA / DIGIT / "+" / "-" / "." */
export const SCHEME = table('+-.', true);

export function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

export function isAlpha(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

export function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

export function hexValue(c: number): number {
  if (c <= 0x39) return c - 0x30;
  return (c | 0x20) - 0x57;
}

export function isWsp(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/** True when `s` is not empty and every character of it is in `table`. */
function allIn(s: string, table: Uint8Array): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f || table[c] !== 1) return false;
  }
  return true;
}

/** True when every character of `s` is a token character (and `s` is not empty). */
export function isToken(s: string): boolean {
  return allIn(s, TOKEN);
}

/** Whether `s` is a non-empty run of token characters and ":" (a token, an IP address, a port). */
export function isTokenOrAddress(s: string): boolean {
  return allIn(s, TOKEN_COLON);
}

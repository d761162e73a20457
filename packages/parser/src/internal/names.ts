// Header names: canonical spellings, ids, compact forms (IANA "Header Fields" registry), and
// which headers carry comma-separated lists (RFC 3261 §7.3.1).

import { type KnownHeaderName, KNOWN_HEADER_NAMES as NAMES } from '../header-names.js';
import * as chars from './chars.js';
import { detached } from './text.js';

// Module constants, not imported bindings: V8 re-checks an imported binding on every read (it is
// live), which costs about a third of a table-driven byte loop.
const { TOKEN } = chars;

export { type KnownHeaderName, NAMES };

function id(name: KnownHeaderName): number {
  return (NAMES as readonly string[]).indexOf(name);
}

/** Header ids used by the accessors. */
export const H = {
  Via: id('Via'),
  From: id('From'),
  To: id('To'),
  CallId: id('Call-ID'),
  CSeq: id('CSeq'),
  Contact: id('Contact'),
  MaxForwards: id('Max-Forwards'),
  ContentLength: id('Content-Length'),
  ContentType: id('Content-Type'),
  Route: id('Route'),
  RecordRoute: id('Record-Route'),
  Expires: id('Expires'),
  MinExpires: id('Min-Expires'),
  Allow: id('Allow'),
  Supported: id('Supported'),
  Require: id('Require'),
  ProxyRequire: id('Proxy-Require'),
  Unsupported: id('Unsupported'),
  Accept: id('Accept'),
  WwwAuthenticate: id('WWW-Authenticate'),
  Authorization: id('Authorization'),
  ProxyAuthenticate: id('Proxy-Authenticate'),
  ProxyAuthorization: id('Proxy-Authorization'),
  ReplyTo: id('Reply-To'),
  Path: id('Path'),
  ServiceRoute: id('Service-Route'),
  ReferTo: id('Refer-To'),
  PAssertedIdentity: id('P-Asserted-Identity'),
  RSeq: id('RSeq'),
  RAck: id('RAck'),
  Event: id('Event'),
  SubscriptionState: id('Subscription-State'),
  SessionExpires: id('Session-Expires'),
  Timestamp: id('Timestamp'),
  Date: id('Date'),
  RetryAfter: id('Retry-After'),
  Warning: id('Warning'),
  ContentEncoding: id('Content-Encoding'),
} as const;

/** Compact forms, RFC 3261 §7.3.3 and the IANA registry. */
export const COMPACT: Readonly<Record<string, KnownHeaderName>> = {
  a: 'Accept-Contact',
  b: 'Referred-By',
  c: 'Content-Type',
  d: 'Request-Disposition',
  e: 'Content-Encoding',
  f: 'From',
  i: 'Call-ID',
  j: 'Reject-Contact',
  k: 'Supported',
  l: 'Content-Length',
  m: 'Contact',
  n: 'Identity-Info',
  o: 'Event',
  r: 'Refer-To',
  s: 'Subject',
  t: 'To',
  u: 'Allow-Events',
  v: 'Via',
  x: 'Session-Expires',
  y: 'Identity',
};

/** Headers whose value is a comma-separated list (RFC 3261 §7.3.1). */
const LIST = new Set<string>([
  'Via',
  'Contact',
  'Route',
  'Record-Route',
  'Allow',
  'Supported',
  'Require',
  'Proxy-Require',
  'Unsupported',
  'Accept',
  'Accept-Encoding',
  'Accept-Language',
  'Reply-To',
  'Path',
  'Service-Route',
  'P-Asserted-Identity',
  'P-Preferred-Identity',
  'Allow-Events',
  'Warning',
  'Content-Encoding',
  'Content-Language',
  'Alert-Info',
  'Call-Info',
  'Error-Info',
  'In-Reply-To',
  'Accept-Contact',
  'Reject-Contact',
  'Request-Disposition',
  'Reason',
  'Security-Client',
  'Security-Server',
  'Security-Verify',
]);
export const IS_LIST: readonly boolean[] = NAMES.map((n) => LIST.has(n));

const LOWER: readonly string[] = NAMES.map((n) => n.toLowerCase());

const BY_LOWER = new Map<string, number>();
for (let i = 0; i < NAMES.length; i++) BY_LOWER.set(LOWER[i] as string, i);
for (const [c, n] of Object.entries(COMPACT)) BY_LOWER.set(c, id(n));

/**
 * Ids by exact spelling, as callers pass them (`'Authorization'`, `'via'`): found without
 * lower-casing, which makes a new string per call. Known spellings go in at once; others as they
 * are asked for, up to a bound (names can come from the wire).
 */
const BY_SPELLING = new Map<string, number>(BY_LOWER);
for (let i = 0; i < NAMES.length; i++) BY_SPELLING.set(NAMES[i] as string, i);
const SPELLINGS = BY_SPELLING.size + 512;

/** Id of a header name in any case or compact form; -1 when unknown. */
export function headerId(name: string): number {
  const hit = BY_SPELLING.get(name);
  if (hit !== undefined) return hit;
  const id = BY_LOWER.get(name.toLowerCase()) ?? -1;
  // A copy of the name: one cut from a message would keep the message's text alive.
  if (BY_SPELLING.size < SPELLINGS) BY_SPELLING.set(detached(name), id);
  return id;
}

/**
 * Canonical spelling of a header name: `"v"` and `"VIA"` give `"Via"`. Unknown names come back
 * unchanged.
 *
 * @param name - a header name as written
 * @returns the canonical name, or `name` itself when the parser does not know it
 * @public
 */
export function canonicalHeaderName(name: string): string {
  const i = headerId(name);
  return i < 0 ? name : (NAMES[i] as string);
}

// Byte-level recognition, folded into the scan that checks a name is a token. The first two
// bytes pick a short list of known names (most used first); each is compared with the bytes
// case-insensitively and wins if the token ends right after it. Known names are made of token
// characters, so a match also proves the name a token; anything else takes a plain token scan.
// No string is made, and the loads do not wait on one another as a state machine's would.

/** Lowercase spellings of every known name, long and compact, back to back. */
const NAME_LIST = [...BY_LOWER].sort((a, b) => a[1] - b[1]);
const LOWER_BYTES = new Uint8Array(NAME_LIST.reduce((n, [k]) => n + k.length, 0));
/** Per entry of NAME_LIST: where its spelling starts in LOWER_BYTES, its length, its header id. */
const ENTRY_AT = new Int32Array(NAME_LIST.length);
/** Length in bytes of each entry's spelling. */
export const ENTRY_LEN = new Int32Array(NAME_LIST.length);
/** Header id of each entry. */
export const ENTRY_ID = new Int32Array(NAME_LIST.length);
/** Next entry with the same first two bytes, -1 at the end. */
const ENTRY_NEXT = new Int32Array(NAME_LIST.length);
/** First entry per key of two bytes (see keyOf), -1 for none. */
const FIRST = new Int32Array(1024).fill(-1);
/** Entry of each compact form, by the letter's byte (either case); -1 for none. */
const COMPACT_ENTRY = new Int32Array(128).fill(-1);

/** Each byte in lower case: A–Z folded, every other byte itself (CR stays CR, unlike `| 0x20`). */
const FOLD = new Uint8Array(256);
for (let c = 0; c < 256; c++) FOLD[c] = c >= 0x41 && c <= 0x5a ? c | 0x20 : c;

/** Key of a name's first two bytes: their low five bits, so case does not matter. */
function keyOf(c0: number, c1: number): number {
  return ((c0 & 0x1f) << 5) | (c1 & 0x1f);
}

{
  let at = 0;
  const tails = new Map<number, number>();
  NAME_LIST.forEach(([lower, i], e) => {
    ENTRY_AT[e] = at;
    for (let k = 0; k < lower.length; k++) LOWER_BYTES[at + k] = lower.charCodeAt(k);
    ENTRY_LEN[e] = lower.length;
    ENTRY_ID[e] = i;
    ENTRY_NEXT[e] = -1;
    at += lower.length;
    const c0 = lower.charCodeAt(0);
    if (lower.length === 1) {
      COMPACT_ENTRY[c0] = e;
      COMPACT_ENTRY[c0 - 0x20] = e;
      return;
    }
    // Chained in id order: the headers the accessors read come first.
    const key = keyOf(c0, lower.charCodeAt(1));
    const tail = tails.get(key);
    if (tail === undefined) FIRST[key] = e;
    else ENTRY_NEXT[tail] = e;
    tails.set(key, e);
  });
}

/**
 * The known header name (any case, long or compact form) that the token starting at `ns` is,
 * as an index for ENTRY_LEN and ENTRY_ID; -1 when it is none of them or not a token at all.
 * Reads no further than `end`.
 */
export function matchKnownName(b: Uint8Array, ns: number, end: number): number {
  if (ns + 1 >= end) return -1;
  const c0 = b[ns] as number;
  const c1 = b[ns + 1] as number;
  if (TOKEN[c1] !== 1) return c0 < 0x80 ? (COMPACT_ENTRY[c0] as number) : -1;
  for (let e = FIRST[keyOf(c0, c1)] as number; e >= 0; e = ENTRY_NEXT[e] as number) {
    const len = ENTRY_LEN[e] as number;
    if (ns + len >= end) continue;
    const at = ENTRY_AT[e] as number;
    let k = 0;
    while (k < len && FOLD[b[ns + k] as number] === LOWER_BYTES[at + k]) k++;
    if (k === len && TOKEN[b[ns + len] as number] !== 1) return e;
  }
  return -1;
}

// Header names: canonical spellings, ids, compact forms (IANA "Header Fields" registry), and
// which headers carry comma-separated lists (RFC 3261 §7.3.1).

import { type KnownHeaderName, KNOWN_HEADER_NAMES as NAMES } from '../header-names.js';

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

/** Id of a header name in any case or compact form; -1 when unknown. */
export function headerId(name: string): number {
  return BY_LOWER.get(name.toLowerCase()) ?? -1;
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

// Byte-level recognition: a DFA over case-folded header-name characters, walked by the same
// loop that checks the name is a token. One table load per character; no string is made.
// State 0 is "a valid token, but not a name we know"; the root is state 1.

/** Character class per byte: 0 ends a name (not a token char), 1–26 letters, 27–36 digits, 37 "-", 38 other token chars. */
export const NAME_CLASS = new Uint8Array(256);
const CLASSES = 39;
for (let c = 0; c < 26; c++) {
  NAME_CLASS[0x41 + c] = 1 + c;
  NAME_CLASS[0x61 + c] = 1 + c;
}
for (let d = 0; d < 10; d++) NAME_CLASS[0x30 + d] = 27 + d;
NAME_CLASS[0x2d] = 37;
for (const ch of ".!%*_+`'~") NAME_CLASS[ch.charCodeAt(0)] = 38;

const trie: number[][] = [[], []];
const accept: number[] = [-1, -1];
function addName(lower: string, headerIndex: number): void {
  let st = 1;
  for (let k = 0; k < lower.length; k++) {
    const cls = NAME_CLASS[lower.charCodeAt(k)] as number;
    const row = trie[st] as number[];
    let next = row[cls];
    if (next === undefined) {
      next = trie.length;
      trie.push([]);
      accept.push(-1);
      row[cls] = next;
    }
    st = next;
  }
  accept[st] = headerIndex;
}
for (const [lower, i] of BY_LOWER) addName(lower, i);

/** Transition table: NAME_NEXT[state * NAME_CLASSES + class]. */
export const NAME_NEXT = new Int16Array(trie.length * CLASSES);
for (let st = 0; st < trie.length; st++) {
  const row = trie[st] as number[];
  for (let cls = 1; cls < CLASSES; cls++) NAME_NEXT[st * CLASSES + cls] = row[cls] ?? 0;
}
/** Number of character classes (the row width of NAME_NEXT). */
export const NAME_CLASSES = CLASSES;
/** Root state of the name DFA. */
export const NAME_ROOT = 1;
/** Header id accepted in each state, -1 for none. */
export const NAME_ACCEPT = Int16Array.from(accept);

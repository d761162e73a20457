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

// Byte-level lookup: candidates by (length, first letter), verified case-insensitively against
// the lowercase spelling in the same loop that checks the name is a token. No string is made
// for a known name.
const MAX_NAME = 63;
const CANDIDATES: (readonly number[] | undefined)[] = new Array(64 * 32);
const LOWER_BY_ID: readonly string[] = LOWER;

function candidateKey(len: number, c0: number): number {
  return (len << 5) | (c0 & 31);
}

for (const [lower, i] of BY_LOWER) {
  const key = candidateKey(lower.length, lower.charCodeAt(0));
  const list = CANDIDATES[key];
  CANDIDATES[key] = list === undefined ? [i] : [...list, i];
}
for (let key = 0; key < CANDIDATES.length; key++) {
  // Compact forms are one letter; put them apart from long names of length 1 (there are none).
  const list = CANDIDATES[key];
  if (list !== undefined) CANDIDATES[key] = list.filter((v, k) => list.indexOf(v) === k);
}

/**
 * Id of the header name text[start, end); -1 when the parser does not know it. The caller has
 * found the end of the name; this does not check token characters for unknown names.
 */
export function lookupName(text: string, start: number, end: number): number {
  const len = end - start;
  if (len > MAX_NAME) return -1;
  const list = CANDIDATES[candidateKey(len, text.charCodeAt(start))];
  if (list === undefined) return -1;
  for (let j = 0; j < list.length; j++) {
    const id = list[j] as number;
    const key = len === 1 ? (COMPACT_LOWER[id] as string) : (LOWER_BY_ID[id] as string);
    let k = 0;
    while (k < len && (text.charCodeAt(start + k) | 0x20) === key.charCodeAt(k)) k++;
    if (k === len) return id;
  }
  return -1;
}

const COMPACT_LOWER: string[] = [];
for (const [c, n] of Object.entries(COMPACT)) COMPACT_LOWER[id(n)] = c;

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

// Byte-level lookup: a small open-addressing table keyed by a hash computed while the parser
// scans the name, verified against the lowercase spelling. No string is made for known names.
const SLOTS = 1024;
const slotKey: string[] = new Array(SLOTS).fill('');
const slotId = new Int16Array(SLOTS).fill(-1);

/** Hash step used by the scanner: fold in one name byte, case-insensitively. */
export function hashStep(h: number, c: number): number {
  return (Math.imul(h, 31) + (c | 0x20)) | 0;
}

function slotOf(h: number): number {
  return (h ^ (h >>> 10)) & (SLOTS - 1);
}

for (const [lower, i] of BY_LOWER) {
  let h = 0;
  for (let k = 0; k < lower.length; k++) h = hashStep(h, lower.charCodeAt(k));
  let s = slotOf(h);
  while (slotId[s] !== -1) s = (s + 1) & (SLOTS - 1);
  slotId[s] = i;
  slotKey[s] = lower;
}

/** Id of the header name `text[start, end)` whose hash is `h`; -1 when unknown. */
export function lookupName(text: string, start: number, end: number, h: number): number {
  const len = end - start;
  let s = slotOf(h);
  for (;;) {
    const i = slotId[s] as number;
    if (i === -1) return -1;
    const key = slotKey[s] as string;
    if (key.length === len) {
      let k = 0;
      while (k < len && (text.charCodeAt(start + k) | 0x20) === key.charCodeAt(k)) k++;
      if (k === len) return i;
    }
    s = (s + 1) & (SLOTS - 1);
  }
}

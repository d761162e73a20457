import { SipParseError } from './errors.js';
import { STRIDE } from './internal/fields.js';
import { H, NAMES } from './internal/names.js';
import { entryId, type SipMessage, type SipRequest, type SipResponse } from './message.js';

/**
 * One thing wrong with a message, with the status a UAS should answer because of it.
 *
 * @public
 */
export interface ValidationProblem {
  /** Status code to answer with (400, 416, 420 …). */
  readonly status: number;
  /** Human-readable reason, suitable for a reason phrase or a Warning. */
  readonly reason: string;
  /** The header concerned, when there is one. */
  readonly header?: string;
  /** The parser's own words, for logs: where and what it expected. */
  readonly detail?: string;
}

/**
 * What {@link validateRequest} and {@link validateResponse} found.
 *
 * @public
 */
export interface ValidationResult {
  /** True when there is no problem. */
  readonly ok: boolean;
  /** The status of the first problem (the one to answer with), if any. */
  readonly status: number | undefined;
  /** The reason of the first problem, if any. */
  readonly reason: string | undefined;
  /** Every problem, in the order the checks ran. */
  readonly problems: readonly ValidationProblem[];
  /** For a 420: the Require (or Proxy-Require) tags not supported, to list in Unsupported. */
  readonly unsupported: readonly string[];
}

/**
 * Options for {@link validateRequest}: what the element implements. Each check runs only when
 * its option is given, so the defaults check syntax alone.
 *
 * @public
 */
export interface RequestValidationOptions {
  /** Methods this element implements; others get 405 (a standard method) or 501 (§8.2.1). */
  methods?: Iterable<string>;
  /** URI schemes this element serves in the Request-URI; others get 416 (§8.2.2.1). */
  schemes?: Iterable<string>;
  /** Option tags this element supports; other Require tags get 420 (§8.2.2.3). */
  supported?: Iterable<string>;
  /**
   * Check as a proxy does (§16.3): Proxy-Require instead of Require (step 5), and of the header
   * fields only those a proxy acts on (the mandatory ones of §8.1.1, Max-Forwards, Route and
   * Proxy-Require): "any other components, well-formed or not, SHOULD be ignored" (step 1), so
   * a malformed Date or Contact is not a reason to refuse a request a proxy passes on.
   */
  proxy?: boolean;
  /** Body types this element understands (`application/sdp`); others get 415 (§8.2.3). */
  contentTypes?: Iterable<string>;
  /** Body types this element would answer with; an Accept that allows none of them gets 406. */
  produces?: Iterable<string>;
}

/**
 * Methods defined by RFC 3261 and the RFCs that extend it.
 *
 * @public
 */
export const STANDARD_METHODS: readonly string[] = [
  'INVITE',
  'ACK',
  'BYE',
  'CANCEL',
  'OPTIONS',
  'REGISTER',
  'PRACK',
  'SUBSCRIBE',
  'NOTIFY',
  'PUBLISH',
  'INFO',
  'REFER',
  'MESSAGE',
  'UPDATE',
];

/** Whether text[0, end) holds a CR not followed by LF: found by indexOf, not a regex walk. */
function hasBareCr(text: string, end: number): boolean {
  for (let i = text.indexOf('\r'); i >= 0 && i < end; i = text.indexOf('\r', i + 1)) {
    if (i + 1 >= end || text.charCodeAt(i + 1) !== 0x0a) return true;
  }
  return false;
}

/** The header fields a message must carry once (§8.1.1), counted in one pass over its table. */
const ONCE = [H.From, H.To, H.CallId, H.CSeq] as const;
const ONCE_NAMES = ['From', 'To', 'Call-ID', 'CSeq'] as const;
const COUNTS = new Int32Array(NAMES.length);

class Collector {
  readonly problems: ValidationProblem[] = [];
  unsupported: string[] = [];

  add(status: number, reason: string, header?: string, detail?: string): void {
    const p: { -readonly [K in keyof ValidationProblem]: ValidationProblem[K] } = { status, reason };
    if (header !== undefined) p.header = header;
    if (detail !== undefined) p.detail = detail;
    this.problems.push(p);
  }

  /** Runs a typed accessor; a parse error becomes a 400 problem. */
  read<T>(header: string, get: () => T): T | undefined {
    try {
      return get();
    } catch (e) {
      if (!(e instanceof SipParseError)) throw e;
      this.add(400, `Malformed ${header}`, header, e.message);
      return undefined;
    }
  }

  result(): ValidationResult {
    const first = this.problems[0];
    return {
      ok: first === undefined,
      status: first?.status,
      reason: first?.reason,
      problems: this.problems,
      unsupported: this.unsupported,
    };
  }
}

/**
 * Checks shared by requests and responses: the §8.1.1 headers every message carries, and (unless
 * `proxy`) the other header fields an endpoint reads.
 */
function common(msg: SipMessage, c: Collector, proxy = false): void {
  // A CR that is not part of a CRLF has no place in a header section (RFC 3261 §7). The parser
  // finds every bare LF; a bare CR inside a value is caught here, off the parser's hot path.
  if (hasBareCr(msg._text, msg._headEnd)) c.add(400, 'Bare CR in the header section');
  const counts = COUNTS;
  counts.fill(0);
  const f = msg._f;
  for (let k = 0, n = f.length / STRIDE; k < n; k++) {
    const id = entryId(f, k);
    if (id >= 0) counts[id] = (counts[id] as number) + 1;
  }
  for (let i = 0; i < ONCE.length; i++) {
    const n = counts[ONCE[i] as number] as number;
    const name = ONCE_NAMES[i] as string;
    if (n === 0) c.add(400, `Missing ${name}`, name);
    else if (n > 1) c.add(400, `More than one ${name}`, name);
  }
  if (counts[H.Via] === 0) c.add(400, 'Missing Via', 'Via');
  if ((counts[H.MaxForwards] as number) > 1) c.add(400, 'More than one Max-Forwards', 'Max-Forwards');
  const vias = c.read('Via', () => msg.vias);
  if (vias !== undefined && vias.length > 0) {
    // RFC 3261 §8.1.1.7: a branch is the magic cookie followed by something unique.
    const branch = vias[0]?.branch;
    if (branch === 'z9hG4bK') c.add(400, 'Via branch is only the magic cookie', 'Via');
  }
  const from = c.read('From', () => msg.from);
  if (from !== undefined) c.read('From', () => from.uri);
  const to = c.read('To', () => msg.to);
  if (to !== undefined) c.read('To', () => to.uri);
  c.read('Call-ID', () => msg.callId);
  c.read('CSeq', () => msg.cseq);
  c.read('Max-Forwards', () => msg.maxForwards);
  c.read('Route', () => msg.routes);
  // RFC 3261 §16.3 step 1: a proxy leaves the rest alone.
  if (proxy) {
    c.read('Proxy-Require', () => msg.proxyRequire);
    return;
  }
  const contacts = c.read('Contact', () => msg.contacts);
  if (contacts !== undefined && contacts !== '*') for (const ct of contacts) c.read('Contact', () => ct.uri);
  c.read('Record-Route', () => msg.recordRoutes);
  c.read('Content-Type', () => msg.contentType);
  c.read('Expires', () => msg.expires);
  c.read('Date', () => msg.date);
  c.read('Require', () => msg.require);
  c.read('Proxy-Require', () => msg.proxyRequire);
  c.read('Supported', () => msg.supported);
}

/**
 * Checks a request the way a UAS (RFC 3261 §8.2) or a proxy (§16.3) must before acting on it,
 * and says which status to answer with: 505, then 400 for missing, repeated or malformed
 * mandatory headers, then — when the options say what the element implements — 405/501, 400 for
 * a CSeq method mismatch, 416, 420 and 415.
 *
 * @param req - the request
 * @param options - what the element implements
 * @public
 */
export function validateRequest(req: SipRequest, options: RequestValidationOptions = {}): ValidationResult {
  const c = new Collector();
  // §8.2 / RFC 4475 §3.1.2.16: an unknown SIP-Version is answered 505, not 400.
  if (req.version.toUpperCase() !== 'SIP/2.0') {
    c.add(505, `SIP version ${req.version} not supported`);
    return c.result();
  }
  common(req, c, options.proxy === true);
  const ruri = c.read('Request-URI', () => req.requestUri);
  // RFC 3261 §19.1.1 (table): headers are not allowed in a Request-URI.
  if (ruri?.kind === 'sip' && ruri.headers.size > 0) c.add(400, 'Request-URI carries headers', 'Request-URI');
  const cseq = c.read('CSeq', () => req.cseq);
  if (options.methods !== undefined) {
    const methods = new Set(options.methods);
    if (!methods.has(req.method)) {
      const known = STANDARD_METHODS.includes(req.method);
      c.add(known ? 405 : 501, known ? `${req.method} not allowed here` : `${req.method} not implemented`);
    }
  }
  // §8.1.1.5: the CSeq method MUST match the request method.
  if (cseq !== undefined && cseq.method !== req.method)
    c.add(400, 'CSeq method does not match the request method', 'CSeq');
  if (options.schemes !== undefined && ruri !== undefined) {
    const schemes = new Set([...options.schemes].map((s) => s.toLowerCase()));
    if (!schemes.has(ruri.scheme)) c.add(416, `Unsupported URI scheme ${ruri.scheme}`, 'Request-URI');
  }
  // §8.2.2.3: Require is ignored for CANCEL and ACK.
  if (options.supported !== undefined && req.method !== 'ACK' && req.method !== 'CANCEL') {
    const header = options.proxy === true ? 'Proxy-Require' : 'Require';
    const tags = c.read(header, () => (options.proxy === true ? req.proxyRequire : req.require)) ?? [];
    const supported = new Set(options.supported);
    const missing = tags.filter((t) => !supported.has(t));
    if (missing.length > 0) {
      c.unsupported = missing;
      c.add(420, `Unsupported extension ${missing.join(', ')}`, header);
    }
  }
  if (options.contentTypes !== undefined && req.body.length > 0) {
    const types = new Set([...options.contentTypes].map((s) => s.toLowerCase()));
    const ct = c.read('Content-Type', () => req.contentType);
    if (ct !== undefined && !types.has(`${ct.type}/${ct.subtype}`)) {
      c.add(415, `Unsupported media type ${ct.type}/${ct.subtype}`, 'Content-Type');
    }
    const enc = c.read('Content-Encoding', () => req.contentEncoding) ?? [];
    const odd = enc.filter((e) => e.toLowerCase() !== 'identity');
    if (odd.length > 0) c.add(415, `Unsupported content encoding ${odd.join(', ')}`, 'Content-Encoding');
  }
  if (options.produces !== undefined && req.has('Accept')) {
    const ranges = c.read('Accept', () => req.accept) ?? [];
    const produces = [...options.produces].map((s) => s.toLowerCase().split('/'));
    const fits =
      ranges.length === 0 ||
      ranges.some((r) =>
        produces.some(([t, s]) => (r.type === '*' || r.type === t) && (r.subtype === '*' || r.subtype === s)),
      );
    if (!fits) c.add(406, 'No acceptable body type', 'Accept');
  }
  return c.result();
}

/**
 * Checks a response the way a UAC or proxy must before using it (RFC 3261 §8.1.3, §16.7): the
 * mandatory headers present once and well-formed. A response that fails is dropped, never
 * answered.
 *
 * @param res - the response
 * @public
 */
export function validateResponse(res: SipResponse): ValidationResult {
  const c = new Collector();
  if (res.version.toUpperCase() !== 'SIP/2.0') c.add(400, `SIP version ${res.version} not supported`);
  common(res, c);
  c.read('Warning', () => res.warnings);
  c.read('Retry-After', () => res.retryAfter);
  return c.result();
}

import { H } from './internal/names.js';
import { utf8Encode } from './internal/text.js';
import { SipRequest, SipResponse } from './message.js';

const EMPTY = new Uint8Array(0);

/**
 * What {@link createRequest} needs.
 *
 * @public
 */
export interface RequestInit {
  /** Method token. */
  method: string;
  /** Request-URI text. */
  uri: string;
  /** Header fields in order, as name/value pairs. */
  headers?: Iterable<readonly [string, string | { toString(): string }]>;
  /** Body: bytes, or a string encoded as UTF-8. */
  body?: Uint8Array | string;
  /**
   * SIP-Version.
   * @defaultValue 'SIP/2.0'
   */
  version?: string;
}

/**
 * Builds a request from parts. Nothing is added or checked: use {@link validateRequest} for
 * that. Content-Length is written by {@link serialize}.
 *
 * @param init - method, URI, headers, body
 * @public
 */
export function createRequest(init: RequestInit): SipRequest {
  const req = new SipRequest(init.method, init.uri, init.version ?? 'SIP/2.0', EMPTY, '', [], 0, 0);
  for (const [name, value] of init.headers ?? []) req.append(name, value);
  if (init.body !== undefined) req.body = typeof init.body === 'string' ? utf8Encode(init.body) : init.body;
  return req;
}

/**
 * Default reason phrases (RFC 3261 §21 and extensions registered since).
 *
 * @public
 */
export const REASON_PHRASES: Readonly<Record<number, string>> = {
  100: 'Trying',
  180: 'Ringing',
  181: 'Call Is Being Forwarded',
  182: 'Queued',
  183: 'Session Progress',
  199: 'Early Dialog Terminated',
  200: 'OK',
  202: 'Accepted',
  204: 'No Notification',
  300: 'Multiple Choices',
  301: 'Moved Permanently',
  302: 'Moved Temporarily',
  305: 'Use Proxy',
  380: 'Alternative Service',
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  407: 'Proxy Authentication Required',
  408: 'Request Timeout',
  410: 'Gone',
  412: 'Conditional Request Failed',
  413: 'Request Entity Too Large',
  414: 'Request-URI Too Long',
  415: 'Unsupported Media Type',
  416: 'Unsupported URI Scheme',
  417: 'Unknown Resource-Priority',
  420: 'Bad Extension',
  421: 'Extension Required',
  422: 'Session Interval Too Small',
  423: 'Interval Too Brief',
  429: 'Provide Referrer Identity',
  430: 'Flow Failed',
  433: 'Anonymity Disallowed',
  439: 'First Hop Lacks Outbound Support',
  440: 'Max-Breadth Exceeded',
  469: 'Bad Info Package',
  470: 'Consent Needed',
  480: 'Temporarily Unavailable',
  481: 'Call/Transaction Does Not Exist',
  482: 'Loop Detected',
  483: 'Too Many Hops',
  484: 'Address Incomplete',
  485: 'Ambiguous',
  486: 'Busy Here',
  487: 'Request Terminated',
  488: 'Not Acceptable Here',
  489: 'Bad Event',
  491: 'Request Pending',
  493: 'Undecipherable',
  494: 'Security Agreement Required',
  500: 'Server Internal Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Server Time-out',
  505: 'Version Not Supported',
  513: 'Message Too Large',
  580: 'Precondition Failure',
  600: 'Busy Everywhere',
  603: 'Decline',
  604: 'Does Not Exist Anywhere',
  606: 'Not Acceptable',
  607: 'Unwanted',
  608: 'Rejected',
};

/**
 * Options for {@link createResponse}.
 *
 * @public
 */
export interface ResponseOptions {
  /** Reason phrase; defaults to {@link REASON_PHRASES} or an empty phrase. */
  reason?: string;
  /**
   * To tag to add when the request's To has none and the status is above 100 (§8.2.6.2).
   * Defaults to a random tag.
   */
  toTag?: string;
  /** Extra header fields appended after the copied ones. */
  headers?: Iterable<readonly [string, string | { toString(): string }]>;
  /** Body. */
  body?: Uint8Array | string;
}

/**
 * A random token of `bytes` random bytes in hex, from `crypto.getRandomValues`.
 *
 * @param bytes - number of random bytes
 * @defaultValue bytes 8
 * @public
 */
export function randomToken(bytes = 8): string {
  let s = '';
  for (let i = 0; i < bytes; i++) s += HEX_BYTE[randomByte()] as string;
  return s;
}

const HEX_BYTE = Array.from({ length: 256 }, (_, v) => v.toString(16).padStart(2, '0'));
/**
 * Random bytes drawn 4 KiB at a time: each `crypto.getRandomValues` call costs microseconds
 * whatever its size, and a proxy or registrar wants a fresh tag for nearly every response. Each
 * byte is handed out once.
 */
const POOL = new Uint8Array(4096);
let poolAt = POOL.length;
function randomByte(): number {
  if (poolAt === POOL.length) {
    crypto.getRandomValues(POOL);
    poolAt = 0;
  }
  return POOL[poolAt++] as number;
}

/**
 * Builds a response to `request` as RFC 3261 §8.2.6 says: the same Via fields in order, From,
 * Call-ID and CSeq copied, To copied with a tag added when it has none (except for 100), and
 * Timestamp copied into a 100 Trying (§8.2.6.1).
 *
 * @param request - the request being answered
 * @param status - 100–699
 * @param options - reason, To tag, extra headers, body
 * @public
 */
export function createResponse(request: SipRequest, status: number, options: ResponseOptions = {}): SipResponse {
  if (!Number.isInteger(status) || status < 100 || status > 699) {
    throw new RangeError(`status must be an integer in 100–699, got ${status}`);
  }
  const reason = options.reason ?? REASON_PHRASES[status] ?? '';
  const res = new SipResponse(status, reason, 'SIP/2.0', EMPTY, '', [], 0, 0);
  // §8.2.6.2: Via fields in the same order, From, Call-ID, CSeq equal to the request's. Read
  // from the ranges the parser noted where it did (one plain field each, unchanged since):
  // no header table and no search through it.
  if (request._viaS >= 0 && request._nv === 1) {
    res._put('Via', request._hotValue(H.Via, request._viaS, request._viaE) as string);
  } else for (const v of request.getAll('Via')) res._put('Via', v);
  const from = request._hotValue(H.From, request._fromS, request._fromE);
  if (from !== undefined) res._put('From', from);
  const to = request._hotValue(H.To, request._toS, request._toE);
  if (to !== undefined) {
    // §8.2.6.2: a UAS adds a To tag unless the request had one; 100 Trying needs none.
    let hasTag = false;
    try {
      hasTag = request.to?.tag !== undefined;
    } catch {
      // A malformed To (we may be answering 400 about it) is copied as it came.
    }
    res._put('To', hasTag || status === 100 ? to : `${to};tag=${options.toTag ?? randomToken()}`);
  }
  const callId = request._hotValue(H.CallId, request._cidS, request._cidE);
  if (callId !== undefined) res._put('Call-ID', callId);
  const cseq = request._hotValue(H.CSeq, request._csS, request._csE);
  if (cseq !== undefined) res._put('CSeq', cseq);
  if (status === 100) {
    // §8.2.6.1: Timestamp is copied into the 100 (Trying).
    const ts = request.get('Timestamp');
    if (ts !== undefined) res._put('Timestamp', ts);
  }
  for (const [name, value] of options.headers ?? [])
    res._put(name, typeof value === 'string' ? value : value.toString());
  if (options.body !== undefined) res.body = typeof options.body === 'string' ? utf8Encode(options.body) : options.body;
  // The copied values are the request's, so its parsed top Via, Call-ID and CSeq hold for the
  // response too: hand them over instead of parsing them again.
  if (request._via !== undefined) res._via = request._via;
  if (request._cid !== undefined) res._cid = request._cid;
  if (request._cs !== undefined) res._cs = request._cs;
  return res;
}

import { type AuthValue, parseAuth, parseUri, type SipMessage, uriEquals } from '@sipkit/parser';

/** @internal the four auth headers, by accessor */
export type AuthHeader = 'authorization' | 'proxyAuthorization' | 'wwwAuthenticate' | 'proxyAuthenticate';

const NAMES: Record<AuthHeader, string> = {
  authorization: 'Authorization',
  proxyAuthorization: 'Proxy-Authorization',
  wwwAuthenticate: 'WWW-Authenticate',
  proxyAuthenticate: 'Proxy-Authenticate',
};

const DIGEST_PREFIX = /^\s*digest(?:\s|$)/i;

/**
 * The values of an auth header through the parser's accessor. When one field does not parse,
 * the accessor throws; then each field is parsed on its own and the rest kept, so one bad field
 * cannot hide a good one. `malformed` counts the broken fields that claim the Digest scheme
 * (a broken field of another scheme is none of digest's business).
 *
 * @internal
 */
export function readAuth(message: SipMessage, header: AuthHeader): { values: readonly AuthValue[]; malformed: number } {
  try {
    return { values: message[header], malformed: 0 };
  } catch {
    const name = NAMES[header];
    const values: AuthValue[] = [];
    let malformed = 0;
    for (const v of message.getAll(name)) {
      try {
        values.push(parseAuth(v, name));
      } catch {
        if (DIGEST_PREFIX.test(v)) malformed++;
      }
    }
    return { values, malformed };
  }
}

/**
 * A parameter as a string: `undefined` when absent or written without a value.
 *
 * @internal
 */
export function param(value: AuthValue, name: string): string | undefined {
  const v = value.params.get(name);
  return typeof v === 'string' ? v : undefined;
}

/**
 * Whether the scheme is Digest (auth schemes compare case-insensitively, RFC 7235 §2.1).
 *
 * @internal
 */
export function isDigest(value: AuthValue): boolean {
  return value.scheme.length === 6 && value.scheme.toLowerCase() === 'digest';
}

/**
 * The qop values a challenge offers (RFC 7616 §3.3: a quoted, comma-separated list).
 *
 * @internal
 */
export function qopList(value: AuthValue): string[] {
  const q = param(value, 'qop');
  if (q === undefined) return [];
  const out: string[] = [];
  for (const item of q.split(',')) {
    const t = item.trim().toLowerCase();
    if (t !== '') out.push(t);
  }
  return out;
}

/**
 * Whether the digest `uri` names the Request-URI: the same text, or equal URIs under RFC 3261
 * §19.1.4 (so `sip:Bob@Example.com` matches `sip:Bob@example.com`).
 *
 * @internal
 */
export function sameUri(requestUri: string, digestUri: string): boolean {
  if (requestUri === digestUri) return true;
  try {
    return uriEquals(parseUri(requestUri), parseUri(digestUri));
  } catch {
    return false;
  }
}

// A redirect server (RFC 3261 §8.3): it answers an INVITE for one of its users with 302 and the
// places to try next as Contacts, q-values kept, and 404 for a user it does not know. It never
// forwards anything: the caller follows the redirect itself. The proxy core's `redirect` mode
// does the 302; this file holds the lookup and the caller's side of the rule.
import { createResponse, type SipRequest, type SipResponse } from '@sipkit/parser';
import { type ProxyTarget, SipProxy } from '@sipkit/proxy';
import type { Clock } from '@sipkit/transaction';
import type { Resolver, Transport } from '@sipkit/transport';

/** One place a user can be reached, with its preference (q, 0–1). */
export interface Location {
  readonly uri: string;
  readonly q?: number;
}

/** Where users are: a fixed table by user part, or a lookup (a location service, a database). */
export type Locations =
  | Readonly<Record<string, readonly Location[]>>
  | ((user: string) => readonly Location[] | Promise<readonly Location[]>);

/** What the element needs. */
export interface RedirectServerOptions {
  readonly transports: readonly Transport[];
  /** The domains whose users this server knows. */
  readonly domains: readonly string[];
  readonly locations: Locations;
  readonly clock?: Clock;
  readonly resolver?: Resolver;
}

/** Builds the redirect server on the proxy core's `redirect` mode. */
export function redirectServer(options: RedirectServerOptions): SipProxy {
  const { locations } = options;
  const domains = new Set(options.domains.map((d) => d.toLowerCase()));
  const lookup = async (user: string): Promise<readonly ProxyTarget[]> =>
    typeof locations === 'function' ? locations(user) : (locations[user] ?? []);
  const userOf = (request: SipRequest): string | undefined => {
    const uri = request.requestUri;
    return uri.kind === 'sip' && domains.has(uri.host.toLowerCase()) ? (uri.user ?? '') : undefined;
  };
  return new SipProxy({
    transports: options.transports,
    domains: options.domains,
    mode: 'redirect',
    recordRoute: false,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.resolver === undefined ? {} : { resolver: options.resolver }),
    async onRequest(request) {
      // RFC 3261 §11.2: OPTIONS asks what we can do; we do not redirect it.
      if (request.method === 'OPTIONS')
        return createResponse(request, 200, { headers: [['Allow', 'INVITE, ACK, CANCEL, OPTIONS']] });
      // §8.2.1: we only redirect INVITE (ACK and CANCEL belong to the INVITE's transaction).
      if (request.method !== 'INVITE')
        return createResponse(request, 405, { headers: [['Allow', 'INVITE, ACK, CANCEL, OPTIONS']] });
      // §21.4.5: a user (or domain) we do not know does not exist here: 404, not 480.
      const user = userOf(request);
      if (user === undefined || (await lookup(user)).length === 0) return createResponse(request, 404);
      return undefined;
    },
    // §8.3: the proxy core answers 302 with these as Contacts, each with its q.
    targets: async (request) => lookup(userOf(request) ?? ''),
  });
}

/**
 * The caller's side, §8.1.3.4: the Contacts of a 3xx in the order to try them, highest q first
 * (no q counts as 1.0), equal q in the order given.
 */
export function redirectTargets(response: SipResponse): string[] {
  const contacts = response.contacts;
  if (contacts === '*' || response.status < 300 || response.status >= 400) return [];
  const q = (c: (typeof contacts)[number]) => {
    const v = Number(c.params.get('q') ?? 1);
    return Number.isFinite(v) ? v : 1;
  };
  return [...contacts].sort((a, b) => q(b) - q(a)).map((c) => c.uriText);
}

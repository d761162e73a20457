// A registrar and proxy for one domain with routing of its own: emergency numbers go to a fixed
// gateway, `sales` rings every salesperson at once, a blocked caller gets 403, everyone else is
// found in the location service. The element: under 100 lines, all SIP rules from the packages.
import { createResponse, type SipRequest } from '@sipkit/parser';
import { type ProxyTarget, SipProxy } from '@sipkit/proxy';
import { MemoryLocationService, Registrar } from '@sipkit/registrar';
import type { Clock } from '@sipkit/transaction';
import type { Resolver, Transport } from '@sipkit/transport';

/** What the element needs. */
export interface RoutingProxyOptions {
  readonly transports: readonly Transport[];
  readonly domain: string;
  /** Where emergency calls (112, 911) go. */
  readonly emergencyGateway: string;
  /** Users who ring together for `sales@domain`. */
  readonly sales: readonly string[];
  /** Callers refused with 403. */
  readonly blocked?: readonly string[];
  readonly clock?: Clock;
  readonly resolver?: Resolver;
}

/** Builds the element; returns the proxy and its location service. */
export function routingProxy(options: RoutingProxyOptions): { proxy: SipProxy; location: MemoryLocationService } {
  const { domain } = options;
  const now = () => options.clock?.now() ?? Date.now();
  const location = new MemoryLocationService();
  const registrar = new Registrar({ domains: [domain], location, now });
  const lookup = async (user: string): Promise<ProxyTarget[]> =>
    (await location.lookup(`sip:${user}@${domain}`, now())).map((b) => ({ uri: b.contact, q: b.q, route: b.path }));

  const proxy = new SipProxy({
    transports: options.transports,
    domains: [domain],
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.resolver === undefined ? {} : { resolver: options.resolver }),
    async onRequest(request: SipRequest) {
      if (request.method === 'REGISTER') return registrar.handle(request);
      const caller = request.from?.uri;
      if (caller?.kind === 'sip' && options.blocked?.includes(`${caller.user}@${caller.host}`)) {
        return createResponse(request, 403, { reason: 'Forbidden (blocked caller)' });
      }
      return undefined;
    },
    async targets(request: SipRequest) {
      const uri = request.requestUri;
      const user = uri.kind === 'sip' ? (uri.user ?? '') : '';
      if (user === '112' || user === '911') return [{ uri: `sip:${user}@${options.emergencyGateway}` }];
      if (user === 'sales') return (await Promise.all(options.sales.map(lookup))).flat();
      return lookup(user);
    },
    beforeForward(request: SipRequest) {
      // Tell the callee which route it was reached by.
      request.append('X-Routed-By', 'sipkit-example');
    },
  });
  return { proxy, location };
}

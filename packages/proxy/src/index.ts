/**
 * The SIP proxy core of RFC 3261 §16 as a library: give {@link SipProxy} a function that says where
 * a request goes (a location service, a table, anything) and it validates, forwards, forks,
 * picks the best response, runs Timer C and handles CANCEL, with hooks at each step. It can also
 * run as a stateless proxy (`mode: 'stateless'`, §16.11), a redirect server, or recurse on 3xx.
 *
 * @example
 * ```ts
 * import { SipProxy } from '@sipkit/proxy';
 *
 * const proxy = new SipProxy({
 *   transports: [udp],
 *   domains: ['example.com'],
 *   targets: async (request) => (await location.lookup(aorOf(request), Date.now())).map((b) => ({ uri: b.contact, q: b.q })),
 * });
 * ```
 *
 * @packageDocumentation
 */

export {
  type HookResult,
  type ProxyCounters,
  type ProxyOptions,
  type ProxyRouting,
  type ProxyTarget,
  SipProxy,
} from './proxy.js';

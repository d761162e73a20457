/**
 * The SIP transport layer's rules, without sockets (RFC 3261 §18, RFC 3263, RFC 3581): which
 * addresses, ports and transports a request may be sent to ({@link resolveTargets}, behind a
 * {@link Resolver} interface so tests and browsers supply their own DNS), which targets to skip
 * after a failure ({@link TargetBlocklist}), how a server marks where a request really came from
 * ({@link stampReceived}) and where its response goes ({@link responseDestination}).
 *
 * @example
 * ```ts
 * import { parseUri } from '@sipkit/parser';
 * import { resolveTargets } from '@sipkit/transport';
 *
 * const none = async () => [];
 * const resolver = { naptr: none, srv: none, a: async () => ['192.0.2.10'], aaaa: none };
 * const uri = parseUri('sip:bob@biloxi.example.com');
 * if (uri.kind === 'sip') console.log(await resolveTargets(uri, resolver));
 * // [{ protocol: 'udp', address: '192.0.2.10', port: 5060, family: 4, hostname: 'biloxi.example.com' }]
 * ```
 *
 * @packageDocumentation
 */

export { ConnectionTable, type ConnectionTableOptions } from './connections.js';
export { TransportError, type TransportErrorCode } from './errors.js';
export {
  type Drop,
  type Received,
  type Route,
  type TransportCounters,
  TransportLayer,
  type TransportLayerOptions,
} from './layer.js';
export {
  defaultPort,
  type NaptrRecord,
  orderSrv,
  type ResolveOptions,
  type Resolver,
  resolveTargets,
  type SrvRecord,
  type Target,
  TargetBlocklist,
  type TransportProtocol,
} from './resolve.js';
export type { Transport, TransportEvent } from './transport.js';
export { isOwnVia, type PeerAddress, type ResponseDestination, responseDestination, stampReceived } from './via.js';
export { type WebSocketLike, type WebSocketTransportOptions, webSocketTransport } from './websocket.js';

/**
 * SIP transports on Node sockets, each a `Transport` for `@sipkit/transport`'s
 * `TransportLayer`: UDP (one datagram, one message) and TCP (a stream framer per connection,
 * idle timeout, connection limits, reuse of open connections), TLS on top of it, and SIP over
 * WebSocket servers (WS, WSS).
 *
 * @example
 * ```ts
 * import { TransportLayer } from '@sipkit/transport';
 * import { udpTransport } from '@sipkit/transport-node';
 *
 * const udp = await udpTransport({ host: '127.0.0.1', port: 0 });
 * const layer = new TransportLayer({
 *   transports: [udp],
 *   onRequest: (req) => console.log(req.method, req.topVia?.received),
 *   onResponse: () => {},
 * });
 * await layer.close();
 * ```
 *
 * @packageDocumentation
 */

export { nativeUdpAvailable, nativeUdpUnavailableReason, type UdpSocketStats } from './native-udp.js';
export { type TcpTransportOptions, type TlsTransportOptions, tcpTransport, tlsTransport } from './tcp.js';
export { type UdpTransport, type UdpTransportOptions, udpTransport } from './udp.js';
export { type WssTransportOptions, type WsTransportOptions, wssTransport, wsTransport } from './ws.js';

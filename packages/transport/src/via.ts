import type { SipRequest, SipResponse } from '@sipkit/parser';
import type { TransportProtocol } from './resolve.js';

/**
 * Where a message came from, or where one goes: an IP address and a port.
 *
 * @public
 */
export interface PeerAddress {
  /** IP address (IPv6 without brackets). */
  readonly address: string;
  /** Port. */
  readonly port: number;
  /** The host name the address was resolved from, when sending: TLS checks the server against it. */
  readonly hostname?: string;
}

function bare(host: string): string {
  return host.charCodeAt(0) === 0x5b && host.charCodeAt(host.length - 1) === 0x5d ? host.slice(1, -1) : host;
}

function sameAddress(a: string, b: string): boolean {
  // Equal strings first: the usual case, and no lower-casing or slicing for it.
  return a === b || bare(a).toLowerCase() === bare(b).toLowerCase();
}

/** A Via transport token in lower case (the parser gives it in upper case), without allocating. */
function lowerTransport(transport: string): string {
  switch (transport) {
    case 'UDP':
      return 'udp';
    case 'TCP':
      return 'tcp';
    case 'TLS':
      return 'tls';
    case 'WS':
      return 'ws';
    case 'WSS':
      return 'wss';
    case 'SCTP':
      return 'sctp';
    default:
      return transport.toLowerCase();
  }
}

/** The port a sent-by without one means, by lower-case transport (RFC 3261 §18.2.2, RFC 7118). */
function sentByDefaultPort(protocol: string): number {
  if (protocol === 'tls') return 5061;
  if (protocol === 'ws') return 80;
  if (protocol === 'wss') return 443;
  return 5060;
}

/**
 * Adds `received` and fills `rport` on the top Via of a request that just arrived, as RFC 3261
 * §18.2.1 and RFC 3581 §4 say: `received` when the sent-by host is not the source address (or
 * when the client asked for `rport`), `rport` set to the source port when the client sent it
 * empty. Untouched otherwise, so the Via stays byte-identical.
 *
 * @param req - the request as parsed
 * @param source - the address and port it came from
 * @returns whether the top Via changed
 * @throws {@link @sipkit/parser!SipParseError} when the top Via is malformed
 * @public
 */
export function stampReceived(req: SipRequest, source: PeerAddress): boolean {
  const via = req.topVia;
  if (via === undefined) return false;
  // The Via's own readers: no parameter list is split for these two.
  const wantsRport = via.rport === null;
  const address = bare(source.address);
  // RFC 3581 §4: with rport, received is added even when the address matches.
  if (!wantsRport && (sameAddress(via.host, source.address) || via.received === address)) return false;
  // Written into the Via's own bytes (the rest of the message stays as it came); the parser
  // reads the top Via again from them if anything asks.
  req.setTopViaParams(wantsRport ? { received: address, rport: String(source.port) } : { received: address });
  return true;
}

/**
 * Where a response goes (RFC 3261 §18.2.2, RFC 3581 §4).
 *
 * @public
 */
export interface ResponseDestination {
  /** Transport from the top Via. */
  readonly protocol: TransportProtocol | string;
  /**
   * For reliable transports: send on the connection the request came in on while it is open;
   * `address`/`port` are where to open a new one otherwise.
   */
  readonly sameConnection: boolean;
  /** Address or host name to send to (a host name needs RFC 3263 §5 resolution). */
  readonly address: string;
  /** Port to send to. */
  readonly port: number;
  /** Multicast TTL when `maddr` was used. */
  readonly ttl?: number;
}

/**
 * Works out where to send a response from its top Via (RFC 3261 §18.2.2, RFC 3581 §4): the same
 * connection for reliable transports; the `maddr` address when present; for unreliable transports
 * the `received` address at the `rport` port (or the sent-by port); otherwise the sent-by host
 * and port.
 *
 * @param res - the response, whose top Via is the one the request arrived with; or that request
 *   itself, once {@link stampReceived} has marked it (its top Via is the response's)
 * @returns the destination, or undefined when there is no top Via
 * @throws {@link @sipkit/parser!SipParseError} when the top Via is malformed
 * @public
 */
export function responseDestination(res: SipResponse | SipRequest): ResponseDestination | undefined {
  const via = res.topVia;
  if (via === undefined) return undefined;
  const protocol = lowerTransport(via.transport);
  const sentByPort = via.port ?? sentByDefaultPort(protocol);
  const received = via.received;
  if (protocol !== 'udp') {
    // §18.2.2: same connection; if it is gone, open one to received (or host) and sent-by port.
    return { protocol, sameConnection: true, address: bare(received ?? via.host), port: sentByPort };
  }
  const maddr = via.maddr;
  if (maddr !== undefined) {
    const out: { -readonly [K in keyof ResponseDestination]: ResponseDestination[K] } = {
      protocol,
      sameConnection: false,
      address: bare(maddr),
      port: sentByPort,
    };
    const ttl = via.ttl;
    if (ttl !== undefined) out.ttl = ttl;
    return out;
  }
  if (received !== undefined) {
    // RFC 3581 §4: rport with a value sends back to the source port.
    const rport = via.rport;
    return {
      protocol,
      sameConnection: false,
      address: bare(received),
      port: rport === undefined || rport === null ? sentByPort : rport,
    };
  }
  return { protocol, sameConnection: false, address: bare(via.host), port: sentByPort };
}

/**
 * Whether a response's top Via is one this element inserted (RFC 3261 §18.1.2: a response whose
 * top Via sent-by is not ours is discarded). Host names compare case-insensitively; an absent
 * port equals the transport's default port.
 *
 * @param res - a response that just arrived
 * @param sentBy - the sent-by this element puts in its Via: host, and port unless it puts none
 * @throws {@link @sipkit/parser!SipParseError} when the top Via is malformed
 * @public
 */
export function isOwnVia(res: SipResponse, sentBy: { host: string; port?: number }): boolean {
  const via = res.topVia;
  if (via === undefined) return false;
  const port = via.port ?? sentByDefaultPort(lowerTransport(via.transport));
  // A sent-by without a port (a WebSocket client's .invalid name, RFC 7118 §5.2) matches on host.
  return sameAddress(via.host, sentBy.host) && (sentBy.port === undefined || port === sentBy.port);
}

import {
  createResponse,
  createResponseBytes,
  type ParseOptions,
  type ParserLimits,
  parseMessage,
  type ResponseOptions,
  type SerializeOptions,
  SipParseError,
  type SipRequest,
  type SipResponse,
  salvageRequest,
  serialize,
  Via,
} from '@sipkit/parser';
import { TransportError } from './errors.js';
import type { Target, TargetBlocklist, TransportProtocol } from './resolve.js';
import type { Transport, TransportEvent } from './transport.js';
import { isOwnVia, type PeerAddress, responseDestination, stampReceived } from './via.js';

/**
 * Where and how a message arrived: the transport, the source, and the connection (for answering
 * on the same one).
 *
 * @public
 */
export interface Received {
  /** The transport it came on. */
  readonly transport: Transport;
  /** Source address and port. */
  readonly source: PeerAddress;
  /** The connection it came on, on reliable transports. */
  readonly flow: string | undefined;
}

/**
 * Why the transport layer dropped something.
 *
 * @public
 */
export interface Drop {
  /** `malformed` (answered with 400 when it was a usable request), `foreign-via` (§18.1.2), `receiver-error` (a handler threw). */
  readonly reason: 'malformed' | 'foreign-via' | 'receiver-error';
  /** Where it came from. */
  readonly from: Received;
  /** The parse error or the handler's exception. */
  readonly error?: unknown;
  /** Whether a 400 was sent back. */
  readonly answered: boolean;
}

/**
 * What the transport layer has seen, for metrics.
 *
 * @public
 */
export interface TransportCounters {
  /** Messages received. */
  messages: number;
  /** Requests handed up. */
  requests: number;
  /** Responses handed up. */
  responses: number;
  /** Messages that did not parse (or whose top Via did not). */
  malformed: number;
  /** 400 responses sent for malformed requests. */
  badRequestsAnswered: number;
  /** Responses dropped because their top Via was not ours. */
  foreignVia: number;
  /** Keep-alive pings answered. */
  pings: number;
  /** Exceptions thrown by the request or response handler (caught). */
  receiverErrors: number;
}

/**
 * Where one message goes and on what: what {@link TransportLayer.routeRequest} and
 * {@link TransportLayer.routeResponse} work out, kept by a transaction to retransmit the same
 * bytes the same way.
 *
 * @public
 */
export interface Route {
  /** The transport to send on. */
  readonly transport: Transport;
  /** The message, serialized. */
  readonly bytes: Uint8Array;
  /** The destination address and port (with the host name it was resolved from, for TLS). */
  readonly to: PeerAddress;
  /** The connection to prefer, when one is known. */
  readonly flow: string | undefined;
}

/**
 * Options for {@link TransportLayer}.
 *
 * @public
 */
export interface TransportLayerOptions {
  /** The transports to listen on and send with. */
  readonly transports: readonly Transport[];
  /** Receives each request (its top Via already carries received/rport). */
  readonly onRequest: (request: SipRequest, from: Received) => void;
  /** Receives each response whose top Via is ours. */
  readonly onResponse: (response: SipResponse, from: Received) => void;
  /** Told of everything dropped (for logs). */
  readonly onDrop?: (drop: Drop) => void;
  /** Parser limits for incoming messages. */
  readonly limits?: Partial<ParserLimits>;
  /**
   * Path MTU in bytes; requests within 200 bytes of it go over TCP (RFC 3261 §18.1.1).
   * @defaultValue 1500
   */
  readonly mtu?: number;
}

const CRLF = new Uint8Array([13, 10]);
const EMPTY = new Uint8Array(0);
const ignore = (): undefined => undefined;
/** serialize's options for bytes sent once and dropped. */
const TRANSIENT: SerializeOptions = { transient: true };
/** Most RFC 5923 aliases remembered at once. */
const MAX_ALIASES = 10000;

/** The sent-by a transport puts in its Via (no port when it has none to offer). */
function ownSentBy(t: Transport): { host: string; port?: number } {
  return t.local.port === 0 ? { host: t.local.address } : { host: t.local.address, port: t.local.port };
}

/** A transport protocol as a Via transport token, without allocating for the known ones. */
function viaTransport(protocol: TransportProtocol): string {
  switch (protocol) {
    case 'udp':
      return 'UDP';
    case 'tcp':
      return 'TCP';
    case 'tls':
      return 'TLS';
    case 'ws':
      return 'WS';
    case 'wss':
      return 'WSS';
    default:
      return protocol.toUpperCase();
  }
}

/** A reason phrase carrying the parser's words: printable, one line, not too long. */
function reasonFor(e: SipParseError): string {
  const detail = e.message.replace(/[\x00-\x1f\x7f]/g, ' ').slice(0, 120);
  return `Bad Request (${detail})`;
}

/**
 * The RFC 3261 §18 transport layer above the sockets: it parses what the transports receive,
 * marks requests with where they came from (§18.2.1, RFC 3581), drops responses that do not carry
 * our Via (§18.1.2), answers malformed requests with 400 when their start line and Via are usable
 * and drops the rest, answers RFC 5626 pings with a pong, sends responses where §18.2.2 says, and
 * sends requests to resolved targets, moving large ones from UDP to TCP (§18.1.1) and reusing a
 * TLS connection a peer offered with `alias` (RFC 5923).
 *
 * Nothing a peer sends makes it throw: every failure is counted and reported to `onDrop`.
 *
 * @public
 */
export class TransportLayer {
  /** Counts of what was received, handed up and dropped. */
  readonly counters: TransportCounters = {
    messages: 0,
    requests: 0,
    responses: 0,
    malformed: 0,
    badRequestsAnswered: 0,
    foreignVia: 0,
    pings: 0,
    receiverErrors: 0,
  };
  readonly #options: TransportLayerOptions;
  /** RFC 5923 aliases: `protocol|host|port` of a peer's sent-by → the connection it came on. */
  readonly #aliases = new Map<string, { transport: Transport; flow: string }>();

  /**
   * @param options - transports, handlers, limits, MTU
   */
  constructor(options: TransportLayerOptions) {
    this.#options = options;
    for (const t of options.transports) {
      // Parse options are fixed per transport: made once here, not per message.
      const parse: ParseOptions = {
        mode: (t.framed ?? !t.reliable) ? 'datagram' : 'stream',
        // Every layer above reads fields beyond the hot ones (validation, the TU): record them all
        // in the one scan.
        fieldTable: true,
        ...(options.limits === undefined ? {} : { limits: options.limits }),
      };
      t.listen((event) => this.#receive(t, parse, event));
    }
  }

  #drop(drop: Drop): void {
    try {
      this.#options.onDrop?.(drop);
    } catch {
      // A logging hook must not break the socket callback either.
    }
  }

  #receive(transport: Transport, parse: ParseOptions, event: TransportEvent): void {
    const from: Received = { transport, source: event.source, flow: event.flow };
    if (event.type === 'ping') {
      // RFC 5626 §3.5.1: a double-CRLF ping on a connection is answered with a CRLF pong.
      this.counters.pings++;
      transport.send(CRLF, event.source, event.flow).catch(ignore);
      return;
    }
    this.counters.messages++;
    const bytes = event.bytes ?? EMPTY;
    let msg: SipRequest | SipResponse;
    try {
      msg = event.message ?? parseMessage(bytes, parse);
      // The top Via must be readable for routing either way (§18.2.1, §18.1.2).
      if (msg.isRequest) stampReceived(msg, event.source);
      else void msg.topVia;
    } catch (e) {
      this.#malformed(e, bytes, from);
      return;
    }
    try {
      if (msg.isRequest) {
        this.#noteAlias(msg, from);
        this.counters.requests++;
        this.#options.onRequest(msg, from);
      } else if (!isOwnVia(msg, ownSentBy(transport))) {
        this.counters.foreignVia++;
        this.#drop({ reason: 'foreign-via', from, answered: false });
      } else {
        this.counters.responses++;
        this.#options.onResponse(msg, from);
      }
    } catch (e) {
      this.counters.receiverErrors++;
      this.#drop({ reason: 'receiver-error', from, error: e, answered: false });
    }
  }

  /**
   * RFC 5923 §5: a request over TLS whose top Via carries `alias` lets this element send its own
   * requests for that sent-by over the same connection (TLS only: §9, TCP cannot show who the
   * peer is).
   */
  #noteAlias(req: SipRequest, from: Received): void {
    if (!from.transport.secure || !from.transport.reliable || from.flow === undefined) return;
    const via = req.topVia;
    if (via === undefined || !via.params.has('alias')) return;
    const host = via.host.startsWith('[') ? via.host.slice(1, -1) : via.host;
    const port = via.port ?? (from.transport.protocol === 'wss' ? 443 : 5061);
    const key = `${from.transport.protocol}|${host.toLowerCase()}|${port}`;
    this.#aliases.delete(key);
    this.#aliases.set(key, { transport: from.transport, flow: from.flow });
    // Bounded: the oldest alias goes first (a closed flow only costs a new connection).
    if (this.#aliases.size > MAX_ALIASES) this.#aliases.delete(this.#aliases.keys().next().value as string);
  }

  #malformed(error: unknown, bytes: Uint8Array, from: Received): void {
    this.counters.malformed++;
    let answered = false;
    if (error instanceof SipParseError) {
      const req = salvageRequest(bytes, this.#options.limits);
      // No response is ever sent to an ACK (RFC 3261 §17.2.1); a response gets none either.
      if (req !== undefined && req.method !== 'ACK') {
        const res = createResponse(req, 400, { reason: reasonFor(error) });
        answered = true;
        this.counters.badRequestsAnswered++;
        this.sendResponse(res, from).catch(ignore);
      }
    }
    this.#drop({ reason: 'malformed', from, error, answered });
  }

  /**
   * Works out where a response goes, as RFC 3261 §18.2.2 and RFC 3581 §4 say: on the connection
   * the request came on while it is open, else to `received`/`rport`, `maddr` or the sent-by of
   * the top Via; to the request's source when the Via cannot be read. The transaction layer keeps
   * the route to retransmit the same bytes.
   *
   * @param response - the response
   * @param to - how its request arrived
   * @returns the transport, the serialized bytes, the destination and the connection to prefer
   */
  routeResponse(response: SipResponse, to: Received): Route {
    return this.#route(response, serialize(response), to);
  }

  /**
   * Builds the bytes of a response to `request` straight from the request's bytes (with
   * `createResponseBytes` from `@sipkit/parser`, RFC 3261 §8.2.6) and works out where they go, as
   * {@link TransportLayer.routeResponse} does for a response object. For answers nothing else
   * needs to see: a stateless 200 to OPTIONS, a 100 Trying, an error.
   *
   * @param request - the request being answered, as this layer handed it up
   * @param status - 100–699
   * @param to - how the request arrived
   * @param options - reason, To tag, extra headers, body
   * @returns the transport, the response's bytes, the destination and the connection to prefer
   * @throws RangeError when the status is not an integer in 100–699
   */
  routeResponseTo(request: SipRequest, status: number, to: Received, options?: ResponseOptions): Route {
    // The request's top Via (received/rport already stamped) is the response's top Via.
    return this.#route(request, createResponseBytes(request, status, options), to);
  }

  /**
   * Answers `request` where RFC 3261 §18.2.2 says, with bytes built straight from the request's
   * (see {@link TransportLayer.routeResponseTo}): no response object is made.
   *
   * @example
   * ```ts
   * const layer = new TransportLayer({
   *   transports,
   *   onRequest: (req, from) => void layer.respond(req, 200, from).catch(() => undefined),
   *   onResponse: () => undefined,
   * });
   * ```
   *
   * @param request - the request being answered, as this layer handed it up
   * @param status - 100–699
   * @param to - how the request arrived
   * @param options - reason, To tag, extra headers, body
   * @returns the transport's promise: the connection used, if any
   */
  respond(request: SipRequest, status: number, to: Received, options?: ResponseOptions): Promise<string | undefined> {
    let route: Route;
    try {
      route = this.routeResponseTo(request, status, to, options);
    } catch (e) {
      return Promise.reject(e);
    }
    return route.transport.send(route.bytes, route.to, route.flow);
  }

  #route(message: SipResponse | SipRequest, bytes: Uint8Array, to: Received): Route {
    let dest: PeerAddress = to.source;
    try {
      const d = responseDestination(message);
      // The usual UDP case (received/rport stamped from the source) reuses the source object.
      if (d !== undefined && (d.address !== dest.address || d.port !== dest.port)) {
        dest = { address: d.address, port: d.port };
      }
    } catch (e) {
      // An unreadable Via (a 400 about it): answer the source.
      if (!(e instanceof SipParseError)) throw e;
    }
    const flow = to.transport.reliable ? to.flow : undefined;
    return { transport: to.transport, bytes, to: dest, flow };
  }

  /**
   * Sends a response where {@link TransportLayer.routeResponse} says, once: its bytes are not
   * kept (a transaction that resends uses `routeResponse` and keeps the route).
   *
   * @param response - the response
   * @param to - how its request arrived
   * @returns the transport's promise: the connection used, if any
   */
  sendResponse(response: SipResponse, to: Received): Promise<string | undefined> {
    let route: Route;
    try {
      // Sent once and not kept: the bytes may come from a shared slab.
      route = this.#route(response, serialize(response, TRANSIENT), to);
    } catch (e) {
      return Promise.reject(e);
    }
    // No async wrapper: on the hot path this is the transport's own promise (often shared).
    return route.transport.send(route.bytes, route.to, route.flow);
  }

  /**
   * Picks the transport for a request to one resolved target and rewrites the top Via's
   * transport and sent-by to it (RFC 3261 §18.1.1): a UDP request within 200 bytes of the MTU
   * goes over TCP instead, and a TLS connection the peer offered with `alias` (RFC 5923) is
   * reused. Nothing is sent: the transaction layer keeps the route to send and retransmit.
   *
   * @param request - the request, its top Via already carrying the branch
   * @param target - where to send it (from resolveTargets)
   * @returns the transport, the serialized bytes, the destination and the connection to prefer
   * @throws {@link TransportError} `NO_TRANSPORT` when no transport fits, `BAD_VIA` when the top
   * Via is missing or unreadable
   */
  routeRequest(request: SipRequest, target: Target): Route {
    let protocol = target.protocol;
    let transport = this.#pick(protocol, target.family);
    // Serialized once with the Via it goes out with; again only when it must move to TCP.
    let bytes: Uint8Array | undefined;
    if (protocol === 'udp') {
      // §18.1.1: within 200 bytes of the path MTU (1300 bytes for the usual 1500) → TCP.
      if (transport !== undefined) {
        this.#stampVia(request, transport);
        bytes = serialize(request);
      }
      const size = bytes === undefined ? serialize(request).length : bytes.length;
      if (size > (this.#options.mtu ?? 1500) - 200) {
        protocol = 'tcp';
        bytes = undefined;
        transport = this.#pick('tcp', target.family);
        if (transport === undefined) {
          throw new TransportError(
            'NO_TRANSPORT',
            `a ${size}-byte request must go over TCP (RFC 3261 §18.1.1); none configured`,
          );
        }
      }
    }
    const alias =
      this.#aliases.size === 0
        ? undefined
        : (this.#aliases.get(`${protocol}|${target.hostname.toLowerCase()}|${target.port}`) ??
          this.#aliases.get(`${protocol}|${target.address.toLowerCase()}|${target.port}`));
    if (alias !== undefined && alias.transport !== transport) {
      transport = alias.transport;
      bytes = undefined;
    }
    if (transport === undefined)
      throw new TransportError('NO_TRANSPORT', `no ${protocol} transport for ${target.address}`);
    if (bytes === undefined) {
      this.#stampVia(request, transport);
      bytes = serialize(request);
    }
    const to = { address: target.address, port: target.port, hostname: target.hostname };
    return { transport, bytes, to, flow: alias?.flow };
  }

  /**
   * Sends a request to one resolved target over the transport {@link TransportLayer.routeRequest}
   * picks.
   *
   * @param request - the request, its top Via already carrying the branch
   * @param target - where to send it (from resolveTargets)
   * @returns the transport and connection used
   * @throws {@link TransportError} when no transport fits or sending fails
   */
  async sendRequest(request: SipRequest, target: Target): Promise<{ transport: Transport; flow: string | undefined }> {
    const route = this.routeRequest(request, target);
    try {
      const flow = await route.transport.send(route.bytes, route.to, route.flow);
      return { transport: route.transport, flow };
    } catch (e) {
      throw e instanceof TransportError
        ? e
        : new TransportError(
            'SEND_FAILED',
            `${route.transport.protocol} ${target.address}:${target.port}: ${String(e)}`,
          );
    }
  }

  /**
   * Sends a request to the first target that takes it (RFC 3263 §4.3): targets the blocklist
   * holds are skipped, and a target whose send fails is put on it before the next is tried.
   *
   * @param request - the request, its top Via already carrying the branch
   * @param targets - from resolveTargets, in order
   * @param blocklist - failed targets to skip, shared across requests
   * @returns the target, transport and connection used
   * @throws {@link TransportError} `NO_TARGET` when there is no target, else the last failure
   */
  async sendRequestToFirst(
    request: SipRequest,
    targets: readonly Target[],
    blocklist?: TargetBlocklist,
  ): Promise<{ target: Target; transport: Transport; flow: string | undefined }> {
    const order = blocklist === undefined ? targets : blocklist.filter(targets);
    let last: unknown = new TransportError('NO_TARGET', 'no target to send to');
    for (const target of order) {
      try {
        return { target, ...(await this.sendRequest(request, target)) };
      } catch (e) {
        last = e;
        blocklist?.fail(target);
      }
    }
    throw last;
  }

  #pick(protocol: string, family: 4 | 6): Transport | undefined {
    // The first of the protocol in the wanted address family, else the first of the protocol.
    let first: Transport | undefined;
    for (const t of this.#options.transports) {
      if (t.protocol !== protocol) continue;
      if ((t.local.address.includes(':') ? 6 : 4) === family) return t;
      first ??= t;
    }
    return first;
  }

  #stampVia(request: SipRequest, transport: Transport): void {
    let top: Via | undefined;
    try {
      top = request.topVia;
    } catch (e) {
      throw new TransportError('BAD_VIA', `the top Via cannot be read: ${String(e)}`);
    }
    if (top === undefined) throw new TransportError('BAD_VIA', 'the request has no Via');
    const host = transport.local.address.includes(':') ? `[${transport.local.address}]` : transport.local.address;
    // Port 0 means none to offer (a WebSocket client, RFC 7118 §5.2): the sent-by is the host alone.
    const port = transport.local.port === 0 ? undefined : transport.local.port;
    const token = viaTransport(transport.protocol);
    // Protocol, version and params are carried over, so these three decide whether it changes.
    if (top.transport === token && top.host === host && top.port === port) return;
    request.setTopVia(new Via(token, host, port, top.params, top.protocol, top.version));
  }

  /** Closes every transport. */
  async close(): Promise<void> {
    await Promise.all(this.#options.transports.map((t) => t.close()));
  }
}

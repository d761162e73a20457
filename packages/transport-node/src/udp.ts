import cluster from 'node:cluster';
import { createSocket, type Socket, type SocketOptions } from 'node:dgram';
import { lookup as dnsLookup } from 'node:dns';
import { isIP } from 'node:net';
import type { PeerAddress, Transport, TransportEvent } from '@sipkit/transport';
import { TransportError } from '@sipkit/transport';
import { maxDatagram, onlyCrLf, RESOLVED, refusal } from './datagram.js';
import {
  nativeUdpAvailable,
  nativeUdpTransport,
  nativeUdpUnavailableReason,
  type UdpSocketStats,
} from './native-udp.js';

/**
 * Options for {@link udpTransport}.
 *
 * @public
 */
export interface UdpTransportOptions {
  /**
   * Address to bind, IPv4 or IPv6.
   * @defaultValue '127.0.0.1'
   */
  host?: string;
  /**
   * Port to bind; 0 picks a free one.
   * @defaultValue 5060
   */
  port?: number;
  /**
   * In a `node:cluster` worker, bind a socket of this process's own instead of sharing the one
   * the primary holds for the same address and port (Node's default for cluster workers, under
   * which every worker reads the same socket). Outside a cluster it changes nothing.
   * @defaultValue false
   */
  exclusive?: boolean;
  /**
   * Bind with `SO_REUSEPORT` (Linux): several sockets of the same user, in one process or in
   * several, bind the same address and port, and the kernel gives each datagram to one of them
   * by a hash of its source address and port, so one peer keeps reaching the same socket. This is
   * how each `node:cluster` worker gets a batched socket of its own on a shared port (it implies
   * `exclusive`). Only the batched socket has it (`node:dgram` on Node 20 does not): with
   * `io: 'dgram'`, or where the batched socket is not available, it fails with `NO_TRANSPORT`.
   * Every socket of the group must set it; a socket that did not keeps the port to itself.
   * @defaultValue false
   */
  reusePort?: boolean;
  /**
   * The socket's receive buffer, in bytes (SO_RCVBUF): what the kernel holds while the process
   * is busy, for instance during a garbage collection; datagrams arriving beyond it are lost.
   * Linux caps it at `net.core.rmem_max`. The system default (often 208 KiB) when absent.
   */
  receiveBufferSize?: number;
  /**
   * The socket's send buffer, in bytes (SO_SNDBUF), capped at `net.core.wmem_max`. The system
   * default when absent.
   */
  sendBufferSize?: number;
  /**
   * How datagrams are read and written.
   * - `'native'`: the package's batched socket (Linux): one `recvmmsg` reads up to 32 datagrams
   *   and JavaScript is called once for them; the datagrams a turn sends leave with one
   *   `sendmmsg`. Fails with `NO_TRANSPORT` where it is not available
   *   ({@link nativeUdpAvailable}).
   * - `'dgram'`: `node:dgram`, a callback per datagram.
   * - `'auto'`: `'native'` where available, except for a socket shared through `node:cluster`
   *   (a cluster worker without `exclusive`), which only `node:dgram` can share, and for an IPv6
   *   address with a zone (`fe80::1%eth0`). The batched socket sends only to plain IP addresses
   *   and names that resolve to one.
   * @defaultValue 'auto'
   */
  io?: 'auto' | 'native' | 'dgram';
}

/**
 * A UDP {@link @sipkit/transport!Transport} with the counters of its socket.
 *
 * @public
 */
export interface UdpTransport extends Transport {
  /** Which I/O the socket uses (see {@link UdpTransportOptions.io}). */
  readonly io: 'native' | 'dgram';
  /** The socket's counters; with `node:dgram`, only what this transport counted. */
  stats(): UdpSocketStats;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string, family: number) => void;

/**
 * The socket's address lookup. The transport layer sends to addresses it has already resolved
 * (RFC 3263 happens above it), so an IP address is handed back at once: Node's default lookup
 * checks it with two regular expressions and answers on the next tick, once per datagram. The
 * last address seen skips even the check. Anything else goes to DNS as before.
 */
function addressLookup(): (hostname: string, family: unknown, callback: LookupCallback) => void {
  let known = '';
  let knownFamily = 4;
  return (hostname, family, callback) => {
    if (hostname !== known) {
      const f = isIP(hostname);
      if (f === 0) {
        dnsLookup(hostname, family === 6 ? 6 : 4, callback);
        return;
      }
      known = hostname;
      knownFamily = f;
    }
    callback(null, hostname, knownFamily);
  };
}

/**
 * A UDP transport: one datagram is one message (RFC 3261 §18.3). Binds before it resolves.
 * Datagrams made only of CRLFs (keep-alives some phones send over UDP) are ignored.
 *
 * Datagrams sent during one turn of the event loop leave together, in order, right after the
 * datagrams that turn received have all been handled (Node's check phase). A peer is then woken
 * once for a burst of answers instead of once per answer, which saves the server and its peers
 * a context switch per message when they share a core.
 *
 * @param options - address and port
 * @throws {@link @sipkit/transport!TransportError} when the address cannot be bound
 * @public
 */
export async function udpTransport(options: UdpTransportOptions = {}): Promise<UdpTransport> {
  const host = options.host ?? '127.0.0.1';
  const family = isIP(host);
  if (family === 0)
    throw new TransportError('NO_TRANSPORT', `udp host must be an IP address, got ${JSON.stringify(host)}`);
  const io = options.io ?? 'auto';
  if (io !== 'auto' && io !== 'native' && io !== 'dgram')
    throw new TransportError('NO_TRANSPORT', `udp io must be 'auto', 'native' or 'dgram', got ${JSON.stringify(io)}`);
  if (io === 'native' && !nativeUdpAvailable())
    throw new TransportError('NO_TRANSPORT', `udp io 'native' is not available: ${nativeUdpUnavailableReason()}`);
  const reusePort = options.reusePort === true;
  if (reusePort && (io === 'dgram' || !nativeUdpAvailable()))
    throw new TransportError(
      'NO_TRANSPORT',
      io === 'dgram'
        ? "udp reusePort needs the batched socket, not io 'dgram'"
        : `udp reusePort needs the batched socket, which is not available: ${nativeUdpUnavailableReason()}`,
    );
  const shared = cluster.isWorker && options.exclusive !== true && !reusePort;
  if (io === 'native' && shared)
    throw new TransportError('NO_TRANSPORT', "udp io 'native' cannot share a cluster socket: set exclusive");
  // An IPv6 address with a zone (fe80::1%eth0) is node:dgram's to bind: the batched socket takes
  // plain addresses only.
  const zoned = host.includes('%');
  if ((io === 'native' || reusePort) && zoned)
    throw new TransportError(
      'NO_TRANSPORT',
      `udp ${io === 'native' ? "io 'native'" : 'reusePort'} cannot bind a zoned address: ${host}`,
    );
  if (io === 'native' || (io === 'auto' && !shared && !zoned && nativeUdpAvailable())) {
    const t = nativeUdpTransport({
      host,
      family: family as 4 | 6,
      port: options.port ?? 5060,
      receiveBufferSize: options.receiveBufferSize ?? 0,
      sendBufferSize: options.sendBufferSize ?? 0,
      reusePort,
    });
    return Object.assign(t, { io: 'native' as const });
  }
  const socket: Socket = createSocket({
    type: family === 6 ? 'udp6' : 'udp4',
    ...(options.receiveBufferSize === undefined ? {} : { recvBufferSize: options.receiveBufferSize }),
    ...(options.sendBufferSize === undefined ? {} : { sendBufferSize: options.sendBufferSize }),
    // The type says dns.lookup's options object; dgram passes the socket's family (4 or 6).
    lookup: addressLookup() as NonNullable<SocketOptions['lookup']>,
  });
  let receiver: ((e: TransportEvent) => void) | undefined;
  let closed = false;
  let received = 0;
  let sent = 0;
  let dropped = 0;
  // Sends of this turn: bytes, destination, bytes, destination …
  const queued: (Uint8Array | PeerAddress)[] = [];
  const flush = (): void => {
    for (let i = 0; i < queued.length; i += 2) {
      const to = queued[i + 1] as PeerAddress;
      try {
        socket.send(queued[i] as Uint8Array, to.port, to.address);
        sent++;
      } catch {
        dropped++;
        // Checked when queued; what is left (the socket closing under it) costs that datagram,
        // as a loss on the wire would.
      }
    }
    queued.length = 0;
  };
  await new Promise<void>((resolve, reject) => {
    socket.once('error', (e) =>
      reject(new TransportError('NO_TRANSPORT', `cannot bind udp ${host}:${options.port ?? 5060}: ${e.message}`)),
    );
    socket.bind({ port: options.port ?? 5060, address: host, exclusive: options.exclusive === true }, () => resolve());
  });
  // After binding, a socket error (ICMP unreachable reported on send) costs only that send.
  socket.on('error', () => undefined);
  socket.on('message', (msg, rinfo) => {
    received++;
    if (receiver === undefined || onlyCrLf(msg)) return;
    try {
      receiver({ type: 'message', bytes: msg, source: { address: rinfo.address, port: rinfo.port } });
    } catch {
      // The receiver (the transport layer) reports its own failures; none may escape here.
    }
  });
  const maxPayload = maxDatagram(family as 4 | 6);
  const bound = socket.address();
  const local: PeerAddress = { address: bound.address, port: bound.port };
  return {
    io: 'dgram',
    stats: () => ({ received, sent, dropped, waiting: 0 }),
    protocol: 'udp',
    reliable: false,
    secure: false,
    local,
    send(bytes: Uint8Array, to: PeerAddress): Promise<string | undefined> {
      const refused = refusal(closed, bytes, to, maxPayload);
      if (refused !== undefined) return refused;
      // No completion callback is awaited: it costs a round through libuv per message and tells
      // nothing the peer's silence would not (an ICMP error arrives later, on the socket).
      if (queued.length === 0) setImmediate(flush);
      queued.push(bytes, to);
      return RESOLVED;
    },
    listen(r: (e: TransportEvent) => void): void {
      receiver = r;
    },
    close(): Promise<void> {
      // Idempotent: closing twice is not an error.
      if (closed) return Promise.resolve();
      closed = true;
      // What was sent before close leaves before the socket goes.
      flush();
      return new Promise((resolve) => socket.close(() => resolve()));
    },
  };
}

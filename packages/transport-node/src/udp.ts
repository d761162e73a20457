import { createSocket, type Socket, type SocketOptions } from 'node:dgram';
import { lookup as dnsLookup } from 'node:dns';
import { isIP } from 'node:net';
import type { PeerAddress, Transport, TransportEvent } from '@sipkit/transport';
import { TransportError } from '@sipkit/transport';

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
}

const RESOLVED: Promise<string | undefined> = Promise.resolve(undefined);

/** Whether a datagram is only CR and LF octets (a keep-alive some UAs send over UDP). */
function onlyCrLf(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 13 && b[i] !== 10) return false;
  return true;
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
export async function udpTransport(options: UdpTransportOptions = {}): Promise<Transport> {
  const host = options.host ?? '127.0.0.1';
  const family = isIP(host);
  if (family === 0)
    throw new TransportError('NO_TRANSPORT', `udp host must be an IP address, got ${JSON.stringify(host)}`);
  const socket: Socket = createSocket({
    type: family === 6 ? 'udp6' : 'udp4',
    ...(options.receiveBufferSize === undefined ? {} : { recvBufferSize: options.receiveBufferSize }),
    ...(options.sendBufferSize === undefined ? {} : { sendBufferSize: options.sendBufferSize }),
    // The type says dns.lookup's options object; dgram passes the socket's family (4 or 6).
    lookup: addressLookup() as NonNullable<SocketOptions['lookup']>,
  });
  let receiver: ((e: TransportEvent) => void) | undefined;
  let closed = false;
  // Sends of this turn: bytes, destination, bytes, destination …
  const queued: (Uint8Array | PeerAddress)[] = [];
  const flush = (): void => {
    for (let i = 0; i < queued.length; i += 2) {
      const to = queued[i + 1] as PeerAddress;
      try {
        socket.send(queued[i] as Uint8Array, to.port, to.address);
      } catch {
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
    if (receiver === undefined || onlyCrLf(msg)) return;
    try {
      receiver({ type: 'message', bytes: msg, source: { address: rinfo.address, port: rinfo.port } });
    } catch {
      // The receiver (the transport layer) reports its own failures; none may escape here.
    }
  });
  const bound = socket.address();
  const local: PeerAddress = { address: bound.address, port: bound.port };
  return {
    protocol: 'udp',
    reliable: false,
    secure: false,
    local,
    send(bytes: Uint8Array, to: PeerAddress): Promise<string | undefined> {
      if (closed) return Promise.reject(new TransportError('SEND_FAILED', 'udp transport is closed'));
      // What socket.send would refuse at once is refused here, before queueing.
      const port = to.port;
      if (!Number.isInteger(port) || port <= 0 || port > 65535) {
        return Promise.reject(new TransportError('SEND_FAILED', `udp ${to.address}:${port}: bad port`));
      }
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

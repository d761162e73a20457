import { createSocket, type Socket } from 'node:dgram';
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
}

const RESOLVED: Promise<string | undefined> = Promise.resolve(undefined);

/** Whether a datagram is only CR and LF octets (a keep-alive some UAs send over UDP). */
function onlyCrLf(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 13 && b[i] !== 10) return false;
  return true;
}

/**
 * A UDP transport: one datagram is one message (RFC 3261 §18.3). Binds before it resolves.
 * Datagrams made only of CRLFs (keep-alives some phones send over UDP) are ignored.
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
  const socket: Socket = createSocket(family === 6 ? 'udp6' : 'udp4');
  let receiver: ((e: TransportEvent) => void) | undefined;
  let closed = false;
  await new Promise<void>((resolve, reject) => {
    socket.once('error', (e) =>
      reject(new TransportError('NO_TRANSPORT', `cannot bind udp ${host}:${options.port ?? 5060}: ${e.message}`)),
    );
    socket.bind(options.port ?? 5060, host, () => resolve());
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
      // A datagram is handed to the kernel at once; waiting for its completion callback costs
      // a round through libuv per message and tells nothing the peer's silence would not (an
      // ICMP error arrives later, on the socket, in any case).
      try {
        socket.send(bytes, to.port, to.address);
      } catch (e) {
        return Promise.reject(
          new TransportError('SEND_FAILED', `udp ${to.address}:${to.port}: ${(e as Error).message}`),
        );
      }
      return RESOLVED;
    },
    listen(r: (e: TransportEvent) => void): void {
      receiver = r;
    },
    close(): Promise<void> {
      // Idempotent: closing twice is not an error.
      if (closed) return Promise.resolve();
      closed = true;
      return new Promise((resolve) => socket.close(() => resolve()));
    },
  };
}

import { connect, createServer, isIP, type Server, type Socket } from 'node:net';
import { type ParserLimits, type SipParseError, StreamFramer } from '@sipkit/parser';
import type { PeerAddress, Transport, TransportEvent } from '@sipkit/transport';
import { TransportError } from '@sipkit/transport';

/**
 * Options for {@link tcpTransport}.
 *
 * @public
 */
export interface TcpTransportOptions {
  /**
   * Address to listen on, IPv4 or IPv6.
   * @defaultValue '127.0.0.1'
   */
  host?: string;
  /**
   * Port to listen on; 0 picks a free one.
   * @defaultValue 5060
   */
  port?: number;
  /**
   * A connection with no traffic for this long is closed.
   * @defaultValue 120000
   */
  idleTimeoutMs?: number;
  /**
   * Most connections at once, inbound and outbound together.
   * @defaultValue 10000
   */
  maxConnections?: number;
  /**
   * Most connections from one remote address.
   * @defaultValue 64
   */
  maxConnectionsPerAddress?: number;
  /** Parser limits; `maxMessageSize` also bounds the bytes buffered per connection. */
  limits?: Partial<ParserLimits>;
  /** Told when a connection is closed because of what its peer sent (for logs and counters). */
  onConnectionError?: (flow: string, remote: PeerAddress, error: SipParseError | Error) => void;
}

interface Connection {
  readonly id: string;
  readonly socket: Socket;
  readonly remote: PeerAddress;
  readonly key: string;
}

function keyOf(p: PeerAddress): string {
  return `${p.address}|${p.port}`;
}

/**
 * A TCP transport (RFC 3261 §18): listens, accepts, and opens connections on demand; each
 * connection has its own stream framer, so a peer that sends slowly, too much or garbage is cut
 * off without touching the others. Responses and later requests reuse an open connection to the
 * same address and port.
 *
 * @param options - address, port, limits
 * @throws {@link @sipkit/transport!TransportError} when the address cannot be bound
 * @public
 */
export async function tcpTransport(options: TcpTransportOptions = {}): Promise<Transport> {
  const host = options.host ?? '127.0.0.1';
  if (isIP(host) === 0)
    throw new TransportError('NO_TRANSPORT', `tcp host must be an IP address, got ${JSON.stringify(host)}`);
  const idle = options.idleTimeoutMs ?? 120000;
  const maxConnections = options.maxConnections ?? 10000;
  const perAddress = options.maxConnectionsPerAddress ?? 64;
  const framerOptions = options.limits === undefined ? {} : { limits: options.limits };
  const byId = new Map<string, Connection>();
  const byRemote = new Map<string, Connection>();
  const countByAddress = new Map<string, number>();
  let receiver: ((e: TransportEvent) => void) | undefined;
  let seq = 0;

  const deliver = (e: TransportEvent): void => {
    try {
      receiver?.(e);
    } catch {
      // The transport layer reports its own failures; none may escape into a socket callback.
    }
  };

  const attach = (socket: Socket): Connection | undefined => {
    const remote: PeerAddress = { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 };
    const n = countByAddress.get(remote.address) ?? 0;
    if (byId.size >= maxConnections || n >= perAddress) {
      socket.destroy();
      return undefined;
    }
    countByAddress.set(remote.address, n + 1);
    const conn: Connection = { id: `tcp-${++seq}`, socket, remote, key: keyOf(remote) };
    byId.set(conn.id, conn);
    byRemote.set(conn.key, conn);
    const framer = new StreamFramer(framerOptions);
    socket.setNoDelay(true);
    socket.setTimeout(idle, () => socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      for (const ev of framer.push(chunk)) {
        if (ev.type === 'message') deliver({ type: 'message', message: ev.message, source: remote, flow: conn.id });
        else if (ev.type === 'ping') deliver({ type: 'ping', source: remote, flow: conn.id });
        else if (ev.type === 'error') {
          // RFC 3261 §18.3: a stream that is not SIP cannot be resynchronised; close it.
          options.onConnectionError?.(conn.id, remote, ev.error);
          socket.destroy();
          return;
        }
      }
    });
    socket.on('error', (e) => options.onConnectionError?.(conn.id, remote, e));
    socket.on('close', () => {
      byId.delete(conn.id);
      if (byRemote.get(conn.key) === conn) byRemote.delete(conn.key);
      const left = (countByAddress.get(remote.address) ?? 1) - 1;
      if (left <= 0) countByAddress.delete(remote.address);
      else countByAddress.set(remote.address, left);
    });
    return conn;
  };

  const server: Server = createServer((socket) => {
    attach(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) =>
      reject(new TransportError('NO_TRANSPORT', `cannot listen on tcp ${host}:${options.port ?? 5060}: ${e.message}`)),
    );
    server.listen(options.port ?? 5060, host, () => resolve());
  });
  server.on('error', () => undefined);
  const address = server.address();
  const local: PeerAddress =
    address !== null && typeof address === 'object'
      ? { address: address.address, port: address.port }
      : { address: host, port: 0 };

  const open = (to: PeerAddress): Promise<Connection> =>
    new Promise((resolve, reject) => {
      const socket = connect({ host: to.address, port: to.port, localAddress: host });
      socket.once('connect', () => {
        const conn = attach(socket);
        if (conn === undefined) reject(new TransportError('SEND_FAILED', 'connection limit reached'));
        else resolve(conn);
      });
      socket.once('error', (e) =>
        reject(new TransportError('SEND_FAILED', `tcp ${to.address}:${to.port}: ${e.message}`)),
      );
    });

  const write = (conn: Connection, bytes: Uint8Array): Promise<string> =>
    new Promise((resolve, reject) => {
      conn.socket.write(bytes, (e) =>
        e ? reject(new TransportError('SEND_FAILED', `tcp ${conn.id}: ${e.message}`)) : resolve(conn.id),
      );
    });

  return {
    protocol: 'tcp',
    reliable: true,
    secure: false,
    local,
    async send(bytes: Uint8Array, to: PeerAddress, flow?: string): Promise<string | undefined> {
      // The named flow first, then any open connection to the same address and port, then a new one.
      const existing = (flow === undefined ? undefined : byId.get(flow)) ?? byRemote.get(keyOf(to));
      const conn = existing !== undefined && !existing.socket.destroyed ? existing : await open(to);
      return write(conn, bytes);
    },
    listen(r: (e: TransportEvent) => void): void {
      receiver = r;
    },
    async close(): Promise<void> {
      for (const c of byId.values()) c.socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

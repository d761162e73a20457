import { isIP, connect as netConnect, createServer as netServer, type Server, type Socket } from 'node:net';
import {
  checkServerIdentity,
  type PeerCertificate,
  type SecureContextOptions,
  connect as tlsConnect,
  createServer as tlsServer,
} from 'node:tls';
import { type ParserLimits, type SipParseError, StreamFramer } from '@sipkit/parser';
import type { PeerAddress, Transport, TransportEvent } from '@sipkit/transport';
import { ConnectionTable, TransportError } from '@sipkit/transport';
import { listenHost } from './listen.js';

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
   * A message whose first byte has arrived must be complete within this long, or the connection
   * is closed: a peer that sends headers a byte at a time cannot hold a connection open forever.
   * @defaultValue 10000
   */
  messageTimeoutMs?: number;
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
  id: string;
  readonly socket: Socket;
  /** Messages queued since the last flush, in send order. */
  readonly out: Uint8Array[];
  /** Their total length. */
  outBytes: number;
  /** The queued messages' shared completion, while any are queued. */
  batch: Batch | undefined;
  /** Whether a received chunk's messages are being handled (its end flushes what they queued). */
  receiving: boolean;
}

/**
 * The completion of one batch of writes on a connection: every send queued before a flush shares
 * one promise and one write callback, instead of one of each per message.
 */
class Batch {
  readonly promise: Promise<string>;
  #resolve!: (flow: string) => void;
  #reject!: (e: TransportError) => void;
  readonly #conn: Connection;

  constructor(conn: Connection) {
    this.#conn = conn;
    this.promise = new Promise<string>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  /** The socket's write callback. */
  readonly done = (e?: Error | null): void => {
    if (e) this.#reject(new TransportError('SEND_FAILED', `${this.#conn.id}: ${e.message}`));
    else this.#resolve(this.#conn.id);
  };
}

/** Writes what a connection has queued as one chunk (one segment on the wire when it fits). */
function flush(conn: Connection): void {
  const batch = conn.batch;
  if (batch === undefined) return;
  conn.batch = undefined;
  const out = conn.out;
  const data = out.length === 1 ? (out[0] as Uint8Array) : Buffer.concat(out, conn.outBytes);
  out.length = 0;
  conn.outBytes = 0;
  conn.socket.write(data, batch.done);
}

/**
 * Queues one message on a connection. Order is kept: every write of the connection goes through
 * here. What is queued while a received chunk is handled leaves when that chunk is done (the
 * answers to pipelined requests share a segment); anything else leaves on the next tick.
 */
function queue(conn: Connection, bytes: Uint8Array): Promise<string> {
  let batch = conn.batch;
  if (batch === undefined) {
    batch = new Batch(conn);
    conn.batch = batch;
    if (!conn.receiving) process.nextTick(flush, conn);
  }
  conn.out.push(bytes);
  conn.outBytes += bytes.length;
  return batch.promise;
}

/**
 * Options for {@link tlsTransport}: those of TCP plus the TLS material.
 *
 * @public
 */
export interface TlsTransportOptions extends TcpTransportOptions {
  /** Private key (PEM) of this element's certificate. */
  key: string | Buffer;
  /** Certificate chain (PEM) this element presents. */
  cert: string | Buffer;
  /** Trusted CA certificates (PEM) for verifying peers; the system store when absent. */
  ca?: string | Buffer | (string | Buffer)[];
  /**
   * Refuse servers whose certificate does not verify against `ca` and the target's host name.
   * @defaultValue true
   */
  rejectUnauthorized?: boolean;
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
export function tcpTransport(options: TcpTransportOptions = {}): Promise<Transport> {
  return streamTransport(options, undefined);
}

/**
 * A TLS transport (RFC 3261 §26.2): TCP with TLS on every connection. The server's certificate is
 * checked against the host name the target was resolved from (used for SNI too), or against the
 * certificate's IP entries when the target was an address.
 *
 * @param options - address, port, limits, key, certificate, trusted CAs
 * @throws {@link @sipkit/transport!TransportError} when the address cannot be bound
 * @public
 */
export function tlsTransport(options: TlsTransportOptions): Promise<Transport> {
  return streamTransport(options, options);
}

async function streamTransport(options: TcpTransportOptions, tls: TlsTransportOptions | undefined): Promise<Transport> {
  const kind = tls === undefined ? 'tcp' : 'tls';
  const host = listenHost(kind, options.host);
  const idle = options.idleTimeoutMs ?? 120000;
  const messageTimeout = options.messageTimeoutMs ?? 10000;
  // The layers above read more than the hot fields: every field is recorded in the one scan.
  const framerOptions =
    options.limits === undefined ? { fieldTable: true } : { limits: options.limits, fieldTable: true };
  const table = new ConnectionTable<Connection>({
    maxConnections: options.maxConnections ?? 10000,
    maxPerAddress: options.maxConnectionsPerAddress ?? 64,
    prefix: kind,
  });
  let receiver: ((e: TransportEvent) => void) | undefined;

  const deliver = (e: TransportEvent): void => {
    try {
      receiver?.(e);
    } catch {
      // The transport layer reports its own failures; none may escape into a socket callback.
    }
  };

  const attach = (socket: Socket): Connection | undefined => {
    const remote: PeerAddress = { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 };
    const conn: Connection = { id: '', socket, out: [], outBytes: 0, batch: undefined, receiving: false };
    const flow = table.add(conn, remote);
    if (flow === undefined) {
      socket.destroy();
      return undefined;
    }
    conn.id = flow;
    const framer = new StreamFramer(framerOptions);
    socket.setNoDelay(true);
    socket.setTimeout(idle, () => socket.destroy());
    let slow: ReturnType<typeof setTimeout> | undefined;
    socket.on('data', (chunk: Buffer) => {
      // Answers queued while this chunk's messages are handled leave together at its end.
      conn.receiving = true;
      try {
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
      } finally {
        conn.receiving = false;
        // On a destroyed socket the write fails, and the queued sends reject with it.
        flush(conn);
      }
      // A partial message starts the clock; a complete one stops it.
      if (framer.buffered === 0) {
        clearTimeout(slow);
        slow = undefined;
      } else if (slow === undefined) {
        slow = setTimeout(() => {
          options.onConnectionError?.(conn.id, remote, new Error(`message not complete within ${messageTimeout} ms`));
          socket.destroy();
        }, messageTimeout);
      }
    });
    socket.on('error', (e) => options.onConnectionError?.(conn.id, remote, e));
    socket.on('close', () => {
      clearTimeout(slow);
      table.remove(conn.id);
    });
    return conn;
  };

  const secure: SecureContextOptions | undefined =
    tls === undefined ? undefined : { key: tls.key, cert: tls.cert, ...(tls.ca === undefined ? {} : { ca: tls.ca }) };
  const server: Server =
    secure === undefined
      ? netServer((socket) => void attach(socket))
      : tlsServer(secure, (socket) => void attach(socket));
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) =>
      reject(
        new TransportError('NO_TRANSPORT', `cannot listen on ${kind} ${host}:${options.port ?? 5060}: ${e.message}`),
      ),
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
      const ready = () => {
        const conn = attach(socket);
        if (conn === undefined) reject(new TransportError('SEND_FAILED', 'connection limit reached'));
        else resolve(conn);
      };
      let socket: Socket;
      if (secure === undefined) {
        socket = netConnect({ host: to.address, port: to.port, localAddress: host });
        socket.once('connect', ready);
      } else {
        // SNI and the identity check use the host name the target came from (RFC 5922 §7.2).
        const name = to.hostname !== undefined && isIP(to.hostname) === 0 ? to.hostname : undefined;
        socket = tlsConnect({
          // Bound to the listening address, so the Via sent-by is where the connection comes from.
          socket: netConnect({ host: to.address, port: to.port, localAddress: host }),
          ...secure,
          rejectUnauthorized: tls?.rejectUnauthorized ?? true,
          ...(name === undefined ? {} : { servername: name }),
          checkServerIdentity: (_h: string, cert: PeerCertificate) => checkServerIdentity(name ?? to.address, cert),
        });
        socket.once('secureConnect', ready);
      }
      socket.once('error', (e) =>
        reject(new TransportError('SEND_FAILED', `${kind} ${to.address}:${to.port}: ${e.message}`)),
      );
    });

  return {
    protocol: kind,
    reliable: true,
    secure: secure !== undefined,
    local,
    send(bytes: Uint8Array, to: PeerAddress, flow?: string): Promise<string | undefined> {
      // The named flow first, then any open connection to the same address and port, then a new one.
      const existing = table.find(to, flow);
      if (existing !== undefined && !existing.socket.destroyed) return queue(existing, bytes);
      return open(to).then((conn) => queue(conn, bytes));
    },
    listen(r: (e: TransportEvent) => void): void {
      receiver = r;
    },
    stopAccepting(): void {
      // The open connections stay; close() ends them.
      if (server.listening) server.close();
    },
    async close(): Promise<void> {
      for (const c of table.connections()) c.socket.destroy();
      // Called back once the last connection has gone (at once, with an error, when
      // stopAccepting closed the server before).
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

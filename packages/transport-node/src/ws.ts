import { createServer as httpServer, type Server } from 'node:http';
import { createServer as httpsServer } from 'node:https';
import type { PeerAddress, Transport, TransportEvent } from '@sipkit/transport';
import { ConnectionTable, TransportError } from '@sipkit/transport';
import { WebSocket, WebSocketServer } from 'ws';
import { listenHost } from './listen.js';

/**
 * Options for {@link wsTransport} and {@link wssTransport}.
 *
 * @public
 */
export interface WsTransportOptions {
  /**
   * Address to listen on, IPv4 or IPv6.
   * @defaultValue '127.0.0.1'
   */
  host?: string;
  /**
   * Port to listen on; 0 picks a free one.
   * @defaultValue 80 for WS, 443 for WSS (RFC 7118 §5)
   */
  port?: number;
  /**
   * Largest message accepted, in bytes (a WebSocket message holds exactly one SIP message).
   * @defaultValue 65535
   */
  maxMessageSize?: number;
  /**
   * A connection with no traffic for this long is closed.
   * @defaultValue 120000
   */
  idleTimeoutMs?: number;
  /**
   * Most connections at once.
   * @defaultValue 10000
   */
  maxConnections?: number;
  /**
   * Most connections from one remote address.
   * @defaultValue 64
   */
  maxConnectionsPerAddress?: number;
}

/**
 * Options for {@link wssTransport}: those of WS plus the TLS material.
 *
 * @public
 */
export interface WssTransportOptions extends WsTransportOptions {
  /** Private key (PEM). */
  key: string | Buffer;
  /** Certificate chain (PEM). */
  cert: string | Buffer;
}

interface Connection {
  id: string;
  readonly ws: WebSocket;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** RFC 7118 §5.1: text frames for UTF-8 messages, binary frames for the rest. */
function isUtf8(bytes: Uint8Array): boolean {
  try {
    utf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/**
 * A SIP over WebSocket server transport (RFC 7118): connections must ask for the `sip`
 * subprotocol (others are closed); each WebSocket message is one SIP message; responses and
 * requests for a client go back over its connection.
 *
 * @param options - address, port, limits
 * @throws {@link @sipkit/transport!TransportError} when the address cannot be bound
 * @public
 */
export function wsTransport(options: WsTransportOptions = {}): Promise<Transport> {
  return webSocketServer(options, undefined);
}

/**
 * {@link wsTransport} over TLS (`wss`).
 *
 * @param options - address, port, limits, key and certificate
 * @throws {@link @sipkit/transport!TransportError} when the address cannot be bound
 * @public
 */
export function wssTransport(options: WssTransportOptions): Promise<Transport> {
  return webSocketServer(options, options);
}

async function webSocketServer(options: WsTransportOptions, tls: WssTransportOptions | undefined): Promise<Transport> {
  const kind = tls === undefined ? 'ws' : 'wss';
  const host = listenHost(kind, options.host);
  const idle = options.idleTimeoutMs ?? 120000;
  const table = new ConnectionTable<Connection>({
    maxConnections: options.maxConnections ?? 10000,
    maxPerAddress: options.maxConnectionsPerAddress ?? 64,
    prefix: kind,
  });
  let receiver: ((e: TransportEvent) => void) | undefined;

  const attach = (ws: WebSocket, remote: PeerAddress): Connection | undefined => {
    // RFC 7118 §4.1: only connections that negotiated the "sip" subprotocol carry SIP; the
    // table's limits bound the rest.
    const conn: Connection = { id: '', ws };
    const flow = ws.protocol === 'sip' ? table.add(conn, remote) : undefined;
    if (flow === undefined) {
      ws.close(1002);
      return undefined;
    }
    conn.id = flow;
    let timer = setTimeout(() => ws.terminate(), idle);
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
      clearTimeout(timer);
      timer = setTimeout(() => ws.terminate(), idle);
      const bytes = Array.isArray(data)
        ? Buffer.concat(data)
        : data instanceof ArrayBuffer
          ? new Uint8Array(data)
          : data;
      try {
        receiver?.({ type: 'message', bytes, source: remote, flow: conn.id });
      } catch {
        // The transport layer reports its own failures.
      }
    });
    ws.on('error', () => ws.terminate());
    ws.on('close', () => {
      clearTimeout(timer);
      table.remove(conn.id);
    });
    return conn;
  };

  const server: Server = tls === undefined ? httpServer() : httpsServer({ key: tls.key, cert: tls.cert });
  const wss = new WebSocketServer({
    server,
    maxPayload: options.maxMessageSize ?? 65535,
    handleProtocols: (protocols) => (protocols.has('sip') ? 'sip' : false),
  });
  wss.on('connection', (ws, req) => {
    attach(ws, { address: req.socket.remoteAddress ?? '', port: req.socket.remotePort ?? 0 });
  });
  wss.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) =>
      reject(new TransportError('NO_TRANSPORT', `cannot listen on ${kind} ${host}: ${e.message}`)),
    );
    server.listen(options.port ?? (tls === undefined ? 80 : 443), host, () => resolve());
  });
  server.on('error', () => undefined);
  const address = server.address();
  const local: PeerAddress =
    address !== null && typeof address === 'object'
      ? { address: address.address, port: address.port }
      : { address: host, port: 0 };

  const open = (to: PeerAddress): Promise<Connection> =>
    new Promise((resolve, reject) => {
      const h = to.address.includes(':') ? `[${to.address}]` : to.address;
      const ws = new WebSocket(`${kind}://${to.hostname ?? h}:${to.port}`, 'sip');
      ws.once('open', () => {
        const conn = attach(ws, { address: to.address, port: to.port });
        if (conn === undefined)
          reject(new TransportError('SEND_FAILED', `${kind} ${h}:${to.port} refused the "sip" subprotocol`));
        else resolve(conn);
      });
      ws.once('error', (e) => reject(new TransportError('SEND_FAILED', `${kind} ${h}:${to.port}: ${e.message}`)));
    });

  return {
    protocol: kind,
    reliable: true,
    framed: true,
    secure: tls !== undefined,
    local,
    async send(bytes: Uint8Array, to: PeerAddress, flow?: string): Promise<string | undefined> {
      const existing = table.find(to, flow);
      const conn = existing !== undefined && existing.ws.readyState === WebSocket.OPEN ? existing : await open(to);
      await new Promise<void>((resolve, reject) =>
        conn.ws.send(bytes, { binary: !isUtf8(bytes) }, (e) =>
          e ? reject(new TransportError('SEND_FAILED', `${conn.id}: ${e.message}`)) : resolve(),
        ),
      );
      return conn.id;
    },
    listen(r: (e: TransportEvent) => void): void {
      receiver = r;
    },
    stopAccepting(): void {
      // The open connections stay; close() ends them.
      if (server.listening) server.close();
    },
    async close(): Promise<void> {
      for (const c of table.connections()) c.ws.terminate();
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

import { TransportError } from './errors.js';
import type { Transport, TransportEvent } from './transport.js';
import type { PeerAddress } from './via.js';

/**
 * The part of the standard `WebSocket` that {@link webSocketTransport} uses; the browser's
 * `WebSocket`, Node 22's, and the `ws` package's all fit.
 *
 * @public
 */
export interface WebSocketLike {
  /** Set to `'arraybuffer'` so binary messages arrive as ArrayBuffer. */
  binaryType: string;
  /** The subprotocol the server agreed to. */
  readonly protocol: string;
  /** 1 when open. */
  readonly readyState: number;
  /**
   * Sends one message.
   * @param data - the message
   */
  send(data: Uint8Array | string): void;
  /** Closes the connection. */
  close(): void;
  /**
   * Listens for `open`, `message`, `error` and `close`.
   * @param type - event name
   * @param listener - called with the event (`data` for messages)
   */
  addEventListener(type: string, listener: (event: { data?: unknown }) => void): void;
}

/**
 * Options for {@link webSocketTransport}.
 *
 * @public
 */
export interface WebSocketTransportOptions {
  /** Server URL, `ws://` or `wss://` (RFC 7118 §4). */
  url: string;
  /**
   * The WebSocket constructor; the standard `WebSocket` global by default (browsers, Node 22+).
   */
  WebSocket?: new (
    url: string,
    protocols: string | string[],
  ) => WebSocketLike;
}

const OPEN = 1;

/** RFC 7118 §5.2: a client with no reachable address puts a random `.invalid` name in its Via. */
function randomInvalidHost(): string {
  const b = new Uint8Array(6);
  crypto.getRandomValues(b);
  return `${Array.from(b, (x) => x.toString(36)).join('')}.invalid`;
}

/**
 * A WebSocket client transport (RFC 7118) on the standard `WebSocket`: subprotocol `sip`, one
 * message per WebSocket message, every message to and from the one server. Resolves once the
 * connection is open, so a browser can run the stack.
 *
 * @param options - server URL and, outside browsers, a WebSocket constructor
 * @throws {@link TransportError} when the connection cannot be opened or the server does not
 *   agree to the `sip` subprotocol
 * @public
 */
export async function webSocketTransport(options: WebSocketTransportOptions): Promise<Transport> {
  const Ctor = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketTransportOptions['WebSocket'] }).WebSocket;
  if (Ctor === undefined)
    throw new TransportError('NO_TRANSPORT', 'no WebSocket implementation (pass options.WebSocket)');
  const url = new URL(options.url);
  const secure = url.protocol === 'wss:';
  const server: PeerAddress = {
    address: url.hostname.replace(/^\[|\]$/g, ''),
    port: Number(url.port || (secure ? 443 : 80)),
  };
  const ws = new Ctor(options.url, 'sip');
  ws.binaryType = 'arraybuffer';
  let receiver: ((e: TransportEvent) => void) | undefined;
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener('open', () => resolve());
    ws.addEventListener('error', () => reject(new TransportError('SEND_FAILED', `cannot open ${options.url}`)));
  });
  // RFC 7118 §4.1: the server must agree to the "sip" subprotocol.
  if (ws.protocol !== 'sip') {
    ws.close();
    throw new TransportError('SEND_FAILED', `${options.url} did not accept the "sip" WebSocket subprotocol`);
  }
  const encoder = new TextEncoder();
  ws.addEventListener('message', (event) => {
    const data = event.data;
    const bytes =
      typeof data === 'string' ? encoder.encode(data) : data instanceof ArrayBuffer ? new Uint8Array(data) : undefined;
    if (bytes === undefined || receiver === undefined) return;
    try {
      receiver({ type: 'message', bytes, source: server, flow: 'ws' });
    } catch {
      // The transport layer reports its own failures.
    }
  });
  return {
    protocol: secure ? 'wss' : 'ws',
    reliable: true,
    framed: true,
    secure,
    local: { address: randomInvalidHost(), port: 0 },
    async send(bytes: Uint8Array): Promise<string | undefined> {
      if (ws.readyState !== OPEN) throw new TransportError('SEND_FAILED', `${options.url} is not open`);
      ws.send(bytes);
      return 'ws';
    },
    listen(r: (e: TransportEvent) => void): void {
      receiver = r;
    },
    async close(): Promise<void> {
      ws.close();
    },
  };
}

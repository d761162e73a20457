import type { SipRequest, SipResponse } from '@sipkit/parser';
import type { TransportProtocol } from './resolve.js';
import type { PeerAddress } from './via.js';

/**
 * What a transport hands up: one whole message (a datagram, or a message its stream framer cut),
 * or an RFC 5626 §3.5.1 double-CRLF keep-alive ping on a connection.
 *
 * @public
 */
export type TransportEvent =
  | {
      /** A message. */
      readonly type: 'message';
      /** The bytes of exactly one message (a datagram). Given unless `message` is. */
      readonly bytes?: Uint8Array;
      /**
       * The message already parsed, when the transport had to parse it anyway (a stream framer
       * finds Content-Length that way): the transport layer uses it instead of parsing bytes.
       */
      readonly message?: SipRequest | SipResponse;
      /** Where they came from. */
      readonly source: PeerAddress;
      /** The connection they came on (reliable transports), to answer on the same one. */
      readonly flow?: string;
    }
  | {
      /** A keep-alive ping. */
      readonly type: 'ping';
      /** Where it came from. */
      readonly source: PeerAddress;
      /** The connection it came on. */
      readonly flow?: string;
    };

/**
 * One listening socket (or a browser WebSocket, or a virtual network endpoint): the small
 * interface the transport layer drives. Socket transports live in `@sipkit/transport-node`; the
 * testkit's virtual network and users' own transports implement it too.
 *
 * @public
 */
export interface Transport {
  /** Transport protocol. */
  readonly protocol: TransportProtocol;
  /** Whether delivery is reliable (every protocol but UDP). */
  readonly reliable: boolean;
  /**
   * Whether the transport delimits each message itself (a datagram, a WebSocket message), so
   * Content-Length may be absent (RFC 3261 §18.3 makes it mandatory only on byte streams).
   * Defaults to `!reliable`.
   */
  readonly framed?: boolean;
  /** Whether it is TLS or secure WebSocket. */
  readonly secure: boolean;
  /** Local address and port (what goes into a Via sent-by). */
  readonly local: PeerAddress;
  /**
   * Sends the bytes of one message: on `flow` when given and still open, else to `to` (opening or
   * reusing a connection on stream transports). Resolves with the flow used, if any; rejects
   * with a {@link TransportError} when the bytes cannot be sent.
   *
   * @param bytes - one whole message (or a CRLF keep-alive)
   * @param to - destination address and port
   * @param flow - connection to prefer
   */
  send(bytes: Uint8Array, to: PeerAddress, flow?: string): Promise<string | undefined>;
  /**
   * Sets the receiver of what arrives. The transport never lets the receiver's errors escape
   * into its socket callbacks.
   *
   * @param receiver - called once per message or ping
   */
  listen(receiver: (event: TransportEvent) => void): void;
  /**
   * For a connection-oriented transport: stops accepting new connections and keeps the open ones
   * (a server draining before it stops). Absent where there is nothing to accept (UDP).
   */
  stopAccepting?(): void;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

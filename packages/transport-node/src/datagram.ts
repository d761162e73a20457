// What both UDP sockets (udp.ts on node:dgram, native-udp.ts on the batched addon) share: the
// keep-alive test, the largest payload, and the refusals a send gets before it is queued.
import type { PeerAddress } from '@sipkit/transport';
import { TransportError } from '@sipkit/transport';

/** The promise every queued UDP send resolves with: no flow (RFC 5626) on a datagram socket. */
export const RESOLVED: Promise<string | undefined> = Promise.resolve(undefined);

/** Whether a datagram is only CR and LF octets (a keep-alive some UAs send over UDP). */
export function onlyCrLf(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 13 && b[i] !== 10) return false;
  return true;
}

/**
 * The largest UDP payload: 65,535 octets less the UDP header, and for IPv4 the IP header too
 * (RFC 768; RFC 8200 §4.5 for IPv6 without jumbograms).
 */
export function maxDatagram(family: 4 | 6): number {
  return family === 4 ? 65_507 : 65_527;
}

/**
 * Why a datagram cannot be sent, as the rejected promise `send` returns, or `undefined` when it
 * can: the transport is closed, the port is out of range, or the bytes do not fit a datagram.
 * What the socket would refuse later is refused here, before queueing.
 */
export function refusal(
  closed: boolean,
  bytes: Uint8Array,
  to: PeerAddress,
  maxPayload: number,
): Promise<never> | undefined {
  if (closed) return Promise.reject(new TransportError('SEND_FAILED', 'udp transport is closed'));
  const port = to.port;
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    return Promise.reject(new TransportError('SEND_FAILED', `udp ${to.address}:${port}: bad port`));
  }
  if (bytes.length > maxPayload) {
    return Promise.reject(
      new TransportError('SEND_FAILED', `udp ${to.address}:${port}: ${bytes.length} bytes do not fit a datagram`),
    );
  }
  return undefined;
}

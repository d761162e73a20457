// The batched UDP socket (native/udp.cc): recvmmsg and sendmmsg on Linux, driven from Node's
// event loop. This file loads it, when it was built, and makes a Transport of it.

import { lookup as dnsLookup } from 'node:dns';
import { createRequire } from 'node:module';
import type { PeerAddress, Transport, TransportEvent } from '@sipkit/transport';
import { TransportError } from '@sipkit/transport';
import { maxDatagram, onlyCrLf, RESOLVED, refusal } from './datagram.js';

/** What native/udp.cc exports. */
interface Addon {
  open(
    family: number,
    host: string,
    port: number,
    receiveBuffer: number,
    sendBuffer: number,
    rdata: ArrayBuffer,
    rmeta: ArrayBuffer,
    sdata: ArrayBuffer,
    smeta: ArrayBuffer,
    onReceive: (count: number) => void,
    reusePort: boolean,
  ): [object, number];
  send(socket: object, count: number): number;
  close(socket: object): void;
  stats(socket: object): [number, number, number, number];
  pton(address: string, out: Int32Array): number;
  ntop(family: number, address: Int32Array): string;
  readonly batch: number;
  readonly slot: number;
  readonly meta: number;
}

let loaded: Addon | null | undefined;
let loadError = '';

/** The addon, or null when it was not built or does not load here. */
function addon(): Addon | null {
  if (loaded !== undefined) return loaded;
  loaded = null;
  if (process.platform !== 'linux') {
    loadError = `not on Linux (${process.platform})`;
    return null;
  }
  try {
    // dist/native-udp.js and src/native-udp.ts both sit one level below the package.
    loaded = createRequire(import.meta.url)('../build/sipkit_udp.node') as Addon;
  } catch (e) {
    loadError = (e as Error).message;
  }
  return loaded;
}

/**
 * Whether this process can use batched UDP (`io: 'native'` in {@link UdpTransportOptions}):
 * on Linux, with the package's addon built (`native/build.mjs`, run by the package's build).
 *
 * @returns `true` when available; otherwise `false`, and {@link nativeUdpUnavailableReason} says why
 * @public
 */
export function nativeUdpAvailable(): boolean {
  return addon() !== null;
}

/**
 * Why batched UDP is not available here, or `''` when it is.
 *
 * @public
 */
export function nativeUdpUnavailableReason(): string {
  return addon() === null ? loadError : '';
}

/**
 * Counters of a batched UDP socket, for metrics.
 *
 * @public
 */
export interface UdpSocketStats {
  /** Datagrams read. */
  readonly received: number;
  /** Datagrams the kernel took to send. */
  readonly sent: number;
  /** Datagrams that could not be sent: no route, a bad address, or the kernel's buffer full and the wait queue too (8 MiB). */
  readonly dropped: number;
  /** Datagrams waiting for the kernel's send buffer to drain. */
  readonly waiting: number;
}

/** What udp.ts hands over: the options, checked. */
export interface NativeUdpSettings {
  readonly host: string;
  readonly family: 4 | 6;
  readonly port: number;
  readonly receiveBufferSize: number;
  readonly sendBufferSize: number;
  /** Bind with SO_REUSEPORT. */
  readonly reusePort: boolean;
}

/** Bytes that one turn's sends may take before they are handed to the kernel early. */
const SEND_BYTES = 1 << 20;
/** Datagrams one turn's sends may count before they are handed to the kernel early. */
const SEND_COUNT = 1024;
/** Most remembered address texts per direction; past it the memory starts afresh. */
const MAX_NAMES = 4096;

/**
 * A UDP transport on the batched socket. Behaves as udp.ts's node:dgram transport does (one
 * datagram, one message; CRLF keep-alives ignored; a turn's sends leave together, in order,
 * after the turn's reads were handled) and adds `stats()`.
 */
export function nativeUdpTransport(s: NativeUdpSettings): Transport & { stats(): UdpSocketStats } {
  const a = addon();
  if (a === null) throw new TransportError('NO_TRANSPORT', `batched udp is not available: ${loadError}`);
  const M = a.meta;
  const rdataBuffer = new ArrayBuffer(a.batch * a.slot);
  const rdata = Buffer.from(rdataBuffer);
  const rmetaBuffer = new ArrayBuffer(a.batch * M * 4);
  const rmeta = new Int32Array(rmetaBuffer);
  const rmetaBytes = new Uint8Array(rmetaBuffer);
  const sdataBuffer = new ArrayBuffer(SEND_BYTES);
  const sdata = new Uint8Array(sdataBuffer);
  const smetaBuffer = new ArrayBuffer(SEND_COUNT * M * 4);
  const smeta = new Int32Array(smetaBuffer);

  let receiver: ((e: TransportEvent) => void) | undefined;
  let closed = false;
  // Source addresses as text, by their IPv4 octets (one number) or IPv6 octets (four, joined).
  const names4 = new Map<number, string>();
  const names6 = new Map<string, string>();
  const six = new Int32Array(4);
  const name4 = (o: number): string => {
    const v = rmeta[o + 3] as number;
    let n = names4.get(v);
    if (n === undefined) {
      const b = o * 4 + 12;
      n = `${rmetaBytes[b]}.${rmetaBytes[b + 1]}.${rmetaBytes[b + 2]}.${rmetaBytes[b + 3]}`;
      if (names4.size >= MAX_NAMES) names4.clear();
      names4.set(v, n);
    }
    return n;
  };
  const name6 = (o: number): string => {
    const key = `${rmeta[o + 3]},${rmeta[o + 4]},${rmeta[o + 5]},${rmeta[o + 6]}`;
    let n = names6.get(key);
    if (n === undefined) {
      six.set(rmeta.subarray(o + 3, o + 7));
      n = a.ntop(6, six);
      if (names6.size >= MAX_NAMES) names6.clear();
      names6.set(key, n);
    }
    return n;
  };
  const onReceive = (count: number): void => {
    for (let i = 0; i < count; i++) {
      const o = i * M;
      const length = rmeta[o] as number;
      // Cut short (never, for UDP in a 64 KiB slot): no message.
      if (length < 0 || receiver === undefined || closed) continue;
      const start = i * a.slot;
      // The slot is read into again on the next wakeup: the message gets bytes of its own, in
      // memory of its own as node:dgram's are. A slice of Node's 8 KiB pool would be cheaper to
      // make, but a message kept for a transaction's 32 s would keep its whole pool chunk.
      const bytes = Buffer.allocUnsafeSlow(length);
      rdata.copy(bytes, 0, start, start + length);
      if (onlyCrLf(bytes)) continue;
      const address = rmeta[o + 2] === 6 ? name6(o) : name4(o);
      try {
        receiver({ type: 'message', bytes, source: { address, port: rmeta[o + 1] as number } });
      } catch {
        // The receiver (the transport layer) reports its own failures; none may escape here.
      }
    }
  };
  let handle: object;
  // What stats() says once the socket is gone.
  let last: UdpSocketStats | undefined;
  let port: number;
  try {
    [handle, port] = a.open(
      s.family,
      s.host,
      s.port,
      s.receiveBufferSize,
      s.sendBufferSize,
      rdataBuffer,
      rmetaBuffer,
      sdataBuffer,
      smetaBuffer,
      onReceive,
      s.reusePort,
    );
  } catch (e) {
    throw new TransportError('NO_TRANSPORT', `cannot bind udp ${s.host}:${s.port}: ${(e as Error).message}`);
  }

  // Destination addresses as octets, by their text: [family, octets as 4 int32s].
  const octets = new Map<string, Int32Array>();
  const toOctets = (address: string): Int32Array | undefined => {
    let o = octets.get(address);
    if (o === undefined) {
      const v = new Int32Array(5);
      const f = a.pton(address, v.subarray(1));
      if (f === 0) return undefined;
      v[0] = f;
      if (octets.size >= MAX_NAMES) octets.clear();
      octets.set(address, v);
      o = v;
    }
    return o;
  };
  let count = 0;
  let used = 0;
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    if (count === 0 || closed) return;
    const n = count;
    count = 0;
    used = 0;
    a.send(handle, n);
  };
  const queue = (bytes: Uint8Array, to: PeerAddress, o: Int32Array): void => {
    if (count === SEND_COUNT || used + bytes.length > SEND_BYTES) flush();
    const m = count * M;
    sdata.set(bytes, used);
    smeta[m] = used;
    smeta[m + 1] = bytes.length;
    smeta[m + 2] = to.port;
    smeta[m + 3] = o[0] as number;
    smeta[m + 4] = o[1] as number;
    smeta[m + 5] = o[2] as number;
    smeta[m + 6] = o[3] as number;
    smeta[m + 7] = o[4] as number;
    used += bytes.length;
    count++;
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
  const stats = (): UdpSocketStats => {
    if (last !== undefined) return last;
    const [received, sent, dropped, waiting] = a.stats(handle);
    return { received, sent, dropped, waiting };
  };
  const local: PeerAddress = { address: s.host, port };
  const maxPayload = maxDatagram(s.family);
  return {
    protocol: 'udp',
    reliable: false,
    secure: false,
    local,
    send(bytes: Uint8Array, to: PeerAddress): Promise<string | undefined> {
      const refused = refusal(closed, bytes, to, maxPayload);
      if (refused !== undefined) return refused;
      const p = to.port;
      const o = toOctets(to.address);
      if (o !== undefined) {
        if (o[0] !== s.family) {
          return Promise.reject(
            new TransportError('SEND_FAILED', `udp ${to.address}:${p}: not an IPv${s.family} address`),
          );
        }
        queue(bytes, to, o);
        return RESOLVED;
      }
      // A host name: resolved here (the transport layer resolves before it sends, RFC 3263, so
      // this is rare), then sent.
      return new Promise((resolve, reject) => {
        dnsLookup(to.address, s.family, (err, address) => {
          const r = err === null ? toOctets(address) : undefined;
          if (r === undefined || closed) {
            reject(new TransportError('SEND_FAILED', `udp ${to.address}:${p}: ${err?.message ?? 'not resolved'}`));
            return;
          }
          queue(bytes, to, r);
          resolve(undefined);
        });
      });
    },
    listen(r: (e: TransportEvent) => void): void {
      receiver = r;
    },
    close(): Promise<void> {
      if (closed) return Promise.resolve();
      // What was sent before close leaves before the socket goes.
      flush();
      last = stats();
      closed = true;
      a.close(handle);
      return Promise.resolve();
    },
    stats,
  };
}

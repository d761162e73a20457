// `sipkit-server --workers N`: N worker processes behind the same listeners.
//
// Node's cluster module hands every worker the same listening sockets: each UDP datagram is read
// by whichever worker the kernel wakes (or, with `udpReusePort`, each worker binds the port
// itself with SO_REUSEPORT and the kernel gives each peer's datagrams to one of them), and the
// primary passes each new TCP/TLS/WS connection to one worker. Transactions, proxy contexts and
// dialogs live in one worker's memory, so each message must reach the worker that holds its
// call: the owner is a hash of the Call-ID (see owner.ts), the same for every message of a call.
// A worker that reads a message it does not own forwards its bytes, with the source address and
// the flow it came on, to the owner over a private loopback socket. Each worker also has a UDP socket of its own, which its Via and
// Record-Route name, so the rest of a call mostly comes straight to it (see WorkerLink.wrap); it
// answers a datagram from the socket the peer used (RFC 3581 §4), and over a connection by asking
// the worker that holds it. Which worker holds a connection to which peer is announced through the primary, so a
// request for a flow-bound registration (RFC 5626) goes out over the right connection wherever it
// was routed. Registrations live in the location service: the primary's memory or Redis, so a
// worker that dies and is restarted loses none of them. With the primary's memory, changes go to
// the primary over IPC and each worker keeps a copy for lookups, sent whole when it starts and
// change by change after.
import cluster, { type Worker } from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { serialize } from '@sipkit/parser';
import {
  type Binding,
  type BindingChange,
  type LocationService,
  MemoryLocationService,
  type UpdateResult,
} from '@sipkit/registrar';
import { type PeerAddress, type Transport, TransportError, type TransportEvent } from '@sipkit/transport';
import { udpTransport } from '@sipkit/transport-node';
import type { Logger } from 'pino';
import { AggregatorRegistry } from 'prom-client';
import type { ServerConfig } from './config.js';
import { type HttpEndpoint, startHttp } from './metrics.js';
import { callIdHash, callIdStringHash } from './owner.js';
import { udpReusePort } from './server.js';
import { sweepEverySecond } from './sweep.js';

/** The environment variable that carries a worker's start-up data from the primary. */
const ENV = 'SIPKIT_WORKER';
/** How often the copies of the registrations drop expired bindings. */
const PRUNE_MS = 10_000;

/** Drops the expired bindings of a copy of the registrations; returns how many. */
function prune(copy: Map<string, readonly Binding[]>, now: number): number {
  let removed = 0;
  for (const [aor, all] of copy) {
    const live = all.filter((b) => b.expires > now);
    removed += all.length - live.length;
    if (live.length === 0) copy.delete(aor);
    else if (live.length < all.length) copy.set(aor, live);
  }
  return removed;
}

/** How long a forwarded send or a location call may take before it fails. */
const REMOTE_TIMEOUT_MS = 5000;
/** Most entries in the shared tables (connections, WebSocket hosts). */
const MAX_SHARED = 100_000;

/** A demo user made up by the primary, the same in every worker. */
export interface DemoUser {
  readonly name: string;
  readonly password: string;
}

interface WorkerStart {
  readonly slot: number;
  readonly count: number;
  readonly secret: string;
  readonly demoUsers: readonly DemoUser[];
}

type LocationOp = 'update' | 'removeAll' | 'lookup' | 'sweep';
const LOCATION_OPS: readonly LocationOp[] = ['update', 'removeAll', 'lookup', 'sweep'];

/** A connection held by a worker, as announced. */
interface Held {
  readonly listener: number;
  readonly address: string;
  readonly port: number;
  readonly slot: number;
}

/** A WebSocket client's `.invalid` Contact host and the connection it registered over. */
interface Shared {
  readonly host: string;
  readonly address: string;
  readonly port: number;
}

type ToPrimary =
  | { readonly t: 'sipkit:ready'; readonly channel: number; readonly listeners: readonly string[] }
  | { readonly t: 'sipkit:loc'; readonly id: number; readonly op: LocationOp; readonly args: unknown[] }
  | ({ readonly t: 'sipkit:conn' } & Omit<Held, 'slot'>)
  | ({ readonly t: 'sipkit:share' } & Shared);

type ToWorker =
  | { readonly t: 'sipkit:peers'; readonly ports: readonly number[] }
  | {
      readonly t: 'sipkit:loc';
      readonly id: number;
      readonly ok: boolean;
      readonly value?: unknown;
      readonly error?: string;
    }
  | ({ readonly t: 'sipkit:conn' } & Held)
  | { readonly t: 'sipkit:forget'; readonly slot: number }
  | ({ readonly t: 'sipkit:share' } & Shared)
  | { readonly t: 'sipkit:aor'; readonly aor: string; readonly bindings: readonly Binding[] }
  | { readonly t: 'sipkit:synced' }
  | { readonly t: 'sipkit:drain' };

// Frames on the private sockets between workers.
const EVENT = 1; // a message for its owner: [1][listener][port:2][alen][address][flen][flow][bytes]
const SEND = 2; // send on your connection: [2][listener][id:4][port:2][alen][address][flen][flow][bytes]
const RESULT = 3; // how a SEND went: [3][id:4][ok][flen][flow or error]

function header(type: number, listener: number, id: number | undefined, to: PeerAddress, flow: string): Buffer {
  const address = Buffer.from(to.address, 'latin1');
  const f = Buffer.from(flow, 'latin1');
  const head = Buffer.allocUnsafe(2 + (id === undefined ? 0 : 4) + 2 + 1 + address.length + 1 + f.length);
  let o = head.writeUInt8(type, 0);
  o = head.writeUInt8(listener, o);
  if (id !== undefined) o = head.writeUInt32BE(id, o);
  o = head.writeUInt16BE(to.port, o);
  o = head.writeUInt8(address.length, o);
  o += address.copy(head, o);
  o = head.writeUInt8(f.length, o);
  f.copy(head, o);
  return head;
}

/** Reads address, port and flow at `o`; returns them with the offset of the message bytes. */
function readPeer(b: Buffer, o: number): { to: PeerAddress; flow: string; at: number } {
  const port = b.readUInt16BE(o);
  const alen = b.readUInt8(o + 2);
  const address = b.toString('latin1', o + 3, o + 3 + alen);
  const f = o + 3 + alen;
  const flen = b.readUInt8(f);
  return { to: { address, port }, flow: b.toString('latin1', f + 1, f + 1 + flen), at: f + 1 + flen };
}

/** A flow id as the workers share it: `slot#local-id`. */
function qualify(slot: number, flow: string | undefined): string | undefined {
  return flow === undefined ? undefined : `${slot}#${flow}`;
}

/** The slot and local id of a flow id; a flow without a slot is this worker's own. */
function unqualify(flow: string, self: number): { slot: number; local: string } {
  const k = flow.indexOf('#');
  return k > 0 ? { slot: Number(flow.slice(0, k)), local: flow.slice(k + 1) } : { slot: self, local: flow };
}

const peerKey = (listener: number, a: PeerAddress) => `${listener}|${a.address}|${a.port}`;

function bounded<K, V>(map: Map<K, V>, key: K, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > MAX_SHARED) map.delete(map.keys().next().value as K);
}

/** Whether this process is a sipkit-server worker started by {@link runPrimary}. */
export function isWorker(): boolean {
  return cluster.isWorker && process.env[ENV] !== undefined;
}

/**
 * A worker's side of the cluster: its slot, the secrets and demo users the primary made, the
 * private socket to the other workers, and the wrapping of each listener so that every message
 * is handled by the worker that owns its call.
 */
export class WorkerLink {
  /** This worker's place, 0 … count-1: the same after a restart. */
  readonly slot: number;
  /** How many workers there are. */
  readonly count: number;
  /** Digest nonces and flow tokens are signed with it: every worker accepts the others'. */
  readonly secret: string;
  /** Demo users (when the configuration names none). */
  readonly demoUsers: readonly DemoUser[];
  /** Called when another worker learns a WebSocket client's `.invalid` host. */
  onShare: ((host: string, source: PeerAddress) => void) | undefined;
  /** Called when the primary asks for a graceful stop. */
  onDrain: (() => void) | undefined;
  /**
   * Messages passed to and received from other workers, sends made for them, location calls to
   * the primary and lookups answered from this worker's copy of the registrations.
   */
  readonly counters = { forwarded: 0, received: 0, remoteSends: 0, lost: 0, locationCalls: 0, localLookups: 0 };

  readonly #channel: Socket;
  #ports: readonly number[] = [];
  readonly #bases: Transport[] = [];
  readonly #receivers: (((e: TransportEvent) => void) | undefined)[] = [];
  /** Which worker holds a connection to a peer, by listener, address and port. */
  readonly #held = new Map<string, number>();
  /** Flows of ours already announced. */
  readonly #announced = new Set<string>();
  readonly #sends = new Map<
    number,
    { resolve: (flow: string | undefined) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }
  >();
  readonly #calls = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }
  >();
  #seq = 0;
  /**
   * The primary's registrations, copied: the primary sends them all when this worker starts and
   * every change after (its own changes this worker applies from the answer). A lookup — one
   * per new call — is then answered here instead of over IPC. Until the copy is complete,
   * lookups still go to the primary.
   */
  readonly #replica = new Map<string, readonly Binding[]>();
  #synced = false;
  readonly #pruner: NodeJS.Timeout;

  private constructor(start: WorkerStart, channel: Socket) {
    this.slot = start.slot;
    this.count = start.count;
    this.secret = start.secret;
    this.demoUsers = start.demoUsers;
    this.onShare = undefined;
    this.onDrain = undefined;
    this.#channel = channel;
    channel.on('message', (b, from) => this.#frame(b, from));
    channel.on('error', () => undefined);
    process.on('message', (m: ToWorker) => this.#fromPrimary(m));
    this.#pruner = setInterval(() => prune(this.#replica, Date.now()), PRUNE_MS);
    this.#pruner.unref();
  }

  /** Joins the cluster: reads the start-up data and binds this worker's private socket. */
  static async start(): Promise<WorkerLink> {
    const start = JSON.parse(process.env[ENV] as string) as WorkerStart;
    const channel = createSocket({ type: 'udp4', recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
    await new Promise<void>((resolve, reject) => {
      channel.once('error', reject);
      // exclusive: this socket is the worker's own, not one the cluster shares.
      channel.bind({ port: 0, address: '127.0.0.1', exclusive: true }, () => resolve());
    });
    return new WorkerLink(start, channel);
  }

  /** Tells the primary this worker is serving. */
  ready(listeners: readonly string[]): void {
    this.#toPrimary({ t: 'sipkit:ready', channel: this.#channel.address().port, listeners });
  }

  /** Closes the private socket. */
  close(): void {
    clearInterval(this.#pruner);
    this.#channel.close();
    for (const p of [...this.#sends.values(), ...this.#calls.values()]) {
      clearTimeout(p.timer);
      p.reject(new Error('worker closing'));
    }
  }

  /** Shares a WebSocket client's `.invalid` Contact host with the other workers. */
  share(host: string, source: PeerAddress): void {
    this.#toPrimary({ t: 'sipkit:share', host, address: source.address, port: source.port });
  }

  /** The primary's location service, over IPC: the same registrations in every worker. */
  location(): LocationService {
    const call = <T>(op: LocationOp, args: unknown[]): Promise<T> =>
      new Promise<T>((resolve, reject) => {
        this.counters.locationCalls++;
        const id = ++this.#seq;
        const timer = setTimeout(() => {
          this.#calls.delete(id);
          reject(new Error(`location ${op}: no answer from the primary in ${REMOTE_TIMEOUT_MS} ms`));
        }, REMOTE_TIMEOUT_MS);
        this.#calls.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
        if (!this.#toPrimary({ t: 'sipkit:loc', id, op, args })) {
          clearTimeout(timer);
          this.#calls.delete(id);
          reject(new Error(`location ${op}: the primary is gone`));
        }
      });
    // A change is applied by the primary; its answer updates the copy here at once (the other
    // workers hear of it from the primary).
    const changed = (aor: string, r: UpdateResult): UpdateResult => {
      if (r.ok) this.#remember(aor, r.bindings);
      return r;
    };
    return {
      update: (aor: string, changes: readonly BindingChange[], now: number, max: number) =>
        call<UpdateResult>('update', [aor, changes, now, max]).then((r) => changed(aor, r)),
      removeAll: (aor: string, callId: string, cseq: number, now: number) =>
        call<UpdateResult>('removeAll', [aor, callId, cseq, now]).then((r) => changed(aor, r)),
      lookup: async (aor: string, now: number) => {
        if (!this.#synced) return call<readonly Binding[]>('lookup', [aor, now]);
        this.counters.localLookups++;
        const all = this.#replica.get(aor);
        if (all === undefined) return [];
        const live = all.filter((b) => b.expires > now);
        if (live.length < all.length) this.#remember(aor, live);
        return live;
      },
      // The primary sweeps its store; the copy drops expired bindings as lookups meet them and
      // every PRUNE_MS.
      sweep: async (now: number) => prune(this.#replica, now),
      close: async () => undefined,
    };
  }

  /**
   * Wraps one of this worker's listeners: what it reads is handed to the owning worker, and
   * sends on a connection another worker holds go through that worker.
   *
   * A UDP listener gets a socket of this worker's own beside the shared one, on the same address:
   * the wrapped transport's local address is that socket's, so it is what goes into the Via of
   * the requests this worker sends and into its Record-Route. Responses to them and the requests
   * of the dialogs it proxies then come straight to this worker; only requests sent to the shared
   * address (new ones, their retransmissions, CANCEL, the ACK of a failure) need the Call-ID
   * hash. A datagram to a peer leaves from the socket that peer last reached us on, so a response
   * leaves from where its request arrived (RFC 3581 §4).
   *
   * @param base - the listener as opened (the same one, in the same place, in every worker)
   * @param listener - its index in the configuration
   * @param own - the worker's own UDP socket: its receive buffer, and its port (0: any)
   */
  async wrap(
    base: Transport,
    listener: number,
    own: {
      readonly receiveBufferSize?: number;
      readonly ownPort?: number;
      readonly io?: 'auto' | 'native' | 'dgram';
    } = {},
  ): Promise<Transport> {
    this.#bases[listener] = base;
    base.listen((e) => this.#read(listener, e));
    if (!base.reliable) return this.#wrapUdp(base, listener, own.receiveBufferSize, own.ownPort ?? 0, own.io);
    const send = (bytes: Uint8Array, to: PeerAddress, flow?: string): Promise<string | undefined> => {
      let slot = this.#held.get(peerKey(listener, to)) ?? this.slot;
      let local: string | undefined;
      if (flow !== undefined) ({ slot, local } = unqualify(flow, this.slot));
      if (slot === this.slot || this.#ports[slot] === undefined || this.#ports[slot] === 0) {
        return base.send(bytes, to, local).then((f) => qualify(this.slot, f));
      }
      return this.#remoteSend(slot, listener, bytes, to, local);
    };
    return {
      protocol: base.protocol,
      reliable: base.reliable,
      ...(base.framed === undefined ? {} : { framed: base.framed }),
      secure: base.secure,
      local: base.local,
      send,
      listen: (receiver) => {
        this.#receivers[listener] = receiver;
      },
      close: () => base.close(),
    };
  }

  /** The public (shared) addresses of the UDP listeners: ours too, in §16.4. */
  get aliases(): readonly PeerAddress[] {
    return this.#aliases;
  }

  readonly #aliases: PeerAddress[] = [];
  /** This worker's own UDP sockets (one per UDP listener), for their counters. */
  readonly ownUdp: Transport[] = [];
  /** Per UDP listener: the peers whose last datagram came on the shared socket. */
  readonly #viaShared: Map<string, true>[] = [];

  async #wrapUdp(
    shared: Transport,
    listener: number,
    receiveBufferSize: number | undefined,
    port: number,
    io: 'auto' | 'native' | 'dgram' | undefined,
  ): Promise<Transport> {
    const own = await udpTransport({
      host: shared.local.address,
      port,
      exclusive: true,
      ...(receiveBufferSize === undefined ? {} : { receiveBufferSize }),
      // The shared socket is node:cluster's (node:dgram) or one of a SO_REUSEPORT group; this one
      // is ours alone.
      ...(io === undefined ? {} : { io }),
    });
    this.ownUdp.push(own);
    this.#aliases.push(shared.local);
    const viaShared = new Map<string, true>();
    this.#viaShared[listener] = viaShared;
    /** Peers sent to this turn, and the socket their datagrams are queued on. */
    const sticky = new Map<string, Transport>();
    let clearSoon = false;
    own.listen((e) => {
      if (viaShared.size > 0) viaShared.delete(`${e.source.address}|${e.source.port}`);
      this.#deliver(listener, e);
    });
    return {
      protocol: 'udp',
      reliable: false,
      secure: false,
      local: own.local,
      send: (bytes, to) => {
        const key = `${to.address}|${to.port}`;
        // Datagrams to one peer leave in the order they were sent: each socket queues its sends
        // for the turn and flushes them on its own, so a 200 queued on one socket could leave
        // before a 180 queued on the other just before it (seen: about one call in 4,000). The
        // socket chosen for a peer stays until its queue has gone out.
        let t = sticky.get(key);
        if (t === undefined) {
          t = viaShared.has(key) ? shared : own;
          if (sticky.size === 0) clearSoon = true;
          sticky.set(key, t);
        }
        const sent = t.send(bytes, to);
        if (clearSoon) {
          clearSoon = false;
          // After the flush the send above scheduled (or found scheduled).
          setImmediate(() => sticky.clear());
        }
        return sent;
      },
      listen: (receiver) => {
        this.#receivers[listener] = receiver;
      },
      close: async () => {
        await Promise.all([shared.close(), own.close()]);
      },
    };
  }

  /** A peer reached us on a shared UDP socket: our answer leaves from it. */
  #sharedPeer(listener: number, source: PeerAddress): void {
    const m = this.#viaShared[listener];
    if (m === undefined) return;
    const key = `${source.address}|${source.port}`;
    if (m.has(key)) return;
    m.set(key, true);
    if (m.size > MAX_SHARED) m.delete(m.keys().next().value as string);
  }

  /** Something a listener of ours read. */
  #read(listener: number, e: TransportEvent): void {
    if (e.flow !== undefined) this.#announce(listener, e.source, e.flow);
    if (e.type === 'ping') {
      // The pong goes back on the connection: ours.
      this.#deliver(listener, this.#qualified(e));
      return;
    }
    let hash = -1;
    if (e.bytes !== undefined) hash = callIdHash(e.bytes);
    else if (e.message !== undefined) {
      try {
        const callId = e.message.callId;
        hash = callId === undefined ? -1 : callIdStringHash(callId);
      } catch {
        hash = -1;
      }
    }
    // No Call-ID: a malformed message, refused (and counted) here.
    const owner = hash < 0 ? this.slot : hash % this.count;
    const port = this.#ports[owner];
    if (owner !== this.slot && port !== undefined && port !== 0) {
      const bytes = e.bytes ?? (e.message === undefined ? undefined : serialize(e.message));
      if (bytes !== undefined) {
        const head = header(EVENT, listener, undefined, e.source, qualify(this.slot, e.flow) ?? '');
        if (head.length + bytes.length <= 65_507) {
          this.counters.forwarded++;
          this.#channel.send([head, bytes], port, '127.0.0.1');
          return;
        }
      }
    }
    // Ours, or the owner is restarting (its messages are handled here rather than lost), or too
    // big for a loopback datagram (only a stream carries those).
    this.#sharedPeer(listener, e.source);
    this.#deliver(listener, this.#qualified(e));
  }

  /** The event with its flow named the way every worker names it. */
  #qualified(e: TransportEvent): TransportEvent {
    return e.flow === undefined ? e : { ...e, flow: `${this.slot}#${e.flow}` };
  }

  #deliver(listener: number, e: TransportEvent): void {
    try {
      this.#receivers[listener]?.(e);
    } catch {
      // The transport layer reports its own failures.
    }
  }

  #announce(listener: number, source: PeerAddress, flow: string): void {
    if (this.#announced.has(flow)) return;
    this.#announced.add(flow);
    if (this.#announced.size > MAX_SHARED) this.#announced.clear();
    this.#held.set(peerKey(listener, source), this.slot);
    this.#toPrimary({ t: 'sipkit:conn', listener, address: source.address, port: source.port });
  }

  #remoteSend(
    slot: number,
    listener: number,
    bytes: Uint8Array,
    to: PeerAddress,
    local: string | undefined,
  ): Promise<string | undefined> {
    return new Promise((resolve, reject) => {
      this.#seq = (this.#seq + 1) >>> 0;
      const id = this.#seq;
      const timer = setTimeout(() => {
        this.#sends.delete(id);
        reject(new TransportError('SEND_FAILED', `worker ${slot} did not answer a send in ${REMOTE_TIMEOUT_MS} ms`));
      }, REMOTE_TIMEOUT_MS);
      this.#sends.set(id, {
        resolve: (f) => resolve(qualify(slot, f)),
        reject,
        timer,
      });
      this.counters.remoteSends++;
      this.#channel.send(
        [header(SEND, listener, id, to, local ?? ''), bytes],
        this.#ports[slot] as number,
        '127.0.0.1',
      );
    });
  }

  /** A frame from another worker. Only our peers' sockets are listened to. */
  #frame(b: Buffer, from: RemoteInfo): void {
    if (from.address !== '127.0.0.1' || !this.#ports.includes(from.port) || b.length < 6) return;
    try {
      const type = b[0];
      if (type === EVENT) {
        const listener = b.readUInt8(1);
        const { to, flow, at } = readPeer(b, 2);
        this.counters.received++;
        this.#sharedPeer(listener, to);
        this.#deliver(listener, {
          type: 'message',
          bytes: b.subarray(at),
          source: to,
          ...(flow === '' ? {} : { flow }),
        });
      } else if (type === SEND) {
        const listener = b.readUInt8(1);
        const id = b.readUInt32BE(2);
        const { to, flow, at } = readPeer(b, 6);
        const base = this.#bases[listener];
        const reply = (ok: boolean, text: string) => {
          const t = Buffer.from(text, 'utf8').subarray(0, 255);
          const r = Buffer.allocUnsafe(7 + t.length);
          r.writeUInt8(RESULT, 0);
          r.writeUInt32BE(id, 1);
          r.writeUInt8(ok ? 1 : 0, 5);
          r.writeUInt8(t.length, 6);
          t.copy(r, 7);
          this.#channel.send(r, from.port, from.address);
        };
        if (base === undefined) reply(false, `no listener ${listener}`);
        else
          base.send(b.subarray(at), to, flow === '' ? undefined : flow).then(
            (f) => reply(true, f ?? ''),
            (e: unknown) => reply(false, e instanceof Error ? e.message : String(e)),
          );
      } else if (type === RESULT) {
        const id = b.readUInt32BE(1);
        const pending = this.#sends.get(id);
        if (pending === undefined) return;
        this.#sends.delete(id);
        clearTimeout(pending.timer);
        const text = b.toString('utf8', 7, 7 + b.readUInt8(6));
        if (b[5] === 1) pending.resolve(text === '' ? undefined : text);
        else pending.reject(new TransportError('SEND_FAILED', text));
      }
    } catch {
      this.counters.lost++;
    }
  }

  /** The copy's bindings of one AOR, as the primary last had them. */
  #remember(aor: string, bindings: readonly Binding[]): void {
    if (bindings.length === 0) this.#replica.delete(aor);
    else this.#replica.set(aor, bindings);
  }

  #fromPrimary(m: ToWorker): void {
    if (typeof m !== 'object' || m === null || typeof m.t !== 'string' || !m.t.startsWith('sipkit:')) return;
    switch (m.t) {
      case 'sipkit:peers':
        this.#ports = m.ports;
        break;
      case 'sipkit:loc': {
        const pending = this.#calls.get(m.id);
        if (pending === undefined) return;
        this.#calls.delete(m.id);
        clearTimeout(pending.timer);
        if (m.ok) pending.resolve(m.value);
        else pending.reject(new Error(m.error ?? 'location failed'));
        break;
      }
      case 'sipkit:conn':
        if (m.slot !== this.slot) bounded(this.#held, peerKey(m.listener, m), m.slot);
        break;
      case 'sipkit:forget':
        for (const [k, slot] of this.#held) if (slot === m.slot) this.#held.delete(k);
        break;
      case 'sipkit:share':
        this.onShare?.(m.host, { address: m.address, port: m.port });
        break;
      case 'sipkit:aor':
        this.#remember(m.aor, m.bindings);
        break;
      case 'sipkit:synced':
        this.#synced = true;
        break;
      case 'sipkit:drain':
        this.onDrain?.();
        break;
    }
  }

  #toPrimary(m: ToPrimary): boolean {
    try {
      return process.send?.(m) ?? false;
    } catch {
      return false;
    }
  }
}

/** What {@link runPrimary} is told about each worker. */
interface Slot {
  worker: Worker | undefined;
  channel: number;
  ready: boolean;
  starts: number[];
}

/**
 * The primary process: forks the workers, restarts one that dies, keeps the registrations (with
 * `location: memory`) and the tables the workers share, serves /metrics (summed over the
 * workers) and /health, and on SIGTERM or SIGINT asks every worker to drain.
 *
 * @param config - checked configuration (`workers` > 1)
 * @param log - where logs go
 * @param demoUsers - demo users to hand every worker (when the configuration names none)
 * @returns the exit code once stopped
 */
export async function runPrimary(config: ServerConfig, log: Logger, demoUsers: readonly DemoUser[]): Promise<number> {
  const count = config.workers;
  const secret = config.auth.secret ?? randomBytes(32).toString('hex');
  const location = config.location.type === 'memory' ? new MemoryLocationService() : undefined;
  const sweeper = location === undefined ? undefined : sweepEverySecond(location);
  /** The registrations as the workers' copies have them: what a (re)started worker is sent. */
  const registered = new Map<string, readonly Binding[]>();
  const pruner = setInterval(() => prune(registered, Date.now()), PRUNE_MS);
  pruner.unref();
  const held = new Map<string, Held>();
  const shared = new Map<string, Shared>();
  const slots: Slot[] = Array.from({ length: count }, () => ({
    worker: undefined,
    channel: 0,
    ready: false,
    starts: [],
  }));
  let draining = false;
  let started = false;
  let listeners: readonly string[] = [];
  const aggregator = new AggregatorRegistry();

  // The workers bind these UDP ports with SO_REUSEPORT, which lets any process of the same user
  // join in: a second server started on the same port would take part of this one's traffic
  // without a word. A plain bind first fails if anything holds the port, such a server included.
  const reused = config.listen.filter((l) => udpReusePort(l, config));
  for (const l of reused) {
    try {
      await (await udpTransport({ host: l.host, port: l.port, io: 'native' })).close();
    } catch (e) {
      log.fatal({ err: String(e), listener: `udp:${l.host}:${l.port}` }, 'could not start');
      return 1;
    }
  }

  let http: HttpEndpoint | undefined;
  if (config.http !== false) {
    http = await startHttp(
      config.http,
      { metrics: () => aggregator.clusterMetrics(), contentType: aggregator.contentType },
      () => !draining,
    );
  }

  const broadcast = (m: ToWorker, except?: number) => {
    slots.forEach((s, i) => {
      if (i !== except && s.worker?.isConnected()) s.worker.send(m);
    });
  };
  const peers = () => broadcast({ t: 'sipkit:peers', ports: slots.map((s) => (s.ready ? s.channel : 0)) });

  let fail: ((code: number) => void) | undefined;
  const failed = new Promise<number>((resolve) => {
    fail = resolve;
  });

  const fork = (slot: number) => {
    const s = slots[slot] as Slot;
    s.starts.push(Date.now());
    s.ready = false;
    const worker = cluster.fork({ [ENV]: JSON.stringify({ slot, count, secret, demoUsers } satisfies WorkerStart) });
    s.worker = worker;
    worker.on('message', (m: ToPrimary) => {
      if (typeof m !== 'object' || m === null || typeof m.t !== 'string') return;
      switch (m.t) {
        case 'sipkit:ready': {
          s.channel = m.channel;
          s.ready = true;
          listeners = m.listeners;
          // What the others announced while it was away.
          for (const h of held.values()) worker.send({ t: 'sipkit:conn', ...h } satisfies ToWorker);
          for (const sh of shared.values()) worker.send({ t: 'sipkit:share', ...sh } satisfies ToWorker);
          // The registrations, for its copy (IPC keeps order: the changes after come after).
          if (location !== undefined) {
            prune(registered, Date.now());
            for (const [aor, bindings] of registered)
              worker.send({ t: 'sipkit:aor', aor, bindings } satisfies ToWorker);
            worker.send({ t: 'sipkit:synced' } satisfies ToWorker);
          }
          peers();
          if (!started && slots.every((x) => x.ready)) {
            started = true;
            log.info(
              {
                listeners,
                // Per UDP listener: the workers' own sockets on it (SO_REUSEPORT), or one node:cluster shares.
                udpSockets: config.listen
                  .filter((l) => l.transport === 'udp')
                  .map((l) => (udpReusePort(l, config) ? 'reusePort' : 'cluster')),
                domains: config.domains,
                http: http?.url,
                workers: slots.map((x, i) => ({ slot: i, pid: x.worker?.process.pid })),
              },
              'sipkit-server started',
            );
          } else if (started) {
            log.info({ slot, pid: worker.process.pid }, 'worker restarted');
          }
          break;
        }
        case 'sipkit:loc': {
          const answer = (r: ToWorker) => {
            if (worker.isConnected()) worker.send(r);
          };
          if (location === undefined || !LOCATION_OPS.includes(m.op)) {
            answer({ t: 'sipkit:loc', id: m.id, ok: false, error: 'no such location operation' });
            break;
          }
          const op = location[m.op] as (...a: unknown[]) => Promise<unknown>;
          op.apply(location, m.args).then(
            (value) => {
              answer({ t: 'sipkit:loc', id: m.id, ok: true, value });
              // A change goes to the other workers' copies (the asking one takes it from the answer).
              if ((m.op === 'update' || m.op === 'removeAll') && (value as UpdateResult).ok) {
                const aor = m.args[0] as string;
                const bindings = (value as UpdateResult).bindings;
                if (bindings.length === 0) registered.delete(aor);
                else registered.set(aor, bindings);
                broadcast({ t: 'sipkit:aor', aor, bindings }, slot);
              }
            },
            (e: unknown) => answer({ t: 'sipkit:loc', id: m.id, ok: false, error: String(e) }),
          );
          break;
        }
        case 'sipkit:conn': {
          const h: Held = { listener: m.listener, address: m.address, port: m.port, slot };
          bounded(held, peerKey(h.listener, h), h);
          broadcast({ t: 'sipkit:conn', ...h }, slot);
          break;
        }
        case 'sipkit:share': {
          const sh: Shared = { host: m.host, address: m.address, port: m.port };
          bounded(shared, sh.host, sh);
          broadcast({ t: 'sipkit:share', ...sh }, slot);
          break;
        }
      }
    });
    worker.on('exit', (code, signal) => {
      s.ready = false;
      s.worker = undefined;
      // Its connections died with it.
      for (const [k, h] of held) if (h.slot === slot) held.delete(k);
      broadcast({ t: 'sipkit:forget', slot });
      peers();
      if (draining) return;
      if (!started) {
        log.fatal({ slot, code, signal }, 'a worker could not start');
        fail?.(1);
        return;
      }
      // Restarted at once; one that keeps dying is restarted more slowly (at most every 5 s).
      const now = Date.now();
      s.starts = s.starts.filter((t) => now - t < 60_000);
      const delay = Math.min(5000, 100 * 2 ** Math.max(0, s.starts.length - 1));
      log.error({ slot, pid: worker.process.pid, code, signal, restartInMs: delay }, 'worker died');
      setTimeout(() => {
        if (!draining) fork(slot);
      }, delay).unref();
    });
  };

  cluster.setupPrimary({ silent: false });
  for (let i = 0; i < count; i++) fork(i);

  const exited = () =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (slots.every((s) => s.worker === undefined)) resolve();
        else setTimeout(check, 50);
      };
      check();
    });
  const stopped = new Promise<number>((resolve) => {
    const stop = (signal: string) => {
      if (draining) return;
      draining = true;
      log.info({ signal }, 'stopping');
      broadcast({ t: 'sipkit:drain' });
      // A worker that does not finish in time is killed.
      const deadline = setTimeout(() => {
        for (const s of slots) s.worker?.kill('SIGKILL');
      }, config.shutdownTimeoutMs + 5000);
      void exited().then(() => {
        clearTimeout(deadline);
        resolve(0);
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  const code = await Promise.race([stopped, failed]);
  if (code !== 0) {
    draining = true;
    for (const s of slots) s.worker?.kill('SIGKILL');
    await exited();
  }
  await http?.close();
  clearInterval(sweeper);
  clearInterval(pruner);
  await location?.close();
  log.info('sipkit-server stopped');
  return code;
}

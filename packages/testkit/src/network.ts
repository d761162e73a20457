import { parseMessage } from '@sipkit/parser';
import {
  type PeerAddress,
  type Transport,
  TransportError,
  type TransportEvent,
  type TransportProtocol,
} from '@sipkit/transport';
import type { Clock } from './clock.js';
import { mulberry32 } from './internal/random.js';
import { type LadderOptions, type LadderSvgOptions, ladderSvg, ladderText } from './ladder.js';

/**
 * How one direction of a link treats datagrams. Reliable protocols (TCP, TLS, WS, WSS) only take
 * `delay` and `jitter` from it, and never let a message overtake an earlier one on its flow.
 *
 * @public
 */
export interface LinkConditions {
  /**
   * Probability (0..1) that a datagram is dropped.
   *
   * @defaultValue 0
   */
  readonly loss?: number;
  /**
   * Base one-way delay in milliseconds.
   *
   * @defaultValue 0
   */
  readonly delay?: number;
  /**
   * Extra delay in milliseconds, uniform in 0..jitter, drawn for each message.
   *
   * @defaultValue 0
   */
  readonly jitter?: number;
  /**
   * Probability (0..1) that a second copy of a datagram is delivered, a little after the first.
   *
   * @defaultValue 0
   */
  readonly duplicate?: number;
  /**
   * Probability (0..1) that a datagram is held back by an extra delay, uniform in
   * 0..`reorderWindow`, so that later ones overtake it.
   *
   * @defaultValue 0
   */
  readonly reorder?: number;
  /**
   * Longest hold-back of a reordered datagram, in milliseconds.
   *
   * @defaultValue 4 × `delay`, or 50 when `delay` is 0
   */
  readonly reorderWindow?: number;
}

/**
 * Options of a {@link VirtualNetwork}.
 *
 * @public
 */
export interface VirtualNetworkOptions {
  /** The clock deliveries are scheduled on (usually a {@link VirtualClock}). */
  readonly clock: Clock;
  /**
   * Seed of the network's random choices: the same seed and the same sends replay exactly.
   *
   * @defaultValue 1
   */
  readonly seed?: number;
  /**
   * Conditions of every link that {@link VirtualNetwork.link} does not set otherwise.
   *
   * @defaultValue no loss, no delay
   */
  readonly link?: LinkConditions;
  /**
   * Most records the trace keeps; the oldest go first.
   *
   * @defaultValue 10_000
   */
  readonly traceLimit?: number;
}

/**
 * Where and how a {@link VirtualEndpoint} listens.
 *
 * @public
 */
export interface VirtualEndpointOptions {
  /** IP address (IPv6 without brackets), or any name: the network does not resolve. */
  readonly address: string;
  /**
   * Port; 0 picks a free one from 49152 up.
   *
   * @defaultValue 0
   */
  readonly port?: number;
  /**
   * Transport protocol: `udp` is unreliable and subject to every link condition; the others are
   * reliable, connection-oriented and ordered.
   *
   * @defaultValue 'udp'
   */
  readonly protocol?: TransportProtocol;
}

/**
 * An endpoint of a {@link VirtualNetwork}: a {@link Transport} the transport layer, a test or a
 * compliance suite drives like a socket transport.
 *
 * @public
 */
export interface VirtualEndpoint extends Transport {
  /** The network it belongs to. */
  readonly network: VirtualNetwork;
  /** `address:port` (`[address]:port` for IPv6), as the trace and ladders name it. */
  readonly name: string;
  /** Whether {@link Transport.close} was called. */
  readonly closed: boolean;
}

/**
 * A way to name an endpoint: the endpoint, its address, or `address:port` (`[v6]:port`).
 *
 * @public
 */
export type EndpointRef = VirtualEndpoint | PeerAddress | string;

/**
 * What became of a sent message: arrived once, arrived twice, or never arrived.
 *
 * @public
 */
export type TraceFate = 'delivered' | 'lost' | 'duplicated';

/**
 * Why a message was lost: dropped by the link's `loss`, the sender or receiver was down
 * ({@link VirtualNetwork.setDown}), nothing of that protocol listens at the destination (or it
 * closed, or its flow closed), or the endpoint there had no receiver yet.
 *
 * @public
 */
export type TraceLossReason = 'loss' | 'down' | 'unreachable' | 'not-listening';

/**
 * One message sent on the network, as the trace records it.
 *
 * @public
 */
export interface TraceRecord {
  /** Sequence number of the send on this network, from 1. */
  readonly id: number;
  /** Clock time of the send (ms). */
  readonly time: number;
  /** Sender, `address:port`. */
  readonly from: string;
  /** Destination, `address:port`. */
  readonly to: string;
  /** Protocol of the sending endpoint. */
  readonly protocol: TransportProtocol;
  /** The flow it went on (reliable protocols). */
  readonly flow?: string;
  /** Short name for arrows: the method (`INVITE`), the status (`180 Ringing`), `ping` or `pong`. */
  readonly label: string;
  /**
   * One line: the start line without the version, then the CSeq and top Via branch when the
   * message parsed (`INVITE sip:bob@biloxi.com [CSeq 1 INVITE, branch z9hG4bK776]`).
   */
  readonly summary: string;
  /** Call-ID, when the message parsed. */
  readonly callId?: string;
  /** Size in bytes. */
  readonly size: number;
  /** What became of it (settles to `lost` when every copy was dropped on arrival). */
  readonly fate: TraceFate;
  /** Why it was lost, when it was. */
  readonly reason?: TraceLossReason;
  /** Clock times (ms) at which copies reached a receiver. */
  readonly deliveredAt: readonly number[];
}

/**
 * Totals of a {@link VirtualNetwork} since it was made.
 *
 * @public
 */
export interface NetworkCounters {
  /** Messages sent (including sends rejected for want of a peer). */
  readonly sent: number;
  /** Copies handed to a receiver (a duplicated message counts twice). */
  readonly delivered: number;
  /** Messages of which no copy arrived. */
  readonly lost: number;
  /** Messages the network duplicated. */
  readonly duplicated: number;
}

interface MutableRecord {
  id: number;
  time: number;
  from: string;
  to: string;
  protocol: TransportProtocol;
  flow?: string;
  label: string;
  summary: string;
  callId?: string;
  size: number;
  fate: TraceFate;
  reason?: TraceLossReason;
  deliveredAt: number[];
}

/** A message on its way: its record and how many of its copies are still in flight. */
interface InFlight {
  readonly r: MutableRecord;
  copies: number;
}

interface Flow {
  readonly id: string;
  readonly a: Endpoint;
  readonly b: Endpoint;
  open: boolean;
  /** Last scheduled arrival a→b and b→a: a later message never arrives before it. */
  lastAb: number;
  lastBa: number;
  /**
   * Arrivals not yet handed over, per direction, in send order. A clock whose timers may fire
   * out of order (a real one rounds delays to whole ms) must not reorder a byte stream, so each
   * timer delivers everything queued before its own message first.
   */
  queueAb: (() => void)[];
  queueBa: (() => void)[];
}

const CR = 13;
const LF = 10;

function isCrlf(bytes: Uint8Array, n: number): boolean {
  if (bytes.length !== 2 * n) return false;
  for (let i = 0; i < bytes.length; i += 2) if (bytes[i] !== CR || bytes[i + 1] !== LF) return false;
  return true;
}

/** `address:port`, with brackets around an IPv6 address. */
function hostport(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

function refName(ref: EndpointRef): string {
  if (typeof ref !== 'string') return 'name' in ref ? ref.name : hostport(ref.address, ref.port);
  const m = /^\[(.*)\]:(\d+)$/.exec(ref) ?? /^(.*):(\d+)$/.exec(ref);
  if (m === null) throw new RangeError(`VirtualNetwork: '${ref}' is not address:port`);
  return hostport(m[1] as string, Number(m[2]));
}

function checkConditions(c: LinkConditions): LinkConditions {
  for (const k of ['loss', 'duplicate', 'reorder'] as const) {
    const v = c[k];
    if (v !== undefined && !(v >= 0 && v <= 1)) throw new RangeError(`LinkConditions.${k} must be in 0..1, not ${v}`);
  }
  for (const k of ['delay', 'jitter', 'reorderWindow'] as const) {
    const v = c[k];
    if (v !== undefined && !(v >= 0 && Number.isFinite(v))) {
      throw new RangeError(`LinkConditions.${k} must be a finite number ≥ 0, not ${v}`);
    }
  }
  return c;
}

const decoder = new TextDecoder();

interface Description {
  label: string;
  summary: string;
  callId?: string;
}

/** Names a message for the trace; never throws, whatever the bytes. */
function describe(bytes: Uint8Array): Description {
  if (isCrlf(bytes, 2)) return { label: 'ping', summary: 'keep-alive ping (CRLF CRLF)' };
  if (isCrlf(bytes, 1)) return { label: 'pong', summary: 'keep-alive pong (CRLF)' };
  try {
    const m = parseMessage(bytes);
    const label = m.isRequest ? m.method : `${m.status} ${m.reason}`.trimEnd();
    const start = m.isRequest ? `${m.method} ${m.uri}` : label;
    const extra: string[] = [];
    try {
      const cseq = m.cseq;
      if (cseq !== undefined) extra.push(`CSeq ${cseq.seq} ${cseq.method}`);
    } catch {
      // a malformed CSeq is left out
    }
    try {
      const branch = m.topVia?.branch;
      if (branch !== undefined) extra.push(`branch ${branch}`);
    } catch {
      // so is a malformed Via
    }
    const d: Description = { label, summary: extra.length > 0 ? `${start} [${extra.join(', ')}]` : start };
    try {
      const callId = m.callId;
      if (callId !== undefined) d.callId = callId;
    } catch {
      // and a malformed Call-ID
    }
    return d;
  } catch {
    // Not a valid message: name it by its start line when it has one.
    const line =
      decoder
        .decode(bytes.subarray(0, Math.min(bytes.length, 200)))
        .split(/\r?\n/)[0]
        ?.trim() ?? '';
    const req = /^([!%'*+\-.0-9A-Z_`a-z~]+) (\S+) SIP\/2\.0$/.exec(line);
    if (req !== null) return { label: req[1] as string, summary: `${req[1]} ${req[2]} (unparsable)` };
    const res = /^SIP\/2\.0 (\d{3}) ?(.*)$/.exec(line);
    if (res !== null) {
      const label = `${res[1]} ${res[2]}`.trimEnd();
      return { label, summary: `${label} (unparsable)` };
    }
    const label = line === '' ? `${bytes.length} bytes` : line.length > 40 ? `${line.slice(0, 39)}…` : line;
    return { label, summary: `${label} (not SIP, ${bytes.length} bytes)` };
  }
}

class Endpoint implements VirtualEndpoint {
  readonly network: VirtualNetwork;
  readonly protocol: TransportProtocol;
  readonly reliable: boolean;
  readonly framed: boolean;
  readonly secure: boolean;
  readonly local: PeerAddress;
  readonly name: string;
  closed = false;
  receiver: ((event: TransportEvent) => void) | undefined = undefined;
  /** Open flows by the peer's name (connection reuse). */
  readonly flows = new Map<string, Flow>();
  readonly #send: (from: Endpoint, bytes: Uint8Array, to: PeerAddress, flow: string | undefined) => string | undefined;
  readonly #close: (e: Endpoint) => void;

  constructor(
    network: VirtualNetwork,
    protocol: TransportProtocol,
    address: string,
    port: number,
    send: (from: Endpoint, bytes: Uint8Array, to: PeerAddress, flow: string | undefined) => string | undefined,
    close: (e: Endpoint) => void,
  ) {
    this.network = network;
    this.protocol = protocol;
    this.reliable = protocol !== 'udp';
    // Messages arrive whole either way; TCP and TLS still say they are byte streams, so the
    // transport layer asks for Content-Length as it would on a socket (RFC 3261 §18.3).
    this.framed = protocol === 'udp' || protocol === 'ws' || protocol === 'wss';
    this.secure = protocol === 'tls' || protocol === 'wss';
    this.local = { address, port };
    this.name = hostport(address, port);
    this.#send = send;
    this.#close = close;
  }

  async send(bytes: Uint8Array, to: PeerAddress, flow?: string): Promise<string | undefined> {
    return this.#send(this, bytes, to, flow);
  }

  listen(receiver: (event: TransportEvent) => void): void {
    this.receiver = receiver;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.receiver = undefined;
    this.#close(this);
  }
}

/**
 * A network in memory, on a {@link Clock}: endpoints that implement {@link Transport}, links
 * that lose, delay, jitter, duplicate and reorder datagrams from one seeded random sequence (so a
 * run replays exactly), reliable flows for TCP, TLS, WS and WSS, peers that go down, and a
 * trace of every message that {@link ladderText} and {@link ladderSvg} draw as a ladder.
 *
 * Deliveries are timers on the clock: nothing arrives until the clock runs them. An exception
 * thrown by a receiver propagates out of the clock method that ran the delivery, so a test sees
 * it (socket transports would swallow it).
 *
 * @example
 * ```ts
 * const clock = new VirtualClock();
 * const net = new VirtualNetwork({ clock, seed: 7, link: { delay: 20, loss: 0.1 } });
 * const alice = net.endpoint({ address: '192.0.2.1', port: 5060 });
 * const bob = net.endpoint({ address: '192.0.2.2', port: 5060 });
 * bob.listen((e) => console.log('bob got', e.type, 'from', e.source));
 * await alice.send(sip.bytes`OPTIONS sip:bob@192.0.2.2 SIP/2.0`, bob.local);
 * clock.advance(100);
 * console.log(net.ladder());
 * ```
 *
 * @public
 */
export class VirtualNetwork {
  /** The clock deliveries are scheduled on. */
  readonly clock: Clock;
  readonly #random: () => number;
  readonly #defaults: LinkConditions;
  readonly #links = new Map<string, LinkConditions>();
  readonly #endpoints = new Map<string, Endpoint>();
  readonly #down = new Set<string>();
  readonly #flows = new Map<string, Flow>();
  readonly #traceLimit: number;
  #trace: MutableRecord[] = [];
  #traceStart = 0;
  #ids = 0;
  #flowIds = 0;
  #nextPort = 49152;
  #sent = 0;
  #delivered = 0;
  #lost = 0;
  #duplicated = 0;

  /**
   * @param options - clock, seed, default link conditions, trace size
   */
  constructor(options: VirtualNetworkOptions) {
    this.clock = options.clock;
    this.#random = mulberry32(options.seed ?? 1);
    this.#defaults = checkConditions(options.link ?? {});
    const limit = options.traceLimit ?? 10_000;
    if (!(limit >= 0)) throw new RangeError(`VirtualNetwork: traceLimit must be ≥ 0, not ${limit}`);
    this.#traceLimit = limit;
  }

  /**
   * Opens an endpoint.
   *
   * @param options - address, port and protocol
   * @returns a {@link Transport} bound to `address:port`
   * @throws Error when an open endpoint of that protocol already has the address and port
   */
  endpoint(options: VirtualEndpointOptions): VirtualEndpoint {
    const protocol = options.protocol ?? 'udp';
    let port = options.port ?? 0;
    if (port === 0) {
      while (this.#endpoints.has(`${protocol} ${hostport(options.address, this.#nextPort)}`)) this.#nextPort++;
      port = this.#nextPort++;
    }
    const key = `${protocol} ${hostport(options.address, port)}`;
    if (this.#endpoints.has(key)) throw new Error(`VirtualNetwork: ${key} is already in use`);
    const e = new Endpoint(
      this,
      protocol,
      options.address,
      port,
      (from, bytes, to, flow) => this.#send(from, bytes, to, flow),
      (closing) => this.#closeEndpoint(closing),
    );
    this.#endpoints.set(key, e);
    return e;
  }

  /**
   * Sets the conditions of the direction `from` → `to` (call it twice for both directions).
   * What they leave out comes from the network's default conditions.
   *
   * @param from - the sending side
   * @param to - the receiving side
   * @param conditions - loss, delay, jitter, duplication and reordering on that direction
   */
  link(from: EndpointRef, to: EndpointRef, conditions: LinkConditions): void {
    this.#links.set(`${refName(from)} ${refName(to)}`, checkConditions({ ...conditions }));
  }

  /**
   * Takes a peer down (or brings it back): nothing reaches it or leaves it, datagrams in flight
   * to it are lost, and sends on reliable protocols to it fail. It applies to every protocol at
   * that address and port.
   *
   * @param endpoint - the peer
   * @param down - whether it is down
   * @defaultValue down true
   */
  setDown(endpoint: EndpointRef, down = true): void {
    const name = refName(endpoint);
    if (down) this.#down.add(name);
    else this.#down.delete(name);
  }

  /**
   * Whether a peer is down.
   *
   * @param endpoint - the peer
   */
  isDown(endpoint: EndpointRef): boolean {
    return this.#down.has(refName(endpoint));
  }

  /** Every message sent, oldest first (at most `traceLimit` of them). */
  get trace(): readonly TraceRecord[] {
    if (this.#traceStart > 0) {
      this.#trace.splice(0, this.#traceStart);
      this.#traceStart = 0;
    }
    return this.#trace;
  }

  /** Forgets the trace (the counters stay). */
  clearTrace(): void {
    this.#trace = [];
    this.#traceStart = 0;
  }

  /** Totals since the network was made. */
  get counters(): NetworkCounters {
    return { sent: this.#sent, delivered: this.#delivered, lost: this.#lost, duplicated: this.#duplicated };
  }

  /**
   * The trace as a text ladder diagram ({@link ladderText}).
   *
   * @param options - width, rows, columns
   */
  ladder(options?: LadderOptions): string {
    return ladderText(this.trace, options);
  }

  /**
   * The trace as a standalone SVG ladder diagram ({@link ladderSvg}).
   *
   * @param options - rows, columns, title
   */
  ladderSvg(options?: LadderSvgOptions): string {
    return ladderSvg(this.trace, options);
  }

  #conditions(from: string, to: string): LinkConditions {
    const own = this.#links.get(`${from} ${to}`);
    return own === undefined ? this.#defaults : { ...this.#defaults, ...own };
  }

  #record(from: Endpoint, to: string, bytes: Uint8Array): MutableRecord {
    const d = describe(bytes);
    const r: MutableRecord = {
      id: ++this.#ids,
      time: this.clock.now(),
      from: from.name,
      to,
      protocol: from.protocol,
      label: d.label,
      summary: d.summary,
      size: bytes.length,
      fate: 'delivered',
      deliveredAt: [],
    };
    if (d.callId !== undefined) r.callId = d.callId;
    this.#sent++;
    if (this.#traceLimit > 0) {
      this.#trace.push(r);
      if (this.#trace.length - this.#traceStart > this.#traceLimit) {
        this.#traceStart++;
        // Compact now and then rather than shifting on every send.
        if (this.#traceStart >= 1024 || this.#traceStart * 2 >= this.#trace.length) {
          this.#trace.splice(0, this.#traceStart);
          this.#traceStart = 0;
        }
      }
    }
    return r;
  }

  #lose(r: MutableRecord, reason: TraceLossReason): void {
    r.fate = 'lost';
    r.reason = reason;
    this.#lost++;
  }

  /** One copy did not make it; the message is lost when no copy did. */
  #dropCopy(m: InFlight, reason: TraceLossReason): void {
    m.copies--;
    if (m.copies === 0 && m.r.deliveredAt.length === 0) this.#lose(m.r, reason);
  }

  #send(from: Endpoint, bytes: Uint8Array, to: PeerAddress, flowId: string | undefined): string | undefined {
    if (from.closed) throw new TransportError('SEND_FAILED', `${from.protocol} ${from.name} is closed`);
    const copy = bytes.slice();
    return from.reliable ? this.#sendStream(from, copy, to, flowId) : this.#sendDatagram(from, copy, to);
  }

  #sendDatagram(from: Endpoint, bytes: Uint8Array, to: PeerAddress): undefined {
    const toName = hostport(to.address, to.port);
    const r = this.#record(from, toName, bytes);
    const c = this.#conditions(from.name, toName);
    // A fixed number of draws per datagram: changing one condition does not reshuffle the rest.
    const rnd = this.#random;
    const uLoss = rnd();
    const uJitter = rnd();
    const uReorder = rnd();
    const uHold = rnd();
    const uDup = rnd();
    const uDupLag = rnd();
    if (this.#down.has(from.name) || this.#down.has(toName)) return void this.#lose(r, 'down');
    if (this.#endpoints.get(`udp ${toName}`) === undefined) return void this.#lose(r, 'unreachable');
    if (uLoss < (c.loss ?? 0)) return void this.#lose(r, 'loss');
    const delay = c.delay ?? 0;
    const jitter = c.jitter ?? 0;
    let after = delay + uJitter * jitter;
    if (uReorder < (c.reorder ?? 0)) after += uHold * (c.reorderWindow ?? (delay > 0 ? 4 * delay : 50));
    const source: PeerAddress = { address: from.local.address, port: from.local.port };
    const m: InFlight = { r, copies: 0 };
    this.#schedule(m, after, () => this.#arriveDatagram(m, toName, bytes, source));
    if (uDup < (c.duplicate ?? 0)) {
      r.fate = 'duplicated';
      this.#duplicated++;
      this.#schedule(m, after + 1 + uDupLag * Math.max(delay + jitter, 1), () =>
        this.#arriveDatagram(m, toName, bytes, source),
      );
    }
    return undefined;
  }

  #arriveDatagram(m: InFlight, toName: string, bytes: Uint8Array, source: PeerAddress): void {
    // Whoever listens there now gets it, as with a real socket.
    const e = this.#endpoints.get(`udp ${toName}`);
    if (e === undefined) this.#dropCopy(m, 'unreachable');
    else this.#deliver(m, e, { type: 'message', bytes: bytes.slice(), source });
  }

  #sendStream(from: Endpoint, bytes: Uint8Array, to: PeerAddress, flowId: string | undefined): string {
    let flow = flowId === undefined ? undefined : this.#flows.get(flowId);
    if (flow !== undefined && flow.a !== from && flow.b !== from) flow = undefined;
    const toName = hostport(to.address, to.port);
    flow ??= from.flows.get(toName);
    const peer =
      flow === undefined ? this.#endpoints.get(`${from.protocol} ${toName}`) : flow.a === from ? flow.b : flow.a;
    const r = this.#record(from, peer?.name ?? toName, bytes);
    const uJitter = this.#random();
    if (this.#down.has(from.name) || (peer !== undefined && this.#down.has(peer.name))) {
      this.#lose(r, 'down');
      throw new TransportError('SEND_FAILED', `${from.protocol} ${from.name} → ${r.to}: peer down`);
    }
    if (peer === undefined || peer.closed) {
      this.#lose(r, 'unreachable');
      throw new TransportError('SEND_FAILED', `${from.protocol} ${from.name} → ${toName}: connection refused`);
    }
    if (flow === undefined) {
      flow = {
        id: `vflow-${++this.#flowIds}`,
        a: from,
        b: peer,
        open: true,
        lastAb: 0,
        lastBa: 0,
        queueAb: [],
        queueBa: [],
      };
      this.#flows.set(flow.id, flow);
      from.flows.set(peer.name, flow);
      if (!peer.flows.has(from.name)) peer.flows.set(from.name, flow);
    }
    r.flow = flow.id;
    const c = this.#conditions(from.name, peer.name);
    const now = this.clock.now();
    let at = now + (c.delay ?? 0) + uJitter * (c.jitter ?? 0);
    // A byte stream keeps order: a message never arrives before one sent earlier on its flow.
    if (flow.a === from) {
      at = Math.max(at, flow.lastAb);
      flow.lastAb = at;
    } else {
      at = Math.max(at, flow.lastBa);
      flow.lastBa = at;
    }
    const f = flow;
    const source: PeerAddress = { address: from.local.address, port: from.local.port };
    const m: InFlight = { r, copies: 0 };
    const queue = flow.a === from ? flow.queueAb : flow.queueBa;
    const arrive = (): void => {
      if (!f.open) {
        this.#dropCopy(m, 'unreachable');
        return;
      }
      if (isCrlf(bytes, 1)) {
        // RFC 5626 §3.5.1: a pong answers a ping; there is nothing to hand up.
        if (this.#down.has(peer.name)) {
          this.#dropCopy(m, 'down');
          return;
        }
        m.copies--;
        r.deliveredAt.push(this.clock.now());
        this.#delivered++;
        return;
      }
      const event: TransportEvent = isCrlf(bytes, 2)
        ? { type: 'ping', source, flow: f.id }
        : { type: 'message', bytes: bytes.slice(), source, flow: f.id };
      this.#deliver(m, peer, event);
    };
    queue.push(arrive);
    this.#schedule(m, at - now, () => {
      // Deliver, in send order, every arrival queued up to this one (none if already done).
      const mine = queue.indexOf(arrive);
      for (const next of queue.splice(0, mine + 1)) next();
    });
    return flow.id;
  }

  #schedule(m: InFlight, after: number, arrive: () => void): void {
    m.copies++;
    this.clock.setTimeout(arrive, after);
  }

  #deliver(m: InFlight, to: Endpoint, event: TransportEvent): void {
    const receiver = to.receiver;
    // What is already on the wire still arrives when its sender goes down; a dead receiver gets nothing.
    if (to.closed) this.#dropCopy(m, 'unreachable');
    else if (this.#down.has(to.name)) this.#dropCopy(m, 'down');
    else if (receiver === undefined) this.#dropCopy(m, 'not-listening');
    else {
      m.copies--;
      m.r.deliveredAt.push(this.clock.now());
      this.#delivered++;
      receiver(event);
    }
  }

  #closeEndpoint(e: Endpoint): void {
    const key = `${e.protocol} ${e.name}`;
    if (this.#endpoints.get(key) === e) this.#endpoints.delete(key);
    for (const flow of e.flows.values()) {
      flow.open = false;
      this.#flows.delete(flow.id);
      const other = flow.a === e ? flow.b : flow.a;
      if (other.flows.get(e.name) === flow) other.flows.delete(e.name);
    }
    e.flows.clear();
  }
}

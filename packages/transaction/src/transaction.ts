import {
  createRequest,
  createResponse,
  parseMessage,
  type SipRequest,
  type SipResponse,
  serialize,
} from '@sipkit/parser';
import type { Received, Route, Target, Transport } from '@sipkit/transport';
import { TransactionError } from './errors.js';
import type { Host } from './internal/host.js';
import type { TimerValues } from './timers.js';

/**
 * Transaction states, named as in RFC 3261 Figures 5–8, plus `Accepted` from RFC 6026.
 *
 * @public
 */
export type TransactionState =
  | 'Calling'
  | 'Trying'
  | 'Proceeding'
  | 'Completed'
  | 'Confirmed'
  | 'Accepted'
  | 'Terminated';

/**
 * The four kinds of transaction (RFC 3261 §17.1.1, §17.1.2, §17.2.1, §17.2.2).
 *
 * @public
 */
export type TransactionKind = 'invite-client' | 'non-invite-client' | 'invite-server' | 'non-invite-server';

/**
 * What a client transaction reports to whoever started it. One handler object may serve many
 * transactions (a proxy passes the same one for every branch and keeps its own state in
 * `transaction.context`), so the layer keeps no closure per transaction.
 *
 * @public
 */
export interface ClientTransactionHandler {
  /**
   * A response for the TU: every provisional and final response, and in the `Accepted` state
   * every 2xx retransmission or 2xx from another fork (RFC 6026 §8.4). Retransmitted non-2xx
   * finals are absorbed and not reported.
   */
  onResponse(response: SipResponse, transaction: ClientTransaction): void;
  /**
   * The transaction failed: `TIMEOUT` (Timer B or F; a UAC core answers itself with 408,
   * §8.1.3.1) or `TRANSPORT` (§17.1.4, a UAC core answers itself with 503).
   */
  onFailure?(transaction: ClientTransaction, error: TransactionError): void;
  /** The transaction reached `Terminated` and left the table. */
  onTerminated?(transaction: ClientTransaction): void;
}

/**
 * "No timer". Timer fields hold whole milliseconds or -1, never Infinity or fractions, so V8
 * keeps them as small integers inside the object instead of a boxed double per field.
 */
const NONE = -1;

/** The earlier of two timer times, either of which may be NONE. */
function earliest(a: number, b: number): number {
  if (a < 0) return b;
  if (b < 0) return a;
  return Math.min(a, b);
}

/** Legal moves per kind: one guarded `transition()` rejects anything else (a bug in this layer). */
const MOVES: Record<TransactionKind, Partial<Record<TransactionState, readonly TransactionState[]>>> = {
  // RFC 3261 Figure 5 with RFC 6026 Figure 5's Accepted state.
  'invite-client': {
    Calling: ['Proceeding', 'Completed', 'Accepted', 'Terminated'],
    Proceeding: ['Completed', 'Accepted', 'Terminated'],
    Completed: ['Terminated'],
    Accepted: ['Terminated'],
  },
  // RFC 3261 Figure 6.
  'non-invite-client': {
    Trying: ['Proceeding', 'Completed', 'Terminated'],
    Proceeding: ['Completed', 'Terminated'],
    Completed: ['Terminated'],
  },
  // RFC 3261 Figure 7 with RFC 6026 Figure 7's Accepted state.
  'invite-server': {
    Proceeding: ['Completed', 'Accepted', 'Terminated'],
    Completed: ['Confirmed', 'Terminated'],
    Confirmed: ['Terminated'],
    Accepted: ['Terminated'],
  },
  // RFC 3261 Figure 8.
  'non-invite-server': {
    Trying: ['Proceeding', 'Completed', 'Terminated'],
    Proceeding: ['Completed', 'Terminated'],
    Completed: ['Terminated'],
  },
};

/**
 * What every transaction has: its kind, state, key in the layer's table, and a slot the TU may
 * use. Timers live in two fields (a retransmission timer and a timeout timer, which is all any
 * state of Figures 5–8 runs at once), so a transaction is one entry in the layer's timer queue.
 *
 * @public
 */
export abstract class Transaction {
  /** Which of the four machines this is. */
  abstract get kind(): TransactionKind;
  /** Whether this is a client transaction. */
  abstract get isClient(): boolean;
  /** The key it is matched by (§17.1.3, §17.2.3). */
  readonly key: string;
  /** Free for the transaction user: the layer never reads it. */
  context: unknown;
  /** @internal */
  _state: TransactionState;
  /** @internal when the earliest timer is due, or -1 */
  due = NONE;
  /** @internal heap slot */
  slot = -1;
  /** @internal retransmission (A, E, G) or 100 Trying timer: when it fires */
  _rAt = NONE;
  /** @internal its current interval */
  _rEvery = 0;
  /** @internal timeout or wait timer (B, D, F, H, I, J, K, L, M): when it fires */
  _tAt = NONE;
  /** @internal */
  readonly _host: Host;
  /** @internal timer values for this transport */
  _t: TimerValues;

  /** @internal */
  constructor(host: Host, key: string, state: TransactionState, reliable: boolean, context: unknown) {
    this._host = host;
    this.key = key;
    this._state = state;
    this._t = host.timers(reliable);
    this.context = context;
  }

  /** The current state. */
  get state(): TransactionState {
    return this._state;
  }

  /** @internal guarded move between states of the figure */
  _transition(to: TransactionState): void {
    const allowed = MOVES[this.kind][this._state];
    if (allowed === undefined || !allowed.includes(to)) {
      throw new Error(`${this.kind} transaction: no move from ${this._state} to ${to}`);
    }
    this._state = to;
    if (to === 'Terminated') {
      this._rAt = NONE;
      this._tAt = NONE;
      this.due = NONE;
      this._host.terminated(this as unknown as ClientTransaction | ServerTransaction);
    }
  }

  /** @internal ends the transaction unless something it called already did */
  _terminate(): void {
    if (this._state !== 'Terminated') this._transition('Terminated');
  }

  /** @internal recomputes `due` and re-files the entry */
  _refile(): void {
    const due = earliest(this._rAt, this._tAt);
    if (due !== this.due || (due >= 0 && this.slot < 0)) {
      this.due = due;
      this._host.schedule(this);
    }
  }

  /** @internal called by the timer queue */
  fire(now: number): void {
    if (this._rAt >= 0 && this._rAt <= now) {
      this._rAt = NONE;
      this._onRetransmitTimer(now);
    }
    if (this._tAt >= 0 && this._tAt <= now && this._state !== 'Terminated') {
      this._tAt = NONE;
      this._onTimeoutTimer(now);
    }
    this.due = earliest(this._rAt, this._tAt);
  }

  /** @internal */
  abstract _onRetransmitTimer(now: number): void;
  /** @internal */
  abstract _onTimeoutTimer(now: number): void;
}

/**
 * A client transaction (RFC 3261 §17.1): it sends a request, retransmits it on unreliable
 * transports, and passes responses up to its {@link ClientTransactionHandler}.
 *
 * @public
 */
export abstract class ClientTransaction extends Transaction {
  /** Always true. */
  get isClient(): true {
    return true;
  }
  /** Where it is sent. */
  readonly target: Target;
  /** @internal */
  readonly _handler: ClientTransactionHandler;
  /** @internal the transport it went out on */
  _transport: Transport | undefined = undefined;
  /**
   * @internal the request as sent, one byte per char: what retransmissions send again. A string
   * costs the bytes and a header, where a Uint8Array costs three objects besides.
   */
  _wire = '';
  /** @internal the connection it went out on */
  _flow: string | undefined = undefined;
  /** @internal the TU's request object, not kept alive by the transaction */
  _ref: WeakRef<SipRequest> | undefined;
  /** @internal the request until it is sent */
  _pending: SipRequest | undefined;
  /** @internal its method (with the branch, what a response is matched by) */
  readonly _method: string;

  /** @internal */
  constructor(
    host: Host,
    key: string,
    state: TransactionState,
    request: SipRequest,
    target: Target,
    handler: ClientTransactionHandler,
    context: unknown,
  ) {
    super(host, key, state, target.protocol !== 'udp', context);
    this._pending = request;
    this._ref = undefined;
    this._method = request.method;
    this.target = target;
    this._handler = handler;
  }

  /** The branch parameter of its top Via (the key it is matched by, §17.1.3). */
  get branch(): string {
    return this.key;
  }

  /**
   * The request as sent: its top Via carries the branch and the transport's sent-by. This is the
   * object given to {@link TransactionLayer.request} while anything else holds it; the
   * transaction itself keeps only the bytes it sent (a live transaction stays small), so once the
   * TU lets go of the object, reading this parses those bytes again.
   */
  get request(): SipRequest {
    if (this._pending !== undefined) return this._pending;
    const held = this._ref?.deref();
    if (held !== undefined) return held;
    const again = parseMessage(latin1Bytes(this._wire)) as SipRequest;
    this._ref = new WeakRef(again);
    return again;
  }

  /** The transport the request went out on, once routed. */
  get transport(): Transport | undefined {
    return this._transport;
  }

  /** The connection the request went out on, when the transport has connections. */
  get flow(): string | undefined {
    return this._flow;
  }

  /** @internal first send: route, send, start the timers of the first state */
  _start(now: number): boolean {
    const request = this._pending as SipRequest;
    let route: Route;
    try {
      route = this._host.routeRequest(request, this.target);
    } catch (e) {
      this._transportError(e);
      return false;
    }
    this._pending = undefined;
    this._ref = new WeakRef(request);
    this._transport = route.transport;
    this._flow = route.flow;
    this._wire = latin1String(route.bytes);
    // The transport chosen decides the timers (a large UDP request may have moved to TCP).
    this._t = this._host.timers(route.transport.reliable);
    this._startTimers(now);
    this._refile();
    this._host.send(route.transport, route.bytes, this.target, route.flow, this);
    return true;
  }

  /** @internal */
  abstract _startTimers(now: number): void;

  /** @internal retransmit: the bytes first sent, the same way (§17.1.1.2) */
  _resend(): void {
    this._sendWire(this._wire);
  }

  /** @internal sends bytes kept as a one-byte string where the request went */
  _sendWire(wire: string): void {
    const t = this._transport;
    if (t !== undefined) this._host.send(t, latin1Bytes(wire), this.target, this._flow, this);
  }

  /** @internal */
  onFlow(flow: string | undefined): void {
    if (flow !== undefined) this._flow = flow;
  }

  /** @internal */
  onSendError(error: unknown): void {
    this._transportError(error);
  }

  /** @internal RFC 3261 §17.1.4: a transport failure is reported to the TU and ends the transaction. */
  _transportError(error: unknown): void {
    if (this._state === 'Terminated') return;
    const err = new TransactionError('TRANSPORT', `could not send the ${this.kind} request: ${String(error)}`, error);
    this._host.clientFailed(this, err);
    this._terminate();
  }

  /** @internal a response matched this transaction (§17.1.3) */
  abstract _receive(response: SipResponse, now: number): void;
}

/**
 * The INVITE client transaction of RFC 3261 §17.1.1 with RFC 6026's `Accepted` state:
 * Calling → Proceeding → Completed (non-2xx, with the ACK sent by the transaction) or Accepted
 * (2xx, whose ACK belongs to the TU) → Terminated.
 *
 * @public
 */
export class InviteClientTransaction extends ClientTransaction {
  /** Always `invite-client`. */
  get kind(): 'invite-client' {
    return 'invite-client';
  }
  /** @internal the ACK for a non-2xx final (one byte per char), kept to answer its retransmissions */
  _ack = '';

  /** @internal */
  _startTimers(now: number): void {
    // §17.1.1.2: Timer A (unreliable only) at T1; Timer B at 64×T1 on any transport.
    if (this._t.A !== undefined) {
      this._rEvery = this._t.A;
      this._rAt = now + this._rEvery;
    }
    this._tAt = now + this._t.B;
  }

  /** @internal */
  _onRetransmitTimer(now: number): void {
    if (this._state !== 'Calling') return;
    // §17.1.1.2: Timer A fires → retransmit, and reset it to twice its value (no cap).
    this._resend();
    this._rEvery *= 2;
    this._rAt = now + this._rEvery;
  }

  /** @internal */
  _onTimeoutTimer(): void {
    switch (this._state) {
      case 'Calling':
        // §17.1.1.2: Timer B fires in Calling → inform the TU of the timeout, Terminated.
        this._host.clientFailed(this, new TransactionError('TIMEOUT', 'no response to INVITE before Timer B'));
        this._terminate();
        break;
      // §17.1.1.2: Timer D in Completed; RFC 6026 §8.4: Timer M in Accepted → Terminated.
      case 'Completed':
      case 'Accepted':
        this._transition('Terminated');
        break;
    }
  }

  /** @internal */
  _receive(response: SipResponse, now: number): void {
    const status = response.status;
    const state = this._state;
    if (state === 'Calling' || state === 'Proceeding') {
      if (status < 200) {
        // §17.1.1.2: a provisional response moves Calling to Proceeding; no more retransmissions,
        // and Timer B only runs in Calling (Figure 5).
        if (state === 'Calling') {
          this._transition('Proceeding');
          this._rAt = NONE;
          this._tAt = NONE;
          this._refile();
        }
        this._host.deliverResponse(this, response);
      } else if (status < 300) {
        // RFC 6026 §8.4: a 2xx goes to the TU and the transaction waits in Accepted for Timer M,
        // passing further 2xx responses up, instead of ending at once as RFC 3261 said.
        this._transition('Accepted');
        this._rAt = NONE;
        this._tAt = now + this._t.M;
        this._refile();
        this._host.deliverResponse(this, response);
      } else {
        // §17.1.1.2: 300–699 → send ACK, pass the response up, Completed, Timer D.
        this._transition('Completed');
        this._ack = this._buildAck(response);
        this._sendAck();
        this._rAt = NONE;
        this._tAt = this._t.D === 0 ? NONE : now + this._t.D;
        this._refile();
        this._host.deliverResponse(this, response);
        // Timer D is 0 on reliable transports: Completed ends at once.
        if (this._t.D === 0) this._terminate();
      }
    } else if (state === 'Completed') {
      // §17.1.1.2: a retransmitted final response in Completed is answered with the ACK again and
      // not passed up.
      if (status >= 300) this._sendAck();
    } else if (state === 'Accepted') {
      // RFC 6026 §8.4: in Accepted, 2xx responses are passed to the TU; others are dropped.
      if (status >= 200 && status < 300) this._host.deliverResponse(this, response);
    }
  }

  /** @internal the ACK goes where the INVITE went, on the same connection (§17.1.1.3) */
  _sendAck(): void {
    if (this._ack !== '') this._sendWire(this._ack);
  }

  /**
   * @internal RFC 3261 §17.1.1.3: the ACK for a non-2xx final has the INVITE's Request-URI,
   * Call-ID, From, CSeq number and top Via (only), the response's To, and the INVITE's Route
   * header fields.
   */
  _buildAck(response: SipResponse): string {
    const inv = this.request;
    const headers: [string, string][] = [];
    const via = inv.topVia;
    if (via !== undefined) headers.push(['Via', via.toString()]);
    for (const route of inv.getAll('Route')) headers.push(['Route', route]);
    headers.push(['Max-Forwards', '70']);
    const from = inv.get('From');
    if (from !== undefined) headers.push(['From', from]);
    const to = response.get('To') ?? inv.get('To');
    if (to !== undefined) headers.push(['To', to]);
    const callId = inv.get('Call-ID');
    if (callId !== undefined) headers.push(['Call-ID', callId]);
    headers.push(['CSeq', `${inv.cseq?.seq ?? 0} ACK`]);
    const ack = createRequest({ method: 'ACK', uri: inv.uri, headers });
    return latin1String(serialize(ack));
  }
}

/**
 * The non-INVITE client transaction of RFC 3261 §17.1.2: Trying → Proceeding → Completed →
 * Terminated, retransmitting on Timer E (doubling up to T2) until Timer F.
 *
 * @public
 */
export class NonInviteClientTransaction extends ClientTransaction {
  /** Always `non-invite-client`. */
  get kind(): 'non-invite-client' {
    return 'non-invite-client';
  }

  /** @internal */
  _startTimers(now: number): void {
    // §17.1.2.2: Timer E (unreliable only) at T1; Timer F at 64×T1 on any transport.
    if (this._t.E !== undefined) {
      this._rEvery = this._t.E;
      this._rAt = now + this._rEvery;
    }
    this._tAt = now + this._t.F;
  }

  /** @internal */
  _onRetransmitTimer(now: number): void {
    if (this._state === 'Trying') {
      // §17.1.2.2: Timer E fires in Trying → retransmit, reset E to min(2×E, T2).
      this._resend();
      this._rEvery = Math.min(2 * this._rEvery, this._t.T2);
      this._rAt = now + this._rEvery;
    } else if (this._state === 'Proceeding') {
      // §17.1.2.2: Timer E fires in Proceeding → retransmit, reset E to T2.
      this._resend();
      this._rEvery = this._t.T2;
      this._rAt = now + this._rEvery;
    }
  }

  /** @internal */
  _onTimeoutTimer(): void {
    if (this._state === 'Trying' || this._state === 'Proceeding') {
      // §17.1.2.2: Timer F fires in Trying or Proceeding → inform the TU of the timeout, Terminated.
      this._host.clientFailed(this, new TransactionError('TIMEOUT', `no final response before Timer F`));
      this._terminate();
    } else if (this._state === 'Completed') {
      // §17.1.2.2: Timer K fires in Completed → Terminated.
      this._transition('Terminated');
    }
  }

  /** @internal */
  _receive(response: SipResponse, now: number): void {
    const state = this._state;
    if (state !== 'Trying' && state !== 'Proceeding') return; // §17.1.2.2: absorbed in Completed.
    if (response.status < 200) {
      // §17.1.2.2: a provisional response → pass it up; Trying moves to Proceeding.
      if (state === 'Trying') this._transition('Proceeding');
      this._host.deliverResponse(this, response);
      return;
    }
    // §17.1.2.2: a final response → pass it up, Completed, Timer K (0 when reliable).
    this._transition('Completed');
    this._rAt = NONE;
    this._tAt = this._t.K === 0 ? NONE : now + this._t.K;
    this._refile();
    this._host.deliverResponse(this, response);
    if (this._t.K === 0) this._terminate();
  }
}

/**
 * A server transaction (RFC 3261 §17.2): it answers retransmissions of its request with the
 * last response the TU sent, retransmits INVITE final responses on unreliable transports, and
 * sends the TU's responses with {@link ServerTransaction.respond}.
 *
 * @public
 */
export abstract class ServerTransaction extends Transaction {
  /** Always false. */
  get isClient(): false {
    return false;
  }
  /** @internal the request while it is held strongly (until RFC 6026's Accepted state) */
  _request: SipRequest | undefined;
  /** @internal in Accepted: the request as serialized on entering it, one byte per char */
  _wire = '';
  /** @internal in Accepted: the request object, not kept alive by the transaction */
  _ref: WeakRef<SipRequest> | undefined = undefined;
  /** Where and how the request arrived. */
  readonly from: Received;
  /** @internal the last response sent, to answer retransmissions */
  _last: Route | undefined = undefined;
  /** @internal matched by the RFC 2543 rule: To tags are checked beside the key */
  readonly _rfc2543: boolean;
  /** @internal the compact store took it over (non-INVITE, Completed, unreliable) */
  _compacted = false;
  /** @internal the state it was created in */
  abstract get _initialState(): TransactionState;

  /** @internal */
  constructor(host: Host, key: string, state: TransactionState, request: SipRequest, from: Received, rfc2543: boolean) {
    super(host, key, state, from.transport.reliable, undefined);
    this._request = request;
    this.from = from;
    this._rfc2543 = rfc2543;
  }

  /**
   * The request that created it, as the TU left it. An INVITE server transaction in RFC 6026's
   * `Accepted` state (it waits 64×T1 for retransmissions) keeps only the bytes of its request:
   * while anything else holds the object this is that object, and once nothing does, reading
   * this parses those bytes again.
   */
  get request(): SipRequest {
    const r = this._request;
    if (r !== undefined) return r;
    const held = this._ref?.deref();
    if (held !== undefined) return held;
    const again = parseMessage(latin1Bytes(this._wire)) as SipRequest;
    this._ref = new WeakRef(again);
    return again;
  }

  /**
   * The current state. A non-INVITE transaction that completed on an unreliable transport lives
   * on in the layer's compact store for Timer J; it reads `Completed` until Timer J fires.
   */
  override get state(): TransactionState {
    if (this._compacted) return this._host.holdsCompleted(this.key) ? 'Completed' : 'Terminated';
    return this._state;
  }

  /**
   * Sends a response from the TU through this transaction (RFC 3261 §17.2.1, §17.2.2, RFC 6026
   * §8.7). A response the state no longer takes (a second final response, anything after a
   * non-2xx final) is discarded, as §17.2.2 says, and `false` returned.
   *
   * @param response - a response to this transaction's request
   * @returns whether it was passed to the transport layer
   */
  respond(response: SipResponse): boolean {
    return this._respond(response, this._host.now());
  }

  /** @internal */
  abstract _respond(response: SipResponse, now: number): boolean;

  /** @internal a retransmission of the request, or an ACK, matched this transaction (§17.2.3) */
  abstract _receive(request: SipRequest, from: Received, now: number): void;

  /** @internal sends a response and keeps it for retransmissions */
  _send(response: SipResponse): Route {
    const route = this._host.routeResponse(response, this.from);
    this._last = route;
    this._host.send(route.transport, route.bytes, route.to, route.flow, this);
    return route;
  }

  /** @internal sends the last response again */
  _resend(): void {
    const r = this._last;
    if (r !== undefined) this._host.send(r.transport, r.bytes, r.to, r.flow, this);
  }

  /** @internal */
  onFlow(): void {}

  /** @internal */
  onSendError(error: unknown): void {
    this._transportError(error);
  }

  /**
   * @internal RFC 3261 §17.2.4: when the transport layer cannot send a response (after its own
   * §18.2.2 fallbacks), the TU is told and the transaction ends.
   */
  _transportError(error: unknown): void {
    if (this._state === 'Terminated' || this._compacted) return;
    this._host.serverFailed(
      this,
      new TransactionError('TRANSPORT', `could not send a response: ${String(error)}`, error),
    );
    if (this.state !== 'Accepted') this._terminate();
  }
}

/**
 * The INVITE server transaction of RFC 3261 §17.2.1 with RFC 6026's `Accepted` state:
 * Proceeding → Completed → Confirmed (non-2xx, absorbing the ACK) or Accepted (2xx, whose ACK
 * goes to the TU) → Terminated. It sends 100 Trying itself when the TU has not answered within
 * the `trying` delay (200 ms).
 *
 * @public
 */
export class InviteServerTransaction extends ServerTransaction {
  /** Always `invite-server`. */
  get kind(): 'invite-server' {
    return 'invite-server';
  }
  /** @internal */
  get _initialState(): TransactionState {
    return 'Proceeding';
  }
  /** @internal To tag of the final response, for RFC 2543 ACK matching */
  _finalToTag: string | undefined = undefined;

  /** @internal */
  _arm(now: number): void {
    // §17.2.1: send 100 Trying if the TU will not answer within 200 ms (the retransmit slot).
    this._rAt = now + this._t.trying;
    this._refile();
  }

  /** @internal */
  _onRetransmitTimer(now: number): void {
    if (this._state === 'Proceeding') {
      if (this._last === undefined) this._trying();
    } else if (this._state === 'Completed' && this._rEvery > 0) {
      // §17.2.1: Timer G fires → resend the final response, reset G to min(2×G, T2).
      this._resend();
      this._rEvery = Math.min(2 * this._rEvery, this._t.T2);
      this._rAt = now + this._rEvery;
    }
  }

  /** @internal */
  _onTimeoutTimer(): void {
    switch (this._state) {
      case 'Completed':
        // §17.2.1: Timer H fires in Completed → no ACK came: Terminated, and the TU is told.
        this._host.serverFailed(this, new TransactionError('NO_ACK', 'no ACK for the final response before Timer H'));
        this._terminate();
        break;
      // §17.2.1: Timer I in Confirmed; RFC 6026 §8.7: Timer L in Accepted → Terminated.
      case 'Confirmed':
      case 'Accepted':
        this._transition('Terminated');
        break;
    }
  }

  /** @internal sends 100 Trying (§17.2.1); §8.2.6.1: it copies Timestamp and adds no To tag */
  _trying(): void {
    this._send(createResponse(this.request, 100));
  }

  /** @internal */
  _respond(response: SipResponse, now: number): boolean {
    const status = response.status;
    if (this._state === 'Proceeding') {
      if (status < 200) {
        // §17.2.1: provisional responses from the TU are sent in Proceeding.
        this._send(response);
        if (this._rAt !== NONE) {
          this._rAt = NONE;
          this._refile();
        }
      } else if (status < 300) {
        // RFC 6026 §8.7: a 2xx is sent, and the transaction waits in Accepted for Timer L.
        this._transition('Accepted');
        this._send(response);
        this._rAt = NONE;
        this._tAt = now + this._t.L;
        this._refile();
        this._slim();
      } else {
        // §17.2.1: 300–699 → send, Completed; Timer G (unreliable) and Timer H.
        this._transition('Completed');
        this._finalToTag = toTagOf(response);
        this._send(response);
        if (this._t.G !== undefined) {
          this._rEvery = this._t.G;
          this._rAt = now + this._rEvery;
        } else {
          this._rAt = NONE;
        }
        this._tAt = now + this._t.H;
        this._refile();
      }
      return true;
    }
    if (this._state === 'Accepted' && status >= 200 && status < 300) {
      // RFC 6026 §8.7: retransmissions of the 2xx from the TU are sent in Accepted.
      this._send(response);
      this._last = undefined;
      return true;
    }
    return false;
  }

  /**
   * @internal RFC 6026 §8.7: in Accepted the transaction absorbs INVITE retransmissions, passes
   * ACKs up and sends the 2xx the TU gives it; it never resends a response itself (the TU
   * retransmits its 2xx, §13.3.1.4). So for the 64×T1 of Timer L it needs its key, where the
   * request came from, and the request only for the RFC 2543 To-tag check and for readers of
   * {@link ServerTransaction.request}: it keeps the request as bytes, not as a parsed object,
   * and drops the response it sent.
   */
  _slim(): void {
    this._last = undefined;
    const request = this._request;
    if (request === undefined) return;
    this._wire = latin1String(serialize(request));
    this._ref = new WeakRef(request);
    this._request = undefined;
  }

  /** @internal */
  _receive(request: SipRequest, from: Received, now: number): void {
    if (request.method === 'ACK') {
      if (this._state === 'Completed') {
        // §17.2.1: ACK in Completed → Confirmed; stop Timer G; Timer I (0 when reliable).
        this._transition('Confirmed');
        this._rAt = NONE;
        this._tAt = this._t.I === 0 ? NONE : now + this._t.I;
        this._refile();
        if (this._t.I === 0) this._transition('Terminated');
      } else if (this._state === 'Accepted') {
        // RFC 6026 §8.7: an ACK matching the transaction in Accepted is passed to the TU.
        this._host.ackToTu(request, from, this);
      }
      // Confirmed: §17.2.1 absorbs further ACKs.
      return;
    }
    switch (this._state) {
      case 'Proceeding':
        // §17.2.1: a retransmitted INVITE in Proceeding gets the latest provisional response
        // (100 Trying if the TU has sent none yet).
        if (this._last === undefined) this._trying();
        else this._resend();
        break;
      case 'Completed':
        // §17.2.1: in Completed, the final response again.
        this._resend();
        break;
      // Confirmed absorbs; RFC 6026 §8.7: Accepted absorbs INVITE retransmissions too.
    }
  }
}

/**
 * The non-INVITE server transaction of RFC 3261 §17.2.2: Trying → Proceeding → Completed →
 * Terminated, answering request retransmissions with the last response until Timer J.
 *
 * A non-INVITE request the TU leaves unanswered for 64×T1 (the client gave up at Timer F) ends
 * its transaction with a `TIMEOUT` failure reported to the TU, so a forgetful TU cannot fill the
 * table: RFC 3261 sets no such timer, but nothing could use the transaction after that.
 *
 * @public
 */
export class NonInviteServerTransaction extends ServerTransaction {
  /** Always `non-invite-server`. */
  get kind(): 'non-invite-server' {
    return 'non-invite-server';
  }
  /** @internal */
  get _initialState(): TransactionState {
    return 'Trying';
  }

  /** @internal */
  _arm(now: number): void {
    this._tAt = now + this._t.F;
    this._refile();
  }

  /** @internal */
  _onRetransmitTimer(): void {}

  /** @internal */
  _onTimeoutTimer(): void {
    if (this._state === 'Completed') {
      // §17.2.2: Timer J fires in Completed → Terminated.
      this._transition('Terminated');
    } else if (this._state === 'Trying' || this._state === 'Proceeding') {
      this._host.serverFailed(
        this,
        new TransactionError('TIMEOUT', `no final response to ${this.request.method} from the TU`),
      );
      this._terminate();
    }
  }

  /** @internal */
  _respond(response: SipResponse, _now: number): boolean {
    const state = this._state;
    if (state !== 'Trying' && state !== 'Proceeding') return false; // §17.2.2: discarded.
    if (response.status < 200) {
      // §17.2.2: a provisional response from the TU → send it; Trying moves to Proceeding.
      if (state === 'Trying') this._transition('Proceeding');
      this._send(response);
      return true;
    }
    // §17.2.2: a final response → send it, Completed, Timer J (64×T1 on UDP, 0 when reliable).
    this._transition('Completed');
    const route = this._send(response);
    if (this._t.J === 0) {
      this._terminate();
    } else if (this.state === 'Completed') {
      // Timer J is the same for every transaction, so the compact store keeps these in arrival
      // order; the transaction object itself is let go.
      this._tAt = NONE;
      this._rAt = NONE;
      this.due = NONE;
      this._host.compact(this, route);
      this._compacted = true;
    }
    return true;
  }

  /** @internal */
  _receive(_request: SipRequest, _from: Received, _now: number): void {
    // §17.2.2: retransmissions are absorbed in Trying, answered with the last provisional in
    // Proceeding, and with the final response in Completed.
    if (this._state === 'Proceeding' || this._state === 'Completed') this._resend();
  }
}

/** The To tag of a response, or undefined (a malformed To is no tag). */
function toTagOf(response: SipResponse): string | undefined {
  try {
    return response.to?.tag;
  } catch {
    return undefined;
  }
}

/**
 * A decoder that maps each byte to the char of the same code (ISO-8859-1), where the platform
 * has one: Node's `latin1` does, but the WHATWG Encoding standard makes `latin1` a label of
 * windows-1252, whose 0x80–0x9F are other chars, so a probe decides.
 */
const LATIN1: TextDecoder | undefined = (() => {
  try {
    const decoder = new TextDecoder('latin1');
    const all = new Uint8Array(256);
    for (let i = 0; i < 256; i++) all[i] = i;
    const text = decoder.decode(all);
    for (let i = 0; i < 256; i++) if (text.charCodeAt(i) !== i) return undefined;
    return text.length === 256 ? decoder : undefined;
  } catch {
    return undefined;
  }
})();

/** Bytes as a string of one char per byte (latin1): V8 stores it as a one-byte string. */
function latin1String(bytes: Uint8Array): string {
  // Native decoding is ~10× faster than String.fromCharCode.apply, which also copies every
  // byte into an arguments list first.
  if (LATIN1 !== undefined) return LATIN1.decode(bytes);
  let s = '';
  for (let i = 0; i < bytes.length; i += 4096) {
    s += String.fromCharCode.apply(null, bytes.subarray(i, i + 4096) as unknown as number[]);
  }
  return s;
}

/** The bytes of a one-byte string made by {@link latin1String}. */
function latin1Bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

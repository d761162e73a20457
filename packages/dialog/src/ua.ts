import { DigestClient, type DigestCredentials } from '@sipkit/digest';
import {
  createRequest,
  createResponse,
  parseUri,
  randomToken,
  type SipRequest,
  type SipResponse,
} from '@sipkit/parser';
import {
  type ClientTransaction,
  type Clock,
  createCancel,
  type InviteServerTransaction,
  type ServerTransaction,
  systemClock,
  TransactionError,
  TransactionLayer,
} from '@sipkit/transaction';
import { type Resolver, resolveTargets, type Target, type Transport } from '@sipkit/transport';
import { Dialog, dialogKey } from './dialog.js';
import { Emitter } from './emitter.js';

/**
 * Options for {@link UserAgent}.
 *
 * @public
 */
export interface UserAgentOptions {
  /** The transports to listen and send on (the first one's address goes into Via and Contact). */
  readonly transports: readonly Transport[];
  /** Our address-of-record, such as `sip:alice@example.com` (the From of our requests). */
  readonly aor: string;
  /** Display name for From. */
  readonly displayName?: string;
  /**
   * Our Contact URI.
   * @defaultValue `sip:<user>@<first transport address>:<port>`, with `;transport=` when the
   * first transport is not UDP
   */
  readonly contact?: string;
  /** Credentials for digest challenges (one set, or per realm). */
  readonly credentials?: DigestCredentials | ((realm: string) => DigestCredentials | undefined);
  /** A route set for requests outside dialogs (an outbound proxy), as Route values. */
  readonly outboundRoute?: readonly string[];
  /**
   * DNS for RFC 3263; numeric hosts need none.
   * @defaultValue a resolver that finds nothing (numeric hosts only)
   */
  readonly resolver?: Resolver;
  /** Time; the testkit's VirtualClock in tests. */
  readonly clock?: Clock;
  /** T1, T2, T4 for the transaction layer. */
  readonly timers?: { t1?: number; t2?: number; t4?: number };
  /**
   * Session timers (RFC 4028): the Session-Expires we ask for in our INVITEs and grant at most
   * in our answers, in seconds; 0 turns them off.
   * @defaultValue 1800
   */
  readonly sessionExpires?: number;
  /**
   * The smallest session interval we accept (Min-SE, RFC 4028 §5); a smaller one gets 422.
   * @defaultValue 90
   */
  readonly minSE?: number;
  /**
   * Methods we accept (Allow, and 405 for the rest, §8.2.1).
   * @defaultValue ['INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS', 'MESSAGE', 'INFO', 'UPDATE', 'PRACK']
   */
  readonly allow?: readonly string[];
}

/**
 * Events of an {@link OutgoingCall} or {@link IncomingCall}.
 *
 * @public
 */
export interface CallEvents extends Record<string, unknown[]> {
  /** A provisional response (UAC). */
  progress: [response: SipResponse];
  /** The call is established: the 2xx (UAC), or the ACK (UAS). */
  established: [message: SipResponse | SipRequest];
  /** The INVITE failed: a final non-2xx response, or a timeout / transport failure. */
  failed: [reason: SipResponse | TransactionError];
  /**
   * The call ended: `bye` (either side), `cancel`, `no-ack` (§13.3.1.4), `expired` (no session
   * refresh in time, RFC 4028 §10), `failed`.
   */
  ended: [reason: 'bye' | 'cancel' | 'no-ack' | 'failed' | 'expired'];
  /**
   * The peer sent a re-INVITE (§14.2) or UPDATE (RFC 3311) in the dialog: call `answer` with the
   * body of the answer (or nothing) to send the 200. Without a listener the UA answers with the
   * last body it sent.
   */
  offer: [request: SipRequest, answer: (body?: Uint8Array | string) => void];
  /** An INFO in the dialog (RFC 6086); the UA has answered 200. */
  info: [request: SipRequest];
  /** The PRACK of a reliable provisional response arrived (RFC 3262), answered 200 (UAS). */
  prack: [request: SipRequest];
}

/** Shared by both directions. */
abstract class CallBase extends Emitter<CallEvents> {
  /** The dialog, once there is one (early or confirmed). */
  dialog: Dialog | undefined = undefined;
  /** Where the call is. */
  state: 'calling' | 'early' | 'established' | 'terminated' = 'calling';
  /** The body of the last offer or answer from the peer (SDP bytes), if any. */
  remoteBody: Uint8Array | undefined = undefined;
  /** The body of the last offer or answer we sent, if any. */
  localBody: Uint8Array | string | undefined = undefined;
  /** @internal */
  readonly _ua: UserAgent;
  /** @internal a 2xx to an INVITE of the peer's, sent again until its ACK (§13.3.1.4) */
  _ok: SipResponse | undefined = undefined;
  /** @internal the server transaction that 2xx goes through */
  _okTx: ServerTransaction | undefined = undefined;
  /** @internal its retransmission timer */
  _retransmit: unknown = undefined;
  /** @internal our re-INVITE is waiting for its final response (§14.1) */
  _reinviteOut = false;
  /** @internal the peer's re-INVITE is waiting for our answer (§14.2) */
  _reinviteIn = false;
  /** The session interval in force (RFC 4028), in seconds, and who refreshes; undefined without. */
  session: { readonly interval: number; readonly refresher: 'local' | 'remote' } | undefined = undefined;
  /** @internal the refresh or expiry timer */
  _sessionTimer: unknown = undefined;

  /** @internal */
  constructor(ua: UserAgent) {
    super();
    this._ua = ua;
    this.onError = (e) => ua._reportError(e);
  }

  /**
   * Ends an established call with BYE (§15.1.1); resolves with the BYE's final response.
   * @throws Error when there is no confirmed dialog
   */
  async bye(): Promise<SipResponse> {
    const d = this.dialog;
    if (d === undefined || d.state !== 'confirmed' || this.state !== 'established') {
      throw new Error(`no established call to end (state ${this.state})`);
    }
    this._end('bye');
    return this._ua._inDialog(d, 'BYE');
  }

  /**
   * Sends a re-INVITE in the established dialog (§14.1) with a new offer, and resolves with its
   * final response: on 2xx the ACK is sent, the remote target refreshed and `remoteBody`
   * updated; on 491 (glare) it waits the §14.1 random time and tries again, once; any other
   * final response leaves the session as it was.
   *
   * @param options - the new offer and its content type
   * @throws Error when there is no established call, or another re-INVITE is pending
   */
  async reinvite(options: { body?: Uint8Array | string; contentType?: string } = {}): Promise<SipResponse> {
    const d = this.dialog;
    if (d === undefined || this.state !== 'established') throw new Error(`no established call (state ${this.state})`);
    if (this._reinviteOut) throw new Error('a re-INVITE is already pending (§14.1)');
    return this._ua._reinvite(this, d, options, true);
  }

  /**
   * Sends UPDATE in the dialog (RFC 3311) with a new offer and resolves with its final response;
   * on 2xx the answer becomes `remoteBody` and the remote target is refreshed.
   *
   * @param options - the offer and its content type
   */
  async update(options: { body?: Uint8Array | string; contentType?: string } = {}): Promise<SipResponse> {
    const d = this.dialog;
    if (d === undefined || this.state === 'terminated') throw new Error(`no dialog (state ${this.state})`);
    const headers: [string, string][] = [['Contact', `<${this._ua.contact}>`]];
    if (options.body !== undefined) headers.push(['Content-Type', options.contentType ?? 'application/sdp']);
    const res = await this._ua._inDialog(d, 'UPDATE', {
      headers,
      ...(options.body === undefined ? {} : { body: options.body }),
    });
    if (res.status >= 200 && res.status < 300) {
      d.refreshTarget(res);
      if (options.body !== undefined) this.localBody = options.body;
      if (res.body.length > 0) this.remoteBody = res.body;
    }
    return res;
  }

  /**
   * Sends INFO in the dialog (RFC 6086) and resolves with its final response.
   *
   * @param options - body, content type and Info-Package
   */
  async info(
    options: { body?: Uint8Array | string; contentType?: string; infoPackage?: string } = {},
  ): Promise<SipResponse> {
    const d = this.dialog;
    if (d === undefined || this.state === 'terminated') throw new Error(`no dialog (state ${this.state})`);
    const headers: [string, string][] = [];
    if (options.infoPackage !== undefined) headers.push(['Info-Package', options.infoPackage]);
    if (options.body !== undefined) headers.push(['Content-Type', options.contentType ?? 'application/octet-stream']);
    return this._ua._inDialog(d, 'INFO', { headers, ...(options.body === undefined ? {} : { body: options.body }) });
  }

  /** @internal */
  _end(reason: CallEvents['ended'][0]): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    this._ok = undefined;
    this._ua._stopRetransmit(this);
    this._ua._setSession(this, undefined);
    if (this.dialog !== undefined) {
      this.dialog.state = 'terminated';
      this._ua._forget(this.dialog);
    }
    if (this instanceof OutgoingCall) {
      for (const early of this.earlyDialogs.values()) this._ua._forget(early);
      this.earlyDialogs.clear();
    }
    this.emit('ended', reason);
  }
}

/**
 * A call we placed with {@link UserAgent.invite}.
 *
 * @public
 */
export class OutgoingCall extends CallBase {
  /** The INVITE as sent (the latest, after a digest retry). */
  invite: SipRequest;
  /** @internal the INVITE client transaction */
  _tx: ClientTransaction | undefined = undefined;
  /** @internal */
  _target: Target | undefined = undefined;
  /** @internal a CANCEL waits for a provisional response (§9.1) */
  _cancelWanted = false;
  /** @internal the INVITE was retried with credentials once */
  _authTried = false;
  /** @internal the RSeq of the last reliable provisional response PRACKed (RFC 3262 §4) */
  _rseq: number | undefined = undefined;
  /** Early dialogs by the peer's To tag, while the call rings (several after a fork). */
  readonly earlyDialogs = new Map<string, Dialog>();

  /** @internal */
  constructor(ua: UserAgent, invite: SipRequest) {
    super(ua);
    this.invite = invite;
  }

  /**
   * Cancels the call while it is ringing (§9.1). Before any provisional response the CANCEL
   * waits for one, as §9.1 requires; after a final response it does nothing.
   */
  cancel(): void {
    if (this.state !== 'calling' && this.state !== 'early') return;
    this._cancelWanted = true;
    if (this.state === 'early') this._ua._sendCancel(this);
  }
}

/**
 * A call we received: answer it with {@link IncomingCall.ring}, {@link IncomingCall.accept} or
 * {@link IncomingCall.reject}.
 *
 * @public
 */
export class IncomingCall extends CallBase {
  /** The INVITE. */
  readonly invite: SipRequest;
  /** @internal */
  readonly _tx: InviteServerTransaction;
  /** @internal our To tag */
  readonly _tag = randomToken(6);
  /** @internal the ACK for the first 2xx came */
  _confirmed = false;

  /** @internal */
  constructor(ua: UserAgent, invite: SipRequest, tx: InviteServerTransaction) {
    super(ua);
    this.invite = invite;
    this._tx = tx;
    this.remoteBody = invite.body.length > 0 ? invite.body : undefined;
  }

  /** @internal RSeq of our last reliable provisional response (RFC 3262 §3) */
  _rseq = Math.floor(Math.random() * 0x7fff_ffff) >>> 1;
  /** @internal the reliable provisional response waiting for its PRACK */
  _unacked: SipResponse | undefined = undefined;
  /** @internal its retransmission timer */
  _relTimer: unknown = undefined;

  /**
   * Sends a provisional response (180 Ringing by default), creating the early dialog (§12.1.1).
   * With `reliable` — when the caller supports `100rel` — it is sent reliably (RFC 3262 §3):
   * with Require: 100rel and RSeq, retransmitted at T1, 2·T1 … until the PRACK comes; `body`
   * carries early media's offer or answer.
   *
   * @param options - status (101–199), reliability, body
   * @returns whether it was sent (a reliable one needs the caller's `100rel` and no other
   * unacknowledged reliable response)
   */
  ring(options: { status?: number; reliable?: boolean; body?: Uint8Array | string } = {}): boolean {
    if (this.state !== 'calling' && this.state !== 'early') return false;
    const status = options.status ?? 180;
    const headers: [string, string][] = [];
    if (options.reliable === true) {
      const supported = [...this.invite.supported, ...this.invite.require].map((t) => t.toLowerCase());
      // RFC 3262 §3: only to a UAC that supports 100rel, and one at a time.
      if (!supported.includes('100rel') || this._unacked !== undefined) return false;
      this._rseq++;
      headers.push(['Require', '100rel'], ['RSeq', String(this._rseq)]);
    }
    if (options.body !== undefined) {
      headers.push(['Content-Type', 'application/sdp']);
      this.localBody = options.body;
    }
    const res = this._ua._response(this.invite, status, this._tag, headers, options.body);
    if (this.dialog === undefined) {
      this.dialog = Dialog.fromUas(this.invite, this._tag, 'early');
      this._ua._remember(this.dialog, this);
    }
    this.state = 'early';
    this._tx.respond(res);
    if (options.reliable === true) this._ua._retransmitReliable(this, res);
    return true;
  }

  /**
   * Answers 200 with `body` (an SDP answer, say) and retransmits it until the ACK comes, for
   * 64×T1; without an ACK by then the call is ended with BYE (§13.3.1.4).
   *
   * @param options - body and its content type
   */
  accept(options: { body?: Uint8Array | string; contentType?: string } = {}): void {
    if (this.state !== 'calling' && this.state !== 'early') return;
    if (this.dialog === undefined) {
      this.dialog = Dialog.fromUas(this.invite, this._tag, 'confirmed');
      this._ua._remember(this.dialog, this);
    } else this.dialog.state = 'confirmed';
    const timer = this._ua._sessionForRequest(this, this.invite);
    const headers: [string, string][] = 'headers' in timer ? [...timer.headers] : [];
    if (options.body !== undefined) headers.push(['Content-Type', options.contentType ?? 'application/sdp']);
    const res = this._ua._response(this.invite, 200, this._tag, headers, options.body);
    this.state = 'established';
    if ('session' in timer) this._ua._setSession(this, timer.session);
    if (options.body !== undefined) this.localBody = options.body;
    this._tx.respond(res);
    this._ua._retransmitOk(this, this._tx, res);
  }

  /**
   * Refuses the call with a final response (486 Busy Here by default).
   *
   * @param status - 300–699
   * @param reason - reason phrase
   */
  reject(status = 486, reason?: string): void {
    if (this.state !== 'calling' && this.state !== 'early') return;
    this._tx.respond(this._ua._response(this.invite, status, this._tag, [], undefined, reason));
    this._end('failed');
  }
}

/**
 * Events of a {@link UserAgent}.
 *
 * @public
 */
export interface UserAgentEvents extends Record<string, unknown[]> {
  /** A new INVITE outside any dialog. */
  invite: [call: IncomingCall];
  /** A MESSAGE (RFC 3428); the UA has answered 200. */
  message: [request: SipRequest];
  /** A request the UA does not handle itself (an allowed method); answer through `tx`. */
  request: [request: SipRequest, tx: ServerTransaction];
}

const ALLOW = ['INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS', 'MESSAGE', 'INFO', 'UPDATE', 'PRACK'];
const noDns: Resolver = { naptr: async () => [], srv: async () => [], a: async () => [], aaaa: async () => [] };

/**
 * A user agent core (RFC 3261 §8, §12–15) over a transaction layer: calls in and out with their
 * dialogs, ACK for every 2xx, 2xx retransmission until the ACK, CANCEL, BYE, OPTIONS answered
 * from its capabilities, MESSAGE, requests outside dialogs with one digest retry on 401/407, and
 * the UAS checks of §8.2 (405 with Allow, 416, 420, 481, 500 for an out-of-order CSeq).
 *
 * @public
 */
export class UserAgent extends Emitter<UserAgentEvents> {
  /** The transaction layer underneath. */
  readonly layer: TransactionLayer;
  /** Our Contact URI. */
  readonly contact: string;
  readonly #o: UserAgentOptions;
  readonly #clock: Clock;
  readonly #digest: DigestClient | undefined;
  readonly #dialogs = new Map<string, { dialog: Dialog; call: CallBase | undefined }>();
  readonly #allow: readonly string[];
  readonly #sessionExpires: number;
  readonly #minSE: number;
  #callCount = 0;

  /** @param options - transports, identity, credentials, clock */
  constructor(options: UserAgentOptions) {
    super();
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.#allow = options.allow ?? ALLOW;
    this.#minSE = options.minSE ?? 90;
    this.#sessionExpires = options.sessionExpires ?? 1800;
    if (!Number.isInteger(this.#minSE) || this.#minSE < 90) {
      throw new RangeError(
        `minSE must be a whole number of seconds, at least 90 (RFC 4028 §4), got ${String(options.minSE)}`,
      );
    }
    if (this.#sessionExpires !== 0 && (!Number.isInteger(this.#sessionExpires) || this.#sessionExpires < this.#minSE)) {
      throw new RangeError(
        `sessionExpires must be 0 or at least minSE (${this.#minSE}), got ${String(options.sessionExpires)}`,
      );
    }
    if (options.credentials !== undefined) this.#digest = new DigestClient(options.credentials);
    const first = options.transports[0];
    if (first === undefined) throw new RangeError('transports must hold at least one transport');
    const aor = parseUri(options.aor);
    if (aor.kind !== 'sip') throw new RangeError(`aor must be a sip: or sips: URI, got ${options.aor}`);
    const host = first.local.address.includes(':') ? `[${first.local.address}]` : first.local.address;
    // §19.1.1, §18: a UA that listens only on a stream (or WebSocket, RFC 7118 §5) says so in
    // its Contact, or requests to it would be sent over UDP, where nobody listens.
    const transport = first.protocol === 'udp' ? '' : `;transport=${first.protocol}`;
    this.contact = options.contact ?? `sip:${aor.user ?? 'ua'}@${host}:${first.local.port}${transport}`;
    this.layer = new TransactionLayer({
      transports: options.transports,
      clock: this.#clock,
      detectMergedRequests: true,
      ...(options.timers === undefined ? {} : { timers: options.timers }),
      tu: {
        onRequest: (req, tx) => this.#onRequest(req, tx),
        onAck: (ack) => this.#onAck(ack),
        onStrayResponse: (res) => this.#onStrayResponse(res),
      },
      onError: (e) => this._reportError(e),
    });
  }

  /** @internal */
  _reportError(e: unknown): void {
    this.onError(e);
  }

  // ---------------------------------------------------------------- requests outside dialogs

  /**
   * Places a call: sends INVITE to `uri` (through the outbound route, if any).
   *
   * @param uri - whom to call
   * @param options - body (an SDP offer), content type, extra headers
   */
  invite(
    uri: string,
    options: { body?: Uint8Array | string; contentType?: string; headers?: readonly [string, string][] } = {},
  ): OutgoingCall {
    // RFC 3262 §4 and RFC 4028 §7.1: reliable provisional responses and session timers.
    const headers: [string, string][] = [['Supported', this.#sessionExpires > 0 ? '100rel, timer' : '100rel']];
    if (this.#sessionExpires > 0) {
      headers.push(['Session-Expires', String(this.#sessionExpires)], ['Min-SE', String(this.#minSE)]);
    }
    headers.push(...(options.headers ?? []));
    if (options.body !== undefined) headers.push(['Content-Type', options.contentType ?? 'application/sdp']);
    const invite = this.#newRequest('INVITE', uri, headers, options.body);
    const call = new OutgoingCall(this, invite);
    if (options.body !== undefined) call.localBody = options.body;
    void this.#sendInvite(call);
    return call;
  }

  /**
   * Sends a request outside any dialog (OPTIONS, MESSAGE, REGISTER …) and resolves with its final
   * response; a 401 or 407 is answered once with credentials (RFC 7616 via `@sipkit/digest`).
   * Rejects with the `TransactionError` of a timeout or transport failure.
   *
   * @param method - the method
   * @param uri - the Request-URI
   * @param options - extra headers and body
   */
  async request(
    method: string,
    uri: string,
    options: { headers?: readonly [string, string][]; body?: Uint8Array | string; to?: string } = {},
  ): Promise<SipResponse> {
    let req = this.#newRequest(method, uri, [...(options.headers ?? [])], options.body, options.to);
    let res = await this.#send(req);
    if ((res.status === 401 || res.status === 407) && this.#digest !== undefined) {
      const retry = this.#retryWithCredentials(req, res);
      if (retry !== undefined) {
        req = retry;
        res = await this.#send(req);
      }
    }
    return res;
  }

  /**
   * Registers our Contact with a registrar (§10.2) and resolves with the final response.
   *
   * @param registrar - the registrar's URI, such as `sip:example.com`
   * @param expires - seconds; 0 unregisters
   */
  register(registrar: string, expires = 3600): Promise<SipResponse> {
    return this.request('REGISTER', registrar, {
      to: this.#o.aor,
      headers: [
        ['Contact', `<${this.contact}>`],
        ['Expires', String(expires)],
      ],
    });
  }

  /** Stops the transaction layer and closes the transports. */
  async close(): Promise<void> {
    for (const { call } of this.#dialogs.values()) if (call !== undefined) this._stopRetransmit(call);
    await this.layer.close();
  }

  #callId(): string {
    return `${randomToken(10)}${++this.#callCount}`;
  }

  #newRequest(
    method: string,
    uri: string,
    headers: [string, string][],
    body?: Uint8Array | string,
    to?: string,
  ): SipRequest {
    const from = this.#o.displayName === undefined ? `<${this.#o.aor}>` : `"${this.#o.displayName}" <${this.#o.aor}>`;
    const all: [string, string][] = [
      ['Via', this.#via()],
      ...(this.#o.outboundRoute ?? []).map((r): [string, string] => ['Route', r]),
      ['Max-Forwards', '70'],
      ['From', `${from};tag=${randomToken(6)}`],
      ['To', `<${to ?? uri}>`],
      ['Call-ID', this.#callId()],
      ['CSeq', `1 ${method}`],
      // The caller's own Contact (a REGISTER's `*`, say) replaces ours.
      ...(headers.some(([n]) => /^(contact|m)$/i.test(n))
        ? []
        : [['Contact', `<${this.contact}>`] as [string, string]]),
      ['Allow', this.#allow.join(', ')],
      ...headers,
    ];
    return createRequest({ method, uri, headers: all, ...(body === undefined ? {} : { body }) });
  }

  #via(): string {
    const t = this.#o.transports[0] as Transport;
    const host = t.local.address.includes(':') ? `[${t.local.address}]` : t.local.address;
    return `SIP/2.0/${t.protocol.toUpperCase()} ${host}:${t.local.port};branch=${this.layer.newBranch()};rport`;
  }

  /** RFC 3263 targets of a request: its first Route when there is one, else its Request-URI. */
  async #targets(req: SipRequest): Promise<Target[]> {
    const route = req.getValues('Route')[0];
    const uriText = route === undefined ? req.uri : route.replace(/^[^<]*<|>.*$/g, '');
    const uri = parseUri(uriText);
    if (uri.kind !== 'sip') return [];
    return resolveTargets(uri, this.#o.resolver ?? noDns, {
      transports: [...new Set(this.#o.transports.map((t) => t.protocol))],
    });
  }

  /** A non-INVITE request outside a dialog: resolves with its final response. */
  async #send(req: SipRequest): Promise<SipResponse> {
    const targets = await this.#targets(req);
    return new Promise((resolve, reject) => {
      this.layer.requestWithFailover(req, targets, {
        onResponse: (res) => {
          if (res.status >= 200) resolve(res);
        },
        onFailure: (_tx, error) => reject(error),
      });
    });
  }

  /** The same request again with a new CSeq and branch, some header fields replaced or dropped. */
  #retryWith(req: SipRequest, replace: [string, string][], drop: readonly string[] = []): SipRequest {
    const seq = (req.cseq?.seq ?? 1) + 1;
    const names = new Set([...replace.map(([n]) => n.toLowerCase()), ...drop]);
    const headers: [string, string][] = [];
    for (const f of req.fields()) {
      const n = f.name.toLowerCase();
      if (n === 'via' || n === 'cseq' || n === 'content-length' || names.has(n)) continue;
      headers.push([f.name, f.value]);
    }
    return createRequest({
      method: req.method,
      uri: req.uri,
      headers: [['Via', this.#via()], ...headers, ...replace, ['CSeq', `${seq} ${req.method}`]],
      ...(req.body.length > 0 ? { body: req.body } : {}),
    });
  }

  /** §22.2: the same request again with credentials, a new CSeq and a new branch. */
  #retryWithCredentials(req: SipRequest, res: SipResponse): SipRequest | undefined {
    if (this.#digest === undefined) return undefined;
    const retry = this.#retryWith(req, [], ['authorization', 'proxy-authorization']);
    const auth = this.#digest.authorize(res, { method: retry.method, uri: retry.uri, body: retry.body });
    if (auth.length === 0) return undefined;
    for (const [name, value] of auth) retry.append(name, value);
    return retry;
  }

  // ---------------------------------------------------------------- calls we place

  async #sendInvite(call: OutgoingCall): Promise<void> {
    let targets: Target[];
    try {
      targets = await this.#targets(call.invite);
    } catch (e) {
      this._reportError(e);
      targets = [];
    }
    if (targets.length === 0) {
      call.state = 'terminated';
      call.emit('failed', new TransactionError('TRANSPORT', `no target for ${call.invite.uri}`));
      call.emit('ended', 'failed');
      return;
    }
    call._target = targets[0];
    const req = this.layer.requestWithFailover(call.invite, targets, {
      onResponse: (res, tx) => this.#onInviteResponse(call, res, tx),
      onFailure: (_tx, error) => {
        if (call.state === 'terminated') return;
        call.emit('failed', error);
        call._end('failed');
      },
      onTerminated: () => {
        // §13.2.2.4: early dialogs not confirmed when the INVITE transaction ends are over.
        for (const early of call.earlyDialogs.values()) if (early !== call.dialog) this._forget(early);
      },
    });
    call._tx = req.transaction;
  }

  #onInviteResponse(call: OutgoingCall, res: SipResponse, tx: ClientTransaction): void {
    call._tx = tx;
    call._target = tx.target;
    const toTag = res.to?.tag;
    if (res.status < 200) {
      if (call.state === 'calling' || call.state === 'early') {
        if (toTag !== undefined && !call.earlyDialogs.has(toTag)) {
          // §12.1.2: a provisional response with a To tag creates an early dialog; a forking
          // proxy may bring several, one per tag (§13.2.2.1).
          const early = Dialog.fromUac(call.invite, res);
          call.earlyDialogs.set(toTag, early);
          this._remember(early, call);
          call.dialog ??= early;
        }
        if (res.status > 100 || call.state === 'calling') call.state = call.state === 'calling' ? 'early' : call.state;
        if (res.status > 100 && res.require.some((t) => t.toLowerCase() === '100rel')) {
          // RFC 3262 §4: a reliable provisional is PRACKed once; its retransmissions (an RSeq
          // not above the last) are dropped without telling the TU.
          const rseq = res.rseq;
          if (rseq === undefined || (call._rseq !== undefined && rseq <= call._rseq)) return;
          call._rseq = rseq;
          if (res.body.length > 0) call.remoteBody = res.body;
          const d =
            toTag === undefined
              ? undefined
              : (this.#dialogs.get(dialogKey(res.callId ?? '', call.invite.from?.tag ?? '', toTag))?.dialog ??
                call.dialog);
          if (d !== undefined) {
            void this._inDialog(d, 'PRACK', { headers: [['RAck', `${rseq} ${res.cseq?.seq ?? 1} INVITE`]] }).catch(
              (e) => this._reportError(e),
            );
          }
        }
        call.emit('progress', res);
        // §9.1: a CANCEL asked for before any provisional response goes now.
        if (call._cancelWanted) this._sendCancel(call);
      }
      return;
    }
    if (res.status < 300) {
      // §13.2.2.4: every 2xx is ACKed by the UAC core, retransmissions included.
      const tag = toTag ?? '';
      let dialog = call.earlyDialogs.get(tag);
      if (call.state === 'terminated' && call.dialog !== undefined && call.dialog.id.remoteTag === tag) {
        // §13.2.2.4: a retransmission of the 2xx after we hung up (our ACK was lost): ACK it
        // again; the call stays ended.
        this.#sendAck(call.dialog, call.invite);
        return;
      }
      if (
        (call.state === 'established' || call.state === 'terminated') &&
        (call.dialog === undefined || call.dialog.id.remoteTag !== tag)
      ) {
        // §13.2.2.4: a 2xx from a second fork after the call was answered, or one that crossed
        // our CANCEL (§9.1): ACK it, then BYE.
        const late = dialog ?? Dialog.fromUac(call.invite, res);
        late.state = 'confirmed';
        late.refreshTarget(res);
        call.earlyDialogs.delete(tag);
        this._forget(late);
        this.#sendAck(late, call.invite);
        void this._inDialog(late, 'BYE').catch(() => undefined);
        return;
      }
      if (dialog === undefined) {
        dialog = call.dialog?.id.remoteTag === tag ? call.dialog : Dialog.fromUac(call.invite, res);
        this._remember(dialog, call);
      }
      dialog.state = 'confirmed';
      dialog.refreshTarget(res);
      call.dialog = dialog;
      // The other early dialogs end: the call is answered here (their late 2xx get ACK and BYE).
      for (const [t, early] of call.earlyDialogs) {
        if (t !== tag) this._forget(early);
      }
      call.earlyDialogs.clear();
      this.#sendAck(dialog, call.invite);
      if (call.state !== 'established') {
        call.state = 'established';
        call.remoteBody = res.body.length > 0 ? res.body : undefined;
        this.#sessionFromResponse(call, res);
        call.emit('established', res);
      }
      return;
    }
    if (res.status === 422 && !call._authTried) {
      // RFC 4028 §7.4: the interval was too small; ask again with at least the peer's Min-SE.
      const min = Number(res.get('Min-SE')?.split(';')[0]?.trim());
      if (Number.isInteger(min) && min > 0) {
        const retry = this.#retryWith(call.invite, [
          ['Session-Expires', String(Math.max(min, this.#sessionExpires))],
          ['Min-SE', String(min)],
        ]);
        call._authTried = true;
        call.invite = retry;
        void this.#sendInvite(call);
        return;
      }
    }
    if ((res.status === 401 || res.status === 407) && !call._authTried && this.#digest !== undefined) {
      const retry = this.#retryWithCredentials(call.invite, res);
      if (retry !== undefined) {
        call._authTried = true;
        call.invite = retry;
        void this.#sendInvite(call);
        return;
      }
    }
    if (call.state === 'terminated') return;
    call.emit('failed', res);
    call._end(res.status === 487 ? 'cancel' : 'failed');
  }

  #sendAck(dialog: Dialog, invite: SipRequest): void {
    const ack = dialog.createRequest('ACK', { cseq: invite.cseq?.seq ?? 1 });
    ack.prepend('Via', this.#via());
    void this.#targets(ack)
      .then((targets) => {
        const t = targets[0];
        if (t !== undefined) return this.layer.transport.sendRequest(ack, t);
        return undefined;
      })
      .catch((e) => this._reportError(e));
  }

  /** @internal §9.1: CANCEL has the INVITE's Request-URI, Call-ID, To, From, CSeq number, top Via and Route. */
  _sendCancel(call: OutgoingCall): void {
    const tx = call._tx;
    const target = call._target;
    if (tx === undefined || target === undefined) return;
    call._cancelWanted = false;
    const cancel = createCancel(tx.request);
    this.layer.request(cancel, target, { onResponse: () => {}, onFailure: () => {} });
  }

  /** @internal sends a request in a dialog and resolves with its final response */
  async _inDialog(
    dialog: Dialog,
    method: string,
    options: { body?: Uint8Array | string; headers?: readonly [string, string][] } = {},
  ): Promise<SipResponse> {
    const req = dialog.createRequest(method, options);
    req.prepend('Via', this.#via());
    return this.#send(req);
  }

  // ---------------------------------------------------------------- calls we receive

  /** @internal */
  _response(
    request: SipRequest,
    status: number,
    tag: string,
    headers: [string, string][] = [],
    body?: Uint8Array | string,
    reason?: string,
  ): SipResponse {
    const extra: [string, string][] = [...headers];
    // §12.1.1: a response that creates or refreshes a dialog carries our Contact.
    if (status > 100 && status < 300 && (request.method === 'INVITE' || request.method === 'UPDATE')) {
      extra.unshift(['Contact', `<${this.contact}>`]);
    }
    // §12.1.1: the UAS copies Record-Route into responses that create a dialog.
    if (request.method === 'INVITE' && status > 100 && status < 300) {
      extra.unshift(...request.getAll('Record-Route').map((rr): [string, string] => ['Record-Route', rr]));
    }
    return createResponse(request, status, {
      toTag: tag,
      headers: extra,
      ...(body === undefined ? {} : { body }),
      ...(reason === undefined ? {} : { reason }),
    });
  }

  /** @internal §13.3.1.4: the 2xx again at T1, 2·T1 … T2 until the ACK; BYE after 64·T1 without one. */
  _retransmitOk(call: CallBase, tx: ServerTransaction, ok: SipResponse): void {
    this._stopRetransmit(call);
    call._ok = ok;
    call._okTx = tx;
    const t1 = this.layer.settings.t1;
    const t2 = this.layer.settings.t2;
    const deadline = this.#clock.now() + 64 * t1;
    let every = t1;
    const again = (): void => {
      call._retransmit = undefined;
      if (call._ok !== ok || call.state !== 'established') return;
      if (this.#clock.now() >= deadline) {
        const d = call.dialog;
        call._ok = undefined;
        call._end('no-ack');
        if (d !== undefined) void this._inDialog(d, 'BYE').catch(() => undefined);
        return;
      }
      tx.respond(ok);
      every = Math.min(2 * every, t2);
      call._retransmit = this.#clock.setTimeout(again, Math.min(every, deadline - this.#clock.now()));
    };
    call._retransmit = this.#clock.setTimeout(again, every);
  }

  /** @internal RFC 3262 §3: a reliable provisional again at T1, 2·T1 … until its PRACK, for 64·T1. */
  _retransmitReliable(call: IncomingCall, res: SipResponse): void {
    call._unacked = res;
    const t1 = this.layer.settings.t1;
    const deadline = this.#clock.now() + 64 * t1;
    let every = t1;
    const again = (): void => {
      call._relTimer = undefined;
      if (call._unacked !== res || call.state !== 'early') return;
      if (this.#clock.now() >= deadline) {
        // §3: no PRACK within 64·T1: the UAS rejects the INVITE with a 5xx.
        call._unacked = undefined;
        call.reject(504, 'Server Time-out (no PRACK)');
        return;
      }
      call._tx.respond(res);
      every *= 2;
      call._relTimer = this.#clock.setTimeout(again, Math.min(every, deadline - this.#clock.now()));
    };
    call._relTimer = this.#clock.setTimeout(again, every);
  }

  /** @internal */
  _stopRetransmit(call: CallBase): void {
    if (call instanceof IncomingCall && call._relTimer !== undefined) {
      this.#clock.clearTimeout(call._relTimer);
      call._relTimer = undefined;
    }
    if (call._retransmit !== undefined) this.#clock.clearTimeout(call._retransmit);
    call._retransmit = undefined;
  }

  /**
   * @internal RFC 4028 §10: the refresher sends a refresh at half the interval; the other side
   * ends the session with BYE when none came by the interval minus min(32 s, interval/3).
   */
  _setSession(call: CallBase, session: CallBase['session']): void {
    if (call._sessionTimer !== undefined) this.#clock.clearTimeout(call._sessionTimer);
    call._sessionTimer = undefined;
    call.session = session;
    if (session === undefined || call.state !== 'established') return;
    const ms = session.interval * 1000;
    if (session.refresher === 'local') {
      call._sessionTimer = this.#clock.setTimeout(() => {
        call._sessionTimer = undefined;
        if (call.state !== 'established' || call.dialog === undefined) return;
        const body = call.localBody;
        void call
          .reinvite(body === undefined ? {} : { body })
          .then((res) => {
            if (res.status >= 200 && res.status < 300) this.#sessionFromResponse(call, res);
            else if (res.status === 408 || res.status === 481) call._end('expired');
          })
          .catch((e) => this._reportError(e));
      }, ms / 2);
    } else {
      call._sessionTimer = this.#clock.setTimeout(
        () => {
          call._sessionTimer = undefined;
          const d = call.dialog;
          if (call.state !== 'established' || d === undefined) return;
          call._end('expired');
          void this._inDialog(d, 'BYE').catch(() => undefined);
        },
        ms - Math.min(32_000, ms / 3),
      );
    }
  }

  /** RFC 4028 §7.2: the 2xx we got says the interval and who refreshes. */
  #sessionFromResponse(call: CallBase, res: SipResponse): void {
    const se = res.sessionExpires;
    if (se === undefined) {
      // §7.2: no Session-Expires in the 2xx: no session timer, unless we asked and refresh it ourselves.
      this._setSession(call, undefined);
      return;
    }
    const refresher = String(se.params.get('refresher') ?? 'uac').toLowerCase();
    const local = (refresher === 'uac') === (call.dialog?.isUac ?? true);
    this._setSession(call, { interval: se.seconds, refresher: local ? 'local' : 'remote' });
  }

  /**
   * @internal RFC 4028 §9: the UAS side of an INVITE or refresh: 422 below Min-SE, else the
   * Session-Expires (and Require: timer) the 2xx carries; undefined when there is no timer.
   */
  _sessionForRequest(
    call: CallBase,
    req: SipRequest,
  ): { refuse: SipResponse } | { headers: [string, string][]; session: CallBase['session'] } {
    const se = req.sessionExpires;
    const uacTimer = req.supported.some((t) => t.toLowerCase() === 'timer');
    if (se === undefined && this.#sessionExpires === 0) return { headers: [], session: undefined };
    if (se !== undefined && se.seconds < this.#minSE) {
      return { refuse: createResponse(req, 422, { headers: [['Min-SE', String(this.#minSE)]] }) };
    }
    const interval = Math.min(se?.seconds ?? this.#sessionExpires, this.#sessionExpires || (se?.seconds ?? 0));
    if (interval === 0) return { headers: [], session: undefined };
    // §9: the UAC refreshes when it supports timers (it may have asked), else we do.
    const asked = se?.params.get('refresher');
    const refresher: 'uac' | 'uas' = uacTimer ? (asked === 'uas' ? 'uas' : 'uac') : 'uas';
    const weAreUac = call.dialog?.isUac ?? false;
    const headers: [string, string][] = [['Session-Expires', `${interval};refresher=${refresher}`]];
    if (uacTimer) headers.push(['Require', 'timer']);
    const local = (refresher === 'uac') === weAreUac;
    return { headers, session: { interval, refresher: local ? 'local' : 'remote' } };
  }

  /** @internal §14.1: a re-INVITE, its ACK, and one retry after a 491 at the random back-off. */
  async _reinvite(
    call: CallBase,
    dialog: Dialog,
    options: { body?: Uint8Array | string; contentType?: string },
    retry: boolean,
  ): Promise<SipResponse> {
    call._reinviteOut = true;
    const headers: [string, string][] = [['Contact', `<${this.contact}>`]];
    if (call.session !== undefined) {
      // RFC 4028 §7.4: a refresh carries the interval, with us as refresher.
      headers.push(
        ['Supported', 'timer'],
        ['Session-Expires', `${call.session.interval};refresher=${dialog.isUac ? 'uac' : 'uas'}`],
      );
    }
    if (options.body !== undefined) headers.push(['Content-Type', options.contentType ?? 'application/sdp']);
    const req = dialog.createRequest('INVITE', {
      headers,
      ...(options.body === undefined ? {} : { body: options.body }),
    });
    req.prepend('Via', this.#via());
    let res: SipResponse;
    try {
      res = await this.#sendInDialogInvite(req);
    } finally {
      call._reinviteOut = false;
    }
    if (res.status >= 200 && res.status < 300) {
      this.#sendAck(dialog, req);
      dialog.refreshTarget(res);
      if (options.body !== undefined) call.localBody = options.body;
      if (res.body.length > 0) call.remoteBody = res.body;
      return res;
    }
    if (res.status === 491 && retry && call.state === 'established') {
      // §14.1: the owner of the Call-ID (the UAC of the dialog) waits 2.1–4 s, the other 0–2 s,
      // in units of 10 ms, before trying again.
      const owner = dialog.isUac;
      const ms = owner ? 2100 + 10 * Math.floor(Math.random() * 191) : 10 * Math.floor(Math.random() * 201);
      await new Promise<void>((resolve) => this.#clock.setTimeout(resolve, ms));
      if (call.state !== 'established' || call._reinviteOut) return res;
      return this._reinvite(call, dialog, options, false);
    }
    return res;
  }

  /** An INVITE inside a dialog: resolves with its final response (2xx included, once). */
  async #sendInDialogInvite(req: SipRequest): Promise<SipResponse> {
    const targets = await this.#targets(req);
    return new Promise((resolve, reject) => {
      let done = false;
      this.layer.requestWithFailover(req, targets, {
        onResponse: (res) => {
          if (res.status < 200) return;
          if (done) {
            // A 2xx retransmission: ACK it again (§13.2.2.4).
            if (res.status < 300) {
              const entry = this.#dialogs.get(dialogKey(res.callId ?? '', res.from?.tag ?? '', res.to?.tag ?? ''));
              if (entry !== undefined) this.#sendAck(entry.dialog, req);
            }
            return;
          }
          done = true;
          resolve(res);
        },
        onFailure: (_tx, error) => reject(error),
      });
    });
  }

  #onAck(ack: SipRequest): void {
    const entry = this.#find(ack);
    const call = entry?.call;
    const ok = call?._ok;
    if (call === undefined || ok === undefined) return;
    // §13.3.1.4: the ACK for our 2xx (same CSeq number) stops its retransmissions.
    if ((ack.cseq?.seq ?? -1) !== ok.cseq?.seq) return;
    call._ok = undefined;
    this._stopRetransmit(call);
    if (ack.body.length > 0) call.remoteBody = ack.body;
    if (call instanceof IncomingCall && !call._confirmed) {
      call._confirmed = true;
      call.emit('established', ack);
    }
  }

  #onStrayResponse(res: SipResponse): void {
    // A 2xx retransmission after the INVITE transaction ended (RFC 6026 §7.2): ACK it again.
    if (res.cseq?.method !== 'INVITE' || res.status < 200 || res.status >= 300) return;
    const entry = this.#dialogs.get(dialogKey(res.callId ?? '', res.from?.tag ?? '', res.to?.tag ?? ''));
    if (entry?.call instanceof OutgoingCall) this.#sendAck(entry.dialog, entry.call.invite);
  }

  #find(req: SipRequest): { dialog: Dialog; call: CallBase | undefined } | undefined {
    return this.#dialogs.get(dialogKey(req.callId ?? '', req.to?.tag ?? '', req.from?.tag ?? ''));
  }

  /** @internal */
  _remember(dialog: Dialog, call: CallBase | undefined): void {
    this.#dialogs.set(dialog.key, { dialog, call });
  }

  /** @internal */
  _forget(dialog: Dialog): void {
    // Kept a little longer would catch late retransmissions; the transaction layer absorbs those.
    this.#dialogs.delete(dialog.key);
  }

  /** The dialogs the UA holds. */
  get dialogCount(): number {
    return this.#dialogs.size;
  }

  #onRequest(req: SipRequest, tx: ServerTransaction): void {
    const method = req.method;
    // §8.2.1: methods we do not allow get 405 with Allow.
    if (!this.#allow.includes(method)) {
      tx.respond(createResponse(req, 405, { headers: [['Allow', this.#allow.join(', ')]] }));
      return;
    }
    // §8.2.2.1: only SIP URIs here (416).
    if (!/^sips?:/i.test(req.uri)) {
      tx.respond(createResponse(req, 416));
      return;
    }
    // §8.2.2.2: the same request arriving twice by different paths (no To tag, the From tag,
    // Call-ID and CSeq of another transaction) → 482.
    if (method !== 'CANCEL' && req.to?.tag === undefined && this.layer.isMerged(req, tx)) {
      tx.respond(createResponse(req, 482, { reason: 'Loop Detected' }));
      return;
    }
    // §8.2.2.3: Require we do not support (we support 100rel and timer) → 420 with Unsupported.
    const unsupported = req.require.filter((t) => !['100rel', 'timer'].includes(t.toLowerCase()));
    if (unsupported.length > 0 && method !== 'CANCEL' && method !== 'ACK') {
      tx.respond(createResponse(req, 420, { headers: [['Unsupported', unsupported.join(', ')]] }));
      return;
    }
    // §8.2.3: a body we cannot read (a session description other than SDP, an encoding we do
    // not know) → 415 with Accept and Accept-Encoding. MESSAGE bodies are for the application.
    if (req.body.length > 0 && (method === 'INVITE' || method === 'UPDATE' || method === 'PRACK' || method === 'ACK')) {
      const type = req.contentType;
      const ok = type === undefined || `${type.type}/${type.subtype}`.toLowerCase() === 'application/sdp';
      const encoded = req.contentEncoding.some((e) => e.toLowerCase() !== 'identity');
      if ((!ok || encoded) && method !== 'ACK') {
        tx.respond(
          createResponse(req, 415, {
            headers: [
              ['Accept', 'application/sdp'],
              ['Accept-Encoding', 'identity'],
            ],
          }),
        );
        return;
      }
    }
    if (method === 'CANCEL') {
      this.#onCancel(req, tx);
      return;
    }
    const toTag = req.to?.tag;
    if (toTag !== undefined) {
      this.#inDialogRequest(req, tx);
      return;
    }
    switch (method) {
      case 'INVITE': {
        // RFC 4028 §9: an interval below our Min-SE is refused with 422.
        const se = req.sessionExpires;
        if (se !== undefined && se.seconds < this.#minSE) {
          tx.respond(createResponse(req, 422, { headers: [['Min-SE', String(this.#minSE)]] }));
          return;
        }
        const call = new IncomingCall(this, req, tx as InviteServerTransaction);
        this.#pending.set(tx as InviteServerTransaction, call);
        if (!this.emit('invite', call)) call.reject(480, 'Temporarily Unavailable');
        return;
      }
      case 'OPTIONS':
        // §11.2: answer with what we can do.
        tx.respond(
          createResponse(req, 200, {
            headers: [
              ['Allow', this.#allow.join(', ')],
              ['Accept', 'application/sdp'],
            ],
          }),
        );
        return;
      case 'MESSAGE':
        tx.respond(createResponse(req, 200));
        this.emit('message', req);
        return;
      case 'BYE':
        tx.respond(createResponse(req, 481));
        return;
      default:
        if (!this.emit('request', req, tx)) tx.respond(createResponse(req, 501));
    }
  }

  /** A re-INVITE (§14.2) or UPDATE (RFC 3311) in a dialog: glare checks, then the TU answers. */
  #onOffer(req: SipRequest, tx: ServerTransaction, dialog: Dialog, call: CallBase | undefined): void {
    const isInvite = req.method === 'INVITE';
    if (call === undefined || call.state === 'terminated') {
      tx.respond(createResponse(req, 481));
      return;
    }
    if (isInvite && call._reinviteOut) {
      // §14.2: a re-INVITE while ours is pending → 491 Request Pending.
      tx.respond(createResponse(req, 491));
      return;
    }
    if (isInvite && (call._reinviteIn || call._ok !== undefined)) {
      // §14.2: a second re-INVITE before we answered the first → 500 with Retry-After.
      tx.respond(createResponse(req, 500, { headers: [['Retry-After', String(Math.floor(Math.random() * 11))]] }));
      return;
    }
    // §12.2.2: a re-INVITE or UPDATE is a target refresh.
    dialog.refreshTarget(req);
    if (req.body.length > 0) call.remoteBody = req.body;
    if (isInvite) call._reinviteIn = true;
    let answered = false;
    const answer = (body?: Uint8Array | string): void => {
      if (answered) return;
      answered = true;
      call._reinviteIn = false;
      const headers: [string, string][] = [];
      if (body !== undefined) {
        headers.push(['Content-Type', 'application/sdp']);
        call.localBody = body;
      }
      // RFC 4028 §9: a re-INVITE or UPDATE refreshes the session timer.
      const timer = this._sessionForRequest(call, req);
      if ('headers' in timer) headers.push(...timer.headers);
      const ok = this._response(req, 200, dialog.id.localTag, headers, body);
      tx.respond(ok);
      if ('session' in timer) this._setSession(call, timer.session);
      if (isInvite) this._retransmitOk(call, tx, ok);
    };
    if (!call.emit('offer', req, answer)) answer(call.localBody);
  }

  #onCancel(cancel: SipRequest, tx: ServerTransaction): void {
    // §9.2: find the INVITE; 481 if none; else 200 to the CANCEL and 487 to the INVITE.
    const ist = this.layer.findInviteServerTransaction(cancel);
    if (ist === undefined) {
      tx.respond(createResponse(cancel, 481));
      return;
    }
    tx.respond(createResponse(cancel, 200));
    if (ist.state !== 'Proceeding') return;
    const call = this.#pending.get(ist);
    if (call !== undefined) {
      call._tx.respond(this._response(call.invite, 487, call._tag));
      call._end('cancel');
    } else {
      ist.respond(createResponse(ist.request, 487));
    }
  }

  /** INVITE server transactions → their calls, for CANCEL (§9.2) */
  readonly #pending = new WeakMap<InviteServerTransaction, IncomingCall>();

  #inDialogRequest(req: SipRequest, tx: ServerTransaction): void {
    const entry = this.#find(req);
    // §12.2.2: a request for a dialog we do not have → 481.
    if (entry === undefined) {
      tx.respond(createResponse(req, 481));
      return;
    }
    const { dialog, call } = entry;
    // §12.2.2: an out-of-order CSeq → 500.
    if (!dialog.acceptRemoteSeq(req)) {
      tx.respond(createResponse(req, 500, { reason: 'Server Internal Error (CSeq out of order)' }));
      return;
    }
    switch (req.method) {
      case 'BYE':
        // §15.1.2: 200, and the call is over.
        tx.respond(createResponse(req, 200));
        call?._end('bye');
        if (call === undefined) this._forget(dialog);
        return;
      case 'INVITE':
      case 'UPDATE':
        this.#onOffer(req, tx, dialog, call);
        return;
      case 'PRACK': {
        // RFC 3262 §3: a PRACK whose RAck matches the unacknowledged reliable response stops its
        // retransmissions and gets 200; one that matches nothing gets 481.
        const rack = req.rack;
        const inc = call instanceof IncomingCall ? call : undefined;
        const pending = inc?._unacked;
        if (
          inc === undefined ||
          pending === undefined ||
          rack === undefined ||
          rack.rseq !== inc._rseq ||
          rack.cseq !== pending.cseq?.seq
        ) {
          tx.respond(createResponse(req, 481));
          return;
        }
        inc._unacked = undefined;
        if (inc._relTimer !== undefined) this.#clock.clearTimeout(inc._relTimer);
        inc._relTimer = undefined;
        if (req.body.length > 0) inc.remoteBody = req.body;
        tx.respond(createResponse(req, 200));
        inc.emit('prack', req);
        return;
      }
      case 'INFO':
        // RFC 6086 §4.2.2: 200, and the TU sees it.
        tx.respond(createResponse(req, 200));
        call?.emit('info', req);
        return;
      case 'MESSAGE':
        tx.respond(createResponse(req, 200));
        this.emit('message', req);
        return;
      case 'OPTIONS':
        tx.respond(createResponse(req, 200, { headers: [['Allow', this.#allow.join(', ')]] }));
        return;
      default:
        if (!this.emit('request', req, tx)) tx.respond(createResponse(req, 501));
    }
  }
}

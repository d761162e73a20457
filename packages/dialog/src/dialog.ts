import { createRequest, type NameAddr, type SipRequest, type SipResponse } from '@sipkit/parser';

/**
 * Dialog states (RFC 3261 §12): created early by a provisional response with a To tag,
 * confirmed by a 2xx, terminated by BYE or failure.
 *
 * @public
 */
export type DialogState = 'early' | 'confirmed' | 'terminated';

/**
 * What identifies a dialog (§12): Call-ID, local tag, remote tag.
 *
 * @public
 */
export interface DialogId {
  /** Call-ID. */
  readonly callId: string;
  /** Our tag (From tag for the UAC, To tag for the UAS). */
  readonly localTag: string;
  /** The peer's tag. */
  readonly remoteTag: string;
}

/** The key a dialog is found by. */
export function dialogKey(callId: string, localTag: string, remoteTag: string): string {
  return `${callId}\x01${localTag}\x01${remoteTag}`;
}

function uriOf(na: NameAddr | undefined): string {
  return na === undefined ? '' : na.uriText;
}

/**
 * The state of one dialog (RFC 3261 §12): its id, the local and remote sequence numbers, the
 * local and remote URIs, the remote target and the route set, and how to build requests inside
 * it (§12.2.1.1) and check the ones that arrive (§12.2.2).
 *
 * @public
 */
export class Dialog {
  /** Call-ID, local tag and remote tag. */
  readonly id: DialogId;
  /** Whether we sent the request that created it. */
  readonly isUac: boolean;
  /** Early, confirmed or terminated. */
  state: DialogState;
  /** Our CSeq for the next request, minus one (§12.1.1, §12.2.1.1). */
  localSeq: number;
  /** The highest CSeq seen from the peer, or undefined before its first request (§12.2.2). */
  remoteSeq: number | undefined;
  /** Our URI (From for the UAC, To for the UAS), with the header as written. */
  readonly local: string;
  /** The peer's URI, with the header as written. */
  readonly remote: string;
  /** Where requests go: the peer's Contact URI (§12.1.1), updated by target refreshes. */
  remoteTarget: string;
  /** The route set, in the order requests carry it (§12.1.1, §12.1.2). */
  readonly routeSet: readonly string[];
  /** Whether the dialog is secure (sips, §12.1.1). */
  readonly secure: boolean;

  /** @internal */
  constructor(init: {
    id: DialogId;
    isUac: boolean;
    state: DialogState;
    localSeq: number;
    remoteSeq: number | undefined;
    local: string;
    remote: string;
    remoteTarget: string;
    routeSet: readonly string[];
    secure: boolean;
  }) {
    this.id = init.id;
    this.isUac = init.isUac;
    this.state = init.state;
    this.localSeq = init.localSeq;
    this.remoteSeq = init.remoteSeq;
    this.local = init.local;
    this.remote = init.remote;
    this.remoteTarget = init.remoteTarget;
    this.routeSet = init.routeSet;
    this.secure = init.secure;
  }

  /** The key the dialog is found by. */
  get key(): string {
    return dialogKey(this.id.callId, this.id.localTag, this.id.remoteTag);
  }

  /**
   * The UAC side of a dialog, from a response with a To tag to our request (§12.1.2): the route
   * set is the response's Record-Route in reverse, the remote target its Contact.
   *
   * @param request - the request we sent
   * @param response - a 1xx (with a To tag) or 2xx to it
   */
  static fromUac(request: SipRequest, response: SipResponse): Dialog {
    const toTag = response.to?.tag ?? '';
    const fromTag = request.from?.tag ?? '';
    const contact = response.contacts;
    return new Dialog({
      id: { callId: request.callId ?? '', localTag: fromTag, remoteTag: toTag },
      isUac: true,
      state: response.status >= 200 ? 'confirmed' : 'early',
      localSeq: request.cseq?.seq ?? 0,
      remoteSeq: undefined,
      local: request.get('From') ?? '',
      remote: response.get('To') ?? '',
      remoteTarget: contact === '*' || contact.length === 0 ? request.uri : uriOf(contact[0]),
      routeSet: response.getValues('Record-Route').slice().reverse(),
      secure: request.uri.startsWith('sips:'),
    });
  }

  /**
   * The UAS side of a dialog, from a request and the response with our To tag (§12.1.1): the
   * route set is the request's Record-Route in order, the remote target its Contact.
   *
   * @param request - the request received
   * @param localTag - the To tag our responses carry
   * @param state - early (a 1xx) or confirmed (a 2xx)
   */
  static fromUas(request: SipRequest, localTag: string, state: DialogState): Dialog {
    const contact = request.contacts;
    return new Dialog({
      id: { callId: request.callId ?? '', localTag, remoteTag: request.from?.tag ?? '' },
      isUac: false,
      state,
      localSeq: Math.floor(Math.random() * 0x7fff_ffff) >>> 8,
      remoteSeq: request.cseq?.seq,
      local: `${request.get('To') ?? ''};tag=${localTag}`,
      remote: request.get('From') ?? '',
      remoteTarget: contact === '*' || contact.length === 0 ? '' : uriOf(contact[0]),
      routeSet: request.getValues('Record-Route'),
      secure: request.uri.startsWith('sips:'),
    });
  }

  /**
   * Builds a request inside the dialog (§12.2.1.1): To, From and Call-ID from the dialog, the next
   * CSeq (the same for ACK and CANCEL, which pass `cseq`), Request-URI and Route from the remote
   * target and the route set, loose routing when the first route has `lr` and strict routing
   * otherwise. The Via is the caller's to add.
   *
   * @param method - the method
   * @param options - extra headers, a body, the CSeq to reuse
   */
  createRequest(
    method: string,
    options: {
      headers?: readonly (readonly [string, string])[];
      body?: Uint8Array | string;
      cseq?: number;
    } = {},
  ): SipRequest {
    const seq = options.cseq ?? ++this.localSeq;
    let uri = this.remoteTarget;
    let routes = [...this.routeSet];
    const first = routes[0];
    if (first !== undefined && !/;\s*lr\b/i.test(first)) {
      // §12.2.1.1: a strict router first: it becomes the Request-URI, the remote target the last Route.
      uri = first.replace(/^[^<]*<|>.*$/g, '');
      routes = [...routes.slice(1), `<${this.remoteTarget}>`];
    }
    const headers: [string, string][] = [];
    for (const r of routes) headers.push(['Route', r]);
    headers.push(['Max-Forwards', '70']);
    headers.push(['From', this.local]);
    headers.push(['To', this.remote]);
    headers.push(['Call-ID', this.id.callId]);
    headers.push(['CSeq', `${seq} ${method}`]);
    for (const [k, v] of options.headers ?? []) headers.push([k, v]);
    return createRequest({ method, uri, headers, ...(options.body === undefined ? {} : { body: options.body }) });
  }

  /**
   * Checks a request that arrived in the dialog (§12.2.2): a CSeq lower than the last one seen
   * is out of order (the UAS answers 500); otherwise it is recorded. ACK and CANCEL do not move
   * the remote sequence.
   *
   * @param request - the request
   * @returns whether it is in order
   */
  acceptRemoteSeq(request: SipRequest): boolean {
    const seq = request.cseq?.seq ?? 0;
    if (request.method === 'ACK' || request.method === 'CANCEL') return true;
    if (this.remoteSeq !== undefined && seq < this.remoteSeq) return false;
    this.remoteSeq = seq;
    return true;
  }

  /**
   * A target refresh (§12.2): the Contact of a re-INVITE or UPDATE, or of its 2xx, becomes the
   * remote target.
   *
   * @param message - the refreshing request or response
   */
  refreshTarget(message: SipRequest | SipResponse): void {
    const c = message.contacts;
    if (c !== '*' && c[0] !== undefined) this.remoteTarget = c[0].uriText;
  }
}

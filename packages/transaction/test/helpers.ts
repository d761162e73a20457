import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parseMessage, type SipRequest, type SipResponse } from '@sipkit/parser';
import { sip, VirtualClock } from '@sipkit/testkit';
import type { Drop, PeerAddress, Received, Target, Transport, TransportEvent } from '@sipkit/transport';
import {
  type ClientTransaction,
  type ClientTransactionHandler,
  type InviteServerTransaction,
  type ServerTransaction,
  type TransactionError,
  TransactionLayer,
  type TransactionUser,
} from '../src/index.js';

/** A transport that records what it is asked to send and lets a test play the peer. */
export class ScriptedTransport implements Transport {
  readonly protocol;
  readonly reliable: boolean;
  readonly secure = false;
  readonly local: PeerAddress = { address: '192.0.2.1', port: 5060 };
  readonly sent: { bytes: Uint8Array; to: PeerAddress; flow: string | undefined; text: string }[] = [];
  /** When set, every send rejects with it. */
  failWith: Error | undefined;
  #receiver: ((e: TransportEvent) => void) | undefined;

  constructor(protocol: 'udp' | 'tcp' = 'udp') {
    this.protocol = protocol;
    this.reliable = protocol !== 'udp';
  }

  send(bytes: Uint8Array, to: PeerAddress, flow?: string): Promise<string | undefined> {
    this.sent.push({ bytes, to, flow, text: new TextDecoder().decode(bytes) });
    if (this.failWith !== undefined) return Promise.reject(this.failWith);
    return Promise.resolve(this.reliable ? (flow ?? 'flow-1') : undefined);
  }

  listen(receiver: (e: TransportEvent) => void): void {
    this.#receiver = receiver;
  }

  async close(): Promise<void> {}

  /** The peer sends `text` to us. */
  deliver(text: string, source: PeerAddress = PEER): void {
    this.#receiver?.({
      type: 'message',
      bytes: new TextEncoder().encode(text),
      source,
      ...(this.reliable ? { flow: 'flow-1' } : {}),
    });
  }

  /** Start lines of everything sent, in order. */
  get lines(): string[] {
    return this.sent.map((s) => s.text.slice(0, s.text.indexOf('\r\n')));
  }

  /** The n-th sent message, parsed. */
  message(n: number): SipRequest | SipResponse {
    const s = this.sent.at(n);
    if (s === undefined) throw new Error(`nothing sent at ${n}; sent: ${this.lines.join(' | ')}`);
    return parseMessage(s.bytes);
  }
}

/** The peer the scripted transport talks to. */
export const PEER: PeerAddress = { address: '192.0.2.2', port: 5060 };

/** A target for the peer. */
export function peerTarget(protocol: 'udp' | 'tcp' = 'udp'): Target {
  return { protocol, address: PEER.address, port: PEER.port, family: 4, hostname: 'peer.example.com' };
}

/** Records everything the TU hears. */
export class RecordingTu implements TransactionUser, ClientTransactionHandler {
  readonly requests: { request: SipRequest; tx: ServerTransaction }[] = [];
  readonly acks: { ack: SipRequest; tx: InviteServerTransaction | undefined }[] = [];
  readonly stray: SipResponse[] = [];
  readonly serverFailures: { tx: ServerTransaction; error: TransactionError }[] = [];
  readonly responses: { response: SipResponse; tx: ClientTransaction }[] = [];
  readonly failures: { tx: ClientTransaction; error: TransactionError }[] = [];
  readonly terminated: (ClientTransaction | ServerTransaction)[] = [];
  /** What onRequest does; nothing by default. */
  answer: ((request: SipRequest, tx: ServerTransaction) => void) | undefined;
  /** The §8.2.7 hook, when a test sets one. */
  beforeTransaction?: (request: SipRequest, from: Received) => boolean;

  onRequest(request: SipRequest, tx: ServerTransaction): void {
    this.requests.push({ request, tx });
    this.answer?.(request, tx);
  }
  onAck(ack: SipRequest, _from: Received, tx: InviteServerTransaction | undefined): void {
    this.acks.push({ ack, tx });
  }
  onStrayResponse(response: SipResponse): void {
    this.stray.push(response);
  }
  onServerFailure(tx: ServerTransaction, error: TransactionError): void {
    this.serverFailures.push({ tx, error });
  }
  onServerTerminated(tx: ServerTransaction): void {
    this.terminated.push(tx);
  }
  onResponse(response: SipResponse, tx: ClientTransaction): void {
    this.responses.push({ response, tx });
  }
  onFailure(tx: ClientTransaction, error: TransactionError): void {
    this.failures.push({ tx, error });
  }
  onTerminated(tx: ClientTransaction): void {
    this.terminated.push(tx);
  }
  /** Status codes of responses the TU received. */
  get statuses(): number[] {
    return this.responses.map((r) => r.response.status);
  }
}

/** A layer on a virtual clock over one scripted transport. */
export function setup(protocol: 'udp' | 'tcp' = 'udp', onDrop?: (drop: Drop) => void) {
  const clock = new VirtualClock();
  const transport = new ScriptedTransport(protocol);
  const tu = new RecordingTu();
  const layer = new TransactionLayer({
    transports: [transport],
    tu,
    clock,
    ...(onDrop === undefined ? {} : { onDrop }),
  });
  return { clock, transport, tu, layer };
}

/** Lets promise callbacks (send results) run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

/** An INVITE from the peer (as a UAC would send it). */
export function inviteFromPeer(branch = 'z9hG4bK776asdhds', protocol = 'UDP'): string {
  return sip`
    INVITE sip:bob@192.0.2.1 SIP/2.0
    Via: SIP/2.0/${protocol} 192.0.2.2:5060;branch=${branch}
    Max-Forwards: 70
    To: Bob <sip:bob@biloxi.example.com>
    From: Alice <sip:alice@atlanta.example.com>;tag=1928301774
    Call-ID: a84b4c76e66710@pc33.atlanta.example.com
    CSeq: 314159 INVITE
    Contact: <sip:alice@192.0.2.2>
    Content-Length: 0
  `;
}

/** The ACK the peer sends for a non-2xx final response (same branch, §17.1.1.3). */
export function ackFromPeer(toTag: string, branch = 'z9hG4bK776asdhds', protocol = 'UDP'): string {
  return sip`
    ACK sip:bob@192.0.2.1 SIP/2.0
    Via: SIP/2.0/${protocol} 192.0.2.2:5060;branch=${branch}
    Max-Forwards: 70
    To: Bob <sip:bob@biloxi.example.com>;tag=${toTag}
    From: Alice <sip:alice@atlanta.example.com>;tag=1928301774
    Call-ID: a84b4c76e66710@pc33.atlanta.example.com
    CSeq: 314159 ACK
    Content-Length: 0
  `;
}

/** A non-INVITE request from the peer. */
export function requestFromPeer(method = 'OPTIONS', branch = 'z9hG4bKnashds8', protocol = 'UDP'): string {
  return sip`
    ${method} sip:bob@192.0.2.1 SIP/2.0
    Via: SIP/2.0/${protocol} 192.0.2.2:5060;branch=${branch}
    Max-Forwards: 70
    To: <sip:bob@biloxi.example.com>
    From: <sip:alice@atlanta.example.com>;tag=88sja8x
    Call-ID: 987asjd97y7atg@pc33.atlanta.example.com
    CSeq: 986759 ${method}
    Content-Length: 0
  `;
}

/** A request of ours for a client transaction. */
export function ourRequest(layer: TransactionLayer, method = 'INVITE', branch = layer.newBranch()): SipRequest {
  return sip.parse`
    ${method} sip:bob@peer.example.com SIP/2.0
    Via: SIP/2.0/UDP 192.0.2.1:5060;branch=${branch}
    Max-Forwards: 70
    Route: <sip:p1.example.com;lr>
    To: Bob <sip:bob@peer.example.com>
    From: Alice <sip:alice@192.0.2.1>;tag=9fxced76sl
    Call-ID: 3848276298220188511@192.0.2.1
    CSeq: 1 ${method}
    Content-Length: 0
  ` as SipRequest;
}

/** A response from the peer to a request of ours. */
export function responseTo(request: SipRequest, status: number, reason: string, toTag?: string): string {
  const via = request.topVia?.toString() ?? '';
  const to = request.get('To') ?? '';
  return sip`
    SIP/2.0 ${status} ${reason}
    Via: ${via}
    To: ${toTag === undefined ? to : `${to};tag=${toTag}`}
    From: ${request.get('From') ?? ''}
    Call-ID: ${request.callId ?? ''}
    CSeq: ${request.get('CSeq') ?? ''}
    Content-Length: 0
  `;
}

setFlagsFromString('--expose-gc');
const fullGc = runInNewContext('gc') as () => void;

/**
 * A full garbage collection once the current job is over (a WeakRef keeps its target alive until
 * then), so a test can check that the layer no longer holds an object.
 */
export async function collectGarbage(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 0));
  fullGc();
}

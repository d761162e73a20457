// An auto-answering UAS: every INVITE gets 180 and then 200 with an SDP answer that accepts
// every offered RTP stream with the offer's own codecs (RFC 3264 §6), each on a port of ours;
// a MESSAGE is sent back to its sender as a new MESSAGE (RFC 3428); OPTIONS, BYE and CANCEL are
// answered by the user agent core. A test partner for phones, proxies and load tests.
import { UserAgent } from '@sipkit/dialog';
import type { SipRequest } from '@sipkit/parser';
import { type CodecSpec, createAnswer, createOffer, parseSdp, serializeSdp } from '@sipkit/sdp';
import type { Clock } from '@sipkit/transaction';
import type { Resolver, Transport } from '@sipkit/transport';

/** What the element needs. */
export interface EchoUasOptions {
  readonly transports: readonly Transport[];
  /** @defaultValue `sip:echo@<first transport's address>` */
  readonly aor?: string;
  /** The address in our SDP. @defaultValue the first transport's address */
  readonly mediaAddress?: string;
  /** The port of the first stream; the next ones follow two apart. @defaultValue 40000 */
  readonly mediaPort?: number;
  /** Milliseconds between the 180 and the 200. @defaultValue 0 */
  readonly answerAfter?: number;
  readonly clock?: Clock;
  readonly resolver?: Resolver;
}

/**
 * RFC 3264 §6: the answer to `body`, every offered RTP stream accepted with the codecs it was
 * offered with, in the offerer's order and payload types; undefined when nothing can be accepted.
 */
export function mirrorAnswer(body: Uint8Array | string, address: string, port: number): string | undefined {
  let offer: ReturnType<typeof parseSdp>;
  try {
    offer = parseSdp(typeof body === 'string' ? body : new TextDecoder().decode(body));
  } catch {
    return undefined;
  }
  const codecs: Record<string, CodecSpec[]> = {};
  for (const m of offer.media) {
    const mine = m.codecs.map((c) => ({ name: c.name, clockRate: c.clockRate, channels: c.channels }));
    codecs[m.type] = [...(codecs[m.type] ?? []), ...mine];
  }
  const answer = createAnswer(offer, { address, codecs, ports: (_m, i) => port + 2 * i });
  return answer.media.every((m) => m.rejected) ? undefined : serializeSdp(answer);
}

/** Builds the echo UAS: one user agent core and three listeners. */
export function echoUas(options: EchoUasOptions): UserAgent {
  const address = options.transports[0]?.local.address ?? '127.0.0.1';
  const mediaAddress = options.mediaAddress ?? address;
  const port = options.mediaPort ?? 40000;
  const ua = new UserAgent({
    transports: options.transports,
    aor: options.aor ?? `sip:echo@${address}`,
    sessionExpires: 0,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.resolver === undefined ? {} : { resolver: options.resolver }),
  });
  ua.on('invite', (call) => {
    const offered = call.invite.body;
    // §13.3.1 and RFC 3264 §5: no offer in the INVITE: ours goes in the 200, the answer in the ACK.
    const body =
      offered.length === 0
        ? serializeSdp(createOffer({ address: mediaAddress, media: [{ type: 'audio', port, codecs: PCMU_PCMA }] }))
        : mirrorAnswer(offered, mediaAddress, port);
    // RFC 3264 §6: nothing in the offer we can take: 488 Not Acceptable Here.
    if (body === undefined) return call.reject(488, 'Not Acceptable Here');
    call.ring();
    ua.layer.clock.setTimeout(() => call.accept({ body }), options.answerAfter ?? 0);
  });
  ua.on('message', (message) => void echo(ua, message).catch(() => undefined));
  return ua;
}

const PCMU_PCMA: CodecSpec[] = [
  { name: 'PCMU', clockRate: 8000 },
  { name: 'PCMA', clockRate: 8000 },
  { name: 'telephone-event', clockRate: 8000 },
];

/** RFC 3428 §7: the reply to a MESSAGE is a MESSAGE of its own, to the sender (§20.31 Reply-To, else From). */
async function echo(ua: UserAgent, message: SipRequest): Promise<void> {
  // A MESSAGE that answers another (§20.21 In-Reply-To) is not echoed: two echoes never ping-pong.
  if (message.has('In-Reply-To')) return;
  const sender = (message.replyTo ?? message.from)?.uriText;
  if (sender === undefined) return;
  const headers: [string, string][] = [['In-Reply-To', message.callId ?? '']];
  headers.push(['Content-Type', message.get('Content-Type') ?? 'text/plain']);
  await ua.request('MESSAGE', sender, { to: sender, body: message.body, headers });
}

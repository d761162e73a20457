// The signalling half of a session: an SDP offer or answer for one audio stream (RFC 3264),
// built with @sipkit/sdp. sipkit-ua sends and receives no media; the port is only a number.
import { type CodecSpec, createAnswer, createOffer, parseSdp, serializeSdp } from '@sipkit/sdp';

const AUDIO: readonly CodecSpec[] = [
  { name: 'PCMU', clockRate: 8000 },
  { name: 'PCMA', clockRate: 8000 },
  { name: 'telephone-event', clockRate: 8000 },
];

/** An even port in the usual RTP range, never bound (there is no media). */
function rtpPort(): number {
  return 16384 + 2 * Math.floor(Math.random() * 8192);
}

/**
 * An offer of one audio stream (PCMU, PCMA, DTMF).
 *
 * @param address - our address for `o=` and `c=`
 */
export function audioOffer(address: string): string {
  return serializeSdp(
    createOffer({
      address,
      media: [{ type: 'audio', port: rtpPort(), codecs: AUDIO }],
      origin: { username: 'sipkit' },
    }),
  );
}

/**
 * The answer to an offer (RFC 3264 §6), or undefined when no stream can be accepted (488).
 *
 * @param offer - the offer's bytes
 * @param address - our address
 * @throws SdpParseError when the offer is not SDP
 */
export function audioAnswer(offer: Uint8Array, address: string): string | undefined {
  const answer = createAnswer(parseSdp(new TextDecoder().decode(offer)), {
    address,
    ports: { audio: rtpPort() },
    codecs: { audio: AUDIO },
    origin: { username: 'sipkit' },
  });
  if (answer.media.every((m) => m.rejected)) return undefined;
  return serializeSdp(answer);
}

/**
 * A one-line summary of a session description: `audio 49170 PCMU,telephone-event`.
 *
 * @param body - SDP bytes, if any
 */
export function summarize(body: Uint8Array | undefined): string | undefined {
  if (body === undefined || body.length === 0) return undefined;
  try {
    const sdp = parseSdp(new TextDecoder().decode(body));
    const address = sdp.connections[0]?.address;
    const media = sdp.media.map((m) =>
      m.rejected ? `${m.type} rejected` : `${m.type} ${m.port} ${m.codecs.map((c) => c.name).join(',')}`,
    );
    return `${media.join('; ')}${address === undefined ? '' : ` at ${address}`}`;
  } catch {
    return 'a body that is not SDP';
  }
}

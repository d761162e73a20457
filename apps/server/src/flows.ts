// RFC 5626 §5.2 flow tokens. An edge proxy that takes a REGISTER over a connection (TCP, TLS,
// WebSocket) names itself in a Path header (RFC 3327) whose user part is the flow, signed. Any
// instance that later finds the registration sends the request along that Path; the instance
// holding the connection recognises its token and sends the request over the flow. The HMAC
// keeps anyone else from making a token that steers requests to a flow of their choosing.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Signs and reads flow tokens with a secret shared by every instance. */
export class FlowTokens {
  readonly #secret: string | Buffer;

  constructor(secret: string | Buffer) {
    this.#secret = secret;
  }

  #mac(flow: string): Buffer {
    return createHmac('sha256', this.#secret).update(flow).digest().subarray(0, 12);
  }

  /** A token for a flow (`sip:192.0.2.7:49152;transport=tcp`): URL-safe, fit for a SIP user part. */
  encode(flow: string): string {
    return `${Buffer.from(flow).toString('base64url')}.${this.#mac(flow).toString('base64url')}`;
  }

  /** The flow a token names, or undefined when it is not one of ours. */
  decode(token: string): string | undefined {
    const dot = token.indexOf('.');
    if (dot <= 0) return undefined;
    const flow = Buffer.from(token.slice(0, dot), 'base64url').toString();
    const mac = Buffer.from(token.slice(dot + 1), 'base64url');
    const want = this.#mac(flow);
    return mac.length === want.length && timingSafeEqual(mac, want) ? flow : undefined;
  }
}

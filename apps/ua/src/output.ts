// What sipkit-ua prints: one line per event, a local timestamp and text for people, or one JSON
// object per line (`--json`) for programs. SIP messages (`--verbose`) go to the same stream, so
// they stay in order with the events they cause.

/** Where text goes: a stream or anything with `write`. */
export interface Writer {
  write(chunk: string): unknown;
}

/** Event names a program reading `--json` output can match on. */
export type EventName =
  | 'listening'
  | 'registering'
  | 'registered'
  | 'unregistered'
  | 'register-failed'
  | 'calling'
  | 'progress'
  | 'established'
  | 'cancelling'
  | 'hangup'
  | 'bye'
  | 'ended'
  | 'failed'
  | 'incoming'
  | 'ringing'
  | 'answered'
  | 'rejected'
  | 'message'
  | 'response'
  | 'sip'
  | 'error';

function clock(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

/** Prints events and SIP messages in the chosen format. */
export class Reporter {
  readonly #out: Writer;
  readonly #err: Writer;
  readonly #json: boolean;

  constructor(out: Writer, err: Writer, json: boolean) {
    this.#out = out;
    this.#err = err;
    this.#json = json;
  }

  /**
   * One event: `text` for people, `fields` (with `event` and `time`) for `--json`.
   *
   * @param event - its name
   * @param fields - machine-readable details
   * @param text - the human line, without the timestamp
   */
  event(event: EventName, fields: Record<string, unknown>, text: string): void {
    const now = new Date();
    if (this.#json) this.#out.write(`${JSON.stringify({ time: now.toISOString(), event, ...fields })}\n`);
    else this.#out.write(`${clock(now)} ${text}\n`);
  }

  /**
   * A SIP message as it went out or came in (`--verbose`).
   *
   * @param direction - sent or received
   * @param protocol - the transport
   * @param peer - `address:port`
   * @param message - the message text
   */
  sip(direction: 'sent' | 'received', protocol: string, peer: string, message: string): void {
    const now = new Date();
    if (this.#json) {
      this.#out.write(
        `${JSON.stringify({ time: now.toISOString(), event: 'sip', direction, transport: protocol, peer, message })}\n`,
      );
      return;
    }
    const arrow = direction === 'sent' ? `sent to ${protocol} ${peer}` : `received from ${protocol} ${peer}`;
    const text = message.replace(/\r\n/g, '\n');
    this.#out.write(`${clock(now)} ----- ${arrow}\n${text}${text.endsWith('\n') ? '' : '\n'}-----\n`);
  }

  /**
   * A problem worth telling even without `--verbose` (stderr for people, an `error` event in JSON).
   *
   * @param text - what went wrong
   */
  warn(text: string): void {
    if (this.#json) this.event('error', { message: text }, text);
    else this.#err.write(`sipkit-ua: ${text}\n`);
  }
}

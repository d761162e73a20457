// A back-to-back user agent that hides the caller (in the spirit of RFC 3323): it answers the
// caller's INVITE as a UAS and places a new call of its own to the callee, as
// "Anonymous" <sip:anonymous@anonymous.invalid>, with a new Call-ID, its own Via and Contact,
// and none of the caller's header fields; only the session description passes through. The two
// legs are bridged: provisional and final responses, BYE from either side, CANCEL from the caller.
import { type IncomingCall, type OutgoingCall, UserAgent } from '@sipkit/dialog';
import type { SipRequest, SipResponse } from '@sipkit/parser';
import type { Clock } from '@sipkit/transaction';
import type { Resolver, Transport } from '@sipkit/transport';

/** What the element needs. */
export interface AnonymizerOptions {
  readonly transports: readonly Transport[];
  /**
   * Where a call goes: the callee's URI for the caller's INVITE, or undefined for 404.
   * @defaultValue the INVITE's Request-URI
   */
  readonly target?: (invite: SipRequest) => string | undefined;
  readonly clock?: Clock;
  readonly resolver?: Resolver;
}

/** Builds the B2BUA: one user agent core plays the UAS to callers and the UAC to callees. */
export function anonymizer(options: AnonymizerOptions): UserAgent {
  const ua = new UserAgent({
    transports: options.transports,
    // RFC 3323 §4.1.1.3: the anonymous From, with the display name "Anonymous".
    aor: 'sip:anonymous@anonymous.invalid',
    displayName: 'Anonymous',
    // Session timers are the legs' own business; the B2BUA asks for none.
    sessionExpires: 0,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.resolver === undefined ? {} : { resolver: options.resolver }),
  });
  ua.on('invite', (caller) => bridge(ua, caller, options.target?.(caller.invite) ?? caller.invite.uri));
  return ua;
}

function bridge(ua: UserAgent, caller: IncomingCall, target: string | undefined): void {
  if (target === undefined) {
    caller.reject(404);
    return;
  }
  // A new request, not a copy: only the body (and its type) is taken from the caller's INVITE.
  const body = caller.invite.body;
  const contentType = caller.invite.get('Content-Type') ?? 'application/sdp';
  const callee: OutgoingCall = ua.invite(target, body.length === 0 ? {} : { body, contentType });
  callee.on('progress', (res) => {
    // §16.7 step 5 in spirit: every provisional but 100 goes to the caller (with early media, if any).
    if (res.status > 100) caller.ring({ status: res.status, ...(res.body.length > 0 ? { body: res.body } : {}) });
  });
  // The callee answered: the B2BUA has ACKed it; the caller gets a 200 with the callee's answer.
  callee.on('established', (res) => {
    const body = (res as SipResponse).body;
    if (caller.state === 'terminated') return void callee.bye().catch(() => undefined);
    caller.accept(body.length > 0 ? { body } : {});
  });
  // The callee's failure goes back as its status; a timeout as 408, and a challenge or a redirect
  // (meant for the B2BUA, and not to be followed here) as 480.
  callee.on('failed', (why) => {
    if (!('status' in why)) return caller.reject(408, 'Request Timeout');
    const mine = why.status < 400 || why.status === 401 || why.status === 407;
    caller.reject(mine ? 480 : why.status, mine ? 'Temporarily Unavailable' : why.reason);
  });
  // §9.2 and §15.1.2: CANCEL or BYE on one leg ends the other.
  caller.on('ended', () => {
    if (callee.state === 'established') void callee.bye().catch(() => undefined);
    else callee.cancel();
  });
  callee.on('ended', () => {
    if (caller.state === 'established') void caller.bye().catch(() => undefined);
  });
}

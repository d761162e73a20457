/**
 * The SIP user agent core (RFC 3261 §8, §9, §12–15): {@link UserAgent} places and receives
 * calls with their {@link Dialog}s, ACKs every 2xx, retransmits its own 2xx until the ACK,
 * cancels and ends calls, answers OPTIONS, takes MESSAGE, and retries a request once with digest
 * credentials on 401/407.
 *
 * @example
 * ```ts
 * import { UserAgent } from '@sipkit/dialog';
 * import { udpTransport } from '@sipkit/transport-node';
 *
 * const ua = new UserAgent({ transports: [await udpTransport({ host: '127.0.0.1', port: 5062 })], aor: 'sip:bob@example.com' });
 * ua.on('invite', (call) => {
 *   call.ring();
 *   call.accept({ body: answerSdp });
 * });
 * ```
 *
 * @packageDocumentation
 */

export { Dialog, type DialogId, type DialogState } from './dialog.js';
export { Emitter } from './emitter.js';
export {
  type CallEvents,
  IncomingCall,
  OutgoingCall,
  UserAgent,
  type UserAgentEvents,
  type UserAgentOptions,
} from './ua.js';

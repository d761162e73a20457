/**
 * Deterministic tests for SIP elements, in any JavaScript runtime: a {@link VirtualClock} that
 * runs a 32-second Timer B in a millisecond, a {@link VirtualNetwork} whose endpoints are
 * {@link VirtualEndpoint | transports} over links that lose, delay, duplicate and reorder from one
 * seed, ladder diagrams of what went over it ({@link ladderText}, {@link ladderSvg},
 * {@link withLadder}), the {@link sip} template tag that writes CRLF messages, and compliance
 * suites that check your own implementations ({@link transportComplianceChecks} for a transport,
 * {@link locationServiceComplianceChecks} for a location store).
 *
 * @example
 * ```ts
 * import { sip, VirtualClock, VirtualNetwork } from '@sipkit/testkit';
 *
 * const clock = new VirtualClock();
 * const net = new VirtualNetwork({ clock, seed: 42, link: { delay: 30, loss: 0.2 } });
 * const alice = net.endpoint({ address: '192.0.2.1', port: 5060 });
 * const bob = net.endpoint({ address: '192.0.2.2', port: 5060 });
 * bob.listen((e) => console.log(clock.now(), e.type));
 * for (let i = 0; i < 3; i++) await alice.send(sip.bytes`OPTIONS sip:bob@192.0.2.2 SIP/2.0`, bob.local);
 * clock.runUntilIdle();
 * console.log(net.ladder());
 * ```
 *
 * @packageDocumentation
 */

export { type Clock, VirtualClock } from './clock.js';
export {
  type BindingChangeLike,
  type BindingLike,
  type ComplianceCheck,
  type LocationComplianceOptions,
  type LocationPair,
  type LocationServiceLike,
  locationServiceComplianceChecks,
  type TransportPair,
  transportComplianceChecks,
  type UpdateResultLike,
} from './compliance/index.js';
export { type LadderOptions, type LadderSvgOptions, ladderSvg, ladderText, withLadder } from './ladder.js';
export {
  type EndpointRef,
  type LinkConditions,
  type NetworkCounters,
  type TraceFate,
  type TraceLossReason,
  type TraceRecord,
  type VirtualEndpoint,
  type VirtualEndpointOptions,
  VirtualNetwork,
  type VirtualNetworkOptions,
} from './network.js';
export { type SipTag, sip } from './sip.js';

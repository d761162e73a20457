// Compliance suites ship as code so a user's own implementation of an interface can be checked
// with any test runner. One module per interface: transports and location services now;
// transaction-user suites belong beside them.

export {
  type BindingChangeLike,
  type BindingLike,
  type LocationComplianceOptions,
  type LocationPair,
  type LocationServiceLike,
  locationServiceComplianceChecks,
  type UpdateResultLike,
} from './location.js';
export { type ComplianceCheck, type TransportPair, transportComplianceChecks } from './transport.js';

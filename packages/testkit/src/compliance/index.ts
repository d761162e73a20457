// Compliance suites ship as code so a user's own implementation of an interface can be checked
// with any test runner. One module per interface: the transport suite now; location store and
// transaction-user suites belong beside it.
export { type ComplianceCheck, type TransportPair, transportComplianceChecks } from './transport.js';

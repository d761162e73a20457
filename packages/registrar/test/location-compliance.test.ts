// MemoryLocationService against the testkit's location service compliance suite, the same
// checks @sipkit/location-redis passes. One process, one store: the pair is the store twice.
import { type LocationPair, locationServiceComplianceChecks } from '@sipkit/testkit';
import { describe, it } from 'vitest';
import { MemoryLocationService } from '../src/index.js';

const make = async (): Promise<LocationPair> => {
  const store = new MemoryLocationService();
  return { a: store, b: store, close: () => store.close() };
};

describe('MemoryLocationService (location service compliance)', () => {
  for (const c of locationServiceComplianceChecks(make)) it(c.name, () => c.run());
});

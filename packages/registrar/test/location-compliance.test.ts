// MemoryLocationService against the testkit's location service compliance suite, the same
// checks @sipkit/location-redis passes. One process, one store: the pair is the store twice. And
// what its expiry buckets cost in memory.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type LocationPair, locationServiceComplianceChecks } from '@sipkit/testkit';
import { describe, expect, it } from 'vitest';
import { MemoryLocationService } from '../src/index.js';

const make = async (): Promise<LocationPair> => {
  const store = new MemoryLocationService();
  return { a: store, b: store, close: () => store.close() };
};

describe('MemoryLocationService (location service compliance)', () => {
  for (const c of locationServiceComplianceChecks(make)) it(c.name, () => c.run());
});

describe('MemoryLocationService memory', () => {
  it('files an AOR refreshed many times within a second once, not once per refresh', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const store = new MemoryLocationService();
    const now = 1_800_000_000_000;
    const refresh = (i: number) =>
      store.updateNow(
        'sip:busy@example.com',
        [
          {
            binding: {
              key: 'sip:busy@192.0.2.1',
              contact: 'sip:busy@192.0.2.1',
              expires: now + 600_000,
              callId: `call-${i}`,
              cseq: 1,
              updated: now,
            },
            remove: false,
          },
        ],
        now,
        10,
      );
    refresh(0);
    gc();
    const before = process.memoryUsage().heapUsed;
    // 300,000 refreshes in the same second: filed in one list they took 2.4 MB and more.
    for (let i = 1; i <= 300_000; i++) refresh(i);
    gc();
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(1 << 20);
    expect(store.lookupNow('sip:busy@example.com', now)).toHaveLength(1);
    // And it is still swept when it expires.
    expect(store.sweepNow(now + 601_000)).toBe(1);
    expect(store.size).toBe(0);
  });
});

describe('MemoryLocationService sweep', () => {
  it('returns at once when nothing was ever registered, then sweeps what comes later', () => {
    const store = new MemoryLocationService();
    const now = 1_800_000_000_000;
    // Nothing filed: nothing to walk. (It used to walk every second since 1970, 11 s here, past
    // the test's timeout.)
    expect(store.sweepNow(now)).toBe(0);
    const binding = {
      key: 'sip:a@192.0.2.1',
      contact: 'sip:a@192.0.2.1',
      expires: now + 2_000,
      callId: 'c',
      cseq: 1,
      updated: now,
    };
    store.updateNow('sip:a@example.com', [{ binding, remove: false }], now, 10);
    expect(store.sweepNow(now + 1_000)).toBe(0);
    expect(store.sweepNow(now + 4_000)).toBe(1);
    expect(store.size).toBe(0);
  });
});

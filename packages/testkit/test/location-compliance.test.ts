// The location service compliance suite against a tiny reference store written here (the
// testkit imports nothing from @sipkit/registrar; the registrar runs the suite against its
// MemoryLocationService), and against broken stores that it must catch.
import { describe, expect, it } from 'vitest';
import {
  type BindingChangeLike,
  type BindingLike,
  type LocationPair,
  type LocationServiceLike,
  locationServiceComplianceChecks,
  type UpdateResultLike,
} from '../src/index.js';

interface Quirks {
  /** Ignore Call-ID and CSeq (no §10.3 step 7 ordering). */
  readonly noOrdering?: boolean;
  /** Read, wait a tick, write: updates of one AOR race. */
  readonly racy?: boolean;
  /** Apply changes one by one, keeping those before a refusal. */
  readonly partial?: boolean;
  /** Return bindings as a JSON round-trip that drops `path`. */
  readonly dropsPath?: boolean;
}

/** The §10.3 step 7 rules in a few lines, on a map that two "instances" share. */
class ReferenceStore implements LocationServiceLike {
  constructor(
    readonly data = new Map<string, BindingLike[]>(),
    readonly quirks: Quirks = {},
  ) {}

  async update(
    aor: string,
    changes: readonly BindingChangeLike[],
    now: number,
    maxBindings: number,
  ): Promise<UpdateResultLike> {
    const live = (this.data.get(aor) ?? []).filter((b) => b.expires > now);
    if (this.quirks.racy) await new Promise((resolve) => setTimeout(resolve, 0));
    const next = new Map(live.map((b) => [b.key, b]));
    for (const { binding, remove } of changes) {
      const old = next.get(binding.key);
      if (!this.quirks.noOrdering && old !== undefined && old.callId === binding.callId) {
        if (binding.cseq === old.cseq) continue;
        if (binding.cseq < old.cseq) {
          if (this.quirks.partial) this.data.set(aor, [...next.values()]);
          return { ok: false, reason: 'out-of-order', bindings: this.out(live) };
        }
      }
      if (remove) next.delete(binding.key);
      else next.set(binding.key, binding);
    }
    if (next.size > maxBindings && next.size > live.length) {
      return { ok: false, reason: 'too-many', bindings: this.out(live) };
    }
    this.data.set(aor, [...next.values()]);
    return { ok: true, bindings: this.out([...next.values()]) };
  }

  async removeAll(aor: string, callId: string, cseq: number, now: number): Promise<UpdateResultLike> {
    const live = (this.data.get(aor) ?? []).filter((b) => b.expires > now);
    if (live.some((b) => b.callId === callId && b.cseq >= cseq)) {
      return { ok: false, reason: 'out-of-order', bindings: this.out(live) };
    }
    this.data.delete(aor);
    return { ok: true, bindings: [] };
  }

  async lookup(aor: string, now: number): Promise<readonly BindingLike[]> {
    const live = (this.data.get(aor) ?? []).filter((b) => b.expires > now);
    return this.out(live).sort((x, y) => (y.q ?? 1) - (x.q ?? 1) || y.updated - x.updated);
  }

  async sweep(now: number): Promise<number> {
    let removed = 0;
    for (const [aor, all] of this.data) {
      const live = all.filter((b) => b.expires > now);
      removed += all.length - live.length;
      if (live.length === 0) this.data.delete(aor);
      else this.data.set(aor, live);
    }
    return removed;
  }

  async close(): Promise<void> {}

  private out(bindings: readonly BindingLike[]): BindingLike[] {
    if (!this.quirks.dropsPath) return [...bindings];
    return bindings.map(({ path: _path, ...rest }) => rest);
  }
}

/** Two instances on one map, like two servers on one Redis. */
const pairOf =
  (quirks: Quirks = {}) =>
  async (): Promise<LocationPair> => {
    const data = new Map<string, BindingLike[]>();
    return { a: new ReferenceStore(data, quirks), b: new ReferenceStore(data, quirks), close: async () => {} };
  };

describe('the reference location store', () => {
  for (const c of locationServiceComplianceChecks(pairOf())) it(c.name, () => c.run());
});

describe('locationServiceComplianceChecks', () => {
  const find = (quirks: Quirks, start: string) => {
    const c = locationServiceComplianceChecks(pairOf(quirks)).find((x) => x.name.startsWith(start));
    if (c === undefined) throw new Error(`no check starts with ${start}`);
    return c;
  };

  it('names every check as a sentence, each name once', () => {
    const names = locationServiceComplianceChecks(pairOf()).map((c) => c.name);
    expect(names.length).toBeGreaterThanOrEqual(14);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(n).toMatch(/^[a-z]+s .*[^.]$/);
  });

  it('fails a store that ignores Call-ID and CSeq', async () => {
    await expect(find({ noOrdering: true }, 'refuses a change with the same Call-ID').run()).rejects.toThrow(
      /a write: applied, expected out-of-order/,
    );
  });

  it('fails a store whose updates are not all or none', async () => {
    await expect(find({ partial: true }, 'applies an update with several changes').run()).rejects.toThrow(
      /lookup after the refused update/,
    );
  });

  it('fails a store whose updates of one AOR race (read, then write later)', async () => {
    await expect(find({ racy: true }, 'loses no update').run()).rejects.toThrow(/updates applied|stale read/);
  });

  it('fails a store that loses a field', async () => {
    await expect(find({ dropsPath: true }, 'stores every field exactly').run()).rejects.toThrow(/lookup through b/);
  });

  it('runs as many concurrent updates as asked', async () => {
    const checks = locationServiceComplianceChecks(pairOf(), { concurrentUpdates: 8 });
    const c = checks.find((x) => x.name.startsWith('loses no update'));
    expect(c?.name).toContain('when 8 updates');
    await c?.run();
  });

  it('closes the pair after each check, also when the check fails', async () => {
    let closed = 0;
    const make = async (): Promise<LocationPair> => {
      const p = await pairOf({ noOrdering: true })();
      return { ...p, close: async () => void closed++ };
    };
    const checks = locationServiceComplianceChecks(make);
    const results = await Promise.allSettled(checks.map((c) => c.run()));
    expect(closed).toBe(checks.length);
    expect(results.some((r) => r.status === 'rejected')).toBe(true);
  });
});

import type { Binding, BindingChange, LocationService, UpdateResult } from './location.js';

/** Expiry buckets are this many ms wide. */
const BUCKET_MS = 1000;

/**
 * Orders bindings as {@link LocationService.lookup} promises: highest q first (no q is 1.0),
 * then most recently written.
 *
 * @param bindings - bindings of one AOR
 * @returns a new sorted array
 * @public
 */
export function sortBindings(bindings: readonly Binding[]): Binding[] {
  return [...bindings].sort((a, b) => (b.q ?? 1) - (a.q ?? 1) || b.updated - a.updated);
}

/**
 * The §10.3 step 7 decision for one AOR, shared by stores that hold an AOR's bindings in one
 * place (memory, and a Redis script mirrors it): applies `changes` to `current` or says why not.
 *
 * @param current - the AOR's bindings
 * @param changes - what the REGISTER asks for
 * @param now - current time (ms)
 * @param maxBindings - most bindings allowed after the update
 * @returns the new list of bindings, or the reason for refusing
 * @public
 */
export function applyChanges(
  current: readonly Binding[],
  changes: readonly BindingChange[],
  now: number,
  maxBindings: number,
): { ok: true; bindings: Binding[] } | { ok: false; reason: 'out-of-order' | 'too-many'; bindings: Binding[] } {
  const one = changes.length === 1 ? changes[0] : undefined;
  if (one !== undefined && current.length <= 1) return applyOne(current[0], one, now, maxBindings);
  const live = current.filter((b) => b.expires > now);
  const next = new Map<string, Binding>();
  for (const b of live) next.set(b.key, b);
  for (const { binding, remove } of changes) {
    const old = next.get(binding.key);
    if (old !== undefined && old.callId === binding.callId) {
      // §10.3 step 7: with the same Call-ID, only a higher CSeq may change the binding.
      if (binding.cseq === old.cseq) continue; // a retransmission of the same REGISTER
      if (binding.cseq < old.cseq) return { ok: false, reason: 'out-of-order', bindings: live };
    }
    if (remove) next.delete(binding.key);
    else next.set(binding.key, binding);
  }
  if (next.size > maxBindings && next.size > live.length) return { ok: false, reason: 'too-many', bindings: live };
  return { ok: true, bindings: [...next.values()] };
}

/**
 * {@link applyChanges} for the usual refresh, one change to an AOR with at most one binding,
 * without the map: the same result.
 */
function applyOne(
  current: Binding | undefined,
  { binding, remove }: BindingChange,
  now: number,
  maxBindings: number,
): { ok: true; bindings: Binding[] } | { ok: false; reason: 'out-of-order' | 'too-many'; bindings: Binding[] } {
  const live = current !== undefined && current.expires > now ? current : undefined;
  if (live !== undefined && live.key === binding.key) {
    // §10.3 step 7, as above.
    if (live.callId === binding.callId) {
      if (binding.cseq === live.cseq) return { ok: true, bindings: [live] };
      if (binding.cseq < live.cseq) return { ok: false, reason: 'out-of-order', bindings: [live] };
    }
    return { ok: true, bindings: remove ? [] : [binding] };
  }
  if (remove) return { ok: true, bindings: live === undefined ? [] : [live] };
  if (live === undefined) return maxBindings >= 1 ? { ok: true, bindings: [binding] } : tooMany([]);
  return maxBindings >= 2 ? { ok: true, bindings: [live, binding] } : tooMany([live]);
}

function tooMany(live: Binding[]): { ok: false; reason: 'too-many'; bindings: Binding[] } {
  return { ok: false, reason: 'too-many', bindings: live };
}

/**
 * A {@link LocationService} in memory, for one server process: a map from AOR to its bindings,
 * and expiry buckets (one per second, holding AORs) that {@link MemoryLocationService.sweep}
 * walks, so there is no timer per binding; reads never return an expired binding either way.
 *
 * @public
 */
export class MemoryLocationService implements LocationService {
  /** AOR → its binding, or its bindings when more than one (most AORs have one: no array) */
  readonly #aors = new Map<string, Binding | Binding[]>();
  /**
   * expiry second → AORs with a binding expiring then. A set: an AOR refreshed many times within
   * a second (or by many REGISTERs) is filed there once, so the buckets hold at most one entry
   * per AOR and second of the expiry window, however fast it re-registers.
   */
  readonly #buckets = new Map<number, Set<string>>();
  #swept = 0;

  /** Number of AORs with at least one binding (expired ones included until swept). */
  get size(): number {
    return this.#aors.size;
  }

  /** @inheritDoc */
  async update(
    aor: string,
    changes: readonly BindingChange[],
    now: number,
    maxBindings: number,
  ): Promise<UpdateResult> {
    return this.updateNow(aor, changes, now, maxBindings);
  }

  /**
   * {@link MemoryLocationService.update} without the promise, for callers that want the result
   * in the same tick (a registrar on the hot path).
   *
   * @param aor - canonical address-of-record
   * @param changes - what the REGISTER asks for
   * @param now - current time (ms)
   * @param maxBindings - most bindings the AOR may hold after the update
   */
  updateNow(aor: string, changes: readonly BindingChange[], now: number, maxBindings: number): UpdateResult {
    const r = applyChanges(this.#get(aor), changes, now, maxBindings);
    if (!r.ok) return { ok: false, reason: r.reason, bindings: sortBindings(r.bindings) };
    this.#store(aor, r.bindings);
    for (const { binding, remove } of changes) if (!remove) this.#file(aor, binding.expires, now);
    return { ok: true, bindings: sortBindings(r.bindings) };
  }

  /** @inheritDoc */
  async removeAll(aor: string, callId: string, cseq: number, now: number): Promise<UpdateResult> {
    const live = this.#get(aor).filter((b) => b.expires > now);
    // §10.3 step 6: `*` removes everything, unless it is older than a binding of the same call.
    if (live.some((b) => b.callId === callId && b.cseq >= cseq)) {
      return { ok: false, reason: 'out-of-order', bindings: sortBindings(live) };
    }
    this.#aors.delete(aor);
    return { ok: true, bindings: [] };
  }

  /** @inheritDoc */
  async lookup(aor: string, now: number): Promise<readonly Binding[]> {
    return this.lookupNow(aor, now);
  }

  /**
   * {@link MemoryLocationService.lookup} without the promise.
   *
   * @param aor - canonical address-of-record
   * @param now - current time (ms)
   */
  lookupNow(aor: string, now: number): readonly Binding[] {
    return sortBindings(this.#get(aor).filter((b) => b.expires > now));
  }

  /** @inheritDoc */
  async sweep(now: number): Promise<number> {
    return this.sweepNow(now);
  }

  /**
   * {@link MemoryLocationService.sweep} without the promise.
   *
   * @param now - current time (ms)
   */
  sweepNow(now: number): number {
    let removed = 0;
    const last = Math.floor(now / BUCKET_MS) - 1;
    // Nothing filed: nothing to walk (and no second to start from, so none to walk from 0 on).
    if (this.#buckets.size === 0) {
      if (last >= this.#swept) this.#swept = last + 1;
      return 0;
    }
    for (let s = this.#swept; s <= last; s++) {
      const aors = this.#buckets.get(s);
      if (aors === undefined) continue;
      this.#buckets.delete(s);
      for (const aor of aors) {
        const all = this.#get(aor);
        if (all.length === 0) continue;
        const live = all.filter((b) => b.expires > now);
        removed += all.length - live.length;
        this.#store(aor, live);
      }
    }
    if (last >= this.#swept) this.#swept = last + 1;
    return removed;
  }

  /** @inheritDoc */
  async close(): Promise<void> {
    this.#aors.clear();
    this.#buckets.clear();
  }

  #get(aor: string): Binding[] {
    const v = this.#aors.get(aor);
    if (v === undefined) return [];
    return Array.isArray(v) ? v : [v];
  }

  #store(aor: string, bindings: Binding[]): void {
    if (bindings.length === 0) this.#aors.delete(aor);
    else this.#aors.set(aor, bindings.length === 1 ? (bindings[0] as Binding) : bindings);
  }

  #file(aor: string, expires: number, now: number): void {
    let s = Math.floor(expires / BUCKET_MS);
    if (this.#swept === 0 && this.#buckets.size === 0) this.#swept = Math.floor(now / BUCKET_MS);
    if (s < this.#swept) s = this.#swept;
    const set = this.#buckets.get(s);
    if (set === undefined) this.#buckets.set(s, new Set([aor]));
    else set.add(aor);
  }
}

/**
 * Something with one deadline in the timer queue. Transactions and the compact store of
 * completed non-INVITE server transactions are entries themselves: the queue allocates nothing
 * per timer and a transaction holds one slot however many of its timers run.
 */
export interface TimerEntry {
  /** When it is due (whole clock milliseconds); -1 when nothing is pending. */
  due: number;
  /** Its slot in the heap, -1 when not queued. */
  slot: number;
  /** Called when `due` has passed. The entry sets its next `due` and the queue re-files it. */
  fire(now: number): void;
}

/**
 * A binary min-heap of entries on `due`, with each entry knowing its slot, so an entry moves or
 * leaves in O(log n) without a search.
 */
export class TimerHeap {
  readonly #a: TimerEntry[] = [];

  get size(): number {
    return this.#a.length;
  }

  /** The earliest entry, or undefined. */
  peek(): TimerEntry | undefined {
    return this.#a[0];
  }

  /** Files `e` by its current `due`: inserts, moves or removes (when `due` is -1). */
  update(e: TimerEntry): void {
    if (e.due < 0) {
      if (e.slot >= 0) this.remove(e);
      return;
    }
    if (e.slot < 0) {
      e.slot = this.#a.length;
      this.#a.push(e);
      this.#up(e.slot);
    } else {
      this.#up(e.slot);
      this.#down(e.slot);
    }
  }

  /** Takes `e` out of the heap (no-op when it is not in). */
  remove(e: TimerEntry): void {
    const i = e.slot;
    if (i < 0) return;
    const last = this.#a.pop() as TimerEntry;
    e.slot = -1;
    if (last === e) return;
    this.#a[i] = last;
    last.slot = i;
    this.#up(i);
    this.#down(last.slot);
  }

  #up(i: number): void {
    const a = this.#a;
    const e = a[i] as TimerEntry;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pe = a[p] as TimerEntry;
      if (pe.due <= e.due) break;
      a[i] = pe;
      pe.slot = i;
      i = p;
    }
    a[i] = e;
    e.slot = i;
  }

  #down(i: number): void {
    const a = this.#a;
    const n = a.length;
    const e = a[i] as TimerEntry;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && (a[r] as TimerEntry).due < (a[l] as TimerEntry).due) c = r;
      const ce = a[c] as TimerEntry;
      if (ce.due >= e.due) break;
      a[i] = ce;
      ce.slot = i;
      i = c;
    }
    a[i] = e;
    e.slot = i;
  }
}

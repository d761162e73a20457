// A deliberately small timing harness: run a function on one prepared input in batches until a
// deadline, count iterations, report iterations per second. Results are sunk into a module-level
// variable (and folded into a checksum) so the calls cannot be optimised away.

import { constants, PerformanceObserver, performance } from 'node:perf_hooks';

const BATCH = 64;

let sink;
let checksum = 0;

/** Keeps the last result alive and folds something from it into a checksum. */
function consume(r) {
  sink = r;
  checksum = (checksum + (r.cseqSeq | 0)) | 0;
}

/**
 * Calls fn(input) `iterations` times or until `maxMs` has passed, whichever comes first.
 * @returns the number of calls made
 */
export function warmUp(fn, input, iterations, maxMs) {
  const deadline = performance.now() + maxMs;
  let n = 0;
  while (n < iterations) {
    for (let i = 0; i < BATCH; i++) sink = fn(input);
    consume(sink);
    n += BATCH;
    if (performance.now() > deadline) break;
  }
  return n;
}

/**
 * Calls fn over every input in turn (a realistic mix for the JIT) until `iterations` calls or
 * `maxMs` have passed.
 */
export function warmUpMixed(fn, inputs, iterations, maxMs) {
  const deadline = performance.now() + maxMs;
  let n = 0;
  while (n < iterations) {
    for (let i = 0; i < inputs.length; i++) sink = fn(inputs[i]);
    consume(sink);
    n += inputs.length;
    if (performance.now() > deadline) break;
  }
  return n;
}

/**
 * Calls fn(input) in batches of 64 for at least `ms` milliseconds.
 * @returns calls per second over the time actually elapsed
 */
export function measure(fn, input, ms) {
  const t0 = performance.now();
  const deadline = t0 + ms;
  let n = 0;
  let t;
  do {
    for (let i = 0; i < BATCH; i++) sink = fn(input);
    consume(sink);
    n += BATCH;
    t = performance.now();
  } while (t < deadline);
  return (n * 1000) / (t - t0);
}

/** Runs `measure` `reps` times. @returns every rate, the best (max) and the median. */
export function repeat(fn, input, ms, reps) {
  const rates = [];
  for (let r = 0; r < reps; r++) rates.push(measure(fn, input, ms));
  const sorted = [...rates].sort((a, b) => a - b);
  return {
    rates,
    best: sorted[sorted.length - 1],
    median: sorted[(sorted.length - 1) >> 1],
  };
}

/** The checksum, to be printed so the sink is observably used. */
export function getChecksum() {
  return `${checksum}:${sink === undefined ? 0 : 1}`;
}

/**
 * Records every GC pause of this process from now on. `between(t0, t1)` sums the pauses that
 * started inside a window of `performance.now()` time; call it after `settle()`, because the
 * observer hears of pauses only when the event loop turns.
 */
export function watchGc() {
  const pauses = [];
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) pauses.push({ start: e.startTime, ms: e.duration, kind: e.detail?.kind });
  });
  obs.observe({ entryTypes: ['gc'] });
  return {
    settle: () => new Promise((resolve) => setTimeout(resolve, 100)),
    between(t0, t1) {
      let count = 0;
      let ms = 0;
      let major = 0;
      let longest = 0;
      for (const p of pauses) {
        if (p.start < t0 || p.start > t1) continue;
        count++;
        ms += p.ms;
        longest = Math.max(longest, p.ms);
        if (p.kind === constants.NODE_PERFORMANCE_GC_MAJOR) major++;
      }
      return { count, major, ms, longest, share: ms / (t1 - t0) };
    },
    stop: () => obs.disconnect(),
  };
}

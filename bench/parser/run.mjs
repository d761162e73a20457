#!/usr/bin/env node
// Parser benchmark: @sipkit/parser against the npm peers `sip`, `jssip` and `sip.js`.
//
//   node parser/run.mjs            (from bench/; or `pnpm bench` from the repository root)
//
// Environment:
//   BENCH_TIME_MS    length of one timed run, per message type and library (default 1000)
//   BENCH_REPS       timed runs per cell; the best is reported (default 3)
//   BENCH_WARMUP     warm-up iterations over the mixed corpus before timing (default 200000, max 2 s)
//   BENCH_ONLY       comma-separated libraries to run: sipkit,sip,jssip,sipjs (default all)
//   BENCH_SIP_INPUT  `string` to give `sip` strings instead of Buffers
//
// Each library runs in its own child process (this file with --worker <id>), so one library's
// heap and JIT state cannot slow another down. The parent only prints.

import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { corpus, MINIMAL_MESSAGE } from './corpus.mjs';
import { getChecksum, repeat, warmUp, warmUpMixed, watchGc } from './harness.mjs';
import { LIBRARY_IDS, loadLibrary, normaliseId } from './libs.mjs';

const TIME_MS = positiveInt('BENCH_TIME_MS', 1000);
const REPS = positiveInt('BENCH_REPS', 3);
const WARMUP = positiveInt('BENCH_WARMUP', 200000);
/**
 * Cap on the mixed warm-up, the same for every library, so slow libraries do not eat the time
 * budget. Long enough for V8 to reach steady state on every message shape (a server runs for
 * hours; with 20,000 calls the first cells were still measuring JIT warm-up).
 */
const WARMUP_MAX_MS = 2000;
/** Per message type, just before its timed runs. */
const CELL_WARMUP = 10000;
const CELL_WARMUP_MAX_MS = 200;
/** Before the minimal-access runs (a new function over an already warm parser). */
const MINIMAL_WARMUP = 5000;
const MINIMAL_WARMUP_MAX_MS = 200;
const MINIMAL_TARGET = 1_000_000;

function positiveInt(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) {
    console.error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return n;
}

function selectedLibraries() {
  const only = process.env.BENCH_ONLY;
  if (!only) return LIBRARY_IDS;
  const wanted = only
    .split(',')
    .filter((s) => s.trim() !== '')
    .map(normaliseId);
  for (const id of wanted) {
    if (!LIBRARY_IDS.includes(id)) {
      console.error(`BENCH_ONLY: unknown library "${id}" (known: ${LIBRARY_IDS.join(', ')})`);
      process.exit(2);
    }
  }
  return LIBRARY_IDS.filter((id) => wanted.includes(id));
}

// ---------------------------------------------------------------------------------------------
// Worker: one library, every message type.

const FULL_FIELDS = ['branch', 'fromTag', 'toTag', 'callId', 'cseqSeq', 'cseqMethod'];
const MINIMAL_FIELDS = ['status', 'branch', 'callId', 'cseqSeq', 'cseqMethod'];

/** null, NaN and undefined all mean "absent". */
function norm(v) {
  return v === null || v === undefined || Number.isNaN(v) ? undefined : v;
}

function show(v) {
  return v === undefined ? 'undefined' : JSON.stringify(v);
}

function compareFull(got, expect) {
  const bad = [];
  const check = (field, g, e) => {
    if (norm(g) !== norm(e)) bad.push(`${field}: got ${show(norm(g))}, expected ${show(e)}`);
  };
  check('isRequest', got.isRequest, expect.isRequest);
  if (expect.isRequest) check('method', got.method, expect.method);
  else check('status', got.status, expect.status);
  for (const f of FULL_FIELDS) check(f, got[f], expect[f]);
  if (expect.contact === null) {
    if (got.contact !== null) bad.push(`contact: got ${JSON.stringify(got.contact)}, expected none`);
  } else if (got.contact === null || got.contact === undefined) {
    bad.push('contact: not read');
  } else {
    for (const f of ['user', 'host', 'port']) check(`contact.${f}`, got.contact[f], expect.contact[f]);
  }
  return bad;
}

function compareMinimal(got, expect) {
  const bad = [];
  for (const f of MINIMAL_FIELDS) {
    if (norm(got[f]) !== norm(expect[f])) bad.push(`${f}: got ${show(norm(got[f]))}, expected ${show(expect[f])}`);
  }
  return bad;
}

function describeError(e) {
  if (e instanceof Error) {
    const code = 'code' in e && e.code !== undefined ? ` [code ${e.code}]` : '';
    return `${e.name}: ${e.message}${code}`;
  }
  return String(e);
}

/** Runs fn once on input; returns { mismatches } or { error }. */
function verify(fn, input, expect, compare) {
  let got;
  try {
    got = fn(input);
  } catch (e) {
    return { error: describeError(e), stack: e instanceof Error ? e.stack : undefined };
  }
  return { mismatches: compare(got, expect) };
}

async function worker(id) {
  const lib = await loadLibrary(id);
  const gc = watchGc();
  const log = (s) => process.stderr.write(`  [${lib.label}] ${s}\n`);
  const cases = corpus.map((c) => ({ ...c, input: lib.prepare(c.text) }));

  // Check every message once before timing anything.
  for (const c of cases) c.check = verify(lib.full, c.input, c.expect, compareFull);
  const minimalCase = cases.find((c) => c.name === MINIMAL_MESSAGE);
  const minimalCheck = verify(lib.minimal, minimalCase.input, minimalCase.expect, compareMinimal);

  const runnable = cases.filter((c) => c.check.error === undefined);
  if (runnable.length > 0) {
    const n = warmUpMixed(
      lib.full,
      runnable.map((c) => c.input),
      WARMUP,
      WARMUP_MAX_MS,
    );
    log(`warm-up: ${n} calls over the mixed corpus`);
  }

  const full = [];
  const fullStart = performance.now();
  for (const c of cases) {
    if (c.check.error !== undefined) {
      log(`${c.name}: not timed (${c.check.error})`);
      full.push({ name: c.name, check: c.check });
      continue;
    }
    warmUp(lib.full, c.input, CELL_WARMUP, CELL_WARMUP_MAX_MS);
    const r = repeat(lib.full, c.input, TIME_MS, REPS);
    log(`${c.name}: ${fmt(r.best)} msgs/s`);
    full.push({ name: c.name, check: c.check, ...r });
  }

  const fullEnd = performance.now();
  let minimal = { name: MINIMAL_MESSAGE, check: minimalCheck };
  let minimalStart = 0;
  let minimalEnd = 0;
  if (minimalCheck.error === undefined) {
    warmUp(lib.minimal, minimalCase.input, MINIMAL_WARMUP, MINIMAL_WARMUP_MAX_MS);
    minimalStart = performance.now();
    const r = repeat(lib.minimal, minimalCase.input, TIME_MS, REPS);
    minimalEnd = performance.now();
    log(`${MINIMAL_MESSAGE} (minimal access): ${fmt(r.best)} msgs/s`);
    minimal = { ...minimal, ...r };
  }

  await gc.settle();
  const gcStats = { full: gc.between(fullStart, fullEnd), minimal: gc.between(minimalStart, minimalEnd) };
  gc.stop();
  const rssMb = process.memoryUsage().rss / 1048576;
  process.stdout.write(JSON.stringify({ id, full, minimal, gc: gcStats, rssMb, checksum: getChecksum() }));
}

// ---------------------------------------------------------------------------------------------
// Parent: header, one child per library, tables.

function fmt(n) {
  return Math.round(n).toLocaleString('en-US');
}

function geomean(xs) {
  return Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);
}

function table(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function runChild(id) {
  const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--worker', id], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  if (child.status !== 0) {
    return { id, failed: `worker exited with ${child.status ?? child.signal}` };
  }
  return JSON.parse(child.stdout);
}

async function main() {
  const ids = selectedLibraries();
  const started = Date.now();
  const cpus = os.cpus();
  const libs = {};
  for (const id of ids) libs[id] = await loadLibrary(id);

  console.log('SIPKit parser benchmark');
  console.log(`date:    ${new Date().toISOString()}`);
  console.log(`node:    ${process.version} (${process.platform} ${process.arch})`);
  console.log(`CPU:     ${cpus[0]?.model ?? 'unknown'}`);
  console.log(`cores:   ${cpus.length}`);
  console.log(
    `timing:  ${REPS} runs × ${TIME_MS} ms per cell, best run reported (spread = (best − worst) / best); ` +
      `warm-up ${WARMUP} calls over the mixed corpus (max ${WARMUP_MAX_MS} ms), then ${CELL_WARMUP} calls (max ${CELL_WARMUP_MAX_MS} ms) per cell ` +
      `(${MINIMAL_WARMUP} calls, max ${MINIMAL_WARMUP_MAX_MS} ms, before minimal access); ` +
      'each library in its own process',
  );
  console.log('');
  console.log('Libraries (versions as installed from bench/package.json):');
  for (const id of ids) {
    const l = libs[id];
    console.log(`  ${l.label} ${l.version}`);
    console.log(`    input: ${l.input}`);
    for (const n of l.notes) console.log(`    - ${n}`);
  }
  console.log('');
  console.log('Corpus (bench/parser/corpus.mjs):');
  for (const c of corpus) console.log(`  ${c.name.padEnd(22)} ${Buffer.byteLength(c.text)} bytes`);
  console.log('');
  process.stderr.write('running…\n');

  const results = {};
  for (const id of ids) results[id] = runChild(id);

  // Problems found by the checks, reported before any figure.
  const problems = [];
  for (const id of ids) {
    const r = results[id];
    const label = libs[id].label;
    if (r.failed) {
      problems.push(`${label}: ${r.failed}`);
      continue;
    }
    for (const cell of [...r.full, r.minimal]) {
      const where = cell === r.minimal ? `${cell.name} (minimal access)` : cell.name;
      if (cell.check.error !== undefined) {
        problems.push(`${label} cannot parse ${where}: ${cell.check.error} — not timed`);
        if (id === 'sipkit' && cell.check.stack) problems.push(cell.check.stack);
      } else if (cell.check.mismatches.length > 0) {
        problems.push(`${label} misreads ${where} (timed, marked †): ${cell.check.mismatches.join('; ')}`);
      }
    }
  }
  if (problems.length > 0) {
    console.log('Check failures (values read once before timing, compared with bench/parser/corpus.mjs):');
    for (const p of problems) console.log(`  ${p}`);
  } else {
    console.log('Checks: every library read the expected values from every message.');
  }
  console.log('');

  const peers = ids.filter((id) => id !== 'sipkit');
  const haveRatio = ids.includes('sipkit') && peers.length > 0;
  const cellText = (cell) => {
    if (!cell || cell.best === undefined) return 'n/a';
    return fmt(cell.best) + (cell.check.mismatches.length > 0 ? '†' : '');
  };
  let maxSpread = { value: 0, where: '' };
  const noteSpread = (cell, where) => {
    if (!cell || cell.best === undefined) return;
    const spread = (cell.best - Math.min(...cell.rates)) / cell.best;
    if (spread > maxSpread.value) maxSpread = { value: spread, where };
  };

  // Full access table.
  const header = ['Message', ...ids.map((id) => libs[id].label)];
  if (haveRatio) header.push('SIPKit ÷ fastest peer');
  const rows = [];
  const perLib = Object.fromEntries(ids.map((id) => [id, []]));
  const ratios = [];
  for (let i = 0; i < corpus.length; i++) {
    const row = [corpus[i].name];
    for (const id of ids) {
      const cell = results[id].full?.[i];
      row.push(cellText(cell));
      if (cell?.best !== undefined) perLib[id].push(cell.best);
      noteSpread(cell, `${libs[id].label} / ${corpus[i].name}`);
    }
    if (haveRatio) {
      const mine = results.sipkit.full?.[i]?.best;
      let fastest;
      for (const id of peers) {
        const b = results[id].full?.[i]?.best;
        if (b !== undefined && (fastest === undefined || b > fastest.best)) fastest = { id, best: b };
      }
      if (mine !== undefined && fastest !== undefined) {
        const ratio = mine / fastest.best;
        ratios.push(ratio);
        row.push(`${ratio.toFixed(2)}× (vs ${libs[fastest.id].label})`);
      } else {
        row.push('n/a');
      }
    }
    rows.push(row);
  }
  const gm = ['geometric mean'];
  for (const id of ids) {
    gm.push(
      perLib[id].length === corpus.length
        ? fmt(geomean(perLib[id]))
        : `n/a (${perLib[id].length}/${corpus.length} timed)`,
    );
  }
  if (haveRatio) gm.push(ratios.length === corpus.length ? `${geomean(ratios).toFixed(2)}×` : 'n/a');
  rows.push(gm);

  console.log(
    `Full access — msgs/s (best of ${REPS} × ${TIME_MS} ms): parse, then read the start line, top Via branch, ` +
      'From tag, To tag, Call-ID, CSeq number and method, and the parsed URI of the first Contact (when present)',
  );
  console.log(table(header, rows));
  if (haveRatio) {
    console.log(
      'Ratio column: SIPKit msgs/s ÷ msgs/s of the fastest peer on that message; its geometric-mean row is the geometric mean of the per-message ratios.',
    );
  }
  console.log('');

  // Minimal access.
  console.log(
    `Minimal access on ${MINIMAL_MESSAGE} — msgs/s (best of ${REPS} × ${TIME_MS} ms): parse, then read the status, ` +
      `top Via branch, Call-ID, CSeq number and method (target for @sipkit/parser: ${fmt(MINIMAL_TARGET)}/s)`,
  );
  const mRows = [];
  for (const id of ids) {
    const cell = results[id].minimal;
    noteSpread(cell, `${libs[id].label} / minimal`);
    let verdict = '';
    if (id === 'sipkit' && cell?.best !== undefined) {
      verdict = cell.best >= MINIMAL_TARGET ? 'meets the 1,000,000/s target' : 'BELOW the 1,000,000/s target';
    } else if (id !== 'sipkit') {
      verdict = '(peer, for context)';
    }
    mRows.push([libs[id].label, cellText(cell), verdict]);
  }
  console.log(table(['Library', 'msgs/s', ''], mRows));
  console.log('');

  console.log('GC pauses during the timed runs (all cells of full access; minimal access), and RSS at the end:');
  const gRows = [];
  for (const id of ids) {
    const g = results[id].gc;
    const cell = (x) =>
      x === undefined
        ? 'n/a'
        : `${x.count} (${x.major} major), ${x.ms.toFixed(0)} ms = ${(x.share * 100).toFixed(1)}%, longest ${x.longest.toFixed(1)} ms`;
    gRows.push([
      libs[id].label,
      cell(g?.full),
      cell(g?.minimal),
      results[id].rssMb === undefined ? 'n/a' : `${results[id].rssMb.toFixed(0)} MB`,
    ]);
  }
  console.log(table(['Library', 'full access: pauses, time, share', 'minimal access', 'RSS'], gRows));
  console.log('');

  console.log(
    `Largest spread between the ${REPS} runs of one cell: ${(maxSpread.value * 100).toFixed(1)}% (${maxSpread.where || '-'})`,
  );
  console.log(`Checksums (sink): ${ids.map((id) => `${id}=${results[id].checksum ?? '-'}`).join(' ')}`);
  console.log(`Total time: ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

if (process.argv[2] === '--worker') {
  await worker(process.argv[3]);
} else {
  await main();
}

// bench/soak: does sipkit-server stay up? Calls (SIPp UAC → sipkit-server → SIPp UAS registered
// behind it) and REGISTERs at steady rates for --minutes, with RSS (from /proc) and the /metrics
// gauges of live transactions and proxy contexts sampled every --sample seconds. Afterwards the
// tables must drain to zero within 40 s of the last message the server got (Timers D/H/J/K and
// RFC 6026 Accepted last 32 s). Exits 1 when a call or REGISTER failed, a table did not drain,
// or the server died. --workers runs sipkit-server with that many workers (default 1).
//
//   node soak/run.mjs [--minutes 10] [--call-rate N] [--register-rate N] [--sample 5]
//                     [--max-growth MB] [--workers N]
//   (RSS growth is reported, summed over the server's processes; with --max-growth it is checked)
//
// Default rates: calls at half the clean maximum bench/RESULTS.md records for sipkit-server
// (bench/load), or 100/s when it records none, and 200 REGISTER/s beside them.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { registerOne, sleep, stopAll, stopProcess, writeUsers } from '../load/lib.mjs';
import {
  calls,
  failureLines,
  registers,
  scrape,
  startServer,
  startUas,
  tables,
  tablesText,
  USERS,
  Verdicts,
  waitDrained,
} from './common.mjs';

/** Half the clean maximum bench/load recorded for sipkit-server on the row named `label`, if any. */
function recordedHalf(label, fallback) {
  try {
    const text = readFileSync(join(import.meta.dirname, '..', 'RESULTS.md'), 'utf8');
    // bench/load's table: | load | Kamailio | sipkit-server | ratio | …
    const row = text.split('\n').find((l) => l.startsWith(`| ${label} |`));
    const rate = Number(row?.split('|')[3]?.replace(/[\s,*≥]/g, ''));
    if (rate > 0) return { rate: Math.max(1, Math.floor(rate / 2)), from: `half of ${rate} in RESULTS.md` };
  } catch {}
  return { rate: fallback, from: 'default, RESULTS.md records no clean maximum' };
}

const { values: flags } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    'call-rate': { type: 'string' },
    'register-rate': { type: 'string' },
    sample: { type: 'string', default: '5' },
    'max-growth': { type: 'string' },
    workers: { type: 'string', default: '1' },
  },
});
const SECONDS = Math.round(Number(flags.minutes) * 60);
const callRate = flags['call-rate']
  ? { rate: Number(flags['call-rate']), from: '--call-rate' }
  : recordedHalf('calls/s (INVITE…BYE via proxy)', 100);
const regRate = flags['register-rate']
  ? { rate: Number(flags['register-rate']), from: '--register-rate' }
  : // Not half the REGISTER maximum too: that and half the calls maximum would fill the server.
    { rate: 200, from: 'default (the calls take half the server)' };
const SAMPLE = Number(flags.sample) * 1000;
const WARMUP = Math.min(30, SECONDS * 0.1);
const DRAIN = 40_000;
const dir = mkdtempSync(join(tmpdir(), 'sipkit-soak-'));
const mb = (x) => `${x.toFixed(1)} MB`;

async function main() {
  const v = new Verdicts();
  writeUsers(dir, USERS);
  console.log(
    `bench/soak on ${cpus().length} × ${cpus()[0]?.model ?? '?'}, Node ${process.version}, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  console.log(
    `${SECONDS} s of calls at ${callRate.rate}/s (${callRate.from}) and REGISTERs at ${regRate.rate}/s (${regRate.from}); warm-up ${WARMUP} s; sample every ${SAMPLE / 1000} s`,
  );
  const server = await startServer(dir, { workers: Number(flags.workers) });
  const nCalls = Math.round(callRate.rate * SECONDS);
  const nRegs = Math.round(regRate.rate * SECONDS);
  const uas = await startUas(dir, server, nCalls + 10, SECONDS + 120);
  try {
    const t0 = Date.now();
    const uac = calls(dir, server, callRate.rate, nCalls, SECONDS + 60);
    const reg = registers(dir, server, regRate.rate, nRegs, SECONDS + 60);
    let loadDone = false;
    const results = Promise.all([uac, reg]).then((r) => {
      loadDone = true;
      return r;
    });
    // The UAS registers for 600 s (register.xml): refresh it well before that.
    let refreshed = Date.now();
    let rssStart;
    let heapStart;
    let peak = 0;
    const samples = [];
    while (!loadDone) {
      await Promise.race([sleep(SAMPLE), results]);
      const t = (Date.now() - t0) / 1000;
      const m = await scrape(server.metricsUrl);
      const tb = tables(m);
      const rss = server.rss();
      peak = Math.max(peak, rss);
      samples.push({ t, rss, ...tb });
      if (rssStart === undefined && t >= WARMUP) {
        rssStart = rss;
        heapStart = tb.heapMB;
      }
      console.log(
        `  t=${t.toFixed(0).padStart(4)} s  RSS ${mb(rss)}  heap ${mb(tb.heapMB)}  ${tablesText(tb)}${server.alive() ? '' : '  SERVER EXITED'}`,
      );
      if (!server.alive()) break;
      if (Date.now() - refreshed > 240_000 && !loadDone) {
        refreshed = Date.now();
        await registerOne(dir, server.port, 'uas', uas.port).catch((e) => console.log(`  UAS refresh failed: ${e}`));
      }
    }
    const [c, r] = await results;
    const rssEnd = server.rss();
    const heapEnd = tables(await scrape(server.metricsUrl)).heapMB;
    const loadSeconds = (Date.now() - t0) / 1000;
    console.log(
      `load finished after ${loadSeconds.toFixed(0)} s; waiting for the tables to empty (${DRAIN / 1000} s after the last message at most)`,
    );
    const drain = await waitDrained(server.metricsUrl, DRAIN);
    const rssDrained = server.rss();

    console.log('');
    v.check(
      'calls',
      c.failed === 0 && c.ok === nCalls,
      `attempted ${c.created} of ${nCalls}, succeeded ${c.ok}, failed ${c.failed}, retransmissions ${c.retrans}/${c.messages}${failureLines(
        c,
      )
        .map((l) => `; ${l}`)
        .join('')}`,
    );
    v.check(
      'registrations',
      r.failed === 0 && r.ok === nRegs,
      `attempted ${r.created} of ${nRegs}, succeeded ${r.ok}, failed ${r.failed}, retransmissions ${r.retrans}/${r.messages}${failureLines(
        r,
      )
        .map((l) => `; ${l}`)
        .join('')}`,
    );
    v.check(
      'server alive',
      server.alive(),
      server.alive() ? 'running at the end' : `exited: ${server.log().slice(-2000)}`,
    );
    const growth = rssEnd - (rssStart ?? Number.NaN);
    const rssText = `${mb(rssStart ?? Number.NaN)} after ${WARMUP} s warm-up, ${mb(rssEnd)} at the end of load (growth ${mb(growth)}), peak ${mb(peak)}, ${mb(rssDrained)} after the drain; heap used ${mb(heapStart ?? Number.NaN)} → ${mb(heapEnd)}`;
    if (flags['max-growth'] === undefined) console.log(`INFO RSS: ${rssText}`);
    else v.check('RSS', growth <= Number(flags['max-growth']), `${rssText}; limit ${flags['max-growth']} MB`);
    v.check(
      'tables drained',
      drain.drained,
      `${tablesText(drain.tables)} ${drain.drained ? `${drain.after.toFixed(0)} s after the load` : `still, ${drain.after.toFixed(0)} s after the load and ${drain.quiet.toFixed(0)} s after the last message reached the server`}`,
    );
    return v.failed;
  } finally {
    await stopProcess(uas, 1000);
    await stopProcess(server);
  }
}

let failed = 1;
try {
  failed = await main();
} finally {
  stopAll();
  rmSync(dir, { recursive: true, force: true });
}
process.exitCode = failed === 0 ? 0 : 1;

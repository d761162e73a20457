// bench/load/steady.mjs: sipkit-server under one steady digest REGISTER load (401 then 200, the
// `auth` load of run.mjs), printed window by window: the CPU of the server's main thread per
// REGISTER pair (user and kernel, from /proc/PID/task/PID/stat: the thread a Node server runs
// out of first), the whole process's, and its RSS. A search (run.mjs) gives the knee; this shows
// what a pair costs and whether the cost creeps up as state accumulates (nonce-count tables,
// completed transactions, bindings). One worker; loopback only; bounded by count and time.
//
//   node load/steady.mjs [--rate 7000] [--seconds 60] [--window 5]
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  cpuOf,
  DOMAIN,
  freePort,
  here,
  PASSWORD,
  rssNow,
  sipp,
  sleep,
  startSipkit,
  stopAll,
  stopProcess,
  writeUsers,
} from './lib.mjs';

const { values: flags } = parseArgs({
  options: {
    rate: { type: 'string', default: '7000' },
    seconds: { type: 'string', default: '60' },
    window: { type: 'string', default: '5' },
  },
});
const RATE = Number(flags.rate);
const SECONDS = Number(flags.seconds);
const WINDOW = Number(flags.window);
const HZ = 100; // USER_HZ: /proc's clock ticks

/** utime and stime of one thread, in ticks. */
function threadTicks(pid) {
  const f = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return { user: Number(rest[11]), sys: Number(rest[12]) };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'sipkit-steady-'));
  writeUsers(dir, 1);
  const port = await freePort();
  const srv = await startSipkit(dir, {
    listen: [{ transport: 'udp', host: '127.0.0.1', port }],
    domains: [DOMAIN],
    users: [{ name: 'u0', password: PASSWORD }],
    auth: { register: true, calls: false, algorithms: ['MD5'], secret: 'a load test secret of some length' },
    http: false,
    log: { level: 'warn' },
    workers: 1,
  });
  const pid = srv.child.pid;
  console.log(`steady digest REGISTER load: ${RATE} pairs/s for ${SECONDS} s, one worker, windows of ${WINDOW} s`);
  try {
    const run = sipp(
      `127.0.0.1:${port}`,
      join(here, 'register-auth.xml'),
      [
        '-inf',
        join(dir, 'user0.csv'),
        '-auth_uri',
        DOMAIN,
        '-au',
        'u0',
        '-ap',
        PASSWORD,
        '-r',
        String(RATE),
        '-m',
        String(RATE * SECONDS),
        '-l',
        String(RATE * 2),
      ],
      SECONDS + 60,
      { cwd: dir },
    );
    let done = false;
    run.then(() => {
      done = true;
    });
    console.log('    t  main thread µs/pair (kernel)  process µs/pair  RSS MB');
    for (let t = WINDOW; t <= SECONDS && !done; t += WINDOW) {
      const a = threadTicks(pid);
      const p0 = cpuOf([pid]);
      await sleep(WINDOW * 1000);
      const b = threadTicks(pid);
      const p1 = cpuOf([pid]);
      const pairs = RATE * WINDOW;
      const us = (ticks) => ((ticks / HZ / pairs) * 1e6).toFixed(0);
      console.log(
        `${String(t).padStart(5)}  ${us(b.user + b.sys - a.user - a.sys).padStart(10)} (${us(b.sys - a.sys).padStart(3)})${us((p1 - p0) * HZ).padStart(24)}  ${rssNow([pid]).toFixed(0).padStart(6)}`,
      );
    }
    const r = await run;
    console.log(`pairs: ${r.ok} succeeded, ${r.failed} failed, ${r.retrans} retransmissions in ${r.messages} messages`);
  } finally {
    await stopProcess(srv);
  }
}

main().catch((e) => {
  console.error(e);
  stopAll();
  process.exitCode = 1;
});

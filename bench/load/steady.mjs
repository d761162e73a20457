// bench/load/steady.mjs: sipkit-server under one steady REGISTER load, printed window by window:
// digest (401 then 200, the `auth` load of run.mjs) or, with `--load register`, without auth (the
// `register` load). Each window shows the CPU of the server's main thread per REGISTER or pair (user and kernel, from /proc/PID/task/PID/stat: the thread a Node server runs
// out of first), the whole process's, and its RSS. A search (run.mjs) gives the knee; this shows
// what a pair costs and whether the cost creeps up as state accumulates (nonce-count tables,
// completed transactions, bindings). One worker; loopback only; bounded by count and time.
//
//   node load/steady.mjs [--load auth|register] [--rate 7000] [--seconds 60] [--window 5]
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
    load: { type: 'string', default: 'auth' },
    rate: { type: 'string', default: '7000' },
    seconds: { type: 'string', default: '60' },
    window: { type: 'string', default: '5' },
  },
});
const RATE = Number(flags.rate);
const SECONDS = Number(flags.seconds);
const WINDOW = Number(flags.window);
const AUTH = flags.load === 'auth';
if (!AUTH && flags.load !== 'register') throw new Error(`--load: "${flags.load}" is neither auth nor register`);
const USERS = AUTH ? 1 : 1000;
const HZ = 100; // USER_HZ: /proc's clock ticks

/** utime and stime of one thread, in ticks. */
function threadTicks(pid) {
  const f = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return { user: Number(rest[11]), sys: Number(rest[12]) };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'sipkit-steady-'));
  writeUsers(dir, USERS);
  const port = await freePort();
  const srv = await startSipkit(dir, {
    listen: [{ transport: 'udp', host: '127.0.0.1', port }],
    domains: [DOMAIN],
    users: Array.from({ length: USERS }, (_, i) => ({ name: `u${i}`, password: PASSWORD })),
    auth: { register: AUTH, calls: false, algorithms: ['MD5'], secret: 'a load test secret of some length' },
    http: false,
    log: { level: 'warn' },
    workers: 1,
  });
  const pid = srv.child.pid;
  const unit = AUTH ? 'pair' : 'REGISTER';
  console.log(
    `steady ${AUTH ? 'digest ' : ''}REGISTER load: ${RATE} ${unit}s/s for ${SECONDS} s, one worker, windows of ${WINDOW} s`,
  );
  try {
    const run = sipp(
      `127.0.0.1:${port}`,
      join(here, AUTH ? 'register-auth.xml' : 'register.xml'),
      [
        ...(AUTH
          ? ['-inf', join(dir, 'user0.csv'), '-auth_uri', DOMAIN, '-au', 'u0', '-ap', PASSWORD]
          : ['-inf', join(dir, 'users.csv')]),
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
    console.log(`    t  main thread µs/${unit} (kernel)  process µs/${unit}  RSS MB`);
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
    console.log(
      `${unit}s: ${r.ok} succeeded, ${r.failed} failed, ${r.retrans} retransmissions in ${r.messages} messages`,
    );
  } finally {
    await stopProcess(srv);
  }
}

main().catch((e) => {
  console.error(e);
  stopAll();
  process.exitCode = 1;
});

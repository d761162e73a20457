// bench/load: sipkit-server against Kamailio on loopback, driven by SIPp with the same
// scenarios, one after the other. For each of three loads — REGISTER without authentication,
// REGISTER with digest (401 then 200), calls through the proxy to a SIPp UAS registered behind
// it — the rate is stepped upward; at each step SIPp sends a fixed number of transactions and
// the step is clean when none failed and retransmissions stayed under 0.5%. A step that is not
// clean is tried again (`--tries`, 2 by default) before the search stops there: on two cores a
// server shares with both SIPp processes, one unlucky scheduling stretch spoils a step that the
// next try passes, for either server. The table shows the highest clean rate, the server's CPU time per transaction at that rate (from /proc), and its
// peak RSS. Every process started is stopped; every run is bounded by count and by time.
//
//   node load/run.mjs [--only sipkit|kamailio] [--loads register,auth,call] [--seconds 3]
//                     [--start 500] [--step 1.25] [--max 20000] [--workers 1] [--tries 2]
//                     [--sipkit-udp-io auto|native|dgram] [--sipkit-reuse-port]
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  cpuOf,
  DOMAIN,
  family,
  freePort,
  here,
  machineTicks,
  PASSWORD,
  registerOne,
  rssOf,
  sipp as runSipp,
  sleep,
  startProcess,
  startSipkit as startServer,
  stopAll,
  stopProcess,
  which,
  writeUsers,
} from './lib.mjs';

const { values: flags } = parseArgs({
  options: {
    only: { type: 'string' },
    loads: { type: 'string', default: 'register,auth,call' },
    seconds: { type: 'string', default: '3' },
    start: { type: 'string', default: '500' },
    step: { type: 'string', default: '1.25' },
    max: { type: 'string', default: '20000' },
    workers: { type: 'string', default: '1' },
    tries: { type: 'string', default: '2' },
    // sipkit-server's udpIo: batched UDP (native) or node:dgram, to compare the two in one run.
    'sipkit-udp-io': { type: 'string', default: 'auto' },
    // With --workers above 1: each worker binds the UDP port with SO_REUSEPORT (udpReusePort).
    'sipkit-reuse-port': { type: 'boolean', default: false },
  },
});
const TRIES = Number(flags.tries);
if (!Number.isInteger(TRIES) || TRIES < 1) throw new Error(`--tries: a whole number from 1, got "${flags.tries}"`);
const SECONDS = Number(flags.seconds);
const STEP = Number(flags.step);
const MAX = Number(flags.max);
const WORKERS = Number(flags.workers);
const USERS = 1000;
const dir = mkdtempSync(join(tmpdir(), 'sipkit-load-'));

function kamailioConfig(port, auth) {
  return `#!KAMAILIO
debug=1
log_stderror=yes
children=${WORKERS}
disable_tcp=yes
auto_aliases=no
# The same UDP receive buffer sipkit-server asks for (limits.udpReceiveBuffer), both capped by
# net.core.rmem_max.
maxbuffer=4194304
listen=udp:127.0.0.1:${port}
alias="127.0.0.1:${port}"
alias="${DOMAIN}"

loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "auth.so"

modparam("usrloc", "db_mode", 0)

request_route {
	if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }
	if (has_totag()) {
		if (loose_route()) { t_relay(); exit; }
		if (is_method("ACK")) { if (t_check_trans()) t_relay(); exit; }
		sl_send_reply("404", "Not here");
		exit;
	}
	if (is_method("CANCEL")) { if (t_check_trans()) t_relay(); exit; }
	t_check_trans();
	if (is_method("REGISTER")) {
${
  auth
    ? `		$avp(pw) = "${PASSWORD}";
		if (!pv_www_authenticate("$td", "$avp(pw)", "0")) { www_challenge("$td", "0"); exit; }
`
    : ''
}		if (!save("location")) sl_reply_error();
		exit;
	}
	record_route();
	if (!lookup("location")) { sl_send_reply("404", "Not Found"); exit; }
	if (!t_relay()) sl_reply_error();
}
`;
}

async function startKamailio(port, auth) {
  const cfg = join(dir, `kamailio-${auth ? 'auth' : 'plain'}.cfg`);
  writeFileSync(cfg, kamailioConfig(port, auth));
  const p = startProcess(which('kamailio'), [
    '-f',
    cfg,
    '-DD',
    '-E',
    '-m',
    '512',
    '-M',
    '32',
    '-P',
    join(dir, 'k.pid'),
    '-w',
    dir,
  ]);
  await sleep(1500);
  if (p.child.exitCode !== null) throw new Error(`kamailio did not start:\n${p.log()}`);
  return { ...p, pids: () => family(p.child.pid) };
}

async function startSipkit(port, auth) {
  const users = Array.from({ length: USERS }, (_, i) => ({ name: `u${i}`, password: PASSWORD }));
  users.push({ name: 'uas', password: PASSWORD });
  return startServer(dir, {
    listen: [{ transport: 'udp', host: '127.0.0.1', port }],
    domains: [DOMAIN],
    users,
    auth: { register: auth, calls: false, algorithms: ['MD5'], secret: 'a load test secret of some length' },
    http: false,
    log: { level: 'warn' },
    workers: WORKERS,
    udpIo: flags['sipkit-udp-io'],
    udpReusePort: flags['sipkit-reuse-port'],
  });
}

/** Runs SIPp once against the server on `port`; returns its counts. */
const sipp = (port, scenario, args, seconds) =>
  runSipp(`127.0.0.1:${port}`, join(here, scenario), args, seconds, { cwd: dir });

const LOADS = {
  register: { scenario: 'register.xml', auth: false, label: 'REGISTER/s, no auth' },
  auth: { scenario: 'register-auth.xml', auth: true, label: 'REGISTER/s, digest (401 + 200)' },
  call: { scenario: 'uac.xml', auth: false, label: 'calls/s (INVITE…BYE via proxy)' },
};

/** One rate search for one server and one load. */
async function search(server, load) {
  const port = await freePort();
  const srv = server === 'kamailio' ? await startKamailio(port, load.auth) : await startSipkit(port, load.auth);
  let uas;
  try {
    const extra = [];
    // One user for the digest load (SIPp takes credentials from -au/-ap, not per call): each
    // REGISTER refreshes the same binding with a new Call-ID, as re-registrations do.
    if (load.auth) extra.push('-auth_uri', DOMAIN, '-au', 'u0', '-ap', PASSWORD);
    if (load.scenario === 'uac.xml') {
      const uasPort = await freePort();
      uas = startProcess('sipp', ['-sf', join(here, 'uas.xml'), '-i', '127.0.0.1', '-p', String(uasPort), '-nostdin'], {
        cwd: dir,
      });
      await sleep(300);
      // Register the UAS as "uas", its Contact on its own port.
      await registerOne(dir, port, 'uas', uasPort);
      extra.push('-s', 'uas');
    } else {
      extra.push('-inf', join(dir, load.auth ? 'user0.csv' : 'users.csv'));
    }
    // Warm-up (JIT, caches, Kamailio's shared memory), not counted.
    const warm = await sipp(
      port,
      load.scenario,
      [...extra, '-r', flags.start, '-m', String(Math.max(1000, Number(flags.start) * 2))],
      60,
    );
    if (warm.failed !== 0) console.log(`  ${server}: the warm-up had ${warm.failed} failed calls`);
    let best;
    for (let rate = Number(flags.start); rate <= MAX; rate = Math.ceil(rate * STEP)) {
      const count = Math.max(1000, Math.round(rate * SECONDS));
      let clean = false;
      let cpu = 0;
      for (let attempt = 1; attempt <= TRIES && !clean; attempt++) {
        // After a collapse, a moment for the last retransmissions to drain.
        if (attempt > 1) await sleep(1000);
        const cpu0 = cpuOf(srv.pids());
        const m0 = machineTicks();
        const r = await sipp(
          port,
          load.scenario,
          [...extra, '-r', String(rate), '-m', String(count), '-l', String(Math.max(200, rate * 2))],
          SECONDS * 4 + 20,
        );
        cpu = cpuOf(srv.pids()) - cpu0;
        const m1 = machineTicks();
        // How busy the whole machine was (the server, SIPp on both sides, anything else).
        const busy = (m1.busy - m0.busy) / Math.max(1, m1.total - m0.total);
        clean = r.failed === 0 && r.ok === count && r.retrans <= r.messages * 0.005;
        console.log(
          `  ${server.padEnd(8)} ${load.label.padEnd(32)} rate ${String(rate).padStart(6)}${TRIES > 1 ? ` try ${attempt}` : ''}: ok ${r.ok} failed ${r.failed} retrans ${r.retrans}/${r.messages} cpu ${((cpu / count) * 1e6).toFixed(0)} µs/op machine ${(busy * 100).toFixed(0)}% busy ${clean ? 'clean' : 'NOT clean'}`,
        );
      }
      if (!clean) break;
      best = { rate, cpuPerOp: (cpu / count) * 1e6, rss: rssOf(srv.pids()) };
    }
    return best;
  } finally {
    if (uas) await stopProcess(uas);
    await stopProcess(srv);
  }
}

async function main() {
  writeUsers(dir, USERS);
  const servers = flags.only ? [flags.only] : ['kamailio', 'sipkit'];
  const loads = flags.loads.split(',').map((l) => {
    const load = LOADS[l];
    if (!load) throw new Error(`--loads: unknown load "${l}" (register, auth, call)`);
    return load;
  });
  const rmemMax = readFileSync('/proc/sys/net/core/rmem_max', 'utf8').trim();
  console.log(
    `bench/load on ${cpus().length} × ${cpus()[0]?.model ?? '?'}, Node ${process.version}, ${WORKERS} worker(s) each, net.core.rmem_max ${rmemMax}`,
  );
  const results = {};
  for (const load of loads) {
    for (const server of servers) {
      console.log(`${server}: ${load.label}`);
      results[`${server} ${load.label}`] = await search(server, load);
    }
  }
  console.log('\n| load | Kamailio | sipkit-server | ratio | CPU µs/op K / S | peak RSS MB K / S |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const load of loads) {
    const k = results[`kamailio ${load.label}`];
    const s = results[`sipkit ${load.label}`];
    const f = (x, d = 0) => (x === undefined ? '–' : x.toFixed(d));
    console.log(
      `| ${load.label} | ${k?.rate ?? '–'} | ${s?.rate ?? '–'} | ${k && s ? (s.rate / k.rate).toFixed(2) : '–'} | ${f(k?.cpuPerOp)} / ${f(s?.cpuPerOp)} | ${f(k?.rss)} / ${f(s?.rss)} |`,
    );
  }
}

try {
  await main();
} finally {
  stopAll();
  rmSync(dir, { recursive: true, force: true });
}

#!/usr/bin/env node
// Transport benchmark: OPTIONS round trips on loopback through the @sipkit/transport layer
// (parse, stamp received/rport, build and send a 200) beside a bare node:dgram / node:net echo,
// in the same run. Server and load generator run in separate processes.
//
//   node transport/run.mjs        (from bench/; or `pnpm --filter @sipkit/bench bench:transport`)
//
// Fairness: both servers get the same load generator, the same request bytes and the same window
// of requests in flight; the echo servers use the socket options the SIPKit transports use
// (setNoDelay on TCP). Each transport runs REPS echo-then-SIPKit pairs back to back; a ratio is
// taken within a pair. Each run also prints the CPU time (user + system, from /proc) per reply of
// the server and of the load generator, which does not depend on where the OS runs them.
//
// Environment: BENCH_TIME_MS (timed window per case, default 3000), BENCH_WINDOW (requests in
// flight, default 64), BENCH_REPS (echo-then-SIPKit pairs per transport, default 3), BENCH_ONLY
// (udp, tcp or both), BENCH_SERVER_ARGS (node flags for the servers, e.g. `--cpu-prof
// --cpu-prof-dir=/tmp/prof`; the servers exit cleanly on SIGTERM so the profile is written),
// BENCH_PIN=1 (load generator on CPU 0, server on CPU 1, with taskset). By default the OS places
// them, and Linux tends to put a ping-ponging pair on one core, so the rate reflects client and
// server CPU per round trip together. Pinned, every wake-up crosses cores; on a small virtual
// machine the echo then waits on wake-ups rather than on CPU, and the ratio says more about the
// machine than about SIPKit. Every run is bounded in time and stops the server it started.

import { execFileSync, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { request } from './request.mjs';

const TIME_MS = Number(process.env.BENCH_TIME_MS ?? 3000);
const WARMUP_MS = 1000;
const WINDOW = Number(process.env.BENCH_WINDOW ?? 64);
const TARGET = 0.7;
const REPS = Number(process.env.BENCH_REPS ?? 3);
const ONLY = (process.env.BENCH_ONLY ?? 'udp,tcp').toLowerCase().split(',');
const SERVER_ARGS = (process.env.BENCH_SERVER_ARGS ?? '').split(' ').filter((a) => a !== '');
const PIN = process.env.BENCH_PIN === '1';
if (PIN) execFileSync('taskset', ['-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });

function startServer(kind) {
  return new Promise((resolve, reject) => {
    const args = [...SERVER_ARGS, fileURLToPath(new URL('./server.mjs', import.meta.url)), kind];
    // taskset execs node in place, so the child's pid is the server's.
    const child = PIN
      ? spawn('taskset', ['-c', '1', process.execPath, ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
      : spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    const timer = setTimeout(() => reject(new Error(`${kind} did not start`)), 10000);
    child.stdout.once('data', (d) => {
      clearTimeout(timer);
      resolve({ port: Number(String(d).trim()), pid: child.pid, stop: () => stopChild(child) });
    });
    child.once('exit', (code) => reject(new Error(`${kind} exited with ${code}`)));
  });
}

/** Asks a server to exit (so `--cpu-prof` can write its profile), killing it after 5 s. */
function stopChild(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** CPU seconds (user + system) a process has used so far, from /proc; undefined elsewhere. */
function cpuOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return undefined;
  }
}

/**
 * Runs the warm-up, then the timed window, and resolves with the replies per second and the CPU
 * each side used per reply. `count()` reads the replies so far; `stop()` ends the load.
 */
function timed(pid, count, stop) {
  return new Promise((resolve) => {
    setTimeout(() => {
      const n0 = count();
      const t0 = performance.now();
      const server0 = cpuOf(pid);
      const client0 = process.cpuUsage();
      setTimeout(() => {
        const n = count() - n0;
        const seconds = (performance.now() - t0) / 1000;
        const server1 = cpuOf(pid);
        const client = process.cpuUsage(client0);
        stop();
        resolve({
          rate: n / seconds,
          serverUs: server0 === undefined || server1 === undefined ? Number.NaN : ((server1 - server0) * 1e6) / n,
          clientUs: (client.user + client.system) / n,
        });
      }, TIME_MS);
    }, WARMUP_MS);
  });
}

/** Keeps WINDOW requests in flight over UDP, sending the next one as each reply comes. */
function loadUdp({ port, pid }) {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    const bytes = request('UDP');
    let replies = 0;
    let running = true;
    s.on('message', () => {
      replies++;
      if (running) s.send(bytes, port, '127.0.0.1');
    });
    s.bind(0, '127.0.0.1', () => {
      for (let i = 0; i < WINDOW; i++) s.send(bytes, port, '127.0.0.1');
      // UDP may drop: when no reply came for 100 ms the window ran dry, so send it again. (Topping
      // it up on a timer whatever happened grew it from 64 to ~380 in flight over a run.)
      let seen = 0;
      const topUp = setInterval(() => {
        if (replies === seen) for (let i = 0; i < WINDOW; i++) s.send(bytes, port, '127.0.0.1');
        seen = replies;
      }, 100);
      resolve(
        timed(
          pid,
          () => replies,
          () => {
            running = false;
            clearInterval(topUp);
            s.close();
          },
        ),
      );
    });
  });
}

/** Keeps WINDOW requests in flight on one TCP connection, writing the next one as each reply comes. */
function loadTcp({ port, pid }) {
  return new Promise((resolve, reject) => {
    const bytes = request('TCP');
    const socket = connect({ host: '127.0.0.1', port }, () => {
      for (let i = 0; i < WINDOW; i++) socket.write(bytes);
      resolve(
        timed(
          pid,
          () => replies,
          () => {
            running = false;
            socket.destroy();
          },
        ),
      );
    });
    socket.setNoDelay(true);
    socket.on('error', reject);
    let replies = 0;
    let running = true;
    let tail = '';
    socket.on('data', (chunk) => {
      // Each reply (echoed request or 200 OK, no body) ends with one CRLFCRLF.
      const text = tail + chunk.toString('latin1');
      let n = 0;
      for (let i = text.indexOf('\r\n\r\n'); i >= 0; i = text.indexOf('\r\n\r\n', i + 4)) n++;
      tail = text.slice(-3);
      replies += n;
      if (running) for (let i = 0; i < n; i++) socket.write(bytes);
    });
  });
}

async function measure(kind, load) {
  const server = await startServer(kind);
  try {
    return await load(server);
  } finally {
    await server.stop();
  }
}

const fmt = (n) => Math.round(n).toLocaleString('en-US');
const pct = (x) => `${(x * 100).toFixed(0)}%`;
const us = (x) => (Number.isNaN(x) ? 'n/a' : x.toFixed(1));
console.log('SIPKit transport benchmark');
console.log(`date:    ${new Date().toISOString()}`);
console.log(`node:    ${process.version}; CPU: ${os.cpus()[0]?.model ?? 'unknown'}; cores: ${os.cpus().length}`);
console.log(
  `timing:  ${WARMUP_MS} ms warm-up, ${TIME_MS} ms timed, ${WINDOW} requests in flight, ${REPS} echo-then-SIPKit pairs per transport; server and load in separate processes`,
);
console.log(`placing: ${PIN ? 'load generator pinned to CPU 0, server to CPU 1 (taskset)' : 'by the OS scheduler'}`);
console.log('');

const table = (header, rows) => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
  console.log('');
};

const runs = [];
const summary = [];
for (const [proto, load] of [
  ['UDP', loadUdp],
  ['TCP', loadTcp],
].filter(([proto]) => ONLY.includes(proto.toLowerCase()))) {
  const pairs = [];
  for (let rep = 1; rep <= REPS; rep++) {
    // The two sides of a pair run back to back, so they share the machine's mood.
    const bare = await measure(`echo-${proto.toLowerCase()}`, load);
    const sipkit = await measure(`sipkit-${proto.toLowerCase()}`, load);
    pairs.push({ bare, sipkit, ratio: sipkit.rate / bare.rate });
    runs.push([
      `${proto} #${rep}`,
      fmt(bare.rate),
      fmt(sipkit.rate),
      pct(sipkit.rate / bare.rate),
      us(bare.serverUs),
      us(sipkit.serverUs),
      us(bare.clientUs),
      us(sipkit.clientUs),
    ]);
  }
  const best = pairs.reduce((a, b) => (b.ratio > a.ratio ? b : a));
  const ratios = pairs.map((p) => p.ratio);
  const spread = (xs) => `${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))}`;
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  // CPU per round trip (server + load generator): what the rate ratio is when both share a core.
  const cpu = (r) => r.serverUs + r.clientUs;
  summary.push([
    proto,
    spread(pairs.map((p) => p.bare.rate)),
    spread(pairs.map((p) => p.sipkit.rate)),
    `${pct(Math.min(...ratios))}–${pct(Math.max(...ratios))}`,
    pct(median(ratios)),
    pct(best.ratio),
    best.ratio >= TARGET ? 'meets 70%' : 'BELOW 70%',
    pct(median(pairs.map((p) => cpu(p.bare) / cpu(p.sipkit)))),
    pct(median(pairs.map((p) => p.bare.serverUs / p.sipkit.serverUs))),
  ]);
}
table(['run', 'echo/s', 'SIPKit/s', 'ratio', 'echo srv µs', 'SIPKit srv µs', 'echo load µs', 'SIPKit load µs'], runs);
table(
  [
    'transport',
    'echo/s (spread)',
    'SIPKit/s (spread)',
    'ratio spread',
    'median',
    'best pair',
    'target',
    'CPU/round trip',
    'server CPU',
  ],
  summary,
);
console.log('µs: CPU time (user + system) per reply in the server and in the load generator, timed window only.');
console.log('ratio: SIPKit ÷ echo within one pair (run back to back); best pair: the highest of those.');
console.log(
  'CPU/round trip: echo ÷ SIPKit CPU per reply, server and load generator together (the rate ratio when both share one core);',
);
console.log('server CPU: the same for the servers alone. Both are medians over the pairs.');

#!/usr/bin/env node
// Transport benchmark: OPTIONS round trips on loopback through the @sipkit/transport layer
// (parse, stamp received/rport, build and send a 200) beside a bare node:dgram / node:net echo,
// in the same run. Server and load generator run in separate processes.
//
//   node transport/run.mjs        (from bench/; or `pnpm --filter @sipkit/bench bench:transport`)
//
// Environment: BENCH_TIME_MS (timed window per case, default 3000), BENCH_WINDOW (requests in
// flight, default 64). Every run is bounded in time and stops the server it started.

import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

const TIME_MS = Number(process.env.BENCH_TIME_MS ?? 3000);
const WARMUP_MS = 1000;
const WINDOW = Number(process.env.BENCH_WINDOW ?? 64);
const TARGET = 0.7;
const ONLY = (process.env.BENCH_ONLY ?? 'udp,tcp').toLowerCase().split(',');
const SERVER_ARGS = (process.env.BENCH_SERVER_ARGS ?? '').split(' ').filter((a) => a !== '');

const request = (transport) =>
  Buffer.from(
    'OPTIONS sip:bench@127.0.0.1 SIP/2.0\r\n' +
      `Via: SIP/2.0/${transport} 127.0.0.1:5999;branch=z9hG4bKbench1;rport\r\n` +
      'Max-Forwards: 70\r\n' +
      'To: <sip:bench@127.0.0.1>\r\n' +
      'From: <sip:load@127.0.0.1>;tag=load\r\n' +
      'Call-ID: bench-call-id@127.0.0.1\r\n' +
      'CSeq: 1 OPTIONS\r\n' +
      'Content-Length: 0\r\n\r\n',
  );

function startServer(kind) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...SERVER_ARGS, fileURLToPath(new URL('./server.mjs', import.meta.url)), kind], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const timer = setTimeout(() => reject(new Error(`${kind} did not start`)), 10000);
    child.stdout.once('data', (d) => {
      clearTimeout(timer);
      resolve({ port: Number(String(d).trim()), stop: () => stopChild(child) });
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

/** Replies per second over the timed window, keeping WINDOW requests in flight. */
function loadUdp(port) {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    const bytes = request('UDP');
    let counting = false;
    let count = 0;
    let running = true;
    let replies = 0;
    s.on('message', () => {
      replies++;
      if (counting) count++;
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
      setTimeout(() => {
        counting = true;
        const t0 = performance.now();
        setTimeout(() => {
          const rate = (count * 1000) / (performance.now() - t0);
          running = false;
          clearInterval(topUp);
          s.close();
          resolve(rate);
        }, TIME_MS);
      }, WARMUP_MS);
    });
  });
}

function loadTcp(port) {
  return new Promise((resolve, reject) => {
    const bytes = request('TCP');
    const socket = connect({ host: '127.0.0.1', port }, () => {
      for (let i = 0; i < WINDOW; i++) socket.write(bytes);
    });
    socket.setNoDelay(true);
    socket.on('error', reject);
    let counting = false;
    let count = 0;
    let running = true;
    let tail = '';
    socket.on('data', (chunk) => {
      // Each reply (echoed request or 200 OK, no body) ends with one CRLFCRLF.
      const text = tail + chunk.toString('latin1');
      let replies = 0;
      for (let i = text.indexOf('\r\n\r\n'); i >= 0; i = text.indexOf('\r\n\r\n', i + 4)) replies++;
      tail = text.slice(-3);
      if (counting) count += replies;
      if (running) for (let i = 0; i < replies; i++) socket.write(bytes);
    });
    setTimeout(() => {
      counting = true;
      const t0 = performance.now();
      setTimeout(() => {
        const rate = (count * 1000) / (performance.now() - t0);
        running = false;
        socket.destroy();
        resolve(rate);
      }, TIME_MS);
    }, WARMUP_MS);
  });
}

async function measure(kind, load) {
  const server = await startServer(kind);
  try {
    return await load(server.port);
  } finally {
    await server.stop();
  }
}

const fmt = (n) => Math.round(n).toLocaleString('en-US');
console.log('SIPKit transport benchmark');
console.log(`date:    ${new Date().toISOString()}`);
console.log(`node:    ${process.version}; CPU: ${os.cpus()[0]?.model ?? 'unknown'}; cores: ${os.cpus().length}`);
console.log(
  `timing:  ${WARMUP_MS} ms warm-up, ${TIME_MS} ms timed, ${WINDOW} requests in flight; server and load in separate processes`,
);
console.log('');
const rows = [];
for (const [proto, load] of [
  ['UDP', loadUdp],
  ['TCP', loadTcp],
].filter(([proto]) => ONLY.includes(proto.toLowerCase()))) {
  const bare = await measure(`echo-${proto.toLowerCase()}`, load);
  const sipkit = await measure(`sipkit-${proto.toLowerCase()}`, load);
  rows.push([
    proto,
    fmt(bare),
    fmt(sipkit),
    `${((sipkit / bare) * 100).toFixed(0)}%`,
    sipkit / bare >= TARGET ? 'meets 70%' : 'BELOW 70%',
  ]);
}
const header = ['transport', 'bare echo/s', 'SIPKit 200 OK/s', 'SIPKit ÷ echo', 'target'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const r of rows) console.log(line(r));

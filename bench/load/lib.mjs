// Shared by bench/load and bench/soak: free ports, child processes that are always stopped, SIPp
// runs bounded by count and time with their counts read back, and CPU and RSS from /proc.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const here = import.meta.dirname;
export const DOMAIN = 'sipkit.test';
export const PASSWORD = 'load-test-secret';
/** The built server the benchmarks start. */
export const SERVER_MAIN = join(here, '..', '..', 'apps', 'server', 'dist', 'main.js');

/** Every child process started here and not yet exited: {@link stopAll} kills what is left. */
export const started = new Set();

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A TCP port free on 127.0.0.1 (SIPp and the server bind UDP on it too; collisions are unlikely). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** The full path of an installed program, or an error that says how to install it. */
export function which(name) {
  for (const d of [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin']) {
    try {
      execFileSync('test', ['-x', join(d, name)]);
      return join(d, name);
    } catch {}
  }
  throw new Error(`${name} is not installed (bash scripts/install-test-deps installs it)`);
}

/** CPU seconds (user + system) of a process and its children still alive, from /proc. */
export function cpuOf(pids) {
  const hz = 100;
  let ticks = 0;
  for (const pid of pids) {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {}
  }
  return ticks / hz;
}

function statusKb(pids, field) {
  const re = new RegExp(`${field}:\\s+(\\d+)`);
  let kb = 0;
  for (const pid of pids) {
    try {
      kb += Number(re.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    } catch {}
  }
  return kb;
}

/** Peak RSS (VmHWM) in MB, summed over the processes (Kamailio's shared memory counted once per process that touched it). */
export function rssOf(pids) {
  return statusKb(pids, 'VmHWM') / 1024;
}

/** Current RSS (VmRSS) in MB, summed over the processes. */
export function rssNow(pids) {
  return statusKb(pids, 'VmRSS') / 1024;
}

/** Busy and total jiffies of the whole machine (all cores), from /proc/stat. */
export function machineTicks() {
  const f = readFileSync('/proc/stat', 'utf8');
  const cpu = f.slice(0, f.indexOf('\n')).trim().split(/\s+/).slice(1).map(Number);
  const total = cpu.reduce((a, b) => a + b, 0);
  // idle + iowait are not busy.
  return { busy: total - (cpu[3] ?? 0) - (cpu[4] ?? 0), total };
}

/** The process and its descendants. */
export function family(pid) {
  const out = [pid];
  try {
    const kids = execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter(Boolean)
      .map(Number);
    for (const k of kids) out.push(...family(k));
  } catch {}
  return out;
}

/** Starts a program, keeping the tail of its output; `alive()` is false once it exited. */
export function startProcess(cmd, args, opts = {}) {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  started.add(child);
  let log = '';
  const keep = (d) => {
    log = (log + d).slice(-20000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  child.on('exit', () => started.delete(child));
  return { child, log: () => log, alive: () => child.exitCode === null && child.signalCode === null };
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopProcess(p, graceMs = 5000) {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  const gone = new Promise((r) => p.child.once('exit', r));
  p.child.kill('SIGTERM');
  const t = setTimeout(() => p.child.kill('SIGKILL'), graceMs);
  await gone;
  clearTimeout(t);
}

/** Kills every child still running (the last step of every script, in `finally`). */
export function stopAll() {
  for (const c of started) c.kill('SIGKILL');
}

/** Resolves when `text()` matches, rejects after `ms` or when `alive()` turns false. */
export async function waitFor(what, text, alive, ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (what.test(text())) return;
    if (!alive()) throw new Error(`exited before ${what}:\n${text().slice(-3000)}`);
    await sleep(50);
  }
  throw new Error(`no ${what} within ${ms} ms:\n${text().slice(-3000)}`);
}

/**
 * Starts sipkit-server on a configuration object (written as JSON into `dir`) and waits for its
 * start-up line. `SIPKIT_NODE_ARGS`, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", profiles it.
 */
export async function startSipkit(dir, config, name = 'sipkit.json') {
  const cfg = join(dir, name);
  writeFileSync(cfg, JSON.stringify(config));
  const nodeArgs = (process.env.SIPKIT_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const p = startProcess(process.execPath, [...nodeArgs, SERVER_MAIN, '--config', cfg]);
  // The start-up line is logged at info; at quieter levels, give it a second as before.
  const level = config.log?.level ?? 'info';
  if (['trace', 'debug', 'info'].includes(level)) await waitFor(/sipkit-server started/, p.log, p.alive, 15000);
  else await sleep((config.workers ?? 1) > 1 ? 2500 : 1000);
  if (!p.alive()) throw new Error(`sipkit-server did not start:\n${p.log()}`);
  // The primary and its workers (--workers): CPU and RSS are summed over all of them.
  return { ...p, pids: () => family(p.child.pid) };
}

/** Reads the counts off SIPp's final screen. */
export function sippCounts(out) {
  const num = (re) => Number(re.exec(out)?.[1] ?? Number.NaN);
  const ok = num(/Successful call\s+\|\s+\d+\s+\|\s+(\d+)/);
  const failed = num(/Failed call\s+\|\s+\d+\s+\|\s+(\d+)/);
  const created = num(/Outgoing calls? created\s+\|\s+\d+\s+\|\s+(\d+)/i);
  // Sum of the Retrans column on the final scenario screen (lines like "INVITE ----------> 100 3 0"),
  // and the count of each line (requests by method, responses by code), in scenario order.
  const screen = out.slice(out.lastIndexOf('Messages  Retrans'));
  let retrans = 0;
  let messages = 0;
  const lines = [];
  // Columns: Messages, Retrans, Timeout, Unexpected-Msg (a send line has no Unexpected-Msg).
  for (const m of screen.matchAll(/(\S+)\s+(-{3,}>|<-{3,})\s+(?:E-RTD\d\s+)?(\d+)\s+(\d+)[ \t]*(\d*)[ \t]*(\d*)/g)) {
    messages += Number(m[3]);
    retrans += Number(m[4]);
    lines.push({
      message: m[1],
      dir: m[2].startsWith('<') ? 'in' : 'out',
      count: Number(m[3]),
      timeout: Number(m[5] || 0),
      unexpected: Number(m[6] || 0),
    });
  }
  return { ok, failed, created, retrans, messages, lines };
}

/**
 * Runs SIPp once against `target` ("host:port", or '' for a UAS) and resolves with its counts.
 * `args` must bound it by count (-m); `seconds` becomes -timeout. `opts.proc` receives the
 * started process (to kill it mid-run).
 */
export function sipp(target, scenario, args, seconds, opts = {}) {
  return new Promise((resolve) => {
    const child = spawn(
      'sipp',
      [
        ...(target ? [target] : []),
        '-sf',
        scenario,
        '-i',
        '127.0.0.1',
        '-key',
        'domain',
        DOMAIN,
        '-nostdin',
        '-timeout',
        `${Math.ceil(seconds)}s`,
        ...(opts.timeoutError === false ? [] : ['-timeout_error']),
        '-max_socket',
        '2000',
        // SIPp's own socket buffers default to 64 KB: at tens of thousands of answers a second
        // that is a few milliseconds of them, and SIPp, which shares the machine's two cores with
        // the server, drops the rest whenever it is descheduled that long (RcvbufErrors, each
        // drop a retransmission 500 ms later). The same 4 MiB the servers get, for every run.
        ...(args.includes('-buff_size') ? [] : ['-buff_size', '4194304']),
        ...args,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], cwd: opts.cwd },
    );
    started.add(child);
    opts.proc?.(child);
    let out = '';
    const keep = (d) => {
      out = (out + d).slice(-40000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('exit', (code) => {
      started.delete(child);
      resolve({ code, ...sippCounts(out), out });
    });
  });
}

/**
 * Registers one user with Contact port `contactPort` (a SIPp UAS, say) through `register.xml`;
 * throws when the server does not answer 200.
 */
export async function registerOne(dir, port, user, contactPort) {
  const csv = join(dir, `${user}.csv`);
  writeFileSync(csv, `SEQUENTIAL\n${user};${PASSWORD};${contactPort}\n`);
  const reg = await sipp(`127.0.0.1:${port}`, join(here, 'register.xml'), ['-inf', csv, '-m', '1'], 10, { cwd: dir });
  if (reg.failed !== 0 || reg.ok !== 1) throw new Error(`could not register ${user}:\n${reg.out.slice(-2000)}`);
}

/** `users.csv` (u0…u{n-1}) and `user0.csv` for register.xml and register-auth.xml. */
export function writeUsers(dir, users) {
  // name; password; Contact port (any: nobody calls these users).
  const rows = Array.from({ length: users }, (_, i) => `u${i};${PASSWORD};5999`);
  writeFileSync(join(dir, 'users.csv'), `SEQUENTIAL\n${rows.join('\n')}\n`);
  writeFileSync(join(dir, 'user0.csv'), `SEQUENTIAL\n${rows[0]}\n`);
}

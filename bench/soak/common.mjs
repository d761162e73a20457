// Shared by bench/soak/run.mjs and bench/soak/faults.mjs: sipkit-server with /metrics on a free
// loopback port, its gauges read back, a SIPp UAS registered behind it, PASS/FAIL lines.
import { join } from 'node:path';
import {
  DOMAIN,
  family,
  freePort,
  here as loadDir,
  PASSWORD,
  registerOne,
  rssNow,
  sipp,
  sleep,
  startProcess,
  startSipkit,
} from '../load/lib.mjs';

export { loadDir };
export const USERS = 1000;

/**
 * Starts sipkit-server on UDP 127.0.0.1 with /metrics on another free loopback port, users
 * u0…u{USERS-1} and `uas`, no digest (the soak measures staying up, not authentication).
 * `extra` adds or replaces configuration keys (`location`, `log`).
 */
export async function startServer(dir, extra = {}) {
  const port = await freePort();
  const httpPort = await freePort();
  const users = Array.from({ length: USERS }, (_, i) => ({ name: `u${i}`, password: PASSWORD }));
  users.push({ name: 'uas', password: PASSWORD });
  const srv = await startSipkit(dir, {
    listen: [{ transport: 'udp', host: '127.0.0.1', port }],
    domains: [DOMAIN],
    users,
    auth: { register: false, calls: false },
    http: `127.0.0.1:${httpPort}`,
    log: { level: 'info' },
    workers: 1,
    ...extra,
  });
  return {
    ...srv,
    port,
    target: `127.0.0.1:${port}`,
    metricsUrl: `http://127.0.0.1:${httpPort}/metrics`,
    healthUrl: `http://127.0.0.1:${httpPort}/health`,
    rss: () => rssNow(family(srv.child.pid)),
  };
}

/** Prometheus text → Map of `name{labels}` (labels as printed) → value. */
export function parseMetrics(text) {
  const out = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

/** One scrape of /metrics, or undefined when the endpoint does not answer within 3 s. */
export async function scrape(url) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
    return parseMetrics(await res.text());
  } catch {
    return undefined;
  }
}

/** The gauges the soak watches, from a scrape (NaN when missing). */
export function tables(m) {
  const g = (k) => m?.get(k) ?? Number.NaN;
  return {
    client: g('sipkit_transactions{kind="client"}'),
    server: g('sipkit_transactions{kind="server"}'),
    completed: g('sipkit_transactions{kind="completed"}'),
    contexts: g('sipkit_proxy_contexts'),
    heapMB: g('sipkit_process_nodejs_heap_size_used_bytes') / 2 ** 20,
  };
}

export const tablesText = (t) =>
  `transactions client ${t.client} server ${t.server} completed ${t.completed}, proxy contexts ${t.contexts}`;

/** Sum of a counter over its labels matching `filter` (e.g. `code="400"`). */
export function counter(m, name, filter = '') {
  let sum = 0;
  for (const [k, v] of m ?? []) if (k.startsWith(`${name}{`) && k.includes(filter)) sum += v;
  return sum;
}

/**
 * Polls /metrics until every transaction and context gauge is at most `tolerance`, or `ms` passed
 * since the last message reached the server. Timers D/H/J/K and RFC 6026's Accepted state run
 * 32 s from the last message of their transaction, so the clock starts again whenever the
 * server's message count moved: a peer still retransmitting a BYE (after its own timer the
 * server takes each retransmission as a new request, §17.2.2) keeps tables busy, and that is
 * not the server's to drain. Gives up after `ms` × 4 in all.
 */
export async function waitDrained(url, ms, tolerance = 0) {
  const t0 = Date.now();
  let quietSince = t0;
  let messages;
  let t;
  while (true) {
    const m = await scrape(url);
    t = tables(m);
    const n = m?.get('sipkit_transport_total{event="messages"}');
    if (n !== messages) {
      messages = n;
      quietSince = Date.now();
    }
    const busy = [t.client, t.server, t.completed, t.contexts].some((x) => !(x <= tolerance));
    const after = (Date.now() - t0) / 1000;
    const quiet = (Date.now() - quietSince) / 1000;
    if (!busy) return { drained: true, after, quiet, tables: t };
    if (Date.now() - quietSince >= ms || Date.now() - t0 >= ms * 4) return { drained: false, after, quiet, tables: t };
    await sleep(1000);
  }
}

/**
 * Starts a SIPp UAS (`load/uas.xml`) on a free port, bounded by `calls` and `seconds`, and
 * registers it as `uas`.
 */
export async function startUas(dir, server, calls, seconds) {
  const port = await freePort();
  const p = startProcess(
    'sipp',
    [
      '-sf',
      join(loadDir, 'uas.xml'),
      '-i',
      '127.0.0.1',
      '-p',
      String(port),
      '-nostdin',
      '-m',
      String(calls),
      '-timeout',
      `${Math.ceil(seconds)}s`,
    ],
    { cwd: dir },
  );
  await sleep(300);
  await registerOne(dir, server.port, 'uas', port);
  return { ...p, port };
}

/** SIPp calls through the server to the UAS (`load/uac.xml`), `count` at `rate`/s. */
export function calls(dir, server, rate, count, seconds, opts = {}) {
  return sipp(
    server.target,
    opts.scenario ?? join(loadDir, 'uac.xml'),
    [
      '-s',
      'uas',
      '-r',
      String(rate),
      '-m',
      String(count),
      '-l',
      String(Math.max(200, rate * 10)),
      ...(opts.args ?? []),
    ],
    seconds,
    { cwd: dir, ...opts },
  );
}

/** SIPp REGISTERs (`load/register.xml`) for u0…u999 in turn, `count` at `rate`/s. */
export function registers(dir, server, rate, count, seconds, opts = {}) {
  return sipp(
    server.target,
    join(loadDir, 'register.xml'),
    [
      '-inf',
      join(dir, 'users.csv'),
      '-r',
      String(rate),
      '-m',
      String(count),
      '-l',
      String(Math.max(200, rate * 10)),
      ...(opts.args ?? []),
    ],
    seconds,
    { cwd: dir, ...opts },
  );
}

/**
 * Why SIPp failed calls, for a report: the scenario lines with timeouts or unexpected messages
 * ("200 <--: 3 timeouts") and the distinct errors it printed, Call-IDs left out.
 */
export function failureLines(r) {
  const out = [];
  for (const l of r.lines) {
    const arrow = l.dir === 'in' ? '<--' : '-->';
    if (l.timeout > 0) out.push(`${l.message} ${arrow}: ${l.timeout} timeouts`);
    if (l.unexpected > 0) out.push(`${l.message} ${arrow}: ${l.unexpected} unexpected messages`);
  }
  const errors = new Set();
  for (const m of r.out.matchAll(/Call-Id: \S+, (.*)$|^(Aborting call .*?)(?: for Call-Id.*)?$/gm))
    errors.add((m[1] ?? m[2]).trim());
  out.push(...[...errors].slice(0, 3));
  return out;
}

/** Checks in the order they were made; `exitCode()` is 1 when any failed. */
export class Verdicts {
  list = [];
  check(name, ok, detail) {
    this.list.push({ name, ok });
    console.log(`${ok ? 'PASS' : 'FAIL'} ${name}: ${detail}`);
    return ok;
  }
  get failed() {
    return this.list.filter((v) => !v.ok).length;
  }
}

// bench/soak faults: sipkit-server under load while something breaks, each fault scripted and
// checked, PASS/FAIL lines with numbers, exit 1 on any FAIL.
//
//   node soak/faults.mjs --fault redis-restart|dead-peer|malformed-flood|worker-kill|all
//
// redis-restart    location in a redis-server started here; REGISTER load; Redis killed and
//                  restarted mid-load. The server keeps answering (500 while Redis is down),
//                  stays up, and registers again once Redis is back.
// dead-peer        calls to a SIPp UAS that is killed mid-load: every call still ends (Timer
//                  B/F/C: 408, or 480/500/503), and the transaction and context gauges go to zero.
// malformed-flood  malformed datagrams from a dgram socket mixed into calls: every call succeeds,
//                  the malformed ones are counted in /metrics, the server stays up.
// worker-kill      sipkit-server with 2 workers, calls at 100/s; one worker killed (SIGKILL)
//                  mid-load. It is restarted; at most the calls it held fail; the registration
//                  made before the kill still routes calls afterwards (it lives in the primary).
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort, sleep, startProcess, stopAll, stopProcess, which, writeUsers } from '../load/lib.mjs';
import {
  calls,
  counter,
  failureLines,
  registers,
  scrape,
  startServer,
  startUas,
  tablesText,
  USERS,
  Verdicts,
  waitDrained,
} from './common.mjs';

const { values: flags } = parseArgs({
  options: {
    fault: { type: 'string', default: 'all' },
    'flood-rate': { type: 'string', default: '1000' },
  },
});
const dir = mkdtempSync(join(tmpdir(), 'sipkit-faults-'));

async function health(server) {
  try {
    const res = await fetch(server.healthUrl, { signal: AbortSignal.timeout(3000) });
    return res.status;
  } catch (e) {
    return String(e);
  }
}

/** The count SIPp shows for a response line (`<----- 408`), before the BYE or after it. */
function received(r, code, phase) {
  const bye = r.lines.findIndex((l) => l.dir === 'out' && l.message === 'BYE');
  return r.lines
    .filter((_l, i) => (phase === 'INVITE' ? i < bye : i > bye))
    .filter((l) => l.dir === 'in' && l.message === String(code))
    .reduce((s, l) => s + l.count, 0);
}

async function startRedis() {
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const start = async () => {
    const p = startProcess(which('redis-server'), args, { cwd: dir });
    const deadline = Date.now() + 5000;
    while (!/Ready to accept connections/.test(p.log())) {
      if (!p.alive() || Date.now() > deadline) throw new Error(`redis-server did not start:\n${p.log()}`);
      await sleep(50);
    }
    return p;
  };
  return { port, url: `redis://127.0.0.1:${port}`, start };
}

async function redisRestart(v) {
  console.log('\n== redis-restart: REGISTER load, redis-server killed at 8 s and started again at 16 s');
  const redis = await startRedis();
  let rp = await redis.start();
  const server = await startServer(dir, { location: { type: 'redis', url: redis.url } });
  try {
    const RATE = 100;
    const SECONDS = 30;
    // -nd: a REGISTER answered 500 ends there (SIPp would otherwise "abort" it with a BYE).
    const load = registers(dir, server, RATE, RATE * SECONDS, SECONDS + 40, { args: ['-nd'] });
    await sleep(8000);
    const before = await scrape(server.metricsUrl);
    rp.child.kill('SIGKILL');
    const killedAt = Date.now();
    await sleep(4000);
    const healthDown = await health(server);
    await sleep(4000);
    const during = await scrape(server.metricsUrl);
    rp = await redis.start();
    console.log(`  redis-server down for ${((Date.now() - killedAt) / 1000).toFixed(1)} s`);
    const r = await load;
    // Redis is back (and empty): every REGISTER must succeed again.
    await sleep(2000);
    const after = await registers(dir, server, RATE, 500, 30);
    const m = await scrape(server.metricsUrl);
    const requests = counter(m, 'sipkit_requests_total');
    const responses = counter(m, 'sipkit_responses_total');
    const code = (c, mm = m) => counter(mm, 'sipkit_responses_total', `code="${c}"`);
    const byCode = [...m.keys()]
      .filter((k) => k.startsWith('sipkit_responses_total{'))
      .map((k) => `${k.slice(k.indexOf('"') + 1, -2)} × ${m.get(k)}`)
      .join(', ');
    // The refusals the server logged (reason phrases), from the tail of its log.
    const reasons = new Map();
    for (const line of server.log().split('\n')) {
      const j = /"status":(\d+),"reason":"([^"]*)"/.exec(line);
      if (j) reasons.set(`${j[1]} ${j[2]}`, (reasons.get(`${j[1]} ${j[2]}`) ?? 0) + 1);
    }
    const down500 = code(500, during) - code(500, before);
    // Every request the server took got exactly one final response, 500 while Redis was down;
    // and every REGISTER of SIPp's ended. REGISTERs are answered without a transaction
    // (§8.2.7): SIPp, with -nd, retransmits past a 500, and each such retransmission is a
    // request handled anew (a retransmission that arrives while its first copy is still being
    // handled is discarded, §17.2.2, and not counted), so those sent after Redis is back register.
    v.check(
      'redis-restart: answered every REGISTER while Redis was down',
      down500 > 0 && requests === responses && r.ok + r.failed === r.created && r.created === RATE * SECONDS,
      `during the load ${r.ok} × 200 and ${r.failed} failed of ${r.created}; the server sent 500 × ${down500} while Redis was down, and over the run ${requests} requests got ${responses} final responses (${byCode}); /health while down: ${healthDown}; refusals in the log tail: ${[...reasons].map(([k, n]) => `${k} × ${n}`).join(', ') || 'none'}`,
    );
    v.check(
      'redis-restart: registers again after Redis is back',
      after.ok === 500 && after.failed === 0,
      `${after.ok} of 500 succeeded, ${after.failed} failed${failureLines(after)
        .map((l) => `; ${l}`)
        .join('')}`,
    );
    v.check(
      'redis-restart: server alive',
      server.alive(),
      server.alive() ? `running, RSS ${server.rss().toFixed(1)} MB` : `exited:\n${server.log().slice(-2000)}`,
    );
  } finally {
    await stopProcess(server);
    await stopProcess(rp, 1000);
  }
}

async function deadPeer(v) {
  console.log('\n== dead-peer: calls at 20/s for 15 s, the UAS killed (SIGKILL) at 5 s');
  const server = await startServer(dir);
  const RATE = 20;
  const SECONDS = 15;
  const uas = await startUas(dir, server, RATE * SECONDS + 10, 120);
  try {
    // SIPp waits as long as the proxy's timers (BYE retransmitted past Timer F's 32 s).
    const load = calls(dir, server, RATE, RATE * SECONDS, SECONDS + 80, {
      scenario: join(import.meta.dirname, 'uac-any-final.xml'),
      args: ['-max_non_invite_retrans', '30'],
    });
    await sleep(5000);
    uas.child.kill('SIGKILL');
    const r = await load;
    const finals = (phase, codes) => codes.map((c) => `${c} × ${received(r, c, phase)}`).join(', ');
    const failedInvites = [408, 480, 500, 503].reduce((s, c) => s + received(r, c, 'INVITE'), 0);
    const ended = r.ok + r.failed;
    v.check(
      'dead-peer: every call ended with a final response',
      r.failed === 0 && r.ok === r.created && r.created === RATE * SECONDS && failedInvites > 0,
      `${r.created} calls, ${ended} ended, ${r.failed} without an answer${failureLines(r)
        .map((l) => `; ${l}`)
        .join(
          '',
        )}; INVITE answered ${finals('INVITE', [200, 408, 480, 500, 503])}; BYE answered ${finals('BYE', [200, 408, 481, 500, 503])}`,
    );
    const m = await scrape(server.metricsUrl);
    const proxy = [...(m ?? new Map()).keys()]
      .filter((k) => /sipkit_(proxy|transactions)_total\{/.test(k) && /timer|timeout|timerC/i.test(k))
      .map((k) => `${k}: ${m.get(k)}`)
      .join(', ');
    const drain = await waitDrained(server.metricsUrl, 40_000);
    v.check(
      'dead-peer: tables drained',
      drain.drained,
      `${tablesText(drain.tables)} ${drain.after.toFixed(0)} s after the last call ended (${proxy || 'no timer counters'})`,
    );
    v.check('dead-peer: server alive', server.alive(), server.alive() ? 'running' : server.log().slice(-2000));
  } finally {
    await stopProcess(uas, 1000);
    await stopProcess(server);
  }
}

/** The malformed datagrams of the flood, in turn. `port` is where 400s come back. */
function malformed(port) {
  const head = (cseq, extra = '') =>
    `INVITE sip:uas@sipkit.test SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK-flood-${Math.random().toString(36).slice(2)};rport\r\nFrom: <sip:flood@sipkit.test>;tag=f1\r\nTo: <sip:uas@sipkit.test>\r\nCall-ID: flood-${Math.random()}\r\nCSeq: ${cseq}\r\nMax-Forwards: 70\r\n${extra}`;
  return [
    {
      kind: 'garbage',
      make: () => Buffer.from(Array.from({ length: 300 }, () => 33 + Math.floor(Math.random() * 90))),
    },
    { kind: 'truncated', make: () => Buffer.from(head('1 INVITE').slice(0, 150)) },
    {
      kind: 'short body',
      make: () =>
        Buffer.from(`${head('1 INVITE', 'Content-Type: application/sdp\r\nContent-Length: 500\r\n')}\r\nv=0\r\n`),
    },
    { kind: 'bad CSeq', make: () => Buffer.from(`${head('one INVITE', 'Content-Length: 0\r\n')}\r\n`) },
    {
      kind: 'huge header',
      make: () => Buffer.from(`${head('1 INVITE', `Subject: ${'x'.repeat(60000)}\r\nContent-Length: 0\r\n`)}\r\n`),
    },
  ];
}

/** UDP receive buffer overflows on the host so far (/proc/net/snmp), to tell kernel drops from ours. */
function rcvbufErrors() {
  const lines = readFileSync('/proc/net/snmp', 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('Udp:'));
  const names = lines[0]?.split(/\s+/) ?? [];
  const values = lines[1]?.split(/\s+/) ?? [];
  return Number(values[names.indexOf('RcvbufErrors')] ?? 0);
}

async function malformedFlood(v) {
  const RATE = Number(flags['flood-rate']);
  console.log(`\n== malformed-flood: calls at 50/s for 20 s, ${RATE} malformed datagrams/s beside them`);
  const server = await startServer(dir);
  const CALLS = 1000;
  const uas = await startUas(dir, server, CALLS + 10, 120);
  const sock = createSocket('udp4');
  await new Promise((r) => sock.bind(0, '127.0.0.1', r));
  const kinds = malformed(sock.address().port);
  const sent = new Map(kinds.map((k) => [k.kind, 0]));
  let answered400 = 0;
  let otherAnswers = 0;
  sock.on('message', (msg) => {
    if (msg.subarray(0, 12).toString() === 'SIP/2.0 400 ') answered400++;
    else otherAnswers++;
  });
  try {
    const m0 = await scrape(server.metricsUrl);
    const drops0 = rcvbufErrors();
    const load = calls(dir, server, 50, CALLS, 80);
    let done = false;
    load.then(() => {
      done = true;
    });
    // 10 ms ticks of RATE/100 datagrams each, until the calls finish.
    let i = 0;
    while (!done) {
      for (let n = 0; n < RATE / 100; n++) {
        const k = kinds[i++ % kinds.length];
        sock.send(k.make(), server.port, '127.0.0.1');
        sent.set(k.kind, sent.get(k.kind) + 1);
      }
      await sleep(10);
    }
    const r = await load;
    await sleep(1000);
    const m = await scrape(server.metricsUrl);
    const drops = rcvbufErrors() - drops0;
    const total = [...sent.values()].reduce((a, b) => a + b, 0);
    const counted =
      counter(m, 'sipkit_transport_total', 'event="malformed"') -
      counter(m0, 'sipkit_transport_total', 'event="malformed"');
    const code400 =
      counter(m, 'sipkit_responses_total', 'code="400"') - counter(m0, 'sipkit_responses_total', 'code="400"');
    // A request the transport parsed but whose CSeq (or Call-ID, From, To) the transaction layer
    // cannot read is answered 400 there, without a transaction, and counted there.
    const txMalformed =
      counter(m, 'sipkit_transactions_total', 'event="malformedRequests"') -
      counter(m0, 'sipkit_transactions_total', 'event="malformedRequests"');
    const bad400 =
      counter(m, 'sipkit_transport_total', 'event="badRequestsAnswered"') -
      counter(m0, 'sipkit_transport_total', 'event="badRequestsAnswered"');
    v.check(
      'malformed-flood: valid calls all succeeded',
      r.ok === CALLS && r.failed === 0,
      `${r.ok} of ${CALLS} calls succeeded, ${r.failed} failed, retransmissions ${r.retrans}/${r.messages}${failureLines(
        r,
      )
        .map((l) => `; ${l}`)
        .join('')}`,
    );
    v.check(
      'malformed-flood: malformed datagrams counted',
      counted > 0 && counted + txMalformed + code400 + drops >= total,
      `sent ${total} (${[...sent].map(([k, n]) => `${k} ${n}`).join(', ')}); counted ${counted + txMalformed + code400} = sipkit_transport_total{event="malformed"} +${counted}, sipkit_transactions_total{event="malformedRequests"} +${txMalformed} (the transaction layer's 400s) and sipkit_responses_total{code="400"} +${code400} (the proxy core's §16.3 400s); 400s answered by the transport ${bad400}, 400s back at the flooding socket ${answered400} (other answers ${otherAnswers}); kernel UDP receive-buffer drops on the host ${drops}`,
    );
    const h = await health(server);
    v.check(
      'malformed-flood: server alive',
      server.alive() && h === 200,
      `${server.alive() ? 'running' : 'exited'}, /health ${h}, RSS ${server.rss().toFixed(1)} MB`,
    );
  } finally {
    sock.close();
    await stopProcess(uas, 1000);
    await stopProcess(server);
  }
}

async function workerKill(v) {
  const RATE = 100;
  const SECONDS = 20;
  console.log(`\n== worker-kill: 2 workers, calls at ${RATE}/s for ${SECONDS} s, worker 1 killed (SIGKILL) at 8 s`);
  const server = await startServer(dir, { workers: 2 });
  const uas = await startUas(dir, server, RATE * SECONDS + 1000, 120);
  try {
    const startLine = server
      .log()
      .split('\n')
      .find((l) => l.includes('"sipkit-server started"'));
    const victim = JSON.parse(startLine ?? '{}').workers?.find((w) => w.slot === 1)?.pid;
    if (victim === undefined) throw new Error(`no worker 1 in the start-up line:\n${server.log().slice(-2000)}`);
    const load = calls(dir, server, RATE, RATE * SECONDS, SECONDS + 60);
    await sleep(8000);
    process.kill(victim, 'SIGKILL');
    const killedAt = Date.now();
    let restarted;
    while (!restarted && Date.now() - killedAt < 10_000) {
      await sleep(50);
      const line = server
        .log()
        .split('\n')
        .find((l) => l.includes('"worker restarted"') && l.includes('"slot":1'));
      if (line) restarted = { ...JSON.parse(line), after: Date.now() - killedAt };
    }
    const r = await load;
    v.check(
      'worker-kill: the killed worker was restarted',
      restarted !== undefined && restarted.pid !== victim && server.alive(),
      restarted
        ? `pid ${victim} killed, pid ${restarted.pid} serving slot 1 within ${restarted.after} ms`
        : 'no restart logged',
    );
    // A call lasts one round trip here (no pause between 200 and BYE), so what the killed worker
    // held at once is under a second's worth of calls; the rest must not notice.
    v.check(
      'worker-kill: calls other than the killed worker’s went through',
      r.failed <= RATE && r.ok + r.failed === r.created && r.created === RATE * SECONDS,
      `${r.ok} of ${r.created} calls succeeded, ${r.failed} failed (at most ${RATE}, a second of calls, may have been in the killed worker)${failureLines(
        r,
      )
        .map((l) => `; ${l}`)
        .join('')}`,
    );
    // The UAS registered before the kill and not since: its binding is in the primary.
    const after = await calls(dir, server, RATE, RATE * 5, 40);
    v.check(
      'worker-kill: every call after the restart succeeds, to the registration made before it',
      after.ok === RATE * 5 && after.failed === 0,
      `${after.ok} of ${RATE * 5} succeeded, ${after.failed} failed, retransmissions ${after.retrans}/${after.messages}`,
    );
  } finally {
    await stopProcess(uas, 1000);
    await stopProcess(server);
  }
}

const FAULTS = {
  'redis-restart': redisRestart,
  'dead-peer': deadPeer,
  'malformed-flood': malformedFlood,
  'worker-kill': workerKill,
};

async function main() {
  const names = flags.fault === 'all' ? Object.keys(FAULTS) : flags.fault.split(',');
  for (const n of names)
    if (!FAULTS[n]) throw new Error(`--fault: unknown fault "${n}" (${Object.keys(FAULTS).join(', ')}, all)`);
  console.log(
    `bench/soak faults on ${cpus().length} × ${cpus()[0]?.model ?? '?'}, Node ${process.version}, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  writeUsers(dir, USERS);
  const v = new Verdicts();
  for (const n of names) await FAULTS[n](v);
  console.log(`\n${v.list.length - v.failed} passed, ${v.failed} failed`);
  return v.failed;
}

let failed = 1;
try {
  failed = await main();
} finally {
  stopAll();
  rmSync(dir, { recursive: true, force: true });
}
process.exitCode = failed === 0 ? 0 : 1;

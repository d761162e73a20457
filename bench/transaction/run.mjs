// Transaction-layer memory and GC benchmark (issue: bench/transaction).
//
//  1. 100,000 concurrent INVITE client transactions on the virtual clock: memory per live
//     transaction, creation rate, the cost of their Timer A retransmissions, completion rate.
//  2. 500,000 non-INVITE server transactions in Completed (what a UDP server holds for Timer J's
//     32 s at 17,500 REGISTER/s is ~560,000): memory per Completed transaction, transactions per
//     second through receive → TU → 200 → Completed, and expiry.
//
// Every phase records the longest GC pause seen (perf_hooks 'gc' entries), major ones apart.
// Run: node --expose-gc transaction/run.mjs [--live N] [--completed N]
// (pnpm --filter @sipkit/bench bench:transaction)

import os from 'node:os';
import { constants, PerformanceObserver, performance } from 'node:perf_hooks';
import { createRequest, createResponse, parseMessage } from '@sipkit/parser';
import { VirtualClock } from '@sipkit/testkit';
import { TransactionLayer } from '@sipkit/transaction';

if (typeof globalThis.gc !== 'function') {
  console.error('run with node --expose-gc');
  process.exit(2);
}

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? dflt : Number(process.argv[i + 1]);
};
const LIVE = arg('--live', 100_000);
const COMPLETED = arg('--completed', 500_000);

// ---- GC watch ----
const pauses = [];
const obs = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    // The collections memory() forces to read the heap are not the program's pauses.
    if ((e.detail?.flags ?? 0) & constants.NODE_PERFORMANCE_GC_FLAGS_FORCED) continue;
    pauses.push({ kind: e.detail?.kind ?? e.kind, ms: e.duration });
    if (process.env.GC_DEBUG && e.duration > 30) console.log('gc', e.detail, e.duration.toFixed(1));
  }
});
obs.observe({ entryTypes: ['gc'] });
function gcWindow() {
  const start = pauses.length;
  return () => {
    const seen = pauses.slice(start);
    const major = seen.filter((p) => p.kind === constants.NODE_PERFORMANCE_GC_MAJOR);
    const max = (xs) => xs.reduce((m, p) => Math.max(m, p.ms), 0);
    return { count: seen.length, maxMs: max(seen), majorCount: major.length, maxMajorMs: max(major) };
  };
}
/** Lets queued promise reactions run (what returning to the event loop does). */
async function microtasks() {
  for (let i = 0; i < 3; i++) await null;
}

/** Lets promise reactions and the GC observer's callbacks run. */
const tick = () => new Promise((r) => setTimeout(r, 20));

function memory() {
  globalThis.gc();
  globalThis.gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, external: m.arrayBuffers };
}

/** A UDP transport that sends nowhere (a shared resolved promise, as a datagram socket gives). */
function sinkTransport(address) {
  const done = Promise.resolve(undefined);
  return {
    protocol: 'udp',
    reliable: false,
    secure: false,
    local: { address, port: 5060 },
    sends: 0,
    send() {
      this.sends++;
      return done;
    },
    listen() {},
    async close() {},
  };
}

const fmt = (n, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

// ---------------------------------------------------------------------------------------------
// 1. Live INVITE client transactions
// ---------------------------------------------------------------------------------------------
async function liveInvites() {
  const clock = new VirtualClock();
  const transport = sinkTransport('192.0.2.1');
  const layer = new TransactionLayer({ transports: [transport], clock, tu: { onRequest() {} } });
  let finals = 0;
  const handler = {
    onResponse(res) {
      if (res.status >= 200) finals++;
    },
    onFailure() {},
  };
  const target = { protocol: 'udp', address: '192.0.2.2', port: 5060, family: 4, hostname: 'b.example.com' };
  const sdp =
    'v=0\r\no=alice 2890844526 2890844526 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n';
  const makeInvite = (i) =>
    createRequest({
      method: 'INVITE',
      uri: `sip:bob${i}@b.example.com`,
      headers: [
        ['Via', `SIP/2.0/UDP 192.0.2.1:5060;branch=${layer.newBranch()}`],
        ['Max-Forwards', '70'],
        ['To', `Bob <sip:bob${i}@b.example.com>`],
        ['From', `Alice <sip:alice@a.example.com>;tag=${i}x1928301774`],
        ['Call-ID', `${i}a84b4c76e66710@pc33.a.example.com`],
        ['CSeq', '314159 INVITE'],
        ['Contact', '<sip:alice@192.0.2.1:5060>'],
        ['Content-Type', 'application/sdp'],
      ],
      body: sdp,
    });

  // All in: the UAC core builds each INVITE, starts its transaction and lets go of the request
  // object, as a proxy does with the copy it forwards. What stays is what the transactions hold.
  const before = memory();
  const gcCreate = gcWindow();
  const txs = new Array(LIVE);
  let t0 = performance.now();
  for (let i = 0; i < LIVE; i++) {
    txs[i] = layer.request(makeInvite(i), target, handler);
    // A server handles a message per event-loop turn, so promise reactions run between them.
    if (i % 100 === 99) await microtasks();
  }
  const createMs = performance.now() - t0;
  await tick();
  const createGc = gcCreate();
  const after = memory();
  const inviteBytes = txs[0]._wire.length;
  const perTxHeap = (after.heap - before.heap) / LIVE;
  const perTxExternal = (after.external - before.external) / LIVE;

  // Timer A for all of them: 100,000 retransmissions through the one timer queue.
  const gcRetx = gcWindow();
  const sendsBefore = transport.sends;
  t0 = performance.now();
  clock.advance(500);
  const retxMs = performance.now() - t0;
  await tick();
  const retx = transport.sends - sendsBefore;
  const retxGc = gcRetx();

  // Complete them: a 486 each (ACK sent, Completed, Timer D) then Timer D.
  const from = { transport, source: { address: '192.0.2.2', port: 5060 }, flow: undefined };
  // The 486s arrive as bytes and are parsed one by one, as from a socket.
  const encoder = new TextEncoder();
  const responses = txs.map((tx) => {
    const r = createResponse(tx.request, 486, { toTag: 'uas' });
    return encoder.encode(
      `SIP/2.0 486 Busy Here\r\n${r
        .getAll('Via')
        .map((v) => `Via: ${v}\r\n`)
        .join(
          '',
        )}To: ${r.get('To')}\r\nFrom: ${r.get('From')}\r\nCall-ID: ${r.get('Call-ID')}\r\nCSeq: ${r.get('CSeq')}\r\nContent-Length: 0\r\n\r\n`,
    );
  });
  await tick();
  const gcDone = gcWindow();
  t0 = performance.now();
  for (let i = 0; i < LIVE; i++) {
    layer.receiveResponse(parseMessage(responses[i]), from);
    if (i % 100 === 99) await microtasks();
  }
  const completeMs = performance.now() - t0;
  t0 = performance.now();
  clock.advance(32_000);
  const drainMs = performance.now() - t0;
  await tick();
  const doneGc = gcDone();
  const size = layer.size;
  return {
    inviteBytes,
    perTxHeap,
    perTxExternal,
    createRate: LIVE / (createMs / 1000),
    retx,
    retxRate: retx / (retxMs / 1000),
    completeRate: LIVE / (completeMs / 1000),
    drainRate: LIVE / (drainMs / 1000),
    finals,
    size,
    gc: { create: createGc, retransmit: retxGc, complete: doneGc },
  };
}

// ---------------------------------------------------------------------------------------------
// 2. Completed non-INVITE server transactions
// ---------------------------------------------------------------------------------------------
async function completedRegisters() {
  const clock = new VirtualClock();
  const transport = sinkTransport('192.0.2.10');
  const encoder = new TextEncoder();
  let responseBytes = 0;
  const layer = new TransactionLayer({
    transports: [transport],
    clock,
    tu: {
      onRequest(req, tx) {
        const res = createResponse(req, 200, {
          toTag: 'reg1',
          headers: [
            ['Contact', `${req.get('Contact')};expires=3600`],
            ['Date', 'Wed, 25 Nov 2026 04:00:00 GMT'],
          ],
        });
        tx.respond(res);
      },
    },
  });
  const head = (i) =>
    `REGISTER sip:registrar.example.com SIP/2.0\r\n` +
    `Via: SIP/2.0/UDP 192.0.2.${(i % 200) + 20}:5060;branch=z9hG4bK${i.toString(36)}reg;rport=5060;received=192.0.2.${(i % 200) + 20}\r\n` +
    'Max-Forwards: 70\r\n' +
    `To: <sip:user${i}@example.com>\r\n` +
    `From: <sip:user${i}@example.com>;tag=${i.toString(36)}456248\r\n` +
    `Call-ID: ${i.toString(36)}843817637684230@998sdasdh09\r\n` +
    'CSeq: 1826 REGISTER\r\n' +
    `Contact: <sip:user${i}@192.0.2.${(i % 200) + 20}:5060>\r\n` +
    'Expires: 3600\r\n' +
    'Content-Length: 0\r\n\r\n';
  const requestBytes = encoder.encode(head(1)).length;

  const before = memory();
  const gcFill = gcWindow();
  const t0 = performance.now();
  for (let i = 0; i < COMPLETED; i++) {
    const req = parseMessage(encoder.encode(head(i)));
    layer.receiveRequest(req, {
      transport,
      source: { address: `192.0.2.${(i % 200) + 20}`, port: 5060 },
      flow: undefined,
    });
    // A steady 17,500 REGISTER/s in virtual time: Timer J expiries would start after 32 s.
    if (i % 175 === 174) {
      clock.advance(10);
      await microtasks();
    }
    if (i === 0) responseBytes = transport.sends;
  }
  const fillMs = performance.now() - t0;
  await tick();
  const fillGc = gcFill();
  const after = memory();
  const size = layer.size;
  // The size of one stored response: serialize the same response again.
  const sample = createResponse(parseMessage(encoder.encode(head(1))), 200, {
    toTag: 'reg1',
    headers: [
      ['Contact', '<sip:user1@192.0.2.21:5060>;expires=3600'],
      ['Date', 'Wed, 25 Nov 2026 04:00:00 GMT'],
    ],
  });
  responseBytes = (await import('@sipkit/parser')).serialize(sample).length;

  // A retransmission of an old one is answered from the store.
  const sends = transport.sends;
  layer.receiveRequest(parseMessage(encoder.encode(head(COMPLETED - 1))), {
    transport,
    source: { address: '192.0.2.20', port: 5060 },
    flow: undefined,
  });
  const answered = transport.sends - sends;

  const gcDrain = gcWindow();
  const t1 = performance.now();
  clock.advance(64_000);
  const drainMs = performance.now() - t1;
  await tick();
  const drainGc = gcDrain();
  return {
    requestBytes,
    responseBytes,
    held: size.completed,
    perTx: (after.heap + after.external - before.heap - before.external) / size.completed,
    perTxHeap: (after.heap - before.heap) / size.completed,
    rate: COMPLETED / (fillMs / 1000),
    answered,
    drainRate: size.completed / (drainMs / 1000),
    sizeAfter: layer.size,
    gc: { fill: fillGc, drain: drainGc },
  };
}

const cpu = os.cpus()[0]?.model ?? 'unknown cpu';
console.log(`# bench/transaction — node ${process.version}, ${os.cpus().length} × ${cpu}`);
console.log(`# ${new Date().toISOString()}`);

const live = await liveInvites();
console.log(`\n## ${fmt(LIVE)} concurrent INVITE client transactions (virtual clock, UDP)`);
console.log(`INVITE on the wire: ${live.inviteBytes} bytes (kept for retransmission)`);
console.log(
  `memory per live transaction: ${fmt(live.perTxHeap + live.perTxExternal)} bytes ` +
    `(heap ${fmt(live.perTxHeap)}, array buffers ${fmt(live.perTxExternal)}); target < 1024`,
);
console.log(`created (INVITE built, serialized, sent): ${fmt(live.createRate)} /s`);
console.log(`Timer A retransmissions: ${fmt(live.retx)} in one advance, ${fmt(live.retxRate)} /s`);
console.log(
  `completed (486 parsed → ACK → Completed): ${fmt(live.completeRate)} /s; Timer D expiry: ${fmt(live.drainRate)} /s`,
);
console.log(`finals to the TU: ${fmt(live.finals)}; table after Timer D: ${JSON.stringify(live.size)}`);
for (const [phase, g] of Object.entries(live.gc)) {
  console.log(
    `GC ${phase}: ${g.count} pauses, longest ${fmt(g.maxMs, 1)} ms; major: ${g.majorCount}, longest ${fmt(g.maxMajorMs, 1)} ms`,
  );
}

const done = await completedRegisters();
console.log(`\n## ${fmt(COMPLETED)} non-INVITE server transactions in Completed (Timer J, UDP)`);
console.log(`REGISTER ${done.requestBytes} bytes in; 200 OK ${done.responseBytes} bytes kept per transaction`);
console.log(`held in Completed: ${fmt(done.held)}`);
console.log(
  `memory per Completed transaction: ${fmt(done.perTx)} bytes with its response ` +
    `(${fmt(done.perTx - done.responseBytes)} bytes besides the response; heap ${fmt(done.perTxHeap)}); target < 300`,
);
console.log(`REGISTER → TU → 200 → Completed: ${fmt(done.rate)} /s (parse included)`);
console.log(`a retransmission of the last one answered from the store: ${done.answered === 1 ? 'yes' : 'NO'}`);
console.log(`Timer J expiry: ${fmt(done.drainRate)} /s; table after: ${JSON.stringify(done.sizeAfter)}`);
for (const [phase, g] of Object.entries(done.gc)) {
  console.log(
    `GC ${phase}: ${g.count} pauses, longest ${fmt(g.maxMs, 1)} ms; major: ${g.majorCount}, longest ${fmt(g.maxMajorMs, 1)} ms`,
  );
}
obs.disconnect();

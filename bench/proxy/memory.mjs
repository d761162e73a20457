// Memory retained per call in flight by the @sipkit/proxy core, on the testkit's virtual network
// (no sockets). The byte peers of run.mjs place N calls (INVITE → 180 → 200 → ACK, and BYE → 200
// unless --no-bye) at once, the virtual clock stepped 5 ms at a time, so that every call is
// answered well inside RFC 6026's 32 s (Timer L of the INVITE server transaction, Timer M of
// the client one) and the state it leaves is still held. After a forced GC it reports heapUsed
// per call in flight: (held − drained) ÷ N, where "drained" is the heap once the clock has run
// 40 s on and every table is empty again.
//
// Run: node --expose-gc proxy/memory.mjs [--calls N (default 5000)] [--no-bye] [--proxy path/to/dist/index.js] [--snapshot file.heapsnapshot]
//
// --proxy loads another build of @sipkit/proxy (for an A/B against a copy of an older dist).
import { VirtualClock, VirtualNetwork } from '@sipkit/testkit';
import { callBytes, calleeAnswer, latin1 } from './peers.mjs';

if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? dflt : process.argv[i + 1];
};
const CALLS = Number(arg('--calls', 5000));
const BYE = !process.argv.includes('--no-bye');
const proxyPath = arg('--proxy', '@sipkit/proxy');
const { SipProxy } = await import(proxyPath);

const resolver = { naptr: async () => [], srv: async () => [], a: async () => [], aaaa: async () => [] };

const clock = new VirtualClock();
const network = new VirtualNetwork({ clock, link: { delay: 1 }, traceLimit: 1 });
/**
 * The proxy's clock: the virtual one, but a cleared timer lets go of its callback at once, as
 * Node's timers do (the VirtualClock keeps it until its time, and Timer C is 3 minutes).
 */
const proxyClock = {
  now: () => clock.now(),
  setTimeout(callback, ms) {
    const slot = { callback };
    return { slot, handle: clock.setTimeout(() => slot.callback?.(), ms) };
  },
  clearTimeout(t) {
    if (t === undefined) return;
    t.slot.callback = undefined;
    clock.clearTimeout(t.handle);
  },
};
const PROXY = { address: '10.0.0.10', port: 5060 };
const CALLEE = { address: '10.0.1.2', port: 5060 };
const proxy = new SipProxy({
  transports: [network.endpoint(PROXY)],
  domains: ['example.com'],
  clock: proxyClock,
  resolver,
  targets: () => [{ uri: 'sip:bob@10.0.1.2:5060' }],
});
const callee = network.endpoint(CALLEE);
callee.listen((e) => {
  if (e.type === 'message') for (const b of calleeAnswer(latin1(e.bytes))) void callee.send(b, e.source);
});
const caller = network.endpoint({ address: '10.0.1.1', port: 5060 });
let calls = [];
let done = 0;
caller.listen((e) => {
  if (e.type !== 'message') return;
  const text = latin1(e.bytes);
  if (!text.startsWith('SIP/2.0 200')) return;
  const c = text.indexOf('\r\nCall-ID: c') + 12;
  const i = Number(text.slice(c, text.indexOf('\r\n', c)));
  const s = text.indexOf('\r\nCSeq: ') + 8;
  if (text.startsWith('1 INVITE', s)) {
    void caller.send(calls[i].ack, PROXY);
    if (BYE) void caller.send(calls[i].bye, PROXY);
    else done++;
  } else if (text.startsWith('2 BYE', s)) done++;
});

/** Places calls `from`…`to`−1 all at once and steps the clock until every one is done. */
async function place(from, to) {
  done = 0;
  for (let i = from; i < to; i++) void caller.send(calls[i].invite, PROXY);
  for (let guard = 0; done < to - from && guard < 100_000; guard++) await clock.advanceAsync(5);
  if (done !== to - from) throw new Error(`only ${done} of ${to - from} calls done`);
  await clock.advanceAsync(50); // the last ACKs (and BYE answers) still on the wire arrive
}

async function heap() {
  for (let k = 0; k < 4; k++) {
    await new Promise((r) => setImmediate(r));
    globalThis.gc();
  }
  return process.memoryUsage().heapUsed;
}

const tables = () => ({ contexts: proxy.contexts, ...proxy.layer.size });

// Warm-up (code, maps, slabs), then drain.
const WARM = 1000;
calls = Array.from({ length: WARM + CALLS }, (_, i) => callBytes(i));
await place(0, WARM);
await clock.advanceAsync(40_000);
const t0 = clock.now();
const before = await heap();
await place(WARM, WARM + CALLS);
const virtualMs = clock.now() - t0;
const heldTables = tables();
const held = await heap();
if (process.argv.includes('--snapshot')) (await import('node:v8')).writeHeapSnapshot(arg('--snapshot'));
await clock.advanceAsync(40_000);
const drainedTables = tables();
const drained = await heap();

const kb = (n) => `${(n / 1024).toFixed(2)} KB`;
console.log(
  `# bench/proxy/memory — node ${process.version}; ${CALLS} calls ${BYE ? 'with' : 'without'} BYE; proxy ${proxyPath}`,
);
console.log(`calls placed in ${virtualMs} ms of virtual time (all inside the 32 s window)`);
console.log(`tables held:    ${JSON.stringify(heldTables)}`);
console.log(`tables drained: ${JSON.stringify(drainedTables)}`);
console.log(`heapUsed: before ${kb(before)}, held ${kb(held)}, drained ${kb(drained)}`);
console.log(
  `retained per call in flight: ${((held - drained) / CALLS).toFixed(0)} bytes (held − drained); ${((held - before) / CALLS).toFixed(0)} bytes (held − before)`,
);

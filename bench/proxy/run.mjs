// Calls per second through the @sipkit/proxy core on the testkit's virtual network (no
// sockets): each call is INVITE → 180 → 200 → ACK → BYE → 200 between two user agents
// (@sipkit/dialog) through one proxy that finds the callee in a location service. The user
// agents and the network run in the same process, so the figure is for the whole scenario: an
// upper bound on the proxy's own cost per call, not its rate alone.
//
// Run: node proxy/run.mjs [--calls N] [--concurrent N]   (pnpm --filter @sipkit/bench bench:proxy)
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { UserAgent } from '@sipkit/dialog';
import { SipProxy } from '@sipkit/proxy';
import { MemoryLocationService, Registrar } from '@sipkit/registrar';
import { VirtualClock, VirtualNetwork } from '@sipkit/testkit';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? dflt : Number(process.argv[i + 1]);
};
const CALLS = arg('--calls', 5000);
const CONCURRENT = arg('--concurrent', 50);

const clock = new VirtualClock();
const network = new VirtualNetwork({ clock, link: { delay: 1 }, traceLimit: 1 });
const resolver = {
  naptr: async () => [],
  srv: async () => [],
  a: async (n) => (n === 'example.com' ? ['10.0.0.10'] : []),
  aaaa: async () => [],
};
const location = new MemoryLocationService();
const registrar = new Registrar({ domains: ['example.com'], location, now: () => clock.now() });
const proxy = new SipProxy({
  transports: [network.endpoint({ address: '10.0.0.10', port: 5060 })],
  domains: ['example.com'],
  clock,
  resolver,
  onRequest: async (req) => (req.method === 'REGISTER' ? registrar.handle(req) : undefined),
  targets: async (req) => {
    const u = req.requestUri;
    return (await location.lookup(`sip:${u.user}@example.com`, clock.now())).map((b) => ({ uri: b.contact }));
  },
});
const ua = (user, n) =>
  new UserAgent({
    transports: [network.endpoint({ address: `10.0.1.${n}`, port: 5060 })],
    aor: `sip:${user}@example.com`,
    outboundRoute: ['<sip:10.0.0.10:5060;lr>'],
    resolver,
    clock,
    sessionExpires: 0,
  });
const alice = ua('alice', 1);
const bob = ua('bob', 2);
bob.on('invite', (c) => {
  c.ring();
  c.accept();
});
const reg = bob.register('sip:example.com');
await clock.advanceAsync(50);
if ((await reg).status !== 200) throw new Error('bob did not register');

let done = 0;
let failed = 0;
async function oneCall() {
  const call = alice.invite('sip:bob@example.com');
  await new Promise((resolve) => {
    call.on('established', resolve);
    call.on('ended', resolve);
  });
  if (call.state !== 'established') {
    failed++;
    return;
  }
  const res = await call.bye();
  if (res.status === 200) done++;
  else failed++;
}

const t0 = performance.now();
let started = 0;
const workers = Array.from({ length: CONCURRENT }, async () => {
  while (started < CALLS) {
    started++;
    await oneCall();
  }
});
let all = false;
void Promise.all(workers).then(() => {
  all = true;
});
while (!all) await clock.advanceAsync(5);
const ms = performance.now() - t0;
console.log(`# bench/proxy — node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}`);
console.log(`# ${new Date().toISOString()}`);
console.log(
  `${CALLS} calls (INVITE, 180, 200, ACK, BYE, 200) through one proxy, ${CONCURRENT} at a time, virtual network`,
);
console.log(
  `completed ${done}, failed ${failed}: ${Math.round(done / (ms / 1000)).toLocaleString('en-US')} calls/s (UAs, proxy and network in one process)`,
);
await clock.advanceAsync(40_000); // Timer L ends the INVITE server transactions
console.log(`proxy: ${JSON.stringify(proxy.counters)}; live contexts 40 s later: ${proxy.contexts}`);

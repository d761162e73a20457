// One REGISTER server for the peer comparison, in its own process so its heap is its own.
// Kinds: `sip` (the npm sip stack: transactions on setTimeout, 32 s Timer J) and `sipkit`
// (@sipkit/transaction over @sipkit/transport-node UDP). Each answers every REGISTER with 200.
// Prints its port; then on stdin `mem` prints "mem <heap+arrayBuffers bytes> <longest major GC
// pause ms> <longest pause ms>" after two forced collections, and `quit` exits.

import { constants, PerformanceObserver } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { createResponse } from '@sipkit/parser';
import { TransactionLayer } from '@sipkit/transaction';
import { udpTransport } from '@sipkit/transport-node';
import sip from 'sip';

const kind = process.argv[2];
let maxMajor = 0;
let maxAny = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    if ((e.detail?.flags ?? 0) & constants.NODE_PERFORMANCE_GC_FLAGS_FORCED) continue;
    maxAny = Math.max(maxAny, e.duration);
    if (e.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) maxMajor = Math.max(maxMajor, e.duration);
  }
}).observe({ entryTypes: ['gc'] });

let port;
if (kind === 'sip') {
  port = 20000 + (process.pid % 20000);
  sip.start({ port, address: '127.0.0.1', udp: true, tcp: false, logger: {} }, (rq) => {
    if (rq.method !== 'ACK') sip.send(sip.makeResponse(rq, 200, 'OK'));
  });
} else if (kind === 'sipkit') {
  const udp = await udpTransport({ host: '127.0.0.1', port: 0 });
  new TransactionLayer({
    transports: [udp],
    tu: { onRequest: (rq, tx) => tx.respond(createResponse(rq, 200, { toTag: 'reg' })) },
  });
  port = udp.local.port;
} else {
  console.error(`unknown kind ${kind}`);
  process.exit(2);
}
process.stdout.write(`port ${port}\n`);

createInterface({ input: process.stdin }).on('line', (line) => {
  if (line === 'mem') {
    globalThis.gc();
    globalThis.gc();
    setTimeout(() => {
      const m = process.memoryUsage();
      process.stdout.write(`mem ${m.heapUsed + m.arrayBuffers} ${maxMajor.toFixed(1)} ${maxAny.toFixed(1)}\n`);
    }, 50);
  } else if (line === 'quit') {
    process.exit(0);
  }
});

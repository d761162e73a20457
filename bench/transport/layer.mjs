#!/usr/bin/env node
// The transport layer's own work, no sockets: the benchmark's OPTIONS through a TransportLayer on
// a fake transport, answered with layer.respond (parse, stamp received/rport, write the 200), and
// the same requests cut from a TCP stream by StreamFramer, 64 to a chunk. A profiling aid for
// transport/run.mjs, not a comparison: µs per request, best of 3 × N (default 1,000,000).
//
//   node transport/layer.mjs [N]        (from bench/)

import { StreamFramer } from '@sipkit/parser';
import { TransportLayer } from '@sipkit/transport';
import { request } from './request.mjs';

const N = Number(process.argv[2] ?? 1000000);
const source = { address: '127.0.0.1', port: 40000 };
const sent = Promise.resolve(undefined);
let sink = 0;

/** Times fn, which handles `per` requests a call; prints µs per request. */
function bench(name, fn, per = 1) {
  for (let i = 0; i < 100000 / per; i++) fn();
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    for (let i = 0; i < N / per; i++) fn();
    best = Math.min(best, ((performance.now() - t0) * 1000) / N);
  }
  console.log(`${name.padEnd(44)} ${best.toFixed(3)} µs`);
}

function fakeTransport(protocol) {
  const t = {
    protocol,
    reliable: protocol !== 'udp',
    secure: false,
    local: { address: '127.0.0.1', port: 5060 },
    receive: undefined,
    send: (bytes) => {
      sink += bytes.length;
      return sent;
    },
    listen: (r) => {
      t.receive = r;
    },
    close: async () => undefined,
  };
  return t;
}

const udp = fakeTransport('udp');
const udpLayer = new TransportLayer({
  transports: [udp],
  onRequest: (req, from) => void udpLayer.respond(req, 200, from, { toTag: 'bench' }),
  onResponse: () => undefined,
});
const datagram = request('UDP');
bench('UDP: parse, stamp, respond', () => udp.receive({ type: 'message', bytes: datagram, source }));

const chunk = Buffer.concat(Array.from({ length: 64 }, () => request('TCP')));
const framer = new StreamFramer();
bench('StreamFramer.push, 64 requests a chunk', () => (sink += framer.push(chunk).length), 64);

const tcp = fakeTransport('tcp');
const tcpLayer = new TransportLayer({
  transports: [tcp],
  onRequest: (req, from) => void tcpLayer.respond(req, 200, from, { toTag: 'bench' }),
  onResponse: () => undefined,
});
const stream = new StreamFramer();
bench(
  'TCP: framer, then parse, stamp, respond',
  () => {
    for (const ev of stream.push(chunk)) {
      if (ev.type === 'message') tcp.receive({ type: 'message', message: ev.message, source, flow: 'tcp-1' });
    }
  },
  64,
);
if (sink === 0) console.log('(nothing sent)');

#!/usr/bin/env node
// Memory a kept datagram holds: udpTransport reads 50,000 SIP-sized datagrams on loopback and the
// receiver keeps every tenth one's bytes, as a transaction or a proxy context keeps a request for
// up to 32 s. Printed: ArrayBuffer bytes held per kept message after forced collections, for the
// batched socket and for node:dgram, and their ratio. A kept message should hold its own bytes
// and no more.
//
//   node transport/retained.mjs      (from bench/; runs itself once per socket kind with --expose-gc)
//
// Bounded: 50,000 datagrams sent 200 at a time, at most 10 s of waiting for them.

import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { fileURLToPath } from 'node:url';
import { nativeUdpAvailable, udpTransport } from '@sipkit/transport-node';

const COUNT = 50_000;
const KEEP_EVERY = 10;
const SIZE = 600;

async function measure(io) {
  const t = await udpTransport({ host: '127.0.0.1', port: 0, io, receiveBufferSize: 8 << 20 });
  const kept = [];
  let got = 0;
  t.listen((e) => {
    if (e.type !== 'message') return;
    got++;
    if (got % KEEP_EVERY === 0) kept.push(e.bytes);
  });
  const peer = createSocket('udp4');
  const datagram = Buffer.alloc(SIZE, 0x61);
  const settle = async () => {
    for (let i = 0; i < 3; i++) {
      globalThis.gc();
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  await settle();
  const before = process.memoryUsage().arrayBuffers;
  for (let i = 0; i < COUNT; i += 200) {
    for (let j = 0; j < 200; j++) peer.send(datagram, t.local.port, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 2));
  }
  const end = Date.now() + 10_000;
  while (got < COUNT && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  await settle();
  const held = process.memoryUsage().arrayBuffers - before;
  peer.close();
  await t.close();
  return { io: t.io, got, kept: kept.length, perKept: Math.round(held / kept.length) };
}

if (process.argv[2] === '--child') {
  console.log(JSON.stringify(await measure(process.argv[3])));
} else {
  const self = fileURLToPath(import.meta.url);
  const run = (io) =>
    JSON.parse(execFileSync(process.execPath, ['--expose-gc', self, '--child', io], { timeout: 60_000 }).toString());
  const kinds = nativeUdpAvailable() ? ['native', 'dgram'] : ['dgram'];
  const rows = kinds.map(run);
  console.log(`${COUNT} datagrams of ${SIZE} bytes, every ${KEEP_EVERY}th kept`);
  console.log('socket   received   kept   ArrayBuffer bytes per kept message');
  for (const r of rows)
    console.log(`${r.io.padEnd(7)}  ${String(r.got).padStart(8)}  ${String(r.kept).padStart(5)}  ${r.perKept}`);
  if (rows.length === 2) console.log(`batched ÷ node:dgram: ${(rows[0].perKept / rows[1].perKept).toFixed(2)}`);
}

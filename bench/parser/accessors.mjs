#!/usr/bin/env node
// Where @sipkit/parser spends its time on one message: parse alone, then parse plus each typed
// read, in one process (best of 4 × 2,000,000 calls each). Not a comparison; a profile aid.
//
//   node bench/parser/accessors.mjs ["180 Ringing"]

import { performance } from 'node:perf_hooks';
import { parseMessage } from '@sipkit/parser';
import { corpus } from './corpus.mjs';

const name = process.argv[2] ?? '180 Ringing';
const message = corpus.find((c) => c.name === name);
if (message === undefined) {
  console.error(`unknown message ${JSON.stringify(name)}; one of: ${corpus.map((c) => c.name).join(', ')}`);
  process.exit(2);
}
const bytes = Buffer.from(message.text);
const CALLS = 2_000_000;

let sink = 0;
function nsPerCall(fn) {
  for (let i = 0; i < 200_000; i++) sink += fn();
  const t0 = performance.now();
  for (let i = 0; i < CALLS; i++) sink += fn();
  return ((performance.now() - t0) * 1e6) / CALLS;
}

const contactHost = (m) => {
  const c = m.contacts;
  return c === '*' || c.length === 0 ? 0 : c[0].uri.host.length;
};
const cases = {
  parse: () => parseMessage(bytes).headerCount,
  'top Via branch': () => parseMessage(bytes).topVia.branch.length,
  'Call-ID': () => parseMessage(bytes).callId.length,
  CSeq: () => parseMessage(bytes).cseq.seq,
  'From tag': () => parseMessage(bytes).from.tag?.length ?? 0,
  'To tag': () => parseMessage(bytes).to.tag?.length ?? 0,
  'Contact URI': () => contactHost(parseMessage(bytes)),
  'minimal access': () => {
    const m = parseMessage(bytes);
    return m.topVia.branch.length + m.callId.length + m.cseq.seq + m.cseq.method.length;
  },
};

const best = {};
for (let round = 0; round < 4; round++) {
  for (const [k, fn] of Object.entries(cases)) best[k] = Math.min(best[k] ?? Infinity, nsPerCall(fn));
}
console.log(`${name} (${bytes.length} bytes), ns per call, best of 4 × ${CALLS.toLocaleString('en-US')}:`);
for (const [k, v] of Object.entries(best)) {
  const extra = k === 'parse' ? '' : `  (+${(v - best.parse).toFixed(0)} over parse)`;
  console.log(`  ${k.padEnd(16)} ${v.toFixed(0).padStart(6)} ns${extra}`);
}
console.log(`  (sink ${sink > 0})`);

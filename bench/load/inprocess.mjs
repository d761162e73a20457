// bench/load/inprocess.mjs: what sipkit-server's own JavaScript costs per REGISTER (without
// auth) or per digest REGISTER pair (401 then 200), with no socket in the way. The server is
// started in this process through its library API on a real UDP listener, but datagrams are
// handed to the socket's 'message' listeners directly and what it sends is caught instead of
// sent, so the figure leaves out the kernel and the other process that a SIPp run shares the
// machine with. A run varies by a few percent, against the tens of percent of a SIPp run on two
// cores: this is the script to compare two builds with (run it alternately, several times each),
// and to profile (`node --cpu-prof load/inprocess.mjs`). The client's work (building requests,
// answering challenges) is outside the timed spans. Nothing leaves the process.
//
//   node load/inprocess.mjs [--auth|--no-auth] [--batch 16] [--rounds 5000]

import { hash } from 'node:crypto';
import dgram from 'node:dgram';
import { parseArgs } from 'node:util';

const { values: flags } = parseArgs({
  options: {
    auth: { type: 'boolean', default: true },
    'no-auth': { type: 'boolean', default: false },
    batch: { type: 'string', default: '16' },
    rounds: { type: 'string', default: '5000' },
  },
});
const AUTH = flags.auth && !flags['no-auth'];
const BATCH = Number(flags.batch);
const ROUNDS = Number(flags.rounds);
const DOMAIN = 'load.test';
const PASSWORD = 'load-test-password';

// Catch the server's socket as it binds, and what it sends.
const sockets = [];
const bind = dgram.Socket.prototype.bind;
dgram.Socket.prototype.bind = function (...args) {
  sockets.push(this);
  return bind.apply(this, args);
};
let sent = [];
dgram.Socket.prototype.send = (bytes) => {
  sent.push(bytes);
};

const { checkConfig, createLogger, startServer } = await import('../../apps/server/dist/index.js');
const config = checkConfig({
  listen: [{ transport: 'udp', host: '127.0.0.1', port: 0 }],
  domains: [DOMAIN],
  users: [{ name: 'u0', password: PASSWORD }],
  auth: { register: AUTH, calls: false, algorithms: ['MD5'], secret: 'a load test secret of some length' },
  http: false,
  log: { level: 'warn' },
  workers: 1,
  // Datagrams are handed to a node:dgram socket's listeners (the batched socket reads in C++).
  udpIo: 'dgram',
});
const server = await startServer(config, createLogger(config.log));
const socket = sockets[sockets.length - 1];
const peer = { address: '127.0.0.1', port: 25082, family: 'IPv4', size: 0 };

const ha1 = hash('md5', `u0:${DOMAIN}:${PASSWORD}`, 'hex');
const ha2 = hash('md5', `REGISTER:sip:${DOMAIN}`, 'hex');
const run = Date.now().toString(36);
/** A REGISTER as the SIPp scenarios send it: its own Call-ID per registration, one AOR. */
const register = (i, cseq, authorization = '') =>
  Buffer.from(
    `REGISTER sip:${DOMAIN} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:25082;branch=z9hG4bK-${run}-${i}-${cseq};rport\r\n` +
      `From: <sip:u0@${DOMAIN}>;tag=${i}\r\nTo: <sip:u0@${DOMAIN}>\r\nCall-ID: ${run}-${i}@127.0.0.1\r\n` +
      `CSeq: ${cseq} REGISTER\r\nContact: <sip:u0@127.0.0.1:25080>\r\n${authorization}` +
      'Max-Forwards: 70\r\nExpires: 600\r\nContent-Length: 0\r\n\r\n',
  );
const text = (b) => Buffer.from(b.buffer, b.byteOffset, b.length).toString('latin1');
const answer = (challenge, i) => {
  const nonce = /nonce="([^"]+)"/.exec(challenge)?.[1] ?? '';
  const cnonce = i.toString(16);
  const response = hash('md5', `${ha1}:${nonce}:00000001:${cnonce}:auth:${ha2}`, 'hex');
  return register(
    i,
    2,
    `Authorization: Digest username="u0",realm="${DOMAIN}",cnonce="${cnonce}",nc=00000001,qop=auth,` +
      `uri="sip:${DOMAIN}",nonce="${nonce}",response="${response}",algorithm=MD5\r\n`,
  );
};
/** One turn of the event loop, and the microtasks before it: the server sends at setImmediate. */
const turn = () => new Promise((resolve) => setImmediate(resolve));

/**
 * Hands `datagrams` to the server and waits for its answers; returns the nanoseconds it took.
 * Each datagram is emitted from its own setImmediate callback, between which Node runs the
 * microtasks, as it does between the datagrams a socket delivers: one request's continuations
 * (the location update, the reply) run before the next request is read. Emitting them all in one
 * go would keep a whole batch in flight, and V8 would promote much of it at each scavenge.
 */
async function deliver(datagrams) {
  sent = [];
  const t0 = process.hrtime.bigint();
  for (const d of datagrams) setImmediate(() => socket.emit('message', d, peer));
  await turn();
  await turn();
  return process.hrtime.bigint() - t0;
}

let ns = 0n;
let timed = 0;
let unexpected = 0;
let i = 0;
// The first third warms up (and fills the completed-transaction store); the rest is timed.
for (let round = 0; round < ROUNDS; round++) {
  const firsts = [];
  for (let k = 0; k < BATCH; k++) firsts.push(register(i + k, 1));
  let spent = await deliver(firsts);
  let finals = sent;
  if (AUTH) {
    const seconds = sent.map((b, k) => {
      const t = text(b);
      if (!t.startsWith('SIP/2.0 401')) unexpected++;
      return answer(t, i + k);
    });
    spent += await deliver(seconds);
    finals = sent;
  }
  for (const b of finals) if (!text(b).startsWith('SIP/2.0 200')) unexpected++;
  if (finals.length !== BATCH) unexpected += Math.abs(BATCH - finals.length);
  i += BATCH;
  if (round >= ROUNDS / 3) {
    ns += spent;
    timed += BATCH;
  }
}
await server.close();
const what = AUTH ? 'digest REGISTER pair (401 + 200)' : 'REGISTER (200)';
console.log(
  `sipkit-server in-process: ${(Number(ns) / 1000 / timed).toFixed(2)} µs per ${what}, ` +
    `${timed} timed in batches of ${BATCH}, ${unexpected} unexpected answers`,
);
process.exitCode = unexpected === 0 ? 0 : 1;

// Finished transactions in the npm `sip` stack and in SIPKit, on real UDP over 127.0.0.1: each
// server (peer-server.mjs, its own process) answers N REGISTERs with 200 and must then hold every
// non-INVITE server transaction in Completed for Timer J (32 s). Its heap growth divided by N is
// the memory per finished transaction. The client keeps at most WINDOW requests outstanding and
// retransmits nothing: a lost datagram is counted, and the run is bounded by a deadline.
//
// Run: node transaction/peer.mjs [--n 20000]   (pnpm --filter @sipkit/bench bench:transaction-peer)

import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createInterface } from 'node:readline';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? dflt : Number(process.argv[i + 1]);
};
const N = arg('--n', 20_000);
// A UDP socket buffer holds ~125 small datagrams by default (truesize accounting): stay under it.
const WINDOW = 100;
const DEADLINE_MS = 25_000; // well inside Timer J, so nothing has expired when memory is read

function register(i, port, clientPort) {
  const b = i.toString(36);
  return Buffer.from(
    `REGISTER sip:127.0.0.1:${port} SIP/2.0\r\n` +
      `Via: SIP/2.0/UDP 127.0.0.1:${clientPort};branch=z9hG4bK${b}peer;rport\r\n` +
      'Max-Forwards: 70\r\n' +
      `To: <sip:user${b}@example.com>\r\n` +
      `From: <sip:user${b}@example.com>;tag=${b}456248\r\n` +
      `Call-ID: ${b}843817637684230@998sdasdh09\r\n` +
      'CSeq: 1826 REGISTER\r\n' +
      `Contact: <sip:user${b}@127.0.0.1:5070>\r\n` +
      'Expires: 3600\r\n' +
      'Content-Length: 0\r\n\r\n',
    'latin1',
  );
}

async function runOne(kind) {
  const child = spawn(process.execPath, ['--expose-gc', new URL('peer-server.mjs', import.meta.url).pathname, kind], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const waiting = [];
  lines.on('line', (l) => waiting.shift()?.(l));
  const next = () => new Promise((r) => waiting.push(r));
  const port = Number((await next()).split(' ')[1]);
  const mem = async () => {
    child.stdin.write('mem\n');
    const [, bytes, major, any] = (await next()).split(' ').map(Number);
    return { bytes, major, any };
  };
  await new Promise((r) => setTimeout(r, 300));
  const before = await mem();

  const sock = createSocket('udp4');
  await new Promise((r) => sock.bind(0, '127.0.0.1', r));
  const clientPort = sock.address().port;
  let answered = 0;
  let lost = 0;
  let sent = 0;
  const t0 = performance.now();
  await new Promise((resolve) => {
    let last = -1;
    const finish = () => {
      clearInterval(watch);
      clearTimeout(deadline);
      resolve();
    };
    const pump = () => {
      while (sent < N && sent - answered - lost < WINDOW)
        sock.send(register(sent++, port, clientPort), port, '127.0.0.1');
      if (answered + lost >= N) finish();
    };
    sock.on('message', (m) => {
      if (m.subarray(0, 12).toString('latin1') === 'SIP/2.0 200 ') answered++;
      else if (process.env.PEER_DEBUG) console.log(m.toString('latin1').slice(0, 80));
      pump();
    });
    // No answer for 200 ms: what is outstanding is lost (the client does not retransmit).
    const watch = setInterval(() => {
      if (answered === last) {
        lost = sent - answered;
        if (process.env.PEER_DEBUG) console.log('stall', sent, answered, (performance.now() - t0).toFixed(0));
      }
      last = answered;
      pump();
    }, 200);
    const deadline = setTimeout(finish, DEADLINE_MS);
    pump();
  });
  const ms = performance.now() - t0;
  sock.close();
  const after = await mem();
  child.stdin.write('quit\n');
  await new Promise((r) => child.on('exit', r));
  return {
    kind,
    sent,
    lost,
    perTx: (after.bytes - before.bytes) / sent,
    rate: sent / (ms / 1000),
    maxMajor: after.major,
    maxAny: after.any,
  };
}

const fmt = (n, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
console.log(
  `# finished non-INVITE transactions, real UDP on 127.0.0.1, ${fmt(N)} REGISTERs each — node ${process.version}`,
);
const results = [];
for (const kind of ['sip', 'sipkit']) {
  const r = await runOne(kind);
  results.push(r);
  console.log(
    `${kind.padEnd(7)} ${fmt(r.perTx).padStart(6)} bytes per Completed transaction; ${fmt(r.rate).padStart(7)} REGISTER/s ` +
      `(client-paced, window ${WINDOW}, ${r.lost} unanswered); longest GC pause ${fmt(r.maxAny, 1)} ms, major ${fmt(r.maxMajor, 1)} ms`,
  );
}
const [peer, ours] = results;
console.log(`memory per finished transaction: npm sip / SIPKit = ${(peer.perTx / ours.perTx).toFixed(1)}×`);

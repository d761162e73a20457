// One server for the transport benchmark, run in its own process: prints its port, then serves
// until killed. Kinds: echo-udp, echo-tcp (bare node:dgram / node:net echoes), sipkit-udp,
// sipkit-tcp (OPTIONS in, 200 out through the @sipkit/transport layer, parsing included).
// BENCH_RESPONSE=object: answer with createResponse + sendResponse rather than layer.respond.
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { createResponse } from '@sipkit/parser';
import { TransportLayer } from '@sipkit/transport';
import { tcpTransport, udpTransport } from '@sipkit/transport-node';

const kind = process.argv[2];
const OBJECT = process.env.BENCH_RESPONSE === 'object';
const ignore = () => undefined;
let lastSent;
const ready = (port) => process.stdout.write(`${port}\n`);
// A clean exit on SIGTERM lets `--cpu-prof` write its profile.
process.on('SIGTERM', () => process.exit(0));

if (kind === 'echo-udp') {
  const s = createSocket('udp4');
  s.on('message', (msg, rinfo) => s.send(msg, rinfo.port, rinfo.address));
  s.bind(0, '127.0.0.1', () => ready(s.address().port));
} else if (kind === 'echo-tcp') {
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    // The load generator resets the connection when it is done.
    socket.on('error', () => undefined);
    socket.pipe(socket);
  });
  server.listen(0, '127.0.0.1', () => ready(server.address().port));
} else if (kind === 'sipkit-udp' || kind === 'sipkit-tcp') {
  const t =
    kind === 'sipkit-udp'
      ? await udpTransport({ host: '127.0.0.1', port: 0 })
      : await tcpTransport({ host: '127.0.0.1', port: 0 });
  const layer = new TransportLayer({
    transports: [t],
    onRequest: (req, from) => {
      // The 200 is written straight from the request's bytes (RFC 3261 §8.2.6.2), as a stateless
      // element answers; BENCH_RESPONSE=object builds a response object and serialises it instead.
      const sent = OBJECT
        ? layer.sendResponse(createResponse(req, 200, { toTag: 'bench' }), from)
        : layer.respond(req, 200, from, { toTag: 'bench' });
      // A send fails when the load generator resets its connection at the end of a run. Sends
      // share promises (one per TCP write batch, one for every UDP send): catch each one once.
      if (sent !== lastSent) {
        lastSent = sent;
        sent.catch(ignore);
      }
    },
    onResponse: () => {},
  });
  ready(t.local.port);
} else {
  console.error(`unknown server kind ${kind}`);
  process.exit(2);
}

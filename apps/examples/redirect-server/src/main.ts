// Runs the redirect server on UDP 127.0.0.1:5070 (or SIP_PORT) until interrupted.
import { udpTransport } from '@sipkit/transport-node';
import { redirectServer } from './redirect.js';

const port = Number(process.env.SIP_PORT ?? 5070);
const udp = await udpTransport({ host: '127.0.0.1', port });
const server = redirectServer({
  transports: [udp],
  domains: ['127.0.0.1'],
  locations: {
    bob: [
      { uri: 'sip:bob@127.0.0.1:5082', q: 1 },
      { uri: 'sip:bob@127.0.0.1:5084', q: 0.5 },
    ],
  },
});
console.log(`redirect server on udp 127.0.0.1:${udp.local.port}`);
process.on('SIGINT', () => void server.close().then(() => process.exit(0)));

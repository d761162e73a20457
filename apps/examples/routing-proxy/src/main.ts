// Runs the routing proxy on UDP 127.0.0.1:5070 (or SIP_PORT) until interrupted.
import { udpTransport } from '@sipkit/transport-node';
import { routingProxy } from './routing.js';

const port = Number(process.env.SIP_PORT ?? 5070);
const udp = await udpTransport({ host: '127.0.0.1', port });
const { proxy } = routingProxy({
  transports: [udp],
  domain: '127.0.0.1',
  emergencyGateway: '127.0.0.1:5090',
  sales: ['alice', 'bob'],
});
console.log(`routing proxy on udp ${proxy.recordRouteUri}`);
process.on('SIGINT', () => void proxy.close().then(() => process.exit(0)));

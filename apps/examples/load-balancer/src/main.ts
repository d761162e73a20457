// Runs the load balancer on UDP 127.0.0.1:5070 (or SIP_PORT) in front of the servers in TARGETS
// (comma-separated address:port, default 127.0.0.1:5081,127.0.0.1:5082) until interrupted.
import { udpTransport } from '@sipkit/transport-node';
import { loadBalancer } from './balancer.js';

const port = Number(process.env.SIP_PORT ?? 5070);
const targets = (process.env.TARGETS ?? '127.0.0.1:5081,127.0.0.1:5082').split(',');
const lb = loadBalancer({ transports: [await udpTransport({ host: '127.0.0.1', port })], targets });
console.log(`load balancer on udp 127.0.0.1:${port} for ${targets.join(', ')}`);
process.on('SIGINT', () => void lb.close().then(() => process.exit(0)));

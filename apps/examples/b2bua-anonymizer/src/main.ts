// Runs the anonymizing B2BUA on UDP 127.0.0.1:5070 (or SIP_PORT) until interrupted: send it an
// INVITE for the callee (as an outbound proxy, or with the callee as Request-URI).
import { udpTransport } from '@sipkit/transport-node';
import { anonymizer } from './b2bua.js';

const port = Number(process.env.SIP_PORT ?? 5070);
const b2bua = anonymizer({ transports: [await udpTransport({ host: '127.0.0.1', port })] });
console.log(`anonymizing B2BUA on udp 127.0.0.1:${port}`);
process.on('SIGINT', () => void b2bua.close().then(() => process.exit(0)));

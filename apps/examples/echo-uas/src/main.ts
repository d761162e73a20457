// Runs the echo UAS on UDP 127.0.0.1:5070 (or SIP_PORT) until interrupted.
import { udpTransport } from '@sipkit/transport-node';
import { echoUas } from './echo.js';

const port = Number(process.env.SIP_PORT ?? 5070);
const echo = echoUas({ transports: [await udpTransport({ host: '127.0.0.1', port })], answerAfter: 1000 });
console.log(`echo UAS on udp 127.0.0.1:${port}: call or message sip:echo@127.0.0.1:${port}`);
process.on('SIGINT', () => void echo.close().then(() => process.exit(0)));

// Every Node transport passes the @sipkit/testkit transport compliance suite, over IPv4 and IPv6.
import { type TransportPair, transportComplianceChecks } from '@sipkit/testkit';
import { type Transport, webSocketTransport } from '@sipkit/transport';
import { generate } from 'selfsigned';
import { beforeAll, describe, it } from 'vitest';
import { WebSocket } from 'ws';
import { tcpTransport, tlsTransport, udpTransport, wsTransport } from '../src/index.js';

let pems: { private: string; cert: string };
beforeAll(async () => {
  pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    notAfterDate: new Date(Date.now() + 86_400_000),
    keySize: 2048,
    extensions: [
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
});

const pair = (make: () => Promise<Transport>) => async (): Promise<TransportPair> => {
  const [a, b] = await Promise.all([make(), make()]);
  return { a, b, close: async () => void (await Promise.all([a.close(), b.close()])) };
};

const kinds: [string, () => Promise<TransportPair>][] = [];
for (const host of ['127.0.0.1', '::1']) {
  kinds.push([`udp ${host}`, pair(() => udpTransport({ host, port: 0 }))]);
  kinds.push([`tcp ${host}`, pair(() => tcpTransport({ host, port: 0 }))]);
  kinds.push([
    `tls ${host}`,
    pair(() => tlsTransport({ host, port: 0, key: pems.private, cert: pems.cert, ca: pems.cert })),
  ]);
}
for (const [host, url] of [
  ['127.0.0.1', (port: number) => `ws://127.0.0.1:${port}`],
  ['::1', (port: number) => `ws://[::1]:${port}`],
] as const) {
  kinds.push([
    `ws client → ws server ${host}`,
    async () => {
      const b = await wsTransport({ host, port: 0 });
      const a = await webSocketTransport({ url: url(b.local.port), WebSocket: WebSocket as never });
      return { a, b, close: async () => void (await Promise.all([a.close(), b.close()])) };
    },
  ]);
}

describe.each(kinds)('%s', (_name, make) => {
  for (const c of transportComplianceChecks(make)) it(c.name, () => c.run());
});

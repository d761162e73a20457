// TLS on real loopback sockets with a certificate made at test time.
import { createResponse, parseMessage, type SipRequest, type SipResponse } from '@sipkit/parser';
import { TransportLayer } from '@sipkit/transport';
import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tlsTransport } from '../src/index.js';

let pems: { private: string; cert: string };
beforeAll(async () => {
  pems = await generate([{ name: 'commonName', value: 'sip.test.invalid' }], {
    notAfterDate: new Date(Date.now() + 86_400_000),
    keySize: 2048,
    extensions: [
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'sip.test.invalid' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
});

const closers: { close(): Promise<void> }[] = [];
afterAll(async () => {
  await Promise.all(closers.map((c) => c.close()));
});

const request = (branch: string) =>
  parseMessage(
    `OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TLS placeholder;branch=${branch}\r\nTo: <sip:127.0.0.1>\r\nFrom: <sip:a@127.0.0.1>;tag=a\r\nCall-ID: ${branch}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`,
  ) as SipRequest;

describe('TLS on IPv4 loopback', () => {
  it('carries a request and its response over one verified connection', async () => {
    const b = await tlsTransport({ host: '127.0.0.1', port: 0, key: pems.private, cert: pems.cert });
    const bLayer = new TransportLayer({
      transports: [b],
      onRequest: (req, from) => void bLayer.sendResponse(createResponse(req, 200), from),
      onResponse: () => {},
    });
    const a = await tlsTransport({ host: '127.0.0.1', port: 0, key: pems.private, cert: pems.cert, ca: pems.cert });
    const got: SipResponse[] = [];
    const arrived = new Promise<void>((resolve) => {
      const aLayer = new TransportLayer({
        transports: [a],
        onRequest: () => {},
        onResponse: (res) => {
          got.push(res);
          resolve();
        },
      });
      closers.push(aLayer);
      void aLayer.sendRequest(request('z9hG4bKtls1'), {
        protocol: 'tls',
        address: '127.0.0.1',
        port: b.local.port,
        family: 4,
        hostname: 'sip.test.invalid',
      });
    });
    closers.push(bLayer);
    await arrived;
    expect(got[0]?.callId).toBe('z9hG4bKtls1');
    expect(got[0]?.topVia?.transport).toBe('TLS');
  });

  it('refuses a server whose certificate does not name the target', async () => {
    const b = await tlsTransport({ host: '127.0.0.1', port: 0, key: pems.private, cert: pems.cert });
    const a = await tlsTransport({ host: '127.0.0.1', port: 0, key: pems.private, cert: pems.cert, ca: pems.cert });
    closers.push(b, a);
    const bytes = new TextEncoder().encode('OPTIONS sip:x SIP/2.0\r\nContent-Length: 0\r\n\r\n');
    await expect(
      a.send(bytes, { address: '127.0.0.1', port: b.local.port, hostname: 'other.test.invalid' }),
    ).rejects.toMatchObject({
      code: 'SEND_FAILED',
    });
  });
});

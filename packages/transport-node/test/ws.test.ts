// SIP over WebSocket (RFC 7118) on loopback: the browser-side client transport from
// @sipkit/transport (driven here by the `ws` package's WebSocket) against the Node server.
import { createResponse, parseMessage, type SipRequest, type SipResponse, serialize } from '@sipkit/parser';
import { TransportLayer, webSocketTransport } from '@sipkit/transport';
import { generate } from 'selfsigned';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { wssTransport, wsTransport } from '../src/index.js';

const closers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c.close()));
});

const request = (branch: string) =>
  parseMessage(
    `OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/WS placeholder;branch=${branch}\r\nTo: <sip:127.0.0.1>\r\nFrom: <sip:a@x.invalid>;tag=a\r\nCall-ID: ${branch}\r\nCSeq: 1 OPTIONS\r\n\r\n`,
  ) as SipRequest;

function answering(server: Awaited<ReturnType<typeof wsTransport>>) {
  const seen: SipRequest[] = [];
  const layer = new TransportLayer({
    transports: [server],
    onRequest: (req, from) => {
      seen.push(req);
      void layer.sendResponse(createResponse(req, 200), from);
    },
    onResponse: () => {},
  });
  closers.push(layer);
  return seen;
}

async function roundTrip(url: string, server: Awaited<ReturnType<typeof wsTransport>>, ca?: string) {
  const Ctor =
    ca === undefined
      ? WebSocket
      : class extends WebSocket {
          constructor(u: string, p: string | string[]) {
            super(u, p, { ca });
          }
        };
  const client = await webSocketTransport({ url, WebSocket: Ctor as never });
  const got = new Promise<SipResponse>((resolve) => {
    const layer = new TransportLayer({ transports: [client], onRequest: () => {}, onResponse: resolve });
    closers.push(layer);
    void layer.sendRequest(request('z9hG4bKws1'), {
      protocol: client.protocol,
      address: '127.0.0.1',
      port: server.local.port,
      family: 4,
      hostname: '127.0.0.1',
    });
  });
  return got;
}

describe('SIP over WebSocket (RFC 7118)', () => {
  it('carries a request without Content-Length and its response over one ws connection', async () => {
    const server = await wsTransport({ host: '127.0.0.1', port: 0 });
    const seen = answering(server);
    const res = await roundTrip(`ws://127.0.0.1:${server.local.port}`, server);
    expect([res.status, res.callId]).toEqual([200, 'z9hG4bKws1']);
    // RFC 7118 §5.2: the client's Via names a random .invalid host and the WS transport.
    expect(seen[0]?.topVia?.transport).toBe('WS');
    expect(seen[0]?.topVia?.host).toMatch(/\.invalid$/);
  });

  it('works on IPv6 loopback', async () => {
    const server = await wsTransport({ host: '::1', port: 0 });
    const seen = answering(server);
    const client = await webSocketTransport({ url: `ws://[::1]:${server.local.port}`, WebSocket: WebSocket as never });
    const got = new Promise<SipResponse>((resolve) => {
      const layer = new TransportLayer({ transports: [client], onRequest: () => {}, onResponse: resolve });
      closers.push(layer);
      void layer.sendRequest(request('z9hG4bKws6'), {
        protocol: 'ws',
        address: '::1',
        port: server.local.port,
        family: 6,
        hostname: '::1',
      });
    });
    expect((await got).callId).toBe('z9hG4bKws6');
    expect(seen[0]?.topVia?.received).toBe('::1');
  });

  it('works over wss with a certificate made at test time', async () => {
    const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
      notAfterDate: new Date(Date.now() + 86_400_000),
      keySize: 2048,
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
    });
    const server = await wssTransport({ host: '127.0.0.1', port: 0, key: pems.private, cert: pems.cert });
    answering(server);
    const res = await roundTrip(`wss://127.0.0.1:${server.local.port}`, server, pems.cert);
    expect(res.status).toBe(200);
  });

  it('stops accepting new connections when told, and keeps the open one', async () => {
    const server = await wsTransport({ host: '127.0.0.1', port: 0 });
    const seen = answering(server);
    const url = `ws://127.0.0.1:${server.local.port}`;
    const open = new WebSocket(url, 'sip');
    await new Promise<void>((resolve, reject) => {
      open.once('open', () => resolve());
      open.once('error', reject);
    });
    server.stopAccepting?.();
    const refused = new WebSocket(url, 'sip');
    const error = await new Promise<Error>((resolve) => refused.once('error', resolve));
    expect(error.message).toMatch(/ECONNREFUSED/);
    // The connection opened before still carries requests, and gets its answer.
    const answered = new Promise<string>((resolve) => open.once('message', (d: Buffer) => resolve(d.toString())));
    open.send(serialize(request('z9hG4bKstay')));
    expect(await answered).toMatch(/^SIP\/2\.0 200 OK/);
    expect(seen.map((r) => r.callId)).toEqual(['z9hG4bKstay']);
    open.close();
  });

  it('closes a connection that did not ask for the "sip" subprotocol', async () => {
    const server = await wsTransport({ host: '127.0.0.1', port: 0 });
    answering(server);
    const plain = new WebSocket(`ws://127.0.0.1:${server.local.port}`);
    const code = await new Promise<number>((resolve) => plain.on('close', (c) => resolve(c)));
    expect(code).toBe(1002);
    await expect(
      webSocketTransport({ url: `ws://127.0.0.1:${server.local.port}`, WebSocket: WebSocket as never }),
    ).resolves.toBeDefined();
  });
});

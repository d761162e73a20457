// sipkit-server with TLS and WSS listeners from certificate files (made at test time): a call
// between two user agents over TLS.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserAgent } from '@sipkit/dialog';
import { tlsTransport } from '@sipkit/transport-node';
import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SipKitServer } from '../src/index.js';
import { portOf, testServer, until } from './helpers.js';

let pems: { private: string; cert: string };
let server: SipKitServer;
const agents: UserAgent[] = [];
const dir = mkdtempSync(join(tmpdir(), 'sipkit-tls-'));

beforeAll(async () => {
  pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
    notAfterDate: new Date(Date.now() + 86_400_000),
    keySize: 2048,
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
  });
  writeFileSync(join(dir, 'cert.pem'), pems.cert);
  writeFileSync(join(dir, 'key.pem'), pems.private);
  ({ server } = await testServer({
    listen: [
      { transport: 'tls', host: '127.0.0.1', port: 0, cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') },
      { transport: 'wss', host: '127.0.0.1', port: 0, cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') },
    ],
  }));
});

afterAll(async () => {
  await Promise.all(agents.map((a) => a.close()));
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function tlsAgent(user: string): Promise<UserAgent> {
  const transport = await tlsTransport({
    host: '127.0.0.1',
    port: 0,
    key: pems.private,
    cert: pems.cert,
    ca: pems.cert,
  });
  const ua = new UserAgent({
    transports: [transport],
    aor: `sip:${user}@sipkit.test`,
    credentials: { username: user, password: `${user}-secret` },
    outboundRoute: [`<sip:127.0.0.1:${portOf(server, 'tls')};transport=tls;lr>`],
    sessionExpires: 0,
  });
  agents.push(ua);
  return ua;
}

describe('sipkit-server over TLS', () => {
  it('listens on TLS and WSS from the configured certificate files and connects a call over TLS', async () => {
    expect(server.listeners.map((l) => l.transport)).toEqual(['tls', 'wss']);
    const alice = await tlsAgent('alice');
    const bob = await tlsAgent('bob');
    expect((await bob.register('sip:sipkit.test')).status).toBe(200);
    bob.on('invite', (call) => call.accept({ body: 'v=0\r\n' }));
    const call = alice.invite('sip:bob@sipkit.test', { body: 'v=0\r\n' });
    await until(() => call.state === 'established');
    await call.bye();
    await until(() => call.state === 'terminated');
  });
});

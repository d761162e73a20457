// The registrar as the transaction user of a real UDP element on 127.0.0.1.
import { createRequest, type SipResponse } from '@sipkit/parser';
import { TransactionLayer } from '@sipkit/transaction';
import { udpTransport } from '@sipkit/transport-node';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryLocationService, Registrar, registrarUser } from '../src/index.js';

const layers: TransactionLayer[] = [];
afterEach(async () => {
  await Promise.all(layers.splice(0).map((l) => l.close()));
});

describe('registrar over UDP', () => {
  it('registers a phone through a real transaction layer and answers anything else with 405', async () => {
    const [ts, tc] = await Promise.all([
      udpTransport({ host: '127.0.0.1', port: 0 }),
      udpTransport({ host: '127.0.0.1', port: 0 }),
    ]);
    const location = new MemoryLocationService();
    const registrar = new Registrar({ domains: ['127.0.0.1', 'example.com'], location });
    const server = new TransactionLayer({ transports: [ts], tu: registrarUser(registrar) });
    const client = new TransactionLayer({ transports: [tc], tu: { onRequest() {} } });
    layers.push(server, client);
    const target = {
      protocol: 'udp',
      address: '127.0.0.1',
      port: ts.local.port,
      family: 4,
      hostname: '127.0.0.1',
    } as const;
    const send = (method: string) =>
      new Promise<SipResponse>((resolve, reject) => {
        const req = createRequest({
          method,
          uri: 'sip:example.com',
          headers: [
            ['Via', `SIP/2.0/UDP 127.0.0.1:${tc.local.port};branch=${client.newBranch()};rport`],
            ['Max-Forwards', '70'],
            ['To', '<sip:carol@example.com>'],
            ['From', '<sip:carol@example.com>;tag=c1'],
            ['Call-ID', `${method}-wire@127.0.0.1`],
            ['CSeq', '1 ' + method],
            ['Contact', `<sip:carol@127.0.0.1:${tc.local.port}>`],
          ],
        });
        client.request(req, target, {
          onResponse: (r) => r.status >= 200 && resolve(r),
          onFailure: (_t, e) => reject(e),
        });
      });
    const ok = await send('REGISTER');
    expect(ok.status).toBe(200);
    expect(ok.getValues('Contact')).toEqual([`<sip:carol@127.0.0.1:${tc.local.port}>;expires=3600`]);
    const [binding] = await location.lookup('sip:carol@example.com', Date.now());
    expect(binding?.source).toBe(`127.0.0.1:${tc.local.port}`);
    expect((await send('OPTIONS')).status).toBe(405);
  });
});

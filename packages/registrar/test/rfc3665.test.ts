// RFC 3665 §2 registration flows against the registrar with @sipkit/digest, through a real user
// agent (@sipkit/dialog) on the virtual network, and replay / stale nonce cases driven by hand.
import { UserAgent } from '@sipkit/dialog';
import { DigestClient, DigestServer } from '@sipkit/digest';
import { parseMessage, type SipRequest, type SipResponse } from '@sipkit/parser';
import { VirtualClock, VirtualNetwork, withLadder } from '@sipkit/testkit';
import { TransactionLayer } from '@sipkit/transaction';
import { describe, expect, it } from 'vitest';
import { MemoryLocationService, Registrar, registrarUser } from '../src/index.js';

const users = new Map([
  ['alice', 'wonderland'],
  ['bob', 'builder'],
]);

function element(clock: VirtualClock, network: VirtualNetwork) {
  const location = new MemoryLocationService();
  const auth = new DigestServer({
    secret: 'a long enough secret for the tests',
    realm: 'example.com',
    credentials: { lookup: (user) => (users.has(user) ? { password: users.get(user) as string } : undefined) },
    now: () => clock.now(),
  });
  const registrar = new Registrar({ domains: ['example.com'], location, auth, now: () => clock.now() });
  const layer = new TransactionLayer({
    transports: [network.endpoint({ address: '10.0.0.10', port: 5060 })],
    clock,
    tu: registrarUser(registrar),
  });
  return { location, auth, registrar, layer };
}

/** example.com is 10.0.0.10. */
const resolver = {
  naptr: async () => [],
  srv: async () => [],
  a: async (name: string) => (name === 'example.com' ? ['10.0.0.10'] : []),
  aaaa: async () => [],
};

function phone(clock: VirtualClock, network: VirtualNetwork, user: string, password: string, n: number) {
  return new UserAgent({
    transports: [network.endpoint({ address: `10.0.1.${n}`, port: 5060 })],
    aor: `sip:${user}@example.com`,
    credentials: { username: user, password },
    resolver,
    clock,
  });
}

async function settle<T>(clock: VirtualClock, p: Promise<T>): Promise<T> {
  let done = false;
  const q = p.finally(() => {
    done = true;
  });
  for (let i = 0; i < 100 && !done; i++) await clock.advanceAsync(50);
  return q;
}

describe('RFC 3665 §2 registration flows', () => {
  it('§2.1 a new registration: REGISTER, 401, REGISTER with credentials, 200', async () => {
    const clock = new VirtualClock();
    const network = new VirtualNetwork({ clock, link: { delay: 10 } });
    const { location } = element(clock, network);
    const bob = phone(clock, network, 'bob', 'builder', 1);
    await withLadder(network, async () => {
      const res = await settle(clock, bob.register('sip:example.com', 3600));
      expect(res.status).toBe(200);
      expect(res.getValues('Contact')).toEqual(['<sip:bob@10.0.1.1:5060>;expires=3600']);
      expect(network.trace.map((t) => t.label)).toEqual(['REGISTER', '401 Unauthorized', 'REGISTER', '200 OK']);
      const [binding] = await location.lookup('sip:bob@example.com', clock.now());
      expect(binding?.contact).toBe('sip:bob@10.0.1.1:5060');
    });
  });

  it('§2.2–2.4 update, query, cancel: the contact list follows each REGISTER; expiry and * clear it', async () => {
    const clock = new VirtualClock();
    const network = new VirtualNetwork({ clock, link: { delay: 10 } });
    const { location } = element(clock, network);
    const bob = phone(clock, network, 'bob', 'builder', 1);
    expect((await settle(clock, bob.register('sip:example.com', 600))).status).toBe(200);
    // §2.2: another contact for the same AOR (a second device).
    const desk = phone(clock, network, 'bob', 'builder', 2);
    const update = await settle(clock, desk.register('sip:example.com', 600));
    expect(update.getValues('Contact').sort()).toEqual([
      expect.stringMatching(/^<sip:bob@10\.0\.1\.1:5060>;expires=(599|600)$/),
      '<sip:bob@10.0.1.2:5060>;expires=600',
    ]);
    // §2.3: a query (no Contact) lists them.
    const query = await settle(clock, desk.request('REGISTER', 'sip:example.com', { to: 'sip:bob@example.com' }));
    expect(query.getValues('Contact')).toHaveLength(2);
    // §2.4: Expires 0 removes one.
    const cancel = await settle(clock, desk.register('sip:example.com', 0));
    expect(cancel.getValues('Contact')).toEqual([expect.stringMatching(/^<sip:bob@10\.0\.1\.1:5060>;expires=\d+$/)]);
    // Expiry: the first device's binding runs out.
    await clock.advanceAsync(600_000);
    expect(await location.lookup('sip:bob@example.com', clock.now())).toEqual([]);
    // Contact: * with Expires: 0 removes everything.
    await settle(clock, bob.register('sip:example.com', 600));
    await settle(clock, desk.register('sip:example.com', 600));
    const star = await settle(
      clock,
      bob.request('REGISTER', 'sip:example.com', {
        to: 'sip:bob@example.com',
        headers: [
          ['Contact', '*'],
          ['Expires', '0'],
        ],
      }),
    );
    expect(star.status).toBe(200);
    expect(await location.lookup('sip:bob@example.com', clock.now())).toEqual([]);
  });

  it('§2.5 an unsuccessful registration: wrong password, 401 again, and nothing stored', async () => {
    const clock = new VirtualClock();
    const network = new VirtualNetwork({ clock, link: { delay: 10 } });
    const { location } = element(clock, network);
    const bob = phone(clock, network, 'bob', 'not-the-password', 1);
    const res = await settle(clock, bob.register('sip:example.com'));
    expect(res.status).toBe(401);
    expect(network.trace.map((t) => t.label)).toEqual(['REGISTER', '401 Unauthorized', 'REGISTER', '401 Unauthorized']);
    expect(await location.lookup('sip:bob@example.com', clock.now())).toEqual([]);
  });

  it('refuses with 403 a user who authenticates as alice and registers bob', async () => {
    const clock = new VirtualClock();
    const network = new VirtualNetwork({ clock, link: { delay: 10 } });
    const { location } = element(clock, network);
    const mallory = new UserAgent({
      transports: [network.endpoint({ address: '10.0.1.9', port: 5060 })],
      aor: 'sip:bob@example.com',
      credentials: { username: 'alice', password: 'wonderland' },
      resolver,
      clock,
    });
    const res = await settle(clock, mallory.register('sip:example.com'));
    expect(res.status).toBe(403);
    expect(await location.lookup('sip:bob@example.com', clock.now())).toEqual([]);
  });
});

describe('digest at the registrar, by hand', () => {
  const now = { t: 1_000_000 };
  function setup() {
    const location = new MemoryLocationService();
    const auth = new DigestServer({
      secret: 'another long enough secret for tests',
      realm: 'example.com',
      credentials: { lookup: (user) => (users.has(user) ? { password: users.get(user) as string } : undefined) },
      now: () => now.t,
    });
    const registrar = new Registrar({ domains: ['example.com'], location, auth, now: () => now.t });
    return { registrar, location };
  }
  const text = (cseq: number, auth?: string) =>
    `REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.1.1;branch=z9hG4bK${cseq}\r\nTo: <sip:alice@example.com>\r\nFrom: <sip:alice@example.com>;tag=1\r\nCall-ID: by-hand\r\nCSeq: ${cseq} REGISTER\r\nContact: <sip:alice@10.0.1.1>\r\n${auth === undefined ? '' : `Authorization: ${auth}\r\n`}Content-Length: 0\r\n\r\n`;
  const req = (cseq: number, auth?: string) => parseMessage(text(cseq, auth)) as SipRequest;

  it('refuses a replayed Authorization and accepts the next nonce-count', async () => {
    const { registrar } = setup();
    const challenge = await registrar.handle(req(1));
    expect(challenge.status).toBe(401);
    const client = new DigestClient({ username: 'alice', password: 'wonderland' });
    const [[, auth] = ['', '']] = client.authorize(challenge as SipResponse, {
      method: 'REGISTER',
      uri: 'sip:example.com',
    });
    expect((await registrar.handle(req(2, auth))).status).toBe(200);
    // The same Authorization again (same nonce, same nc): a replay, challenged anew.
    const replay = await registrar.handle(req(3, auth));
    expect(replay.status).toBe(401);
    // nc 2 on the same nonce is fine.
    const [[, next] = ['', '']] = client.authorize(challenge as SipResponse, {
      method: 'REGISTER',
      uri: 'sip:example.com',
    });
    expect((await registrar.handle(req(4, next))).status).toBe(200);
  });

  it('re-challenges with stale=true once the nonce has expired, and the fresh nonce works', async () => {
    const { registrar } = setup();
    const challenge = await registrar.handle(req(1));
    const client = new DigestClient({ username: 'alice', password: 'wonderland' });
    now.t += 10 * 60_000;
    const [[, auth] = ['', '']] = client.authorize(challenge as SipResponse, {
      method: 'REGISTER',
      uri: 'sip:example.com',
    });
    const stale = await registrar.handle(req(2, auth));
    expect(stale.status).toBe(401);
    expect(stale.getAll('WWW-Authenticate').every((h) => /stale=true/i.test(h))).toBe(true);
    const [[, fresh] = ['', '']] = client.authorize(stale, { method: 'REGISTER', uri: 'sip:example.com' });
    expect((await registrar.handle(req(3, fresh))).status).toBe(200);
  });
});

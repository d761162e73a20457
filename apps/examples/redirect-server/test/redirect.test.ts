// The redirect server with real user agents, on the virtual network and on UDP sockets.
import { type OutgoingCall, UserAgent } from '@sipkit/dialog';
import type { SipResponse } from '@sipkit/parser';
import { VirtualClock, VirtualNetwork } from '@sipkit/testkit';
import { udpTransport } from '@sipkit/transport-node';
import { describe, expect, it } from 'vitest';
import { redirectServer, redirectTargets } from '../src/redirect.js';

const resolver = {
  naptr: async () => [],
  srv: async () => [],
  a: async (n: string) => (n === 'example.com' ? ['10.0.0.10'] : []),
  aaaa: async () => [],
};

/** The final outcome of a call: the 2xx (established) or the failure. */
function outcome(call: OutgoingCall): Promise<SipResponse | Error> {
  return new Promise((resolve) => {
    call.on('established', (m) => resolve(m as SipResponse));
    call.on('failed', (r) => resolve(r));
  });
}

function setup() {
  const clock = new VirtualClock();
  const network = new VirtualNetwork({ clock, link: { delay: 5 } });
  const server = redirectServer({
    transports: [network.endpoint({ address: '10.0.0.10', port: 5060 })],
    domains: ['example.com'],
    // Bob's desk phone and, preferred, his mobile.
    locations: {
      bob: [
        { uri: 'sip:bob@10.0.1.2:5060', q: 0.5 },
        { uri: 'sip:bob@10.0.1.3:5060', q: 1 },
      ],
    },
    clock,
    resolver,
  });
  const ua = (user: string, n: number) =>
    new UserAgent({
      transports: [network.endpoint({ address: `10.0.1.${n}`, port: 5060 })],
      aor: `sip:${user}@example.com`,
      resolver,
      clock,
      sessionExpires: 0,
    });
  return { clock, network, server, ua };
}

describe('a redirect server (RFC 3261 §8.3)', () => {
  it('answers an INVITE with 302 and every Contact with its q-value, and forwards nothing', async () => {
    const { clock, network, ua } = setup();
    const alice = ua('alice', 1);
    const desk = ua('bob', 2);
    let rang = 0;
    desk.on('invite', () => rang++);
    const done = outcome(alice.invite('sip:bob@example.com'));
    await clock.advanceAsync(200);
    const res = (await done) as SipResponse;
    expect(res.status).toBe(302);
    expect(res.getValues('Contact')).toEqual(['<sip:bob@10.0.1.2:5060>;q=0.5', '<sip:bob@10.0.1.3:5060>;q=1']);
    // §8.1.3.4: the caller tries the highest q first.
    expect(redirectTargets(res)).toEqual(['sip:bob@10.0.1.3:5060', 'sip:bob@10.0.1.2:5060']);
    // §17.1.1.3: the caller's transaction ACKs the 302; the server sent no request anywhere.
    const labels = network.trace.map((t) => `${t.label} ${t.from}>${t.to}`);
    expect(labels).toContain('ACK 10.0.1.1:5060>10.0.0.10:5060');
    expect(network.trace.filter((t) => t.from === '10.0.0.10:5060').map((t) => t.label)).toEqual([
      '302 Moved Temporarily',
    ]);
    expect(rang).toBe(0);
  });

  it('lets a caller that follows the redirect reach the target, in q order (§8.1.3.4)', async () => {
    const { clock, network, ua } = setup();
    const alice = ua('alice', 1);
    const desk = ua('bob', 2);
    const mobile = ua('bob', 3);
    mobile.on('invite', (c) => c.reject(486));
    desk.on('invite', (c) => {
      c.ring();
      c.accept({ body: 'v=0\r\n' });
    });
    const first = outcome(alice.invite('sip:bob@example.com'));
    await clock.advanceAsync(100);
    const tried: number[] = [];
    let call: OutgoingCall | undefined;
    for (const uri of redirectTargets((await first) as SipResponse)) {
      call = alice.invite(uri);
      const result = outcome(call);
      await clock.advanceAsync(100);
      const r = await result;
      tried.push(r instanceof Error ? 0 : r.status);
      if (call.state === 'established') break;
    }
    expect(tried).toEqual([486, 200]);
    const invites = network.trace.filter((t) => t.label === 'INVITE').map((t) => t.to);
    expect(invites).toEqual(['10.0.0.10:5060', '10.0.1.3:5060', '10.0.1.2:5060']);
    expect(call?.state).toBe('established');
    const bye = call?.bye();
    await clock.advanceAsync(100);
    expect((await bye)?.status).toBe(200);
  });

  it('answers 404 for a user it does not know, 200 to OPTIONS and 405 to other methods', async () => {
    const { clock, ua } = setup();
    const alice = ua('alice', 1);
    const unknown = outcome(alice.invite('sip:zoe@example.com'));
    const options = alice.request('OPTIONS', 'sip:example.com');
    const message = alice.request('MESSAGE', 'sip:bob@example.com', { body: 'hi' });
    await clock.advanceAsync(200);
    expect(((await unknown) as SipResponse).status).toBe(404);
    expect((await options).status).toBe(200);
    const refused = await message;
    expect(refused.status).toBe(405);
    expect(refused.get('Allow')).toContain('INVITE');
  });
});

describe('the redirect server on UDP 127.0.0.1', () => {
  it('redirects a caller to a phone found by a lookup function, and the caller reaches it', async () => {
    const [ts, ta, tb] = await Promise.all([0, 1, 2].map(() => udpTransport({ host: '127.0.0.1', port: 0 })));
    if (ts === undefined || ta === undefined || tb === undefined) throw new Error('no sockets');
    const looked: string[] = [];
    const server = redirectServer({
      transports: [ts],
      domains: ['127.0.0.1'],
      locations: async (user) => {
        looked.push(user);
        return user === 'bob' ? [{ uri: `sip:bob@127.0.0.1:${tb.local.port}`, q: 0.8 }] : [];
      },
    });
    const alice = new UserAgent({ transports: [ta], aor: 'sip:alice@127.0.0.1', sessionExpires: 0 });
    const bob = new UserAgent({ transports: [tb], aor: 'sip:bob@127.0.0.1', sessionExpires: 0 });
    bob.on('invite', (c) => c.accept());
    try {
      const res = (await outcome(alice.invite(`sip:bob@127.0.0.1:${ts.local.port}`))) as SipResponse;
      expect(res.status).toBe(302);
      expect(res.getValues('Contact')).toEqual([`<sip:bob@127.0.0.1:${tb.local.port}>;q=0.8`]);
      expect(looked).toContain('bob');
      const [target] = redirectTargets(res);
      const call = alice.invite(target ?? '');
      const ok = (await outcome(call)) as SipResponse;
      expect(ok.status).toBe(200);
      expect((await call.bye()).status).toBe(200);
    } finally {
      await Promise.all([server.close(), alice.close(), bob.close()]);
    }
  });
});

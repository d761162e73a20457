// RFC 3261 §8.2.7: what the proxy answers without a server transaction — refusals of non-INVITE
// requests (§16.3) and the answers of `statelessAnswer` — on the testkit's virtual network.
import { createResponse, type SipRequest } from '@sipkit/parser';
import { VirtualClock, VirtualNetwork } from '@sipkit/testkit';
import { describe, expect, it } from 'vitest';
import { type ProxyOptions, SipProxy } from '../src/index.js';
import { rawPeer, settle } from './helpers.js';

const PROXY = { address: '10.0.0.10', port: 5060 };

function request(method: string, branch: string, extra = ''): string {
  return (
    `${method} sip:bob@example.com SIP/2.0\r\n` +
    `Via: SIP/2.0/UDP 10.0.0.1:5060;branch=${branch}\r\n` +
    'Max-Forwards: 70\r\n' +
    'From: <sip:alice@example.com>;tag=a1\r\n' +
    'To: <sip:bob@example.com>\r\n' +
    `Call-ID: ${branch}@10.0.0.1\r\n` +
    `CSeq: 1 ${method}\r\n` +
    extra +
    'Content-Length: 0\r\n\r\n'
  );
}

function setup(options: Partial<ProxyOptions> = {}) {
  const clock = new VirtualClock();
  const network = new VirtualNetwork({ clock, link: { delay: 1 } });
  const responded: number[] = [];
  const proxy = new SipProxy({
    transports: [network.endpoint(PROXY)],
    domains: ['example.com'],
    clock,
    targets: () => [{ uri: 'sip:bob@10.0.0.2:5060' }],
    beforeRespond: (res) => void responded.push(res.status),
    ...options,
  });
  const caller = rawPeer(network, '10.0.0.1');
  const callee = rawPeer(network, '10.0.0.2');
  const layer = proxy.layer;
  if (layer === undefined) throw new Error('a stateful proxy has a transaction layer');
  return { clock, proxy, layer, caller, callee, responded };
}

describe('statelessAnswer (§8.2.7)', () => {
  it('answers a request without a transaction, and a retransmission anew', () => {
    const asked: SipRequest[] = [];
    const s = setup({
      statelessAnswer: (req) => {
        asked.push(req);
        return req.has('Authorization') ? undefined : createResponse(req, 401, { reason: 'Unauthorized (stateless)' });
      },
    });
    s.caller.send(request('MESSAGE', 'z9hG4bKs1'), PROXY);
    s.clock.advance(10);
    s.caller.send(request('MESSAGE', 'z9hG4bKs1'), PROXY);
    s.clock.advance(10);
    expect(s.caller.responses().map((r) => `${r.status} ${r.reason}`)).toEqual([
      '401 Unauthorized (stateless)',
      '401 Unauthorized (stateless)',
    ]);
    expect(asked).toHaveLength(2);
    expect(s.layer.size).toMatchObject({ server: 0, completed: 0 });
    expect(s.proxy.counters.statelessAnswers).toBe(2);
    expect(s.responded).toEqual([401, 401]);
    expect(s.callee.got).toHaveLength(0);
  });

  it('lets the request through, statefully, when it answers undefined', async () => {
    const s = setup({ statelessAnswer: () => undefined });
    s.caller.send(request('MESSAGE', 'z9hG4bKs2', 'Authorization: Digest username="alice"\r\n'), PROXY);
    await settle(s.clock, Promise.resolve());
    s.clock.advance(10);
    expect(s.callee.requests('MESSAGE')).toHaveLength(1);
    expect(s.layer.counters.serverStarted).toBe(1);
    expect(s.proxy.counters.statelessAnswers).toBe(0);
  });

  it('is not asked about INVITE, and an INVITE refused by validation keeps its transaction', () => {
    const asked: string[] = [];
    const s = setup({
      statelessAnswer: (req) => {
        asked.push(req.method);
        return createResponse(req, 403);
      },
    });
    s.caller.send(request('INVITE', 'z9hG4bKs3').replace('Max-Forwards: 70', 'Max-Forwards: 0'), PROXY);
    s.clock.advance(10);
    expect(asked).toEqual([]);
    expect(s.caller.responses().map((r) => r.status)).toEqual([483]);
    // §17.2.1: the 483 is retransmitted until the ACK; that needs the INVITE transaction.
    expect(s.layer.size.server).toBe(1);
  });

  it('refuses a bad non-INVITE request (§16.3) without a transaction', () => {
    const s = setup();
    s.caller.send(request('OPTIONS', 'z9hG4bKs4').replace('Max-Forwards: 70', 'Max-Forwards: 0'), PROXY);
    s.caller.send(request('MESSAGE', 'z9hG4bKs5').replace('Max-Forwards: 70', 'Max-Forwards: 0'), PROXY);
    s.clock.advance(10);
    // §16.3 step 3: OPTIONS at Max-Forwards 0 is answered by the proxy, the rest refused 483.
    expect(s.caller.responses().map((r) => r.status)).toEqual([200, 483]);
    expect(s.layer.size).toMatchObject({ server: 0, completed: 0 });
    expect(s.proxy.counters.statelessAnswers).toBe(2);
  });

  it('sends an answer that comes later (a promise) without a transaction, and a retransmission anew', async () => {
    let stored = 0;
    const s = setup({
      statelessAnswer: (req) =>
        Promise.resolve().then(() => {
          stored++;
          return createResponse(req, 200, { reason: 'OK (stored)' });
        }),
    });
    s.caller.send(request('REGISTER', 'z9hG4bKs7'), PROXY);
    await s.clock.advanceAsync(10);
    s.caller.send(request('REGISTER', 'z9hG4bKs7'), PROXY);
    await s.clock.advanceAsync(10);
    expect(s.caller.responses().map((r) => `${r.status} ${r.reason}`)).toEqual(['200 OK (stored)', '200 OK (stored)']);
    expect(stored).toBe(2);
    expect(s.layer.size).toMatchObject({ server: 0, completed: 0 });
    expect(s.layer.counters.serverStarted).toBe(0);
    expect(s.proxy.counters.statelessAnswers).toBe(2);
    expect(s.responded).toEqual([200, 200]);
  });

  it('discards a retransmission the hook answers null for (§17.2.2), and answers the first once', async () => {
    let release: (() => void) | undefined;
    const pending = new Set<string>();
    const s = setup({
      statelessAnswer: (req) => {
        const key = req.callId ?? '';
        if (pending.has(key)) return null;
        pending.add(key);
        return new Promise<void>((r) => {
          release = r;
        }).then(() => {
          pending.delete(key);
          return createResponse(req, 200);
        });
      },
    });
    s.caller.send(request('REGISTER', 'z9hG4bKs9'), PROXY);
    await s.clock.advanceAsync(10);
    s.caller.send(request('REGISTER', 'z9hG4bKs9'), PROXY);
    await s.clock.advanceAsync(10);
    expect(s.caller.responses()).toHaveLength(0);
    release?.();
    await s.clock.advanceAsync(10);
    expect(s.caller.responses().map((r) => r.status)).toEqual([200]);
    expect(s.proxy.counters).toMatchObject({ requests: 1, statelessAnswers: 1 });
    expect(s.layer.size).toMatchObject({ server: 0, completed: 0 });
  });

  it('answers 500 without a transaction when the promised answer rejects', async () => {
    const s = setup({ statelessAnswer: () => Promise.reject(new Error('store down')) });
    s.caller.send(request('REGISTER', 'z9hG4bKs8'), PROXY);
    await s.clock.advanceAsync(10);
    expect(s.caller.responses().map((r) => r.status)).toEqual([500]);
    expect(s.proxy.counters.errors).toBe(1);
    expect(s.layer.size).toMatchObject({ server: 0, completed: 0 });
  });

  it('answers 500 without a transaction when the hook throws', () => {
    const s = setup({
      statelessAnswer: () => {
        throw new Error('boom');
      },
    });
    s.caller.send(request('MESSAGE', 'z9hG4bKs6'), PROXY);
    s.clock.advance(10);
    expect(s.caller.responses().map((r) => r.status)).toEqual([500]);
    expect(s.proxy.counters.errors).toBe(1);
    expect(s.layer.size.server).toBe(0);
  });
});

// The example element with real user agents on the virtual network.
import { UserAgent } from '@sipkit/dialog';
import type { SipResponse } from '@sipkit/parser';
import { VirtualClock, VirtualNetwork } from '@sipkit/testkit';
import { describe, expect, it } from 'vitest';
import { routingProxy } from '../src/routing.js';

const resolver = {
  naptr: async () => [],
  srv: async () => [],
  a: async (n: string) => (n === 'example.com' ? ['10.0.0.10'] : []),
  aaaa: async () => [],
};

function setup() {
  const clock = new VirtualClock();
  const network = new VirtualNetwork({ clock, link: { delay: 5 } });
  const { proxy } = routingProxy({
    transports: [network.endpoint({ address: '10.0.0.10', port: 5060 })],
    domain: 'example.com',
    emergencyGateway: '10.0.9.9:5060',
    sales: ['alice', 'bob'],
    blocked: ['mallory@example.com'],
    clock,
    resolver,
  });
  const ua = (user: string, n: number) =>
    new UserAgent({
      transports: [network.endpoint({ address: `10.0.1.${n}`, port: 5060 })],
      aor: `sip:${user}@example.com`,
      outboundRoute: ['<sip:10.0.0.10:5060;lr>'],
      resolver,
      clock,
      sessionExpires: 0,
    });
  return { clock, network, proxy, ua };
}

describe('the routing proxy example', () => {
  it('rings every salesperson for sales@, adds its header, and blocks mallory', async () => {
    const { clock, ua } = setup();
    const alice = ua('alice', 1);
    const bob = ua('bob', 2);
    const carol = ua('carol', 3);
    const mallory = ua('mallory', 4);
    for (const u of [alice, bob]) {
      const p = u.register('sip:example.com');
      await clock.advanceAsync(100);
      expect((await p).status).toBe(200);
    }
    const rang: string[] = [];
    alice.on('invite', (c) => {
      rang.push(`alice ${c.invite.get('X-Routed-By')}`);
      c.ring();
    });
    bob.on('invite', (c) => {
      rang.push('bob');
      c.accept();
    });
    const call = carol.invite('sip:sales@example.com');
    await clock.advanceAsync(300);
    expect(rang.sort()).toEqual(['alice sipkit-example', 'bob']);
    expect(call.state).toBe('established');
    const blocked = mallory.invite('sip:bob@example.com');
    const failed: number[] = [];
    blocked.on('failed', (r) => failed.push((r as SipResponse).status));
    await clock.advanceAsync(300);
    expect(failed).toEqual([403]);
  });

  it('sends emergency calls to the gateway', async () => {
    const { clock, network, ua } = setup();
    const carol = ua('carol', 3);
    network.clearTrace();
    carol.invite('sip:112@example.com');
    await clock.advanceAsync(100);
    expect(network.trace.some((t) => t.label === 'INVITE' && t.to === '10.0.9.9:5060')).toBe(true);
  });
});

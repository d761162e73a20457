// SipProxyOptions.aliases: an address in front of the proxy (a public or shared address) is the
// proxy's own in §16.4 like a transport's, so a preloaded Route naming it is taken off.
import { UserAgent } from '@sipkit/dialog';
import { parseUri } from '@sipkit/parser';
import { VirtualClock, VirtualNetwork } from '@sipkit/testkit';
import { describe, expect, it } from 'vitest';
import { SipProxy } from '../src/index.js';

function world(aliases?: { address: string; port: number }[]) {
  const clock = new VirtualClock();
  const network = new VirtualNetwork({ clock, link: { delay: 5 } });
  const proxy = new SipProxy({
    transports: [network.endpoint({ address: '10.0.0.10', port: 5070, protocol: 'udp' })],
    domains: ['example.com'],
    clock,
    ...(aliases === undefined ? {} : { aliases }),
    targets: () => [{ uri: 'sip:bob@10.0.1.2:5060' }],
  });
  // Alice knows the proxy by its public address, 192.0.2.1:5060, which delivers to 10.0.0.10:5070.
  const alice = new UserAgent({
    transports: [network.endpoint({ address: '10.0.1.1', port: 5060, protocol: 'udp' })],
    aor: 'sip:alice@example.com',
    outboundRoute: ['<sip:10.0.0.10:5070;lr>', '<sip:192.0.2.1:5060;lr>'],
    clock,
    sessionExpires: 0,
  });
  const bob = new UserAgent({
    transports: [network.endpoint({ address: '10.0.1.2', port: 5060, protocol: 'udp' })],
    aor: 'sip:bob@example.com',
    clock,
    sessionExpires: 0,
  });
  return { clock, network, proxy, alice, bob };
}

describe('aliases (§16.4)', () => {
  it('counts an alias as ours: isLocal, and a Route naming it is removed before forwarding', async () => {
    const { clock, proxy, alice, bob } = world([{ address: '192.0.2.1', port: 5060 }]);
    expect(proxy.isLocal(parseUri('sip:192.0.2.1:5060;lr'))).toBe(true);
    expect(proxy.isLocal(parseUri('sip:192.0.2.1'))).toBe(true);
    expect(proxy.isLocal(parseUri('sip:192.0.2.1:5062'))).toBe(false);
    let routes: readonly string[] | undefined;
    bob.on('invite', (c) => {
      routes = c.invite.getValues('Route');
      c.accept();
    });
    const call = alice.invite('sip:bob@example.com');
    await clock.advanceAsync(300);
    expect(call.state).toBe('established');
    // Both Routes were ours: none reaches Bob.
    expect(routes).toEqual([]);
  });

  it('without the alias, the same Route is someone else’s and the request is sent on to it', async () => {
    const { clock, proxy, network, alice, bob } = world();
    expect(proxy.isLocal(parseUri('sip:192.0.2.1:5060;lr'))).toBe(false);
    let reached = false;
    bob.on('invite', () => {
      reached = true;
    });
    alice.invite('sip:bob@example.com');
    await clock.advanceAsync(300);
    expect(reached).toBe(false);
    expect(network.trace.some((t) => t.label === 'INVITE' && t.to.startsWith('192.0.2.1:5060'))).toBe(true);
  });
});

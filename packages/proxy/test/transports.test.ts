// RFC 5658 §4 (the note of RFC 3261 §16.6 step 4): a proxy that takes a request in on UDP and
// sends it on over TCP record-routes twice, one URI per transport, and routes the dialog's
// requests both ways (§16.4: both URIs are its own).
import { type IncomingCall, UserAgent } from '@sipkit/dialog';
import { VirtualClock, VirtualNetwork } from '@sipkit/testkit';
import { describe, expect, it } from 'vitest';
import { SipProxy } from '../src/index.js';
import { settle } from './helpers.js';

function world() {
  const clock = new VirtualClock();
  const network = new VirtualNetwork({ clock, link: { delay: 5 } });
  const proxy = new SipProxy({
    transports: [
      network.endpoint({ address: '10.0.0.10', port: 5060, protocol: 'udp' }),
      network.endpoint({ address: '10.0.0.10', port: 5060, protocol: 'tcp' }),
    ],
    domains: ['example.com'],
    clock,
    targets: (req) => {
      const uri = req.requestUri;
      if (uri.kind !== 'sip') return [];
      if (uri.user === 'bob') return [{ uri: 'sip:bob@10.0.1.2:5060;transport=tcp' }];
      return [{ uri: uri.user === 'carol' ? 'sip:carol@10.0.1.3:5060' : 'sip:alice@10.0.1.1:5060' }];
    },
  });
  // Alice speaks UDP, Bob TCP only.
  const alice = new UserAgent({
    transports: [network.endpoint({ address: '10.0.1.1', port: 5060, protocol: 'udp' })],
    aor: 'sip:alice@example.com',
    outboundRoute: ['<sip:10.0.0.10:5060;lr>'],
    clock,
    sessionExpires: 0,
  });
  const bob = new UserAgent({
    transports: [network.endpoint({ address: '10.0.1.2', port: 5060, protocol: 'tcp' })],
    aor: 'sip:bob@example.com',
    contact: 'sip:bob@10.0.1.2:5060;transport=tcp',
    outboundRoute: ['<sip:10.0.0.10:5060;transport=tcp;lr>'],
    clock,
    sessionExpires: 0,
  });
  return { clock, network, proxy, alice, bob };
}

const UDP_RR = '<sip:10.0.0.10:5060;transport=udp;lr>';
const TCP_RR = '<sip:10.0.0.10:5060;transport=tcp;lr>';

describe('double Record-Route when the transport changes (RFC 5658 §4)', () => {
  it('inserts the outgoing (TCP) URI above the incoming (UDP) one, each naming its transport', async () => {
    const { clock, alice, bob } = world();
    let inc: IncomingCall | undefined;
    bob.on('invite', (c) => {
      inc = c;
      c.accept();
    });
    const call = alice.invite('sip:bob@example.com');
    await clock.advanceAsync(300);
    expect(call.state).toBe('established');
    expect(inc?.invite.getValues('Record-Route')).toEqual([TCP_RR, UDP_RR]);
    // The caller reads the route set bottom up (§12.1.2): its first hop is the UDP side.
    expect(call.dialog?.routeSet).toEqual([UDP_RR, TCP_RR]);
    expect(inc?.dialog?.routeSet).toEqual([TCP_RR, UDP_RR]);
  });

  it('routes ACK and BYE from the UDP side out over TCP, and BYE from the TCP side out over UDP (§16.4)', async () => {
    const { clock, network, alice, bob } = world();
    const calls: IncomingCall[] = [];
    bob.on('invite', (c) => {
      calls.push(c);
      c.accept();
    });
    const hops = () =>
      network.trace
        .filter((t) => t.label === 'ACK' || t.label === 'BYE')
        .map((t) => `${t.label} ${t.from.split(':')[0]}>${t.to.split(':')[0]} ${t.protocol}`);

    // Alice hangs up.
    network.clearTrace();
    const first = alice.invite('sip:bob@example.com');
    await clock.advanceAsync(300);
    expect((await settle(clock, first.bye())).status).toBe(200);
    expect(calls[0]?.state).toBe('terminated');
    expect(hops()).toEqual([
      'ACK 10.0.1.1>10.0.0.10 udp',
      'ACK 10.0.0.10>10.0.1.2 tcp',
      'BYE 10.0.1.1>10.0.0.10 udp',
      'BYE 10.0.0.10>10.0.1.2 tcp',
    ]);

    // Bob hangs up.
    network.clearTrace();
    const second = alice.invite('sip:bob@example.com');
    await clock.advanceAsync(300);
    expect(second.state).toBe('established');
    const bye = calls[1]?.bye();
    if (bye === undefined) throw new Error('no second call');
    expect((await settle(clock, bye)).status).toBe(200);
    expect(second.state).toBe('terminated');
    expect(hops().filter((h) => h.startsWith('BYE'))).toEqual([
      'BYE 10.0.1.2>10.0.0.10 tcp',
      'BYE 10.0.0.10>10.0.1.1 udp',
    ]);
  });

  it('puts the UDP URI on top for a call from the TCP side, and one URI when the transport stays', async () => {
    const { clock, network, alice, bob } = world();
    const carol = new UserAgent({
      transports: [network.endpoint({ address: '10.0.1.3', port: 5060 })],
      aor: 'sip:carol@example.com',
      outboundRoute: ['<sip:10.0.0.10:5060;lr>'],
      clock,
      sessionExpires: 0,
    });
    const rr: Record<string, string[]> = {};
    alice.on('invite', (c) => {
      rr.alice = c.invite.getValues('Record-Route');
      c.accept();
    });
    carol.on('invite', (c) => {
      rr.carol = c.invite.getValues('Record-Route');
      c.accept();
    });
    const fromBob = bob.invite('sip:alice@example.com');
    const fromAlice = alice.invite('sip:carol@example.com');
    await clock.advanceAsync(300);
    expect([fromBob.state, fromAlice.state]).toEqual(['established', 'established']);
    expect(rr.alice).toEqual([UDP_RR, TCP_RR]);
    expect(rr.carol).toEqual(['<sip:10.0.0.10:5060;lr>']);
  });
});

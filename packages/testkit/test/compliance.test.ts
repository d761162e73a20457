// The virtual network's endpoints pass the same transport compliance suite as the socket
// transports of @sipkit/transport-node. The suite waits in real time, so the network runs here
// on the platform's timers instead of a VirtualClock.
import type { TransportProtocol } from '@sipkit/transport';
import { describe, expect, it } from 'vitest';
import { type Clock, type TransportPair, transportComplianceChecks, VirtualNetwork } from '../src/index.js';

const realClock: Clock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

const pair = (protocol: TransportProtocol, address: string) => async (): Promise<TransportPair> => {
  const net = new VirtualNetwork({ clock: realClock, link: { delay: 1, jitter: protocol === 'udp' ? 0 : 3 } });
  const a = net.endpoint({ address, protocol });
  const b = net.endpoint({ address, protocol });
  return { a, b, close: async () => void (await Promise.all([a.close(), b.close()])) };
};

const kinds: [string, () => Promise<TransportPair>][] = [
  ['udp without loss', pair('udp', '192.0.2.1')],
  ['tcp', pair('tcp', '192.0.2.1')],
  ['tls on IPv6', pair('tls', '2001:db8::1')],
  ['wss', pair('wss', '192.0.2.1')],
];

describe.each(kinds)('virtual %s', (_name, make) => {
  for (const c of transportComplianceChecks(make)) it(c.name, () => c.run());
});

describe('transportComplianceChecks', () => {
  it('fails a transport that falls short', async () => {
    const make = async (): Promise<TransportPair> => {
      const { a, b, close } = await pair('udp', '192.0.2.1')();
      // Claims to be reliable while it is UDP.
      return { a: Object.assign(Object.create(a), { reliable: true }), b, close };
    };
    const [describes] = transportComplianceChecks(make, 200);
    await expect(describes?.run()).rejects.toThrow(/reliable is true/);

    const lossy = async (): Promise<TransportPair> => {
      const net = new VirtualNetwork({ clock: realClock, seed: 1, link: { loss: 0.5 } });
      const a = net.endpoint({ address: '192.0.2.1' });
      const b = net.endpoint({ address: '192.0.2.2' });
      return { a, b, close: async () => void (await Promise.all([a.close(), b.close()])) };
    };
    const burst = transportComplianceChecks(lossy, 200).find((c) => c.name.startsWith('delivers messages sent back'));
    await expect(burst?.run()).rejects.toThrow(/of 20 messages arrived/);
  });
});

// RFC 4028 session timers: negotiation, refresh at half the interval, expiry without refresh, 422.
import { VirtualClock, VirtualNetwork } from '@sipkit/testkit';
import { describe, expect, it } from 'vitest';
import { type IncomingCall, type OutgoingCall, UserAgent } from '../src/index.js';

async function call(aliceSE = 1800, bobMinSE = 90) {
  const clock = new VirtualClock();
  const network = new VirtualNetwork({ clock, link: { delay: 10 } });
  const alice = new UserAgent({
    transports: [network.endpoint({ address: '10.0.0.1', port: 5060 })],
    aor: 'sip:alice@10.0.0.1',
    clock,
    sessionExpires: aliceSE,
  });
  const bob = new UserAgent({
    transports: [network.endpoint({ address: '10.0.0.2', port: 5060 })],
    aor: 'sip:bob@10.0.0.2',
    clock,
    minSE: bobMinSE,
    sessionExpires: Math.max(1800, bobMinSE),
  });
  let inc: IncomingCall | undefined;
  bob.on('invite', (c) => {
    inc = c;
    c.accept();
  });
  const out = alice.invite('sip:bob@10.0.0.2');
  await clock.advanceAsync(200);
  if (inc === undefined) throw new Error('no incoming call');
  return { clock, network, out: out as OutgoingCall, inc, alice, bob };
}

describe('session timers (RFC 4028)', () => {
  it('negotiates the interval with the caller as refresher', async () => {
    const { network, out, inc } = await call();
    const ok = network.trace.find((t) => t.label === '200 OK');
    expect(ok).toBeDefined();
    expect(out.session).toEqual({ interval: 1800, refresher: 'local' });
    expect(inc.session).toEqual({ interval: 1800, refresher: 'remote' });
  });

  it('the refresher sends a re-INVITE at half the interval, again and again, and the call lives on', async () => {
    const { clock, network, out, inc } = await call();
    network.clearTrace();
    await clock.advanceAsync(900_000);
    expect(network.trace.map((t) => t.label)).toEqual(['INVITE', '200 OK', 'ACK']);
    await clock.advanceAsync(3 * 900_000);
    expect(network.trace.filter((t) => t.label === 'INVITE')).toHaveLength(4);
    expect(out.state).toBe('established');
    expect(inc.state).toBe('established');
  });

  it('the other side ends the session with BYE when no refresh comes (interval minus 32 s)', async () => {
    const { clock, network, inc } = await call();
    network.link('10.0.0.1:5060', '10.0.0.2:5060', { loss: 1 });
    const ended: string[] = [];
    inc.on('ended', (r) => ended.push(r));
    await clock.advanceAsync(1_767_000);
    expect(ended).toEqual([]);
    await clock.advanceAsync(2_000);
    expect(ended).toEqual(['expired']);
    expect(network.trace.filter((t) => t.label === 'BYE' && t.from === '10.0.0.2:5060').length).toBeGreaterThan(0);
  });

  it('answers an interval below its Min-SE with 422, and the caller retries with it', async () => {
    const { network, out, inc } = await call(600, 1200);
    const labels = network.trace.map((t) => t.label);
    expect(labels.slice(0, 3)).toEqual(['INVITE', '422 Session Interval Too Small', 'ACK']);
    expect(out.state).toBe('established');
    expect(inc.invite.sessionExpires?.seconds).toBe(1200);
    expect(out.session?.interval).toBe(1200);
  });

  it('refuses a bad configuration, naming the key', () => {
    const network = new VirtualNetwork({ clock: new VirtualClock() });
    const t = [network.endpoint({ address: '10.0.0.9', port: 5060 })];
    expect(() => new UserAgent({ transports: t, aor: 'sip:x@10.0.0.9', minSE: 30 })).toThrow(/minSE/);
    expect(() => new UserAgent({ transports: t, aor: 'sip:x@10.0.0.9', sessionExpires: 60 })).toThrow(/sessionExpires/);
  });
});

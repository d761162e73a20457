// RFC 3263 §4.3: targets from resolution are tried in order; a timeout, a transport failure or a
// 503 moves on to the next, in a new transaction with a new branch.
import { parseUri, type SipRequest } from '@sipkit/parser';
import { VirtualClock } from '@sipkit/testkit';
import { resolveTargets, type Target, TargetBlocklist } from '@sipkit/transport';
import { describe, expect, it } from 'vitest';
import { TransactionLayer } from '../src/index.js';
import { collectGarbage, ourRequest, RecordingTu, responseTo, ScriptedTransport, settle } from './helpers.js';

/** Two SRV targets for example.com over UDP: 192.0.2.11 (priority 10), then 192.0.2.12 (20). */
const resolver = {
  naptr: async () => [],
  srv: async (name: string) =>
    name === '_sip._udp.example.com'
      ? [
          { name: 'b.example.com', port: 5060, priority: 20, weight: 0 },
          { name: 'a.example.com', port: 5060, priority: 10, weight: 0 },
        ]
      : [],
  a: async (name: string) =>
    name === 'a.example.com' ? ['192.0.2.11'] : name === 'b.example.com' ? ['192.0.2.12'] : [],
  aaaa: async () => [],
};

async function setup() {
  const clock = new VirtualClock();
  const transport = new ScriptedTransport();
  const tu = new RecordingTu();
  const layer = new TransactionLayer({ transports: [transport], tu, clock });
  const uri = parseUri('sip:example.com');
  if (uri.kind !== 'sip') throw new Error('not a SIP URI');
  const targets = await resolveTargets(uri, resolver, { transports: ['udp'] });
  const blocklist = new TargetBlocklist(() => clock.now());
  return { clock, transport, tu, layer, targets, blocklist };
}

const sentTo = (t: ScriptedTransport) => t.sent.map((s) => s.to.address);
const branchOf = (t: ScriptedTransport, n: number) => (t.message(n) as SipRequest).topVia?.branch;

describe('failover between resolved targets (RFC 3263 §4.3)', () => {
  it('resolves SRV targets in priority order', async () => {
    const { targets } = await setup();
    expect(targets.map((t: Target) => t.address)).toEqual(['192.0.2.11', '192.0.2.12']);
  });

  it('moves on after a 503, in a new transaction with a new branch, and hides the 503 from the TU', async () => {
    const { transport, tu, layer, targets, blocklist } = await setup();
    const req = ourRequest(layer, 'OPTIONS');
    const f = layer.requestWithFailover(req, targets, tu, { blocklist });
    transport.deliver(responseTo(transport.message(0) as SipRequest, 503, 'Service Unavailable', 'x'));
    expect(sentTo(transport)).toEqual(['192.0.2.11', '192.0.2.12']);
    expect(branchOf(transport, 1)).not.toBe(branchOf(transport, 0));
    transport.deliver(responseTo(transport.message(1) as SipRequest, 200, 'OK', 'y'));
    expect(tu.statuses).toEqual([200]);
    expect(f.done).toBe(true);
    expect(f.tried.map((t) => t.address)).toEqual(['192.0.2.11', '192.0.2.12']);
    expect(blocklist.blocked(targets[0] as Target)).toBe(true);
    expect(blocklist.blocked(targets[1] as Target)).toBe(false);
  });

  it('keeps a 503 target blocked for its Retry-After', async () => {
    const { clock, transport, tu, layer, targets, blocklist } = await setup();
    layer.requestWithFailover(ourRequest(layer, 'OPTIONS'), targets, tu, { blocklist });
    transport.deliver(
      responseTo(transport.message(0) as SipRequest, 503, 'Service Unavailable', 'x').replace(
        'Content-Length: 0',
        'Retry-After: 120\r\nContent-Length: 0',
      ),
    );
    clock.advance(119_000);
    expect(blocklist.blocked(targets[0] as Target)).toBe(true);
    clock.advance(1_000);
    expect(blocklist.blocked(targets[0] as Target)).toBe(false);
  });

  it('moves on when the first target times out (Timer F)', async () => {
    const { clock, transport, tu, layer, targets } = await setup();
    layer.requestWithFailover(ourRequest(layer, 'OPTIONS'), targets, tu);
    clock.advance(31_999);
    expect(new Set(sentTo(transport))).toEqual(new Set(['192.0.2.11']));
    clock.advance(1);
    expect(sentTo(transport).at(-1)).toBe('192.0.2.12');
    expect(tu.failures).toHaveLength(0);
  });

  it('moves on at once after a transport error', async () => {
    const { transport, tu, layer, targets } = await setup();
    transport.failWith = new Error('ECONNREFUSED');
    layer.requestWithFailover(ourRequest(layer, 'OPTIONS'), targets, tu);
    await settle();
    expect(sentTo(transport)).toEqual(['192.0.2.11', '192.0.2.12']);
    // Both failed: the TU hears of the last failure once.
    expect(tu.failures.map((f) => f.error.code)).toEqual(['TRANSPORT']);
  });

  it('gives the TU the last 503 when every target answered 503', async () => {
    const { transport, tu, layer, targets } = await setup();
    layer.requestWithFailover(ourRequest(layer, 'OPTIONS'), targets, tu);
    transport.deliver(responseTo(transport.message(0) as SipRequest, 503, 'Service Unavailable', 'x'));
    transport.deliver(responseTo(transport.message(1) as SipRequest, 503, 'Service Unavailable', 'y'));
    expect(tu.statuses).toEqual([503]);
  });

  it('skips blocked targets; with every target blocked it tries them all rather than none', async () => {
    const { transport, tu, layer, targets, blocklist } = await setup();
    blocklist.fail(targets[0] as Target);
    layer.requestWithFailover(ourRequest(layer, 'OPTIONS'), targets, tu, { blocklist });
    expect(sentTo(transport)).toEqual(['192.0.2.12']);
    blocklist.fail(targets[1] as Target);
    layer.requestWithFailover(ourRequest(layer, 'OPTIONS'), targets, tu, { blocklist });
    expect(sentTo(transport)).toEqual(['192.0.2.12', '192.0.2.11']);
  });

  it('refuses to start without a target', async () => {
    const { tu, layer } = await setup();
    expect(() => layer.requestWithFailover(ourRequest(layer, 'OPTIONS'), [], tu)).toThrow(
      expect.objectContaining({ code: 'NO_TARGET' }),
    );
  });

  it('fails over an INVITE after a 503 (the 503 is ACKed by its own transaction)', async () => {
    const { transport, tu, layer, targets } = await setup();
    layer.requestWithFailover(ourRequest(layer, 'INVITE'), targets, tu);
    transport.deliver(responseTo(transport.message(0) as SipRequest, 503, 'Service Unavailable', 'x'));
    expect(transport.lines).toEqual([
      'INVITE sip:bob@peer.example.com SIP/2.0',
      'ACK sip:bob@peer.example.com SIP/2.0',
      'INVITE sip:bob@peer.example.com SIP/2.0',
    ]);
    expect(sentTo(transport)).toEqual(['192.0.2.11', '192.0.2.11', '192.0.2.12']);
  });

  it('lets go of the request once answered, and still passes up the 2xx retransmitted 20 s later in Accepted (RFC 6026 §8.4)', async () => {
    const { clock, transport, tu, layer, targets } = await setup();
    const context = { call: 1 };
    let request: SipRequest | undefined = ourRequest(layer, 'INVITE');
    const held = new WeakRef(request);
    const sent = layer.requestWithFailover(request, targets, tu, { context });
    request = undefined;
    const ok = responseTo(transport.message(0) as SipRequest, 200, 'OK', 'b1');
    transport.deliver(ok);
    expect(sent.done).toBe(true);
    await collectGarbage();
    // Neither the attempt's transaction nor the failover keeps the request object for Timer M.
    expect(held.deref()).toBeUndefined();
    clock.advance(20_000);
    transport.deliver(ok);
    expect(tu.statuses).toEqual([200, 200]);
    expect(tu.responses.map((r) => r.tx.context)).toEqual([context, context]);
    clock.advance(12_000);
    expect(layer.size).toEqual({ client: 0, server: 0, completed: 0, timers: 0 });
  });
});

// RFC 6026 through the proxy: once a call is answered the response context keeps only what it
// needs to pass on later 2xx responses (§7.2, the client transaction in Accepted §8.4, the server
// transaction in Accepted §8.7), for 64*T1; everything else is let go at once.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createResponse, type SipRequest, type SipResponse, serialize } from '@sipkit/parser';
import { VirtualClock, VirtualNetwork } from '@sipkit/testkit';
import { describe, expect, it } from 'vitest';
import { SipProxy } from '../src/index.js';
import { rawPeer } from './helpers.js';

setFlagsFromString('--expose-gc');
const fullGc = runInNewContext('gc') as () => void;

/** A full garbage collection once the current job is over (WeakRef targets live until then). */
async function collectGarbage(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 0));
  fullGc();
}

const PROXY = { address: '10.0.0.10', port: 5060 };
const empty = { client: 0, server: 0, completed: 0, timers: 0 };

/** A caller and a callee on byte peers around one proxy; every request the proxy handles is watched. */
function world() {
  const clock = new VirtualClock();
  const network = new VirtualNetwork({ clock, link: { delay: 5 } });
  const watched: WeakRef<SipRequest>[] = [];
  const proxy = new SipProxy({
    transports: [network.endpoint(PROXY)],
    domains: ['example.com'],
    clock,
    targets: () => [{ uri: 'sip:bob@10.0.1.2:5060' }],
    // The request the proxy got, and each copy it forwards (§16.6 step 1).
    onRequest: (req) => {
      watched.push(new WeakRef(req));
      return undefined;
    },
    beforeForward: (copy) => {
      watched.push(new WeakRef(copy));
    },
  });
  const caller = rawPeer(network, '10.0.1.1');
  const callee = rawPeer(network, '10.0.1.2');
  const invite = (branch = 'z9hG4bKcall1') => `INVITE sip:bob@example.com SIP/2.0\r
Via: SIP/2.0/UDP 10.0.1.1:5060;branch=${branch}\r
Max-Forwards: 70\r
To: <sip:bob@example.com>\r
From: <sip:alice@example.com>;tag=a1\r
Call-ID: accepted-1@10.0.1.1\r
CSeq: 1 INVITE\r
Contact: <sip:alice@10.0.1.1:5060>\r
Content-Length: 0\r
\r
`;
  /** The callee's answer to the INVITE it got, with its To tag, Contact and the Record-Route. */
  const answer = (status: number, tag: string): Uint8Array => {
    const inv = callee.requests('INVITE')[0];
    if (inv === undefined) throw new Error('the callee got no INVITE');
    const headers: [string, string][] = inv.getValues('Record-Route').map((rr) => ['Record-Route', rr]);
    if (status >= 200) headers.push(['Contact', `<sip:bob@10.0.1.2:5060>`]);
    return serialize(createResponse(inv, status, { toTag: tag, headers }));
  };
  const statuses = () => caller.responses().map((r) => `${r.status} ${r.cseq?.method}`);
  return { clock, network, proxy, caller, callee, invite, answer, statuses, watched };
}

describe('a call answered through the proxy, held for RFC 6026 Accepted', () => {
  it('forwards a 2xx retransmitted 20 s after the answer, and the 2xx of another fork, with the request and its copy let go', async () => {
    const { clock, proxy, caller, callee, invite, answer, statuses, watched } = world();
    await caller.send(invite(), PROXY);
    await clock.advanceAsync(20);
    const ok = answer(200, 'b1');
    await callee.endpoint.send(answer(180, 'b1'), PROXY);
    await callee.endpoint.send(ok, PROXY);
    await clock.advanceAsync(20);
    expect(statuses()).toEqual(['180 INVITE', '200 INVITE']);
    expect(proxy.contexts).toBe(1);
    expect(watched).toHaveLength(2);

    // Answered: the context lives on for Timer L, but holds neither the request nor its copy.
    await collectGarbage();
    expect(watched.map((w) => w.deref())).toEqual([undefined, undefined]);

    clock.advance(20_000);
    // §17.1.1.3: the callee retransmits its 2xx (the caller's ACK was lost), a fork answers too.
    await callee.endpoint.send(ok, PROXY);
    await callee.endpoint.send(answer(200, 'b2'), PROXY);
    await clock.advanceAsync(20);
    expect(statuses()).toEqual(['180 INVITE', '200 INVITE', '200 INVITE', '200 INVITE']);
    const oks = caller.responses().filter((r): r is SipResponse => r.status === 200);
    // The same 2xx each time, our Via taken off (§16.7 step 3); the fork's with its own To tag.
    expect(serialize(oks[1] as SipResponse)).toEqual(serialize(oks[0] as SipResponse));
    expect(oks.map((r) => r.to?.tag)).toEqual(['b1', 'b1', 'b2']);
    expect(oks.map((r) => r.getAll('Via').length)).toEqual([1, 1, 1]);

    // The INVITE retransmitted now is absorbed (RFC 6026 §8.7): no new branch, nothing answered.
    await caller.send(invite(), PROXY);
    await clock.advanceAsync(20);
    expect(callee.requests('INVITE')).toHaveLength(1);
    expect(statuses()).toHaveLength(4);
    expect(proxy.counters.branches).toBe(1);

    // Timers L and M (64*T1 after the 2xx) end both transactions and the context.
    await clock.advanceAsync(13_000);
    expect(proxy.contexts).toBe(0);
    expect(proxy.layer?.size).toEqual(empty);
    // After Timer M a 2xx matches nothing and is dropped (RFC 6026 §7.2).
    await callee.endpoint.send(ok, PROXY);
    await clock.advanceAsync(20);
    expect(statuses()).toHaveLength(4);
  });

  it('answers a CANCEL that comes after the 2xx with 200 and cancels nothing (§16.10)', async () => {
    const { clock, proxy, caller, callee, invite, answer, statuses } = world();
    await caller.send(invite(), PROXY);
    await clock.advanceAsync(20);
    await callee.endpoint.send(answer(200, 'b1'), PROXY);
    await clock.advanceAsync(20);
    await collectGarbage();
    clock.advance(5_000);
    await caller.send(
      invite()
        .replace('INVITE sip:bob@example.com', 'CANCEL sip:bob@example.com')
        .replace('CSeq: 1 INVITE', 'CSeq: 1 CANCEL')
        .replace('Contact: <sip:alice@10.0.1.1:5060>\r\n', ''),
      PROXY,
    );
    await clock.advanceAsync(20);
    expect(statuses()).toEqual(['200 INVITE', '200 CANCEL']);
    expect(callee.requests('CANCEL')).toHaveLength(0);
    expect(proxy.contexts).toBe(1);
  });

  it('lets go of a non-INVITE request and its copy with the final response, and of everything after Timers K and J', async () => {
    const { clock, proxy, caller, callee, statuses, watched } = world();
    const bye = `BYE sip:bob@example.com SIP/2.0\r
Via: SIP/2.0/UDP 10.0.1.1:5060;branch=z9hG4bKbye1\r
Max-Forwards: 70\r
To: <sip:bob@example.com>;tag=b1\r
From: <sip:alice@example.com>;tag=a1\r
Call-ID: accepted-2@10.0.1.1\r
CSeq: 2 BYE\r
Content-Length: 0\r
\r
`;
    await caller.send(bye, PROXY);
    await clock.advanceAsync(20);
    const got = callee.requests('BYE')[0];
    if (got === undefined) throw new Error('the callee got no BYE');
    await callee.endpoint.send(serialize(createResponse(got, 200)), PROXY);
    await clock.advanceAsync(20);
    expect(statuses()).toEqual(['200 BYE']);
    expect(proxy.contexts).toBe(0);
    // The client transaction waits out Timer K and the server one Timer J, holding no request object.
    expect(proxy.layer?.size).toMatchObject({ client: 1, completed: 1 });
    await collectGarbage();
    expect(watched.map((w) => w.deref())).toEqual([undefined, undefined]);
    await clock.advanceAsync(33_000);
    expect(proxy.layer?.size).toEqual(empty);
  });
});

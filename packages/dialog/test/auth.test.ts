// Digest retry of an INVITE on 401 and 407 (RFC 3261 §22.2–22.3, RFC 7616), giving up cleanly on a
// second challenge; and the §8.2.3 415 check.
import { DigestServer } from '@sipkit/digest';
import { createResponse, type SipRequest } from '@sipkit/parser';
import { VirtualClock, VirtualNetwork } from '@sipkit/testkit';
import { TransactionLayer } from '@sipkit/transaction';
import { describe, expect, it } from 'vitest';
import { UserAgent } from '../src/index.js';

/** An element that demands credentials (as a proxy, 407, or as a UAS, 401) and then answers 200. */
function challenger(clock: VirtualClock, network: VirtualNetwork, proxy: boolean) {
  const auth = new DigestServer({
    secret: 'secret for the challenger element',
    realm: 'example.com',
    credentials: { lookup: (u) => (u === 'alice' ? { password: 'wonderland' } : undefined) },
    now: () => clock.now(),
  });
  const seen: string[] = [];
  new TransactionLayer({
    transports: [network.endpoint({ address: '10.0.0.9', port: 5060 })],
    clock,
    tu: {
      onRequest(req: SipRequest, tx) {
        void auth.verify(req, { proxy }).then((v) => {
          seen.push(`${req.method} ${v.ok ? 'ok' : v.reason}`);
          if (!v.ok) tx.respond(auth.challenge(req, { proxy }));
          else tx.respond(createResponse(req, 200, { toTag: 'uas', headers: [['Contact', '<sip:uas@10.0.0.9>']] }));
        });
      },
      onAck: () => seen.push('ACK'),
    },
  });
  return seen;
}

function alice(clock: VirtualClock, network: VirtualNetwork, password = 'wonderland') {
  return new UserAgent({
    transports: [network.endpoint({ address: '10.0.0.1', port: 5060 })],
    aor: 'sip:alice@example.com',
    credentials: { username: 'alice', password },
    clock,
    sessionExpires: 0,
  });
}

describe('digest retry of an INVITE', () => {
  for (const [proxy, status] of [
    [true, 407],
    [false, 401],
  ] as const) {
    it(`answers a ${status} once with credentials, and the call is set up`, async () => {
      const clock = new VirtualClock();
      const network = new VirtualNetwork({ clock, link: { delay: 10 } });
      const seen = challenger(clock, network, proxy);
      const ua = alice(clock, network);
      const call = ua.invite('sip:bob@10.0.0.9');
      await clock.advanceAsync(200);
      expect(call.state).toBe('established');
      // The ACK for the 200 is a transaction of its own, handed to the element's TU.
      expect(seen).toEqual(['INVITE missing', 'INVITE ok', 'ACK']);
      const labels = network.trace.map((t) => t.label);
      expect(labels).toEqual([
        'INVITE',
        `${status} ${status === 407 ? 'Proxy Authentication Required' : 'Unauthorized'}`,
        'ACK',
        'INVITE',
        '200 OK',
        'ACK',
      ]);
      const retry = network.trace[3];
      expect(retry?.summary).toMatch(/INVITE/);
      // The retry carries the credentials in the header the challenge asked for.
      expect(call.invite.get(proxy ? 'Proxy-Authorization' : 'Authorization')).toMatch(/^Digest username="alice"/);
      expect(call.invite.cseq?.seq).toBe(2);
    });
  }

  it('gives up cleanly on a second challenge (wrong password)', async () => {
    const clock = new VirtualClock();
    const network = new VirtualNetwork({ clock, link: { delay: 10 } });
    challenger(clock, network, true);
    const ua = alice(clock, network, 'not it');
    const call = ua.invite('sip:bob@10.0.0.9');
    const failed: number[] = [];
    call.on('failed', (r) => failed.push((r as { status: number }).status));
    await clock.advanceAsync(200);
    expect(failed).toEqual([407]);
    expect(call.state).toBe('terminated');
    expect(network.trace.filter((t) => t.label === 'INVITE')).toHaveLength(2);
  });
});

describe('§8.2.3: content the UAS cannot read', () => {
  it('answers an INVITE whose body is not SDP with 415 and Accept', async () => {
    const clock = new VirtualClock();
    const network = new VirtualNetwork({ clock, link: { delay: 10 } });
    const bob = new UserAgent({
      transports: [network.endpoint({ address: '10.0.0.2', port: 5060 })],
      aor: 'sip:bob@10.0.0.2',
      clock,
    });
    const a = alice(clock, network);
    let rang = false;
    bob.on('invite', () => {
      rang = true;
    });
    const call = a.invite('sip:bob@10.0.0.2', { body: '<xml/>', contentType: 'application/xml' });
    const failed: string[] = [];
    call.on('failed', (r) =>
      failed.push(`${(r as { status: number }).status} ${(r as { get(n: string): string | undefined }).get('Accept')}`),
    );
    await clock.advanceAsync(200);
    expect(rang).toBe(false);
    expect(failed).toEqual(['415 application/sdp']);
  });
});

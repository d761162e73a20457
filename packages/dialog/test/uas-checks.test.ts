// The UAS checks of RFC 3261 §8.2, in their order: 405, 416, 482, 420, 415.
import { parseMessage } from '@sipkit/parser';
import { sip, VirtualClock, VirtualNetwork } from '@sipkit/testkit';
import { describe, expect, it } from 'vitest';
import { UserAgent } from '../src/index.js';

function setup() {
  const clock = new VirtualClock();
  const network = new VirtualNetwork({ clock, link: { delay: 5 } });
  const bob = new UserAgent({
    transports: [network.endpoint({ address: '10.0.0.2', port: 5060 })],
    aor: 'sip:bob@10.0.0.2',
    clock,
  });
  const peer = network.endpoint({ address: '10.0.0.7', port: 5060 });
  const answers: string[] = [];
  peer.listen((e) => {
    if (e.type === 'message' && e.bytes !== undefined) {
      const m = parseMessage(e.bytes);
      if (!m.isRequest) answers.push(`${m.status} ${m.cseq?.method}`);
    }
  });
  const send = (text: string) => peer.send(new TextEncoder().encode(text), { address: '10.0.0.2', port: 5060 });
  return { clock, bob, send, answers };
}

const request = (method: string, branch: string, extra = '', uri = 'sip:bob@10.0.0.2') => sip`
  ${method} ${uri} SIP/2.0
  Via: SIP/2.0/UDP 10.0.0.7:5060;branch=${branch}
  Max-Forwards: 70
  To: <sip:bob@10.0.0.2>
  From: <sip:carol@10.0.0.7>;tag=c7
  Call-ID: checks@10.0.0.7
  CSeq: 1 ${method}
  Contact: <sip:carol@10.0.0.7>${extra}
  Content-Length: 0
`;

describe('UAS checks (§8.2)', () => {
  it('answers an unknown method with 405 before looking at its Require (§8.2.1 before §8.2.2.3)', async () => {
    const { clock, send, answers } = setup();
    await send(request('PUBLISH', 'z9hG4bKa1', '\r\nRequire: foo'));
    await clock.advanceAsync(50);
    expect(answers).toEqual(['405 PUBLISH']);
  });

  it('answers a non-SIP Request-URI with 416', async () => {
    const { clock, send, answers } = setup();
    await send(request('OPTIONS', 'z9hG4bKa2', '', 'tel:+15551234567'));
    await clock.advanceAsync(50);
    expect(answers).toEqual(['416 OPTIONS']);
  });

  it('answers the second copy of a forked request (same From tag, Call-ID, CSeq; another branch) with 482', async () => {
    const { clock, bob, send, answers } = setup();
    let calls = 0;
    bob.on('invite', (c) => {
      calls++;
      c.ring();
    });
    await send(request('INVITE', 'z9hG4bKpath1'));
    await send(request('INVITE', 'z9hG4bKpath2'));
    await clock.advanceAsync(50);
    expect(calls).toBe(1);
    expect(answers).toContain('482 INVITE');
  });

  it('answers an unsupported Require with 420 and Unsupported, but takes 100rel and timer', async () => {
    const { clock, send, answers } = setup();
    await send(request('OPTIONS', 'z9hG4bKa3', '\r\nRequire: 100rel, timer, foo'));
    await clock.advanceAsync(50);
    expect(answers).toEqual(['420 OPTIONS']);
  });
});

// A forked INVITE (§13.2.2.4, RFC 3665 forking flows seen from the caller): two early dialogs,
// one answered and confirmed, the other ended; a late 2xx from the second fork is ACKed and
// hung up with BYE.
import { createResponse, parseMessage, type SipRequest, serialize } from '@sipkit/parser';
import { VirtualClock, VirtualNetwork } from '@sipkit/testkit';
import { describe, expect, it } from 'vitest';
import { UserAgent } from '../src/index.js';

describe('a forked INVITE', () => {
  it('keeps two early dialogs, confirms the one that answers, and ends the late second answer with ACK and BYE', async () => {
    const clock = new VirtualClock();
    const network = new VirtualNetwork({ clock, link: { delay: 10 } });
    const alice = new UserAgent({
      transports: [network.endpoint({ address: '10.0.0.1', port: 5060 })],
      aor: 'sip:alice@10.0.0.1',
      clock,
      sessionExpires: 0,
    });
    // A forking proxy and its two phones, played by hand on one endpoint: each fork answers with
    // its own To tag and Contact.
    const fork = network.endpoint({ address: '10.0.0.5', port: 5060 });
    const got: string[] = [];
    fork.listen((e) => {
      if (e.type !== 'message' || e.bytes === undefined) return;
      const m = parseMessage(e.bytes);
      if (!m.isRequest) return;
      got.push(`${m.method} ${m.uri}`);
      const reply = (status: number, tag: string, contact: string) => {
        const res = createResponse(m as SipRequest, status, { toTag: tag, headers: [['Contact', `<${contact}>`]] });
        void fork.send(serialize(res), e.source);
      };
      if (m.method === 'INVITE') {
        reply(180, 'f1', 'sip:phone1@10.0.0.5');
        clock.setTimeout(() => reply(180, 'f2', 'sip:phone2@10.0.0.5'), 20);
        clock.setTimeout(() => reply(200, 'f1', 'sip:phone1@10.0.0.5'), 100);
        clock.setTimeout(() => reply(200, 'f2', 'sip:phone2@10.0.0.5'), 200);
      } else if (m.method === 'BYE') {
        void fork.send(serialize(createResponse(m as SipRequest, 200)), e.source);
      }
    });
    const call = alice.invite('sip:bob@10.0.0.5');
    const events: string[] = [];
    call.on('progress', (r) => events.push(`progress ${r.status} ${r.to?.tag}`));
    call.on('established', () => events.push('established'));
    await clock.advanceAsync(60);
    expect([...call.earlyDialogs.keys()]).toEqual(['f1', 'f2']);
    expect(alice.dialogCount).toBe(2);
    await clock.advanceAsync(300);
    expect(events).toEqual(['progress 180 f1', 'progress 180 f2', 'established']);
    expect(call.dialog?.id.remoteTag).toBe('f1');
    expect(call.dialog?.remoteTarget).toBe('sip:phone1@10.0.0.5');
    expect(call.state).toBe('established');
    // The first fork got its ACK; the second its ACK and a BYE, at its own Contact.
    expect(got).toEqual([
      'INVITE sip:bob@10.0.0.5',
      'ACK sip:phone1@10.0.0.5',
      'ACK sip:phone2@10.0.0.5',
      'BYE sip:phone2@10.0.0.5',
    ]);
    expect(alice.dialogCount).toBe(1);
  });
});

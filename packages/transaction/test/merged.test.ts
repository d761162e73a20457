// RFC 3261 §8.2.2.2: a request without a To tag whose From tag, Call-ID and CSeq match an
// ongoing transaction's arrived twice after a fork; the layer lets the UAS core tell.
import { createResponse } from '@sipkit/parser';
import { VirtualClock } from '@sipkit/testkit';
import { describe, expect, it } from 'vitest';
import { TransactionLayer } from '../src/index.js';
import { RecordingTu, requestFromPeer, ScriptedTransport } from './helpers.js';

function nth(tu: RecordingTu, n: number) {
  const got = tu.requests[n];
  if (got === undefined) throw new Error(`the TU got no request #${n}`);
  return got;
}

function layer() {
  const clock = new VirtualClock();
  const transport = new ScriptedTransport();
  const tu = new RecordingTu();
  const l = new TransactionLayer({ transports: [transport], tu, clock, detectMergedRequests: true });
  return { clock, transport, tu, layer: l };
}

describe('merged requests (§8.2.2.2)', () => {
  it('reports the second copy of a forked request (another branch) as merged, and the first as not', () => {
    const { transport, tu, layer: l } = layer();
    transport.deliver(requestFromPeer('MESSAGE', 'z9hG4bKpath1'));
    transport.deliver(requestFromPeer('MESSAGE', 'z9hG4bKpath2'));
    expect(l.isMerged(nth(tu, 0).request, nth(tu, 0).tx)).toBe(false);
    expect(l.isMerged(nth(tu, 1).request, nth(tu, 1).tx)).toBe(true);
  });

  it('forgets the transaction when Timer J ends it', () => {
    const { clock, transport, tu, layer: l } = layer();
    transport.deliver(requestFromPeer('MESSAGE', 'z9hG4bKpath1'));
    nth(tu, 0).tx.respond(createResponse(nth(tu, 0).request, 200));
    clock.advance(32_000);
    transport.deliver(requestFromPeer('MESSAGE', 'z9hG4bKpath2'));
    expect(l.isMerged(nth(tu, 1).request, nth(tu, 1).tx)).toBe(false);
  });

  it('never calls a request with a To tag merged, and needs the option', () => {
    const { transport, tu, layer: l } = layer();
    const inDialog = requestFromPeer('BYE', 'z9hG4bKp1').replace(
      'To: <sip:bob@biloxi.example.com>',
      'To: <sip:bob@biloxi.example.com>;tag=x',
    );
    transport.deliver(inDialog);
    transport.deliver(inDialog.replace('z9hG4bKp1', 'z9hG4bKp2'));
    expect(l.isMerged(nth(tu, 1).request, nth(tu, 1).tx)).toBe(false);
    const plain = new TransactionLayer({ transports: [new ScriptedTransport()], tu, clock: new VirtualClock() });
    expect(() => plain.isMerged(nth(tu, 1).request, nth(tu, 1).tx)).toThrow(/detectMergedRequests/);
  });
});

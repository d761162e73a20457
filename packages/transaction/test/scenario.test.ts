// 10,000 INVITE and 10,000 non-INVITE transactions between two endpoints over a virtual network
// with 30% loss, duplication and reordering: each ends with the final response the UAS chose or
// with a timeout the network explains, and both transaction tables end empty.
import { createResponse, type SipRequest, type SipResponse } from '@sipkit/parser';
import { sip, VirtualClock, VirtualNetwork, withLadder } from '@sipkit/testkit';
import type { Target, TransportEvent } from '@sipkit/transport';
import { describe, expect, it } from 'vitest';
import {
  type ClientTransaction,
  type ClientTransactionHandler,
  type ServerTransaction,
  type TransactionError,
  TransactionLayer,
} from '../src/index.js';

const A = { address: '10.0.0.1', port: 5060 };
const B = { address: '10.0.0.2', port: 5060 };

/** The final response the UAS gives call n: INVITEs alternate 200 and 486, the rest get 200. */
function chosenStatus(method: string, n: number): number {
  return method === 'INVITE' && n % 2 === 1 ? 486 : 200;
}

function callNumber(m: SipRequest | SipResponse): number {
  return Number((m.callId ?? '').split('-')[1]);
}

interface Outcome {
  method: string;
  finals: number[];
  timeout: number | undefined;
  failure: TransactionError | undefined;
}

function run(protocol: 'udp' | 'tcp', count: number, seed: number) {
  const clock = new VirtualClock();
  const lossy = { loss: 0.3, delay: 20, jitter: 15, duplicate: 0.1, reorder: 0.15, reorderWindow: 120 };
  const network = new VirtualNetwork({ clock, seed, link: protocol === 'udp' ? lossy : { delay: 20, jitter: 15 } });
  const epA = network.endpoint({ ...A, protocol });
  const epB = network.endpoint({ ...B, protocol });

  // What reached A, by call number: when the first final response of each call arrived.
  const firstFinalAt = new Map<string, number>();
  const listenA = epA.listen.bind(epA);
  epA.listen = (receiver) =>
    listenA((e: TransportEvent) => {
      if (e.type === 'message' && e.bytes !== undefined) {
        const text = new TextDecoder().decode(e.bytes.subarray(0, 400));
        const status = /^SIP\/2\.0 (\d{3})/.exec(text)?.[1];
        const call = /Call-ID: call-(\d+)/.exec(text)?.[1];
        const method = /CSeq: \d+ (\w+)/.exec(text)?.[1];
        const key = `${method}-${call}`;
        if (status !== undefined && Number(status) >= 200 && !firstFinalAt.has(key)) firstFinalAt.set(key, clock.now());
      }
      receiver(e);
    });

  // ---- UAS side (B): answers every request once; retransmits its 2xx until the ACK (§13.3.1.4).
  const seenAtB = new Map<string, number>();
  const twoHundreds = new Map<
    number,
    { tx: ServerTransaction; ok: SipResponse; every: number; timer: unknown; until: number }
  >();
  const layerB = new TransactionLayer({
    transports: [epB],
    clock,
    tu: {
      onRequest(request, tx) {
        const n = callNumber(request);
        const key = `${request.method}-${n}`;
        seenAtB.set(key, (seenAtB.get(key) ?? 0) + 1);
        if (request.method !== 'INVITE') {
          tx.respond(createResponse(request, 200, { toTag: `b${n}` }));
          return;
        }
        tx.respond(createResponse(request, 180, { toTag: `b${n}` }));
        clock.setTimeout(() => {
          const status = chosenStatus('INVITE', n);
          const res = createResponse(request, status, { toTag: `b${n}` });
          tx.respond(res);
          if (status === 200) {
            const entry = { tx, ok: res, every: 500, timer: undefined as unknown, until: clock.now() + 32_000 };
            const again = () => {
              if (clock.now() >= entry.until) return void twoHundreds.delete(n);
              tx.respond(res);
              entry.every = Math.min(2 * entry.every, 4000);
              entry.timer = clock.setTimeout(again, entry.every);
            };
            if (protocol === 'udp') entry.timer = clock.setTimeout(again, entry.every);
            twoHundreds.set(n, entry);
          }
        }, 30);
      },
      onAck(ack) {
        const e = twoHundreds.get(callNumber(ack));
        if (e !== undefined) {
          clock.clearTimeout(e.timer);
          twoHundreds.delete(callNumber(ack));
        }
      },
    },
  });

  // ---- UAC side (A): one handler for every transaction; ACKs each 2xx (§13.2.2.4).
  const outcomes = new Map<string, Outcome>();
  const target: Target = { protocol, address: B.address, port: B.port, family: 4, hostname: B.address };
  const layerA = new TransactionLayer({ transports: [epA], clock, tu: { onRequest: () => undefined } });
  const handler: ClientTransactionHandler = {
    onResponse(response: SipResponse, tx: ClientTransaction) {
      const o = outcomes.get(tx.context as string) as Outcome;
      if (response.status < 200) return;
      o.finals.push(response.status);
      if (tx.kind === 'invite-client' && response.status < 300) {
        const ack = sip.parse`
          ACK sip:bob@10.0.0.2 SIP/2.0
          Via: SIP/2.0/${protocol.toUpperCase()} 10.0.0.1:5060;branch=${layerA.newBranch()}
          Max-Forwards: 70
          To: ${response.get('To')}
          From: ${tx.request.get('From')}
          Call-ID: ${tx.request.callId}
          CSeq: ${tx.request.cseq?.seq} ACK
          Content-Length: 0
        ` as SipRequest;
        layerA.transport.sendRequest(ack, target).catch(() => undefined);
      }
    },
    onFailure(tx, error) {
      const o = outcomes.get(tx.context as string) as Outcome;
      o.failure = error;
      o.timeout = clock.now();
    },
  };

  const start = (method: string, n: number) => {
    const request = sip.parse`
      ${method} sip:bob@10.0.0.2 SIP/2.0
      Via: SIP/2.0/${protocol.toUpperCase()} 10.0.0.1:5060;branch=${layerA.newBranch()}
      Max-Forwards: 70
      To: <sip:bob@10.0.0.2>
      From: <sip:alice@10.0.0.1>;tag=a${n}
      Call-ID: call-${n}
      CSeq: 1 ${method}
      Content-Length: 0
    ` as SipRequest;
    const key = `${method}-${n}`;
    outcomes.set(key, { method, finals: [], timeout: undefined, failure: undefined });
    layerA.request(request, target, handler, key);
  };

  return withLadder(network, () => {
    // Two new transactions every millisecond of virtual time.
    for (let n = 0; n < count; n++) {
      start('INVITE', n);
      start('OPTIONS', n);
      clock.advance(1);
    }
    clock.runUntilIdle();
    return { layerA, layerB, outcomes, seenAtB, firstFinalAt, network, twoHundreds };
  });
}

function check(result: ReturnType<typeof run>, count: number) {
  const { layerA, layerB, outcomes, seenAtB, firstFinalAt } = result;
  let timeouts = 0;
  for (const [key, o] of outcomes) {
    const n = Number(key.split('-')[1]);
    if (o.failure !== undefined) {
      // The right timeout: no final response ever reached A before Timer B/F fired.
      timeouts++;
      expect(o.failure.code, key).toBe('TIMEOUT');
      const arrived = firstFinalAt.get(key);
      expect(arrived === undefined || arrived >= (o.timeout as number), key).toBe(true);
      expect(
        o.finals.filter((s) => s >= 300),
        key,
      ).toEqual([]);
    } else {
      // The right final response: the one the UAS chose; a non-2xx is reported once, a 2xx once
      // per retransmission that got through (RFC 6026 Accepted).
      expect(o.finals.length, key).toBeGreaterThan(0);
      const want = chosenStatus(o.method, n);
      expect(new Set(o.finals), key).toEqual(new Set([want]));
      if (want >= 300 || o.method !== 'INVITE') expect(o.finals, key).toEqual([want]);
    }
  }
  // The UAS core saw each request once: retransmissions and duplicates were absorbed.
  for (const [key, times] of seenAtB) expect(times, key).toBe(1);
  expect(outcomes.size).toBe(2 * count);
  const empty = { client: 0, server: 0, completed: 0, timers: 0 };
  expect(layerA.size).toEqual(empty);
  expect(layerB.size).toEqual(empty);
  return timeouts;
}

describe('transactions over a lossy virtual network', () => {
  it('completes 10,000 INVITE and 10,000 non-INVITE transactions over UDP with 30% loss, duplication and reordering', () => {
    const result = run('udp', 10_000, 42);
    const timeouts = check(result, 10_000);
    const c = result.network.counters;
    // The network really was that bad, and retransmissions carried the transactions through it.
    expect(c.lost / c.sent).toBeGreaterThan(0.25);
    expect(c.duplicated).toBeGreaterThan(0);
    expect(
      result.layerB.counters.serverRetransmissions + result.layerB.counters.completedRetransmissions,
    ).toBeGreaterThan(1000);
    // With seven tries each way, a timeout is rare: a handful in 20,000.
    expect(timeouts).toBeLessThan(200);
  }, 120_000);

  it('completes 2,000 of each over a reliable transport without a single retransmission or timeout', () => {
    const result = run('tcp', 2_000, 7);
    expect(check(result, 2_000)).toBe(0);
    expect(result.layerB.counters.serverRetransmissions).toBe(0);
    // One ACK per 486, absorbed by its INVITE server transaction.
    expect(result.layerB.counters.serverAcks).toBe(1_000);
  }, 60_000);

  it('replays exactly from the seed', () => {
    const one = run('udp', 300, 9);
    const two = run('udp', 300, 9);
    expect(two.network.counters).toEqual(one.network.counters);
    expect(two.network.ladder()).toBe(one.network.ladder());
  });
});

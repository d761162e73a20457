// The transaction layer on real sockets: two elements on 127.0.0.1 over UDP and TCP, with the
// platform clock. OPTIONS gets its 200; an INVITE gets 180 and 486, the client transaction sends
// the ACK and the server transaction absorbs it.
import { createResponse, type SipRequest, type SipResponse } from '@sipkit/parser';
import { sip } from '@sipkit/testkit';
import type { Target } from '@sipkit/transport';
import { tcpTransport, udpTransport } from '@sipkit/transport-node';
import { afterEach, describe, expect, it } from 'vitest';
import { type InviteServerTransaction, TransactionLayer } from '../src/index.js';

const open: TransactionLayer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((l) => l.close()));
});

async function pair(protocol: 'udp' | 'tcp') {
  const make = protocol === 'udp' ? udpTransport : tcpTransport;
  const [ta, tb] = await Promise.all([make({ host: '127.0.0.1', port: 0 }), make({ host: '127.0.0.1', port: 0 })]);
  const acked: InviteServerTransaction[] = [];
  const server = new TransactionLayer({
    transports: [tb],
    tu: {
      onRequest(request, tx) {
        if (request.method === 'INVITE') {
          tx.respond(createResponse(request, 180, { toTag: 'uas' }));
          tx.respond(createResponse(request, 486, { toTag: 'uas' }));
        } else {
          tx.respond(createResponse(request, 200, { toTag: 'uas' }));
        }
      },
      onServerTerminated(tx) {
        if (tx.kind === 'invite-server') acked.push(tx as InviteServerTransaction);
      },
    },
  });
  const client = new TransactionLayer({ transports: [ta], tu: { onRequest() {} } });
  open.push(client, server);
  const target: Target = { protocol, address: '127.0.0.1', port: tb.local.port, family: 4, hostname: '127.0.0.1' };
  const request = (method: string) =>
    sip.parse`
      ${method} sip:bob@127.0.0.1:${tb.local.port} SIP/2.0
      Via: SIP/2.0/${protocol.toUpperCase()} 127.0.0.1:${ta.local.port};branch=${client.newBranch()}
      Max-Forwards: 70
      To: <sip:bob@127.0.0.1>
      From: <sip:alice@127.0.0.1>;tag=a1
      Call-ID: ${method}-${protocol}@127.0.0.1
      CSeq: 1 ${method}
      Content-Length: 0
    ` as SipRequest;
  return { client, server, target, request, acked };
}

function finalOf(client: TransactionLayer, request: SipRequest, target: Target): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const seen: number[] = [];
    client.request(request, target, {
      onResponse(res: SipResponse) {
        seen.push(res.status);
        if (res.status >= 200) resolve(seen);
      },
      onFailure: (_tx, e) => reject(e),
    });
  });
}

describe.each(['udp', 'tcp'] as const)('transactions over real %s on 127.0.0.1', (protocol) => {
  it('a non-INVITE request gets its 200 through a client and a server transaction', async () => {
    const { client, server, target, request } = await pair(protocol);
    expect(await finalOf(client, request('OPTIONS'), target)).toEqual([200]);
    expect(server.counters.serverStarted).toBe(1);
  });

  it('an INVITE gets 180 and 486; the ACK the client transaction sends confirms the server transaction', async () => {
    const { client, target, request, acked } = await pair(protocol);
    expect(await finalOf(client, request('INVITE'), target)).toEqual([180, 486]);
    // The ACK reaches the INVITE server transaction: Confirmed, then (Timer I) Terminated; on
    // TCP Timer I is 0, on UDP it is T4, so on UDP wait for Confirmed only.
    const deadline = Date.now() + 2000;
    const server = open[1] as TransactionLayer;
    while (server.counters.serverAcks === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(server.counters.serverAcks).toBe(1);
    if (protocol === 'tcp') expect(acked.map((t) => t.state)).toEqual(['Terminated']);
  });
});

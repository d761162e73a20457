import { parseMessage, type SipRequest, type SipResponse } from '@sipkit/parser';
import { describe, expect, it } from 'vitest';
import {
  type Drop,
  type PeerAddress,
  type Received,
  type Transport,
  TransportError,
  type TransportEvent,
  TransportLayer,
  type TransportProtocol,
} from '../src/index.js';

/** A transport in memory: records what is sent, lets the test deliver what arrives. */
class FakeTransport implements Transport {
  readonly sent: { text: string; to: PeerAddress; flow: string | undefined }[] = [];
  #receiver: ((e: TransportEvent) => void) | undefined;
  readonly reliable: boolean;
  readonly secure = false;
  closed = false;
  failSends = false;

  constructor(
    readonly protocol: TransportProtocol,
    readonly local: PeerAddress,
  ) {
    this.reliable = protocol !== 'udp';
  }

  async send(bytes: Uint8Array, to: PeerAddress, flow?: string): Promise<string | undefined> {
    if (this.failSends) throw new Error('ECONNREFUSED');
    this.sent.push({ text: new TextDecoder().decode(bytes), to, flow });
    return flow ?? (this.reliable ? `${to.address}:${to.port}` : undefined);
  }

  listen(receiver: (e: TransportEvent) => void): void {
    this.#receiver = receiver;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  deliver(text: string, source: PeerAddress, flow?: string): void {
    const e: TransportEvent = {
      type: 'message',
      bytes: new TextEncoder().encode(text),
      source,
      ...(flow === undefined ? {} : { flow }),
    };
    (this.#receiver as (e: TransportEvent) => void)(e);
  }

  ping(source: PeerAddress, flow: string): void {
    (this.#receiver as (e: TransportEvent) => void)({ type: 'ping', source, flow });
  }
}

const settle = () => new Promise((r) => setTimeout(r, 0));

function setup(extra: Partial<{ onRequest: (r: SipRequest, f: Received) => void; mtu: number }> = {}) {
  const udp = new FakeTransport('udp', { address: '192.0.2.1', port: 5060 });
  const tcp = new FakeTransport('tcp', { address: '192.0.2.1', port: 5060 });
  const requests: [SipRequest, Received][] = [];
  const responses: SipResponse[] = [];
  const drops: Drop[] = [];
  const layer = new TransportLayer({
    transports: [udp, tcp],
    onRequest: extra.onRequest ?? ((r, f) => requests.push([r, f])),
    onResponse: (r) => responses.push(r),
    onDrop: (d) => drops.push(d),
    ...(extra.mtu === undefined ? {} : { mtu: extra.mtu }),
  });
  return { udp, tcp, layer, requests, responses, drops };
}

const OPTIONS = (via: string, extra = '') =>
  `OPTIONS sip:192.0.2.1 SIP/2.0\r\nVia: ${via}\r\nTo: <sip:192.0.2.1>\r\nFrom: <sip:a@192.0.2.9>;tag=1\r\nCall-ID: c1\r\nCSeq: 1 OPTIONS\r\n${extra}Content-Length: 0\r\n\r\n`;

describe('the transport layer receiving (RFC 3261 §18.2.1, §18.1.2)', () => {
  it('hands up a request with received and rport filled in (RFC 3581)', () => {
    const { udp, requests } = setup();
    udp.deliver(OPTIONS('SIP/2.0/UDP pc.example.com:5060;rport;branch=z9hG4bK1'), {
      address: '198.51.100.7',
      port: 40000,
    });
    expect(requests).toHaveLength(1);
    const [req, from] = requests[0] as [SipRequest, Received];
    expect([req.topVia?.received, req.topVia?.rport]).toEqual(['198.51.100.7', 40000]);
    expect(from.transport).toBe(udp);
  });

  it('hands up a response whose top Via is ours, and drops one whose Via is not', () => {
    const { udp, responses, drops, layer } = setup();
    udp.deliver('SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1\r\nContent-Length: 0\r\n\r\n', {
      address: '192.0.2.9',
      port: 5060,
    });
    udp.deliver('SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.0.2.77:5060;branch=z9hG4bK1\r\nContent-Length: 0\r\n\r\n', {
      address: '192.0.2.9',
      port: 5060,
    });
    expect(responses).toHaveLength(1);
    expect(drops.map((d) => d.reason)).toEqual(['foreign-via']);
    expect(layer.counters.foreignVia).toBe(1);
  });

  it('answers a malformed request with 400 and a reason, sent to its Via, and counts it', async () => {
    const { udp, drops, layer, requests } = setup();
    udp.deliver(
      'OPTIONS  sip:192.0.2.1 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.9:5070;branch=z9hG4bK1\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n',
      {
        address: '192.0.2.9',
        port: 5070,
      },
    );
    await settle();
    expect(requests).toHaveLength(0);
    expect(layer.counters).toMatchObject({ malformed: 1, badRequestsAnswered: 1 });
    expect(drops[0]).toMatchObject({ reason: 'malformed', answered: true });
    const [reply] = udp.sent;
    expect(reply?.to).toEqual({ address: '192.0.2.9', port: 5070 });
    // RFC 3261 §21.4.1: the reason phrase says what is wrong.
    expect(reply?.text.split('\r\n')[0]).toMatch(
      /^SIP\/2\.0 400 Bad Request \(expected a Request-URI at offset 8 in "OPTIONS {2}sip:/,
    );
    expect((parseMessage(reply?.text ?? '') as SipResponse).callId).toBe('c');
  });

  it('drops garbage and malformed responses without a word', async () => {
    const { udp, layer } = setup();
    udp.deliver('\x00\x01garbage', { address: '192.0.2.9', port: 5060 });
    udp.deliver('SIP/2.0 999 Nope\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n\r\n', {
      address: '192.0.2.9',
      port: 5060,
    });
    udp.deliver('ACK sip:x  SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.9;branch=z9hG4bK1\r\n\r\n', {
      address: '192.0.2.9',
      port: 5060,
    });
    await settle();
    expect(layer.counters.malformed).toBe(3);
    expect(udp.sent).toHaveLength(0);
  });

  it('never lets a handler exception escape into the socket callback', () => {
    const { udp, layer, drops } = setup({
      onRequest: () => {
        throw new Error('boom');
      },
    });
    expect(() =>
      udp.deliver(OPTIONS('SIP/2.0/UDP 192.0.2.9;branch=z9hG4bK1'), { address: '192.0.2.9', port: 5060 }),
    ).not.toThrow();
    expect(layer.counters.receiverErrors).toBe(1);
    expect(drops[0]?.reason).toBe('receiver-error');
  });

  it('answers a double-CRLF ping with a CRLF pong on the same connection (RFC 5626 §3.5.1)', () => {
    const { tcp, layer } = setup();
    tcp.ping({ address: '192.0.2.9', port: 40001 }, 'conn-7');
    expect(tcp.sent).toEqual([{ text: '\r\n', to: { address: '192.0.2.9', port: 40001 }, flow: 'conn-7' }]);
    expect(layer.counters.pings).toBe(1);
  });
});

describe('the transport layer sending (RFC 3261 §18.1.1, §18.2.2)', () => {
  it('sends a response on the connection its request came on', async () => {
    const { tcp, layer, requests } = setup();
    tcp.deliver(
      OPTIONS('SIP/2.0/TCP pc.example.com;branch=z9hG4bK1'),
      { address: '198.51.100.7', port: 40000 },
      'conn-1',
    );
    const [req, from] = requests[0] as [SipRequest, Received];
    const { createResponse } = await import('@sipkit/parser');
    await layer.sendResponse(createResponse(req, 200), from);
    expect(tcp.sent[0]?.flow).toBe('conn-1');
    expect(tcp.sent[0]?.to).toEqual({ address: '198.51.100.7', port: 5060 });
  });

  it('answers from the request bytes to received and rport, as sendResponse does with a response object (§18.2.2, RFC 3581 §4)', async () => {
    const { udp, layer, requests } = setup();
    const source = { address: '198.51.100.7', port: 40000 };
    const via = 'SIP/2.0/UDP pc.example.com:5070;branch=z9hG4bK1;rport';
    udp.deliver(OPTIONS(via), source);
    udp.deliver(OPTIONS(via), source);
    const [[a, from], [b]] = requests as [[SipRequest, Received], [SipRequest, Received]];
    await layer.respond(a, 200, from, { toTag: 't1' });
    const { createResponse } = await import('@sipkit/parser');
    await layer.sendResponse(createResponse(b, 200, { toTag: 't1' }), from);
    const [fused, objects] = udp.sent;
    expect(fused?.text).toBe(objects?.text);
    expect(fused?.to).toEqual(source);
    expect(fused?.text).toContain(`Via: ${via}=40000;received=198.51.100.7\r\n`);
    expect(fused?.text).toContain('To: <sip:192.0.2.1>;tag=t1\r\n');
  });

  it('answers without rport to the sent-by port, and on the connection over TCP (§18.2.2)', async () => {
    const { udp, tcp, layer, requests } = setup();
    udp.deliver(OPTIONS('SIP/2.0/UDP pc.example.com:5070;branch=z9hG4bK1'), { address: '198.51.100.7', port: 1 });
    tcp.deliver(OPTIONS('SIP/2.0/TCP pc.example.com;branch=z9hG4bK2'), { address: '198.51.100.8', port: 2 }, 'conn-9');
    const [[u, uf], [t, tf]] = requests as [[SipRequest, Received], [SipRequest, Received]];
    const route = layer.routeResponseTo(u, 486, uf);
    expect(route.to).toEqual({ address: '198.51.100.7', port: 5070 });
    expect(new TextDecoder().decode(route.bytes)).toMatch(/^SIP\/2\.0 486 Busy Here\r\n/);
    await layer.respond(t, 200, tf);
    expect(tcp.sent[0]?.flow).toBe('conn-9');
    expect(tcp.sent[0]?.to).toEqual({ address: '198.51.100.8', port: 5060 });
    await expect(layer.respond(t, 99, tf)).rejects.toThrow(RangeError);
  });

  it('sends a request to the target with the Via transport and sent-by of the transport used', async () => {
    const { udp, layer } = setup();
    const req = parseMessage(OPTIONS('SIP/2.0/UDP placeholder;branch=z9hG4bKabc;rport')) as SipRequest;
    await layer.sendRequest(req, { protocol: 'udp', address: '192.0.2.50', port: 5080, family: 4, hostname: 'x' });
    expect(udp.sent[0]?.to).toEqual({ address: '192.0.2.50', port: 5080, hostname: 'x' });
    expect(req.getAll('Via')[0]).toBe('SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKabc;rport');
  });

  it('moves a UDP request within 200 bytes of the MTU to TCP and says so in the Via', async () => {
    const { udp, tcp, layer } = setup({ mtu: 400 });
    const req = parseMessage(
      OPTIONS('SIP/2.0/UDP placeholder;branch=z9hG4bKbig', `Subject: ${'x'.repeat(200)}\r\n`),
    ) as SipRequest;
    const { transport } = await layer.sendRequest(req, {
      protocol: 'udp',
      address: '192.0.2.50',
      port: 5060,
      family: 4,
      hostname: 'x',
    });
    expect(transport).toBe(tcp);
    expect(udp.sent).toHaveLength(0);
    expect(req.topVia?.transport).toBe('TCP');
  });

  it('rejects with a TransportError when no transport fits or the send fails', async () => {
    const { udp, layer } = setup();
    const req = () => parseMessage(OPTIONS('SIP/2.0/UDP h;branch=z9hG4bK1')) as SipRequest;
    await expect(
      layer.sendRequest(req(), { protocol: 'tls', address: '192.0.2.50', port: 5061, family: 4, hostname: 'x' }),
    ).rejects.toMatchObject({
      code: 'NO_TRANSPORT',
    });
    udp.failSends = true;
    const err = await layer
      .sendRequest(req(), { protocol: 'udp', address: '192.0.2.50', port: 5060, family: 4, hostname: 'x' })
      .catch((e) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect(err.code).toBe('SEND_FAILED');
  });

  it('closes every transport', async () => {
    const { udp, tcp, layer } = setup();
    await layer.close();
    expect([udp.closed, tcp.closed]).toEqual([true, true]);
  });
});

describe('connection reuse (RFC 5923)', () => {
  it('sends requests for a sent-by that offered alias over TLS on the connection it came on', async () => {
    const tls = new FakeTransport('tls', { address: '192.0.2.1', port: 5061 });
    Object.defineProperty(tls, 'secure', { value: true });
    const layer = new TransportLayer({ transports: [tls], onRequest: () => {}, onResponse: () => {} });
    tls.deliver(
      OPTIONS('SIP/2.0/TLS ua.example.com:5061;branch=z9hG4bK1;alias'),
      { address: '198.51.100.7', port: 40000 },
      'conn-9',
    );
    const req = parseMessage(OPTIONS('SIP/2.0/TLS placeholder;branch=z9hG4bK2')) as SipRequest;
    const { flow } = await layer.sendRequest(req, {
      protocol: 'tls',
      address: '198.51.100.7',
      port: 5061,
      family: 4,
      hostname: 'ua.example.com',
    });
    expect(flow).toBe('conn-9');
    expect(tls.sent[0]?.flow).toBe('conn-9');
  });

  it('does not take alias from plain TCP (RFC 5923 §9)', async () => {
    const { tcp, layer } = setup();
    tcp.deliver(
      OPTIONS('SIP/2.0/TCP ua.example.com:5060;branch=z9hG4bK1;alias'),
      { address: '198.51.100.7', port: 40000 },
      'conn-3',
    );
    const req = parseMessage(OPTIONS('SIP/2.0/TCP placeholder;branch=z9hG4bK2')) as SipRequest;
    await layer.sendRequest(req, {
      protocol: 'tcp',
      address: '198.51.100.7',
      port: 5060,
      family: 4,
      hostname: 'ua.example.com',
    });
    expect(tcp.sent[0]?.flow).toBeUndefined();
  });
});

describe('failover (RFC 3263 §4.3)', () => {
  it('tries the next target when a send fails, and skips the failed one next time', async () => {
    const udp = new FakeTransport('udp', { address: '192.0.2.1', port: 5060 });
    const sends: string[] = [];
    udp.send = async (_b, to) => {
      sends.push(to.address);
      if (to.address === '192.0.2.10') throw new Error('EHOSTUNREACH');
      return undefined;
    };
    const layer = new TransportLayer({ transports: [udp], onRequest: () => {}, onResponse: () => {} });
    const t = (address: string) => ({
      protocol: 'udp' as const,
      address,
      port: 5060,
      family: 4 as const,
      hostname: 'h',
    });
    const { TargetBlocklist } = await import('../src/index.js');
    const blocklist = new TargetBlocklist(() => 0);
    const req = () => parseMessage(OPTIONS('SIP/2.0/UDP h;branch=z9hG4bK1')) as SipRequest;
    const used = await layer.sendRequestToFirst(req(), [t('192.0.2.10'), t('192.0.2.11')], blocklist);
    expect(used.target.address).toBe('192.0.2.11');
    await layer.sendRequestToFirst(req(), [t('192.0.2.10'), t('192.0.2.11')], blocklist);
    expect(sends).toEqual(['192.0.2.10', '192.0.2.11', '192.0.2.11']);
    await expect(layer.sendRequestToFirst(req(), [])).rejects.toMatchObject({ code: 'NO_TARGET' });
  });
});

// Real sockets on loopback: the transport layer over UDP and TCP, both address families.
import { connect, type Socket } from 'node:net';
import { createResponse, parseMessage, type SipRequest, type SipResponse } from '@sipkit/parser';
import { type Received, type Transport, TransportLayer } from '@sipkit/transport';
import { afterEach, describe, expect, it } from 'vitest';
import { tcpTransport, udpTransport } from '../src/index.js';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

/** Resolves with the next value pushed, or rejects after a bounded wait. */
function inbox<T>() {
  const items: T[] = [];
  const waiters: ((v: T) => void)[] = [];
  return {
    push(v: T) {
      const w = waiters.shift();
      if (w) w(v);
      else items.push(v);
    },
    next(ms = 2000): Promise<T> {
      const v = items.shift();
      if (v !== undefined) return Promise.resolve(v);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('timed out waiting')), ms);
        waiters.push((x) => {
          clearTimeout(timer);
          resolve(x);
        });
      });
    },
  };
}

/** A transport layer that answers every request 200 and records what it got. */
function element(transports: Transport[]) {
  const requests = inbox<[SipRequest, Received]>();
  const responses = inbox<SipResponse>();
  const layer = new TransportLayer({
    transports,
    onRequest: (req, from) => {
      requests.push([req, from]);
      if (req.method !== 'ACK') void layer.sendResponse(createResponse(req, 200, { toTag: 'b' }), from);
    },
    onResponse: (res) => responses.push(res),
  });
  open.push(layer);
  return { layer, requests, responses };
}

const options = (host: string, branch: string, via = 'SIP/2.0/UDP placeholder;rport') =>
  parseMessage(
    `OPTIONS sip:${host} SIP/2.0\r\nVia: ${via};branch=${branch}\r\nMax-Forwards: 70\r\nTo: <sip:${host}>\r\nFrom: <sip:a@${host}>;tag=a\r\nCall-ID: ${branch}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`,
  ) as SipRequest;

describe.each([
  ['IPv4', '127.0.0.1', 'native'],
  ['IPv6', '::1', 'native'],
  ['IPv4', '127.0.0.1', 'dgram'],
  ['IPv6', '::1', 'dgram'],
] as const)('UDP on %s loopback (%s), io %s', (_family, host, io) => {
  it('carries a request there and its response back, with received and rport right (RFC 3581)', async () => {
    const a = element([await udpTransport({ host, port: 0, io })]);
    const bUdp = await udpTransport({ host, port: 0, io });
    const b = element([bUdp]);
    const target = {
      protocol: 'udp' as const,
      address: host,
      port: bUdp.local.port,
      family: host.includes(':') ? (6 as const) : (4 as const),
      hostname: host,
    };
    const { transport } = await a.layer.sendRequest(options(host, 'z9hG4bKudp1'), target);
    const [req] = await b.requests.next();
    expect(req.topVia?.rport).toBe(transport.local.port);
    expect(req.topVia?.received).toBe(host);
    const res = await a.responses.next();
    expect([res.status, res.callId]).toEqual([200, 'z9hG4bKudp1']);
  });

  it('follows a port change behind NAT: rport is the new source port, and the response goes there', async () => {
    const bUdp = await udpTransport({ host, port: 0, io });
    const b = element([bUdp]);
    const target = {
      protocol: 'udp' as const,
      address: host,
      port: bUdp.local.port,
      family: host.includes(':') ? (6 as const) : (4 as const),
      hostname: host,
    };
    const first = element([await udpTransport({ host, port: 0, io })]);
    await first.layer.sendRequest(options(host, 'z9hG4bKnat1'), target);
    const [r1] = await b.requests.next();
    await first.responses.next();
    // The client again, now seen from another source port (a new NAT binding).
    const second = element([await udpTransport({ host, port: 0, io })]);
    const { transport } = await second.layer.sendRequest(options(host, 'z9hG4bKnat2'), target);
    const [r2] = await b.requests.next();
    expect(r2.topVia?.rport).toBe(transport.local.port);
    expect(r2.topVia?.rport).not.toBe(r1.topVia?.rport);
    expect((await second.responses.next()).callId).toBe('z9hG4bKnat2');
  });
});

describe.each([
  ['IPv4', '127.0.0.1'],
  ['IPv6', '::1'],
])('TCP on %s loopback', (_family, host) => {
  const raw = (port: number) =>
    new Promise<Socket>((resolve, reject) => {
      const s = connect({ host, port }, () => resolve(s));
      s.once('error', reject);
      open.push({ close: async () => void s.destroy() });
    });
  const readAll = (s: Socket) => {
    const chunks = inbox<string>();
    s.on('data', (d: Buffer) => chunks.push(d.toString('latin1')));
    return chunks;
  };
  const text = (branch: string) =>
    `OPTIONS sip:${host} SIP/2.0\r\nVia: SIP/2.0/TCP client.invalid;branch=${branch}\r\nTo: <sip:${host}>\r\nFrom: <sip:a@${host}>;tag=a\r\nCall-ID: ${branch}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`;

  it('delivers a message sent one byte at a time, whole, and answers on the same connection', async () => {
    const bTcp = await tcpTransport({ host, port: 0 });
    const b = element([bTcp]);
    const s = await raw(bTcp.local.port);
    const replies = readAll(s);
    const bytes = Buffer.from(text('z9hG4bKbyte'));
    for (const byte of bytes) {
      s.write(Buffer.from([byte]));
      await new Promise((r) => setImmediate(r));
    }
    const [req] = await b.requests.next();
    expect(req.callId).toBe('z9hG4bKbyte');
    expect(await replies.next()).toMatch(/^SIP\/2\.0 200 OK\r\n/);
  });

  it('stops accepting new connections when told, and keeps serving the open ones until close', async () => {
    const bTcp = await tcpTransport({ host, port: 0 });
    const b = element([bTcp]);
    const s = await raw(bTcp.local.port);
    const replies = readAll(s);
    bTcp.stopAccepting?.();
    await expect(raw(bTcp.local.port)).rejects.toThrow(/ECONNREFUSED/);
    s.write(text('z9hG4bKdrain'));
    expect((await b.requests.next())[0].callId).toBe('z9hG4bKdrain');
    expect(await replies.next()).toMatch(/^SIP\/2\.0 200 OK/);
    // Closing afterwards still ends the open connection and resolves.
    const ended = new Promise<void>((resolve) => s.once('close', () => resolve()));
    await bTcp.close();
    await ended;
  });

  it('delivers many messages written at once, in order', async () => {
    const bTcp = await tcpTransport({ host, port: 0 });
    const b = element([bTcp]);
    const s = await raw(bTcp.local.port);
    s.write(text('z9hG4bKm1') + text('z9hG4bKm2') + text('z9hG4bKm3'));
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await b.requests.next())[0].callId);
    expect(ids).toEqual(['z9hG4bKm1', 'z9hG4bKm2', 'z9hG4bKm3']);
  });

  it('answers pipelined requests in order, each send resolving with the connection it used', async () => {
    const bTcp = await tcpTransport({ host, port: 0 });
    const flows: Promise<string | undefined>[] = [];
    const layer = new TransportLayer({
      transports: [bTcp],
      onRequest: (req, from) => flows.push(layer.sendResponse(createResponse(req, 200, { toTag: 'b' }), from)),
      onResponse: () => undefined,
    });
    open.push(layer);
    const s = await raw(bTcp.local.port);
    const replies = readAll(s);
    s.write(text('z9hG4bKp1') + text('z9hG4bKp2') + text('z9hG4bKp3'));
    let got = '';
    while ((got.match(/\r\n\r\n/g) ?? []).length < 3) got += await replies.next();
    expect([...got.matchAll(/Call-ID: (\S+)/g)].map((m) => m[1])).toEqual(['z9hG4bKp1', 'z9hG4bKp2', 'z9hG4bKp3']);
    const used = await Promise.all(flows);
    expect(used).toHaveLength(3);
    expect(new Set(used).size).toBe(1);
    expect(used[0]).toMatch(/^tcp-/);
  });

  it('rejects a response whose connection is gone and whose Via sent-by cannot be reached', async () => {
    const bTcp = await tcpTransport({ host, port: 0 });
    const b = element([bTcp]);
    const s = await raw(bTcp.local.port);
    // Port 1 on loopback: nothing listens there, so the new connection is refused.
    s.write(text('z9hG4bKgone').replace('client.invalid', 'client.invalid:1'));
    const [req, from] = await b.requests.next();
    s.destroy();
    await new Promise((r) => setTimeout(r, 50));
    await expect(b.layer.sendResponse(createResponse(req, 486, { toTag: 'b' }), from)).rejects.toMatchObject({
      code: 'SEND_FAILED',
    });
  });

  it('reuses the connection for the response and for a later request to the same peer', async () => {
    const aTcp = await tcpTransport({ host, port: 0 });
    const a = element([aTcp]);
    const bTcp = await tcpTransport({ host, port: 0 });
    const b = element([bTcp]);
    const family = host.includes(':') ? (6 as const) : (4 as const);
    const target = { protocol: 'tcp' as const, address: host, port: bTcp.local.port, family, hostname: host };
    const first = await a.layer.sendRequest(options(host, 'z9hG4bKr1', 'SIP/2.0/TCP placeholder'), target);
    expect((await a.responses.next()).callId).toBe('z9hG4bKr1');
    const [, fromFirst] = await b.requests.next();
    const second = await a.layer.sendRequest(options(host, 'z9hG4bKr2', 'SIP/2.0/TCP placeholder'), target);
    expect(second.flow).toBe(first.flow);
    const [, fromSecond] = await b.requests.next();
    expect(fromSecond.flow).toBe(fromFirst.flow);
    expect((await a.responses.next()).callId).toBe('z9hG4bKr2');
  });

  it('answers a double-CRLF ping with a CRLF pong (RFC 5626 §3.5.1)', async () => {
    const bTcp = await tcpTransport({ host, port: 0 });
    element([bTcp]);
    const s = await raw(bTcp.local.port);
    const replies = readAll(s);
    s.write('\r\n\r\n');
    expect(await replies.next()).toBe('\r\n');
  });

  it('cuts off a garbage peer and an oversize one while a well-behaved peer keeps working', async () => {
    const errors: string[] = [];
    const bTcp = await tcpTransport({
      host,
      port: 0,
      limits: { maxMessageSize: 4096 },
      onConnectionError: (_f, _r, e) => errors.push(String((e as { code?: string }).code)),
    });
    const b = element([bTcp]);
    const good = await raw(bTcp.local.port);
    const goodReplies = readAll(good);
    const garbage = await raw(bTcp.local.port);
    const huge = await raw(bTcp.local.port);
    const closed = (s: Socket) => new Promise<void>((resolve) => s.once('close', () => resolve()));
    const garbageClosed = closed(garbage);
    const hugeClosed = closed(huge);
    garbage.write('\x00\x01\x02 not SIP at all\r\n\r\n');
    huge.write(`MESSAGE sip:${host} SIP/2.0\r\nContent-Length: 99999999\r\n\r\n`);
    await Promise.all([garbageClosed, hugeClosed]);
    good.write(text('z9hG4bKgood'));
    expect((await b.requests.next())[0].callId).toBe('z9hG4bKgood');
    expect(await goodReplies.next()).toMatch(/^SIP\/2\.0 200 OK/);
    expect(errors.sort()).toEqual(['INVALID_CONTENT_LENGTH', 'INVALID_METHOD']);
  });

  it('cuts off a peer that sends a message too slowly, without touching a well-behaved one', async () => {
    const errors: string[] = [];
    const bTcp = await tcpTransport({
      host,
      port: 0,
      messageTimeoutMs: 150,
      onConnectionError: (_f, _r, e) => errors.push(e.message),
    });
    const b = element([bTcp]);
    const slow = await raw(bTcp.local.port);
    const slowClosed = new Promise<void>((resolve) => slow.once('close', () => resolve()));
    slow.write('OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bKslow\r\n');
    const good = await raw(bTcp.local.port);
    good.write(text('z9hG4bKfast'));
    expect((await b.requests.next())[0].callId).toBe('z9hG4bKfast');
    await slowClosed;
    expect(errors).toEqual(['message not complete within 150 ms']);
  });
});

// Batched UDP (native/udp.cc: recvmmsg and sendmmsg) against node:dgram peers on loopback, and
// the same behaviour from both kinds of socket where the transport promises it.
import { createSocket, type Socket } from 'node:dgram';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { TransportError } from '@sipkit/transport';
import { afterEach, describe, expect, it } from 'vitest';
import { nativeUdpAvailable, nativeUdpUnavailableReason, type UdpTransport, udpTransport } from '../src/index.js';

const open: { close(): unknown }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

async function peer(type: 'udp4' | 'udp6' = 'udp4'): Promise<{ socket: Socket; got: [Buffer, number][] }> {
  const socket = createSocket({ type, recvBufferSize: 4 << 20 });
  const got: [Buffer, number][] = [];
  socket.on('message', (m, r) => got.push([m, r.port]));
  await new Promise<void>((r) => socket.bind(0, type === 'udp4' ? '127.0.0.1' : '::1', () => r()));
  open.push({ close: () => new Promise<void>((r) => socket.close(() => r())) });
  return { socket, got };
}

async function transport(options: Parameters<typeof udpTransport>[0]): Promise<UdpTransport> {
  const t = await udpTransport({ port: 0, ...options });
  open.push(t);
  return t;
}

/** Waits until `check` holds, for at most `ms`. */
async function until(check: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('batched UDP availability', () => {
  it('is built and chosen by default on Linux', async () => {
    if (process.platform !== 'linux') return;
    expect(nativeUdpUnavailableReason()).toBe('');
    expect(nativeUdpAvailable()).toBe(true);
    expect((await transport({})).io).toBe('native');
    expect((await transport({ io: 'dgram' })).io).toBe('dgram');
  });

  it('leaves a zoned IPv6 address to node:dgram, and says so when native is asked for', async () => {
    await expect(udpTransport({ port: 0, host: 'fe80::1%lo', io: 'native' })).rejects.toThrow(/zoned address/);
  });

  it('names a bad io setting', async () => {
    await expect(udpTransport({ port: 0, io: 'fast' as 'native' })).rejects.toThrow(/udp io must be .* got "fast"/);
  });
});

describe.each(['native', 'dgram'] as const)('udpTransport, io %s', (io) => {
  it('reads a burst larger than one batch whole and in order, each with its source', async () => {
    const t = await transport({ io, receiveBufferSize: 4 << 20 });
    const seen: string[] = [];
    const sources = new Set<string>();
    t.listen((e) => {
      if (e.type !== 'message') return;
      seen.push((e.bytes as Uint8Array).toString());
      sources.add(`${e.source.address}:${e.source.port}`);
    });
    const { socket } = await peer();
    const n = 500;
    for (let i = 0; i < n; i++) socket.send(`datagram ${i} ${'x'.repeat(i)}`, t.local.port, '127.0.0.1');
    await until(() => seen.length === n);
    expect(seen).toEqual(Array.from({ length: n }, (_, i) => `datagram ${i} ${'x'.repeat(i)}`));
    expect([...sources]).toEqual([`127.0.0.1:${socket.address().port}`]);
    expect(t.stats().received).toBe(n);
  });

  it('keeps the bytes of each datagram once later ones are read', async () => {
    const t = await transport({ io, receiveBufferSize: 4 << 20 });
    const kept: Uint8Array[] = [];
    t.listen((e) => {
      if (e.type === 'message' && e.bytes) kept.push(e.bytes);
    });
    const { socket } = await peer();
    for (let i = 0; i < 100; i++) socket.send(Buffer.alloc(700, 65 + (i % 26)), t.local.port, '127.0.0.1');
    await until(() => kept.length === 100);
    // Read more into the same slots, then look at the first ones again.
    for (let i = 0; i < 100; i++) socket.send(Buffer.alloc(700, 0x30), t.local.port, '127.0.0.1');
    await until(() => kept.length === 200);
    for (let i = 0; i < 100; i++) expect(Buffer.from(kept[i] as Uint8Array)).toEqual(Buffer.alloc(700, 65 + (i % 26)));
    // Each in memory of its own, as node:dgram gives it: a message kept for a transaction's 32 s
    // keeps its own bytes alive and nobody else's (bench/transport/retained.mjs measures it).
    for (const b of kept) expect([b.byteOffset, b.buffer.byteLength]).toEqual([0, 700]);
  });

  it('sends a turn of datagrams to several peers, each peer getting its own in order', async () => {
    const t = await transport({ io, sendBufferSize: 4 << 20 });
    const a = await peer();
    const b = await peer();
    for (let i = 0; i < 1500; i++) {
      const to = i % 2 === 0 ? a : b;
      void t.send(Buffer.from(`m${i}`), { address: '127.0.0.1', port: to.socket.address().port });
    }
    await until(() => a.got.length + b.got.length === 1500);
    expect(a.got.map(([m]) => m.toString())).toEqual(Array.from({ length: 750 }, (_, i) => `m${2 * i}`));
    expect(b.got.map(([m]) => m.toString())).toEqual(Array.from({ length: 750 }, (_, i) => `m${2 * i + 1}`));
    expect(new Set(a.got.map(([, port]) => port))).toEqual(new Set([t.local.port]));
    expect(t.stats().sent).toBe(1500);
  });

  it('sends more than one turn holds (1 MiB) without losing or reordering any', async () => {
    const t = await transport({ io, sendBufferSize: 8 << 20 });
    const a = await peer();
    const big = 30_000;
    for (let i = 0; i < 60; i++) {
      const b = Buffer.alloc(big, 0x20);
      b.write(`${i};`);
      void t.send(b, { address: '127.0.0.1', port: a.socket.address().port });
    }
    await until(() => a.got.length === 60);
    expect(a.got.map(([m]) => m.toString('latin1', 0, m.indexOf(';')))).toEqual(
      Array.from({ length: 60 }, (_, i) => String(i)),
    );
    expect(a.got.every(([m]) => m.length === big)).toBe(true);
  });

  it('ignores CRLF keep-alives', async () => {
    const t = await transport({ io });
    const seen: string[] = [];
    t.listen((e) => {
      if (e.type === 'message') seen.push((e.bytes as Uint8Array).toString());
    });
    const { socket } = await peer();
    socket.send('\r\n\r\n', t.local.port, '127.0.0.1');
    socket.send('OPTIONS', t.local.port, '127.0.0.1');
    await until(() => seen.length === 1);
    await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual(['OPTIONS']);
  });

  it('refuses what cannot be sent, naming why, and keeps sending the rest', async () => {
    const t = await transport({ io });
    const a = await peer();
    const to = { address: '127.0.0.1', port: a.socket.address().port };
    await expect(t.send(Buffer.from('x'), { address: '127.0.0.1', port: 0 })).rejects.toThrow(/bad port/);
    await expect(t.send(Buffer.from('x'), { address: '127.0.0.1', port: 70_000 })).rejects.toThrow(/bad port/);
    await expect(t.send(Buffer.alloc(65_508), to)).rejects.toThrow(/65508 bytes do not fit a datagram/);
    if (io === 'native') {
      await expect(t.send(Buffer.from('x'), { address: '::1', port: to.port })).rejects.toThrow(/not an IPv4 address/);
    }
    await t.send(Buffer.from('after'), to);
    await until(() => a.got.length === 1);
    expect(a.got[0]?.[0].toString()).toBe('after');
  });

  it('resolves a host name to send to', async () => {
    const t = await transport({ io });
    const a = await peer();
    await t.send(Buffer.from('named'), { address: 'localhost', port: a.socket.address().port });
    await until(() => a.got.length === 1);
    expect(a.got[0]?.[0].toString()).toBe('named');
  });

  it('sends what was queued before close, then refuses; closing twice is fine', async () => {
    const t = await udpTransport({ port: 0, io });
    const a = await peer();
    void t.send(Buffer.from('last'), { address: '127.0.0.1', port: a.socket.address().port });
    await t.close();
    await t.close();
    await until(() => a.got.length === 1);
    await expect(t.send(Buffer.from('x'), { address: '127.0.0.1', port: 1 })).rejects.toThrow(/closed/);
    expect(t.stats().sent).toBe(1);
  });

  it('may be closed by its own receiver: the rest of that batch is not delivered', async () => {
    const t = await udpTransport({ port: 0, io, receiveBufferSize: 1 << 20 });
    let got = 0;
    let closing: Promise<void> | undefined;
    t.listen(() => {
      got++;
      closing ??= t.close();
    });
    const { socket } = await peer();
    // Sent before this process reads, so they come in one batch.
    await Promise.all(
      Array.from(
        { length: 20 },
        () => new Promise<void>((r) => socket.send('x', t.local.port, '127.0.0.1', () => r())),
      ),
    );
    await until(() => closing !== undefined);
    await closing;
    await new Promise((r) => setTimeout(r, 20));
    expect(got).toBe(1);
  });

  it('reports a port in use as NO_TRANSPORT with the reason', async () => {
    const t = await transport({ io });
    const e = await udpTransport({ port: t.local.port, io }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TransportError);
    expect((e as TransportError).code).toBe('NO_TRANSPORT');
    expect((e as Error).message).toMatch(/cannot bind udp 127\.0\.0\.1:\d+: .*(in use|EADDRINUSE)/i);
  });
});

describe('batched UDP on IPv6', () => {
  it('reads from and sends to ::1 peers with their addresses as text', async () => {
    if (!nativeUdpAvailable()) return;
    const t = await transport({ io: 'native', host: '::1' });
    const sources: string[] = [];
    t.listen((e) => {
      sources.push(e.source.address);
      void t.send(Buffer.from('pong'), e.source);
    });
    const a = await peer('udp6');
    a.socket.send('ping', t.local.port, '::1');
    await until(() => a.got.length === 1);
    expect(sources).toEqual(['::1']);
    expect(a.got[0]?.[0].toString()).toBe('pong');
  });
});

describe('batched UDP with reusePort (SO_REUSEPORT)', () => {
  it('lets several sockets bind one port and spreads peers among them, each peer to one socket', async () => {
    if (!nativeUdpAvailable()) return;
    const a = await transport({ io: 'native', reusePort: true });
    const b = await transport({ io: 'auto', reusePort: true, port: a.local.port });
    expect([a.io, b.io, b.local.port]).toEqual(['native', 'native', a.local.port]);
    const seen = new Map<number, Set<string>>();
    for (const [name, t] of [
      ['a', a],
      ['b', b],
    ] as const) {
      t.listen((e) => {
        const s = seen.get(e.source.port) ?? new Set<string>();
        s.add(name);
        seen.set(e.source.port, s);
        void t.send(Buffer.from(name), e.source);
      });
    }
    // 24 peers, three datagrams each: the kernel hashes each source to one of the two sockets.
    const peers = await Promise.all(Array.from({ length: 24 }, () => peer()));
    for (let k = 0; k < 3; k++) for (const p of peers) p.socket.send(`m${k}`, a.local.port, '127.0.0.1');
    await until(() => peers.every((p) => p.got.length === 3));
    // Every peer stayed with one socket, and its answers came from the port it sent to.
    for (const p of peers) {
      const by = seen.get(p.socket.address().port);
      expect(by?.size).toBe(1);
      expect(new Set(p.got.map(([m, port]) => `${m}:${port}`))).toEqual(
        new Set([`${[...(by ?? [])][0]}:${a.local.port}`]),
      );
    }
    // Both sockets had some (all 24 on one: 2 in 2^24).
    const counts = [...seen.values()].map((s) => [...s][0]);
    expect(new Set(counts)).toEqual(new Set(['a', 'b']));
  });

  it('is refused by a port held without it, and refused on node:dgram, with the reason', async () => {
    if (!nativeUdpAvailable()) return;
    const plain = await transport({ io: 'native' });
    await expect(udpTransport({ port: plain.local.port, reusePort: true })).rejects.toThrow(/EADDRINUSE|in use/i);
    const group = await transport({ reusePort: true });
    await expect(udpTransport({ port: group.local.port })).rejects.toThrow(/EADDRINUSE|in use/i);
    await expect(udpTransport({ port: 0, reusePort: true, io: 'dgram' })).rejects.toThrow(
      "udp reusePort needs the batched socket, not io 'dgram'",
    );
    await expect(udpTransport({ port: 0, host: 'fe80::1%lo', reusePort: true })).rejects.toThrow(
      'udp reusePort cannot bind a zoned address',
    );
  });
});

describe('batched UDP in a worker thread', () => {
  it('lets go of a socket the thread never closed when the thread ends', async () => {
    if (!nativeUdpAvailable()) return;
    const script = fileURLToPath(new URL('./fixtures/udp-thread.mjs', import.meta.url));
    const worker = new Worker(script);
    const port = await new Promise<number>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    // The port is free again: the thread's socket was closed with it.
    const t = await transport({ io: 'native', port });
    expect(t.local.port).toBe(port);
  });
});

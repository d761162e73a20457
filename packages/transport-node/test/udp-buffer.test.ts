// udpTransport's receiveBufferSize: what the kernel holds while the process is busy.
import { createSocket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { udpTransport } from '../src/index.js';

/** Sends `n` datagrams of 1000 bytes to `port` while this process cannot read; counts what arrives. */
async function burst(receiveBufferSize: number, n: number): Promise<number> {
  const t = await udpTransport({ host: '127.0.0.1', port: 0, receiveBufferSize });
  let got = 0;
  t.listen(() => {
    got++;
  });
  const sender = createSocket('udp4');
  await new Promise<void>((r) => sender.bind(0, '127.0.0.1', () => r()));
  const payload = Buffer.alloc(1000, 0x61);
  await new Promise<void>((resolve) => {
    let left = n;
    // All sent before this process reads again: the kernel buffer alone holds them.
    for (let i = 0; i < n; i++) sender.send(payload, t.local.port, '127.0.0.1', () => --left === 0 && resolve());
  });
  await new Promise((r) => setTimeout(r, 200));
  sender.close();
  await t.close();
  return got;
}

describe('udpTransport receiveBufferSize', () => {
  it('holds more of a burst with a larger buffer (SO_RCVBUF, capped by net.core.rmem_max)', async () => {
    const small = await burst(65_536, 2000);
    const large = await burst(4_194_304, 2000);
    expect(small).toBeGreaterThan(0);
    expect(large).toBeGreaterThan(small);
  });
});

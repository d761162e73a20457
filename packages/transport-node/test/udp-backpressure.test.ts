// Batched UDP when the kernel's send buffer is full. On loopback it never is (a datagram is handed
// to the receiving socket at once), so the test makes a network namespace of its own whose
// loopback sends through a slow token bucket (tc tbf, 8 Mbit/s): the buffer fills, sendmmsg says
// EAGAIN, and what did not go must wait and then go, in order. Needs root and iproute2.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nativeUdpAvailable } from '../src/index.js';

const ns = `sipkit-udp-${process.pid}`;
const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] });

describe.runIf(process.platform === 'linux')('batched UDP with a full send buffer', () => {
  beforeAll(() => {
    ip('netns', 'add', ns);
    ip('netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up');
    ip(
      'netns',
      'exec',
      ns,
      'tc',
      'qdisc',
      'add',
      'dev',
      'lo',
      'root',
      'tbf',
      'rate',
      '8mbit',
      'burst',
      '16kb',
      'limit',
      '4mb',
    );
  });
  afterAll(() => {
    ip('netns', 'del', ns);
  });

  it('holds what the kernel refused and sends it, in order, as the buffer drains', () => {
    expect(nativeUdpAvailable()).toBe(true);
    const script = fileURLToPath(new URL('./fixtures/udp-backpressure.mjs', import.meta.url));
    const out = ip('netns', 'exec', ns, process.execPath, script).toString();
    const r = JSON.parse(out) as {
      first: { sent: number; waiting: number; dropped: number };
      last: { sent: number; waiting: number; dropped: number };
      got: number;
      inOrder: boolean;
    };
    // The kernel took some at once and refused the rest: they waited.
    expect(r.first.waiting).toBeGreaterThan(0);
    expect(r.first.sent + r.first.waiting).toBe(2000);
    // All went in the end, none lost, in the order sent.
    expect(r.last).toMatchObject({ sent: 2000, waiting: 0, dropped: 0 });
    expect(r.got).toBe(2000);
    expect(r.inOrder).toBe(true);
  }, 30_000);
});

// udpTransport in a node:cluster worker: shared with the primary by default, its own with `exclusive`.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const DIST = join(import.meta.dirname, '..', 'dist', 'index.js');

// The primary forks two workers; each binds one transport on port 0 as is and one exclusive, and
// reports their ports.
const SCRIPT = `
import cluster from 'node:cluster';
if (cluster.isPrimary) {
  const got = [];
  for (let i = 0; i < 2; i++) {
    const w = cluster.fork();
    w.on('message', (m) => {
      got.push(m);
      if (got.length === 2) {
        console.log(JSON.stringify(got));
        for (const x of Object.values(cluster.workers)) x.kill();
      }
    });
  }
} else {
  const { udpTransport } = await import(${JSON.stringify(DIST)});
  const shared = await udpTransport({ port: 0 });
  const own = await udpTransport({ port: 0, exclusive: true });
  process.send({ shared: shared.local.port, own: own.local.port });
}
`;

describe('udpTransport in a cluster worker', () => {
  it('shares the primary socket by default and binds its own with exclusive: true', async () => {
    // A file, not -e: cluster.fork runs the primary's script again.
    const dir = mkdtempSync(join(tmpdir(), 'sipkit-udp-cluster-'));
    const file = join(dir, 'cluster.mjs');
    writeFileSync(file, SCRIPT);
    const out = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [file], { timeout: 10_000 }, (e, stdout) => (e ? reject(e) : resolve(stdout))),
    ).finally(() => rmSync(dir, { recursive: true, force: true }));
    const [a, b] = JSON.parse(out) as { shared: number; own: number }[];
    // Port 0 in two workers: one socket, held by the primary, the same port for both.
    expect(a?.shared).toBe(b?.shared);
    // Each worker's own socket: a port of its own.
    expect(new Set([a?.shared, a?.own, b?.own]).size).toBe(3);
  });
});

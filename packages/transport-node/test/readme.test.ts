// The README example runs as written (as a module next to this package, so imports resolve).
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { expect, it, vi } from 'vitest';

it('runs the README example as written', async () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const example = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] as string)[0] as string;
  const file = new URL(`../readme-${process.pid}.tmp.mjs`, import.meta.url);
  writeFileSync(file, example);
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  try {
    await import(file.href);
    expect(String(log.mock.calls[0]?.[0])).toMatch(/^listening on udp \d+ and tcp \d+$/);
  } finally {
    log.mockRestore();
    rmSync(file, { force: true });
  }
});

it('runs the README batched UDP example as written', async () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const example = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] as string)[1] as string;
  const file = new URL(`../readme-udp-${process.pid}.tmp.mjs`, import.meta.url);
  writeFileSync(file, example);
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  try {
    await import(file.href);
    const [io, available, stats] = log.mock.calls[0] ?? [];
    expect(io).toBe(available ? 'native' : 'dgram');
    expect(stats).toEqual({ received: 0, sent: 0, dropped: 0, waiting: 0 });
  } finally {
    log.mockRestore();
    rmSync(file, { force: true });
  }
});

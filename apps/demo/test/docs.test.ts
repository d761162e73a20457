// The guide in docs/parsing.md must run as written: its snippets, in order, as one module.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';

describe('docs/parsing.md', () => {
  it('runs as written', async () => {
    const md = readFileSync(new URL('../../../docs/parsing.md', import.meta.url), 'utf8');
    const blocks = [...md.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1] as string);
    expect(blocks.length).toBeGreaterThanOrEqual(5);
    const imports: string[] = [];
    const body: string[] = [];
    for (const line of blocks.join('\n').split('\n')) (line.startsWith('import ') ? imports : body).push(line);
    // Written next to this package so that '@sipkit/parser' resolves as it does for a user.
    const file = new URL(`../guide-${process.pid}.tmp.mjs`, import.meta.url);
    writeFileSync(file, `${imports.join('\n')}\n${body.join('\n')}\n`);
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      await import(file.href);
      expect(log.mock.calls).toEqual([['REGISTER', 'z9hG4bKnashds7', 1826], ['ping']]);
    } finally {
      log.mockRestore();
      rmSync(file, { force: true });
    }
  });
});

describe('docs/testing.md', () => {
  it('runs as written', async () => {
    const md = readFileSync(new URL('../../../docs/testing.md', import.meta.url), 'utf8');
    const blocks = [...md.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1] as string);
    expect(blocks.length).toBe(4);
    const imports: string[] = [];
    const body: string[] = [];
    for (const line of blocks.join('\n').split('\n')) (line.startsWith('import ') ? imports : body).push(line);
    const file = new URL(`../guide-testing-${process.pid}.tmp.mjs`, import.meta.url);
    writeFileSync(file, `${imports.join('\n')}\n${body.join('\n')}\n`);
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      await import(file.href);
      const calls = log.mock.calls;
      expect(calls[0]).toEqual([200, ['<sip:alice@10.0.0.2>;expires=600']]);
      expect(calls[1]?.[0]).toMatch(/REGISTER[\s\S]*200 OK/);
      expect(calls[2]).toEqual([{ client: 0, server: 0, completed: 0, timers: 0 }, true]);
      expect(calls).toHaveLength(3);
    } finally {
      log.mockRestore();
      rmSync(file, { force: true });
    }
  });
});

// Package-level promises: the README example runs as written, and the source has no Node imports.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import * as parser from '../src/index.js';

const root = new URL('../', import.meta.url);

describe('@sipkit/parser package', () => {
  it('runs the README example as written', async () => {
    const readme = readFileSync(new URL('README.md', root), 'utf8');
    const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] as string);
    const example = blocks.find((b) => b.includes("from '@sipkit/parser'"));
    expect(example).toBeDefined();
    // The example is plain JavaScript apart from its import line.
    const body = (example as string).replace(/^import \{([^}]*)\} from '@sipkit\/parser';$/m, 'const {$1} = parser;');
    const log = vi.fn();
    const run = new Function('parser', 'console', `return (async () => {${body}})();`);
    await run(parser, { log });
    expect(log.mock.calls[0]).toEqual(['INVITE', 'z9hG4bK776asdhds', '1928301774', 314159]);
    expect(String(log.mock.calls[1]?.[0])).toMatch(/^SIP\/2\.0 180 Ringing\r\n/);
  });

  it('imports nothing from node: in its source (runs in browsers too)', () => {
    const files = readdirSync(new URL('src/', root), { recursive: true, encoding: 'utf8' }).filter((f) =>
      f.endsWith('.ts'),
    );
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) {
      const src = readFileSync(new URL(`src/${f}`, root), 'utf8');
      expect(src, f).not.toMatch(/from ['"]node:|\brequire\(['"]/);
    }
  });
});

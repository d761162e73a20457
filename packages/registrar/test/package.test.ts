// Package-level promises: the README example runs as written, and the source has no Node imports.
import { readdirSync, readFileSync } from 'node:fs';
import * as parser from '@sipkit/parser';
import { describe, expect, it, vi } from 'vitest';
import * as pkg from '../src/index.js';

const root = new URL('../', import.meta.url);

describe('@sipkit/registrar package', () => {
  it('runs the README example as written', async () => {
    const readme = readFileSync(new URL('README.md', root), 'utf8');
    const example = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] as string)[0] as string;
    const body = example
      .replace(/^import \{([^}]*)\} from '@sipkit\/parser';$/m, 'const {$1} = parser;')
      .replace(/^import \{([^}]*)\} from '@sipkit\/registrar';$/m, 'const {$1} = pkg;');
    const log = vi.fn();
    await new Function('parser', 'pkg', 'console', `return (async () => {${body}})();`)(parser, pkg, {
      log,
    });
    expect(log.mock.calls).toEqual([[200, ['<sip:bob@192.0.2.4>;expires=7200']], ['sip:bob@192.0.2.4']]);
  });

  it('imports nothing from node: in its source (runs in browsers too)', () => {
    const files = readdirSync(new URL('src/', root), { recursive: true, encoding: 'utf8' }).filter((f) =>
      f.endsWith('.ts'),
    );
    for (const f of files) expect(readFileSync(new URL(`src/${f}`, root), 'utf8'), f).not.toMatch(/from ['"]node:/);
  });
});

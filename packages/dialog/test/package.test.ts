// Package-level promises: the README example runs as written, and the source has no Node imports.
import { readdirSync, readFileSync } from 'node:fs';
import * as parser from '@sipkit/parser';
import * as testkit from '@sipkit/testkit';
import { describe, expect, it, vi } from 'vitest';
import * as dialog from '../src/index.js';

const root = new URL('../', import.meta.url);

describe('@sipkit/dialog package', () => {
  it('runs the README example as written', async () => {
    const readme = readFileSync(new URL('README.md', root), 'utf8');
    const example = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] as string)[0] as string;
    const body = example
      .replace(/^import \{([^}]*)\} from '@sipkit\/parser';$/m, 'const {$1} = parser;')
      .replace(/^import \{([^}]*)\} from '@sipkit\/testkit';$/m, 'const {$1} = testkit;')
      .replace(/^import \{([^}]*)\} from '@sipkit\/dialog';$/m, 'const {$1} = dialog;')
      .replace(/ as const;/g, ';');
    const log = vi.fn();
    await new Function('parser', 'testkit', 'dialog', 'console', `return (async () => {${body}})();`)(
      parser,
      testkit,
      dialog,
      { log },
    );
    expect(log.mock.calls).toEqual([
      ['alice: talking'],
      ['bob:', 'bye'],
      ['INVITE → 180 Ringing → 200 OK → ACK → BYE → 200 OK'],
    ]);
  });

  it('imports nothing from node: in its source (runs in browsers too)', () => {
    const files = readdirSync(new URL('src/', root), { recursive: true, encoding: 'utf8' }).filter((f) =>
      f.endsWith('.ts'),
    );
    for (const f of files) expect(readFileSync(new URL(`src/${f}`, root), 'utf8'), f).not.toMatch(/from ['"]node:/);
  });
});

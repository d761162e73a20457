// Package-level promises: the README example runs as written, and the source has no Node imports.
import { readdirSync, readFileSync } from 'node:fs';
import * as registrar from '@sipkit/registrar';
import * as testkit from '@sipkit/testkit';
import { describe, expect, it, vi } from 'vitest';
import * as pkg from '../src/index.js';

const root = new URL('../', import.meta.url);

describe('@sipkit/proxy package', () => {
  it('runs the README example as written', async () => {
    const readme = readFileSync(new URL('README.md', root), 'utf8');
    const example = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] as string)[0] as string;
    const body = example
      .replace(/^import \{([^}]*)\} from '@sipkit\/registrar';$/m, 'const {$1} = registrarPkg;')
      .replace(/^import \{([^}]*)\} from '@sipkit\/testkit';$/m, 'const {$1} = testkit;')
      .replace(/^import \{([^}]*)\} from '@sipkit\/proxy';$/m, 'const {$1} = pkg;');
    const log = vi.fn();
    await new Function('registrarPkg', 'testkit', 'pkg', 'console', `return (async () => {${body}})();`)(
      registrar,
      testkit,
      pkg,
      { log },
    );
    expect(log.mock.calls).toEqual([['sip:10.0.0.10:5060;lr']]);
  });

  it('imports nothing from node: in its source (runs in browsers too)', () => {
    const files = readdirSync(new URL('src/', root), { recursive: true, encoding: 'utf8' }).filter((f) =>
      f.endsWith('.ts'),
    );
    for (const f of files) expect(readFileSync(new URL(`src/${f}`, root), 'utf8'), f).not.toMatch(/from ['"]node:/);
  });
});

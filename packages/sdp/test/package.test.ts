// Package-level promises: the README example runs as written, and the source has no Node imports.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import * as sdp from '../src/index.js';

const root = new URL('../', import.meta.url);

describe('@sipkit/sdp package', () => {
  it('runs the README example as written', async () => {
    const readme = readFileSync(new URL('README.md', root), 'utf8');
    const example = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] as string)[0] as string;
    const body = example.replace(/^import \{([^}]*)\} from '@sipkit\/sdp';$/m, 'const {$1} = sdp;');
    const log = vi.fn();
    await new Function('sdp', 'console', `return (async () => {${body}})();`)(sdp, { log });
    expect(log.mock.calls).toEqual([
      [['audio PCMU,PCMA,telephone-event', 'video H261']],
      [['audio 20000 8 101', 'video 0 31']],
      ['have-local-offer', '2', 'sendonly'],
    ]);
  });

  it('imports nothing from node: in its source (runs in browsers too)', () => {
    const files = readdirSync(new URL('src/', root), { recursive: true, encoding: 'utf8' }).filter((f) =>
      f.endsWith('.ts'),
    );
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(readFileSync(new URL(`src/${f}`, root), 'utf8'), f).not.toMatch(/from ['"]node:/);
  });

  it('depends on nothing at run time', () => {
    const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as Record<string, unknown>;
    expect(pkg.dependencies).toBeUndefined();
    expect(pkg.peerDependencies).toBeUndefined();
  });
});

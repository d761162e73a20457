// Package-level promises: the README example runs as written, and the source has no Node imports.
import { readdirSync, readFileSync } from 'node:fs';
import * as parser from '@sipkit/parser';
import { describe, expect, it, vi } from 'vitest';
import * as digest from '../src/index.js';

const root = new URL('../', import.meta.url);

describe('@sipkit/digest package', () => {
  it('runs the README example as written', async () => {
    const readme = readFileSync(new URL('README.md', root), 'utf8');
    const example = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] as string)[0] as string;
    const body = example
      .replace(/^import \{([^}]*)\} from '@sipkit\/parser';$/m, 'const {$1} = parser;')
      .replace(/^import \{([^}]*)\} from '@sipkit\/digest';$/m, 'const {$1} = digest;')
      .replace('(cseq: number)', '(cseq)');
    const log = vi.fn();
    await new Function('parser', 'digest', 'console', `return (async () => {${body}})();`)(parser, digest, { log });
    expect(log.mock.calls).toEqual([
      [{ ok: false, reason: 'missing' }],
      [401, ['SHA-256', 'MD5']],
      [{ ok: true, username: 'alice', realm: 'example.com', algorithm: 'SHA-256' }],
    ]);
  });

  it('imports nothing from node: in its source (runs in browsers too)', () => {
    const files = readdirSync(new URL('src/', root), { recursive: true, encoding: 'utf8' }).filter((f) =>
      f.endsWith('.ts'),
    );
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) {
      const text = readFileSync(new URL(`src/${f}`, root), 'utf8');
      expect(text, f).not.toMatch(/from ['"]node:/);
      expect(text, f).not.toMatch(/import\(['"]node:|require\(/);
    }
  });

  it('exports the public API and nothing internal', () => {
    expect(Object.keys(digest).sort()).toEqual([
      'DIGEST_ALGORITHMS',
      'DigestClient',
      'DigestServer',
      'builtinHash',
      'computeHa1',
      'digestAuthorization',
      'pickChallenge',
    ]);
  });
});

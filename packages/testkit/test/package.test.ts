// Package-level promises: the README example runs as written and prints what the README says,
// and the source has no Node imports (the testkit runs in browsers too).
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as testkit from '../src/index.js';

const root = new URL('../', import.meta.url);

describe('@sipkit/testkit package', () => {
  it('runs the README example as written, printing what the README shows', async () => {
    const readme = readFileSync(new URL('README.md', root), 'utf8');
    const example = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] as string)[0] as string;
    const printed = [...readme.matchAll(/```text\n([\s\S]*?)```/g)].map((m) => m[1] as string)[0] as string;
    const body = example.replace(/^import \{([^}]*)\} from '@sipkit\/testkit';$/m, 'const {$1} = testkit;');
    expect(body).not.toMatch(/^import /m);
    const lines: string[] = [];
    const log = (s: string): void => void lines.push(...s.split('\n'));
    await new Function('testkit', 'console', `return (async () => {${body}})();`)(testkit, { log });
    expect(lines.join('\n')).toBe(printed.trimEnd());
  });

  it('imports nothing from node: in its source (runs in browsers too)', () => {
    const files = readdirSync(new URL('src/', root), { recursive: true, encoding: 'utf8' }).filter((f) =>
      f.endsWith('.ts'),
    );
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) expect(readFileSync(new URL(`src/${f}`, root), 'utf8'), f).not.toMatch(/from ['"]node:/);
  });

  it('exports its API by name from the package entry', () => {
    expect(Object.keys(testkit).sort()).toEqual([
      'VirtualClock',
      'VirtualNetwork',
      'ladderSvg',
      'ladderText',
      'locationServiceComplianceChecks',
      'sip',
      'transportComplianceChecks',
      'withLadder',
    ]);
  });
});

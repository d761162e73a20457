// Package-level promises: the README example runs as written (with an in-memory resolver in
// place of node:dns for the numeric host it uses), and the source has no Node imports.
import { readdirSync, readFileSync } from 'node:fs';
import * as parser from '@sipkit/parser';
import { describe, expect, it, vi } from 'vitest';
import * as transport from '../src/index.js';

const root = new URL('../', import.meta.url);

describe('@sipkit/transport package', () => {
  it('runs the README example as written', async () => {
    const readme = readFileSync(new URL('README.md', root), 'utf8');
    const example = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] as string)[0] as string;
    const body = example
      .replace(/^import \{ promises as dns \} from 'node:dns';$/m, 'const dns = dnsStub;')
      .replace(/^import \{([^}]*)\} from '@sipkit\/parser';$/m, 'const {$1} = parser;')
      .replace(/^import \{([^}]*)\} from '@sipkit\/transport';$/m, 'const {$1} = transport;');
    const none = async () => [];
    const dnsStub = { resolveNaptr: none, resolveSrv: none, resolve4: none, resolve6: none };
    const log = vi.fn();
    await new Function('parser', 'transport', 'dnsStub', 'console', `return (async () => {${body}})();`)(
      parser,
      transport,
      dnsStub,
      { log },
    );
    expect(log.mock.calls).toEqual([
      [[{ protocol: 'tcp', address: '127.0.0.1', port: 5080, family: 4, hostname: '127.0.0.1' }]],
    ]);
  });

  it('imports nothing from node: in its source (runs in browsers too)', () => {
    const files = readdirSync(new URL('src/', root), { recursive: true, encoding: 'utf8' }).filter((f) =>
      f.endsWith('.ts'),
    );
    for (const f of files) expect(readFileSync(new URL(`src/${f}`, root), 'utf8'), f).not.toMatch(/from ['"]node:/);
  });
});

// publint and are-the-types-wrong on every packed tarball: what npm would publish is what they
// read. publint runs at its most talkative level (suggestions too) and nothing may be reported.
//
// attw runs with its `esm-only` profile. SIPKit's packages are ESM only on purpose (DESIGN.md:
// "ESM with types"; `"type": "module"` and an `exports` map with `import` conditions only), so the
// two resolution modes that cannot load an ES module are not judged: `node10` (no `exports`
// support) and `node16-cjs` (`require()` of an ES module). Every other mode — node16 from ESM and
// bundler — must resolve every entry point to JavaScript with its types, with no problem at all.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { describeRun, repoRoot, run } from './support/workspace.js';

const packed = inject('packed');
const attwBin = join(repoRoot, 'checks', 'node_modules', '.bin', 'attw');
const IGNORED_RESOLUTIONS = ['node10', 'node16-cjs'];

async function lint(tarball: string): Promise<string[]> {
  const data = readFileSync(tarball);
  const { messages, pkg } = await publint({
    pack: { tarball: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) },
    level: 'suggestion',
    strict: true,
  });
  return messages.map((m) => `${m.type}: ${formatMessage(m, pkg, { color: false }) ?? m.code}`);
}

interface AttwProblem {
  kind: string;
  entrypoint?: string;
  resolutionKind?: string;
}

/**
 * attw's verdict on a tarball. A package that ships no types at all passes attw silently
 * (`"types": false`), so that counts as a problem here too.
 */
async function areTheTypesWrong(
  tarball: string,
): Promise<{ code: number | null; problems: AttwProblem[]; out: string }> {
  const r = await run(attwBin, [tarball, '--profile', 'esm-only', '--format', 'json'], {
    cwd: tmpdir(),
    timeoutMs: 120_000,
  });
  let problems: AttwProblem[] = [];
  try {
    const json = JSON.parse(r.stdout) as { analysis?: { problems?: AttwProblem[]; types?: false | { kind: string } } };
    problems = (json.analysis?.problems ?? []).filter(
      (p) => p.resolutionKind === undefined || !IGNORED_RESOLUTIONS.includes(p.resolutionKind),
    );
    const types = json.analysis?.types;
    if (types === undefined || types === false || types.kind !== 'included') {
      problems.push({ kind: `the package ships no types of its own (${JSON.stringify(types)})` });
    }
  } catch {
    problems = [{ kind: 'attw printed no JSON analysis' }];
  }
  return { code: r.code, problems, out: describeRun('attw', r) };
}

describe('publint passes on every packed package', () => {
  for (const p of packed) {
    it(p.name, async () => {
      expect(await lint(p.tarball)).toEqual([]);
    });
  }
});

describe('are-the-types-wrong passes on every packed package (esm-only profile)', () => {
  for (const p of packed) {
    it(p.name, async () => {
      const { code, problems, out } = await areTheTypesWrong(p.tarball);
      expect(problems, out).toEqual([]);
      expect(code, out).toBe(0);
    });
  }
});

describe('the publish checks can fail', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sipkit-broken-pack-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Packs an ESM package with dist/index.js and the given exports and extra files. */
  async function brokenTarball(name: string, exports: unknown, files: Record<string, string>): Promise<string> {
    const root = join(dir, name, 'package');
    mkdirSync(join(root, 'dist'), { recursive: true });
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name, version: '1.0.0', type: 'module', exports }));
    writeFileSync(join(root, 'dist', 'index.js'), 'export const x = 1;\n');
    for (const [file, text] of Object.entries(files)) writeFileSync(join(root, file), text);
    const tarball = join(dir, `${name}-1.0.0.tgz`);
    const tar = await run('tar', ['-czf', tarball, '-C', join(dir, name), 'package'], { cwd: dir });
    expect(tar.code, describeRun('tar', tar)).toBe(0);
    return tarball;
  }

  it('flags a package whose exports point at types it does not ship', async () => {
    const tarball = await brokenTarball(
      'missing-types',
      { '.': { types: './dist/index.d.ts', import: './dist/index.js' } },
      {},
    );
    expect((await lint(tarball)).join('\n')).toMatch(/index\.d\.ts/);
    const attw = await areTheTypesWrong(tarball);
    expect(attw.problems.map((p) => p.kind).join('\n'), attw.out).toMatch(/no types/);
  });

  it('flags ESM code typed as CommonJS, which the esm-only profile still judges', async () => {
    const tarball = await brokenTarball(
      'cjs-types',
      { '.': { types: './dist/index.d.cts', import: './dist/index.js' } },
      { 'dist/index.d.cts': 'export declare const x: number;\n' },
    );
    const attw = await areTheTypesWrong(tarball);
    expect(
      attw.problems.map((p) => p.kind),
      attw.out,
    ).toContain('FalseCJS');
    expect(attw.code, attw.out).not.toBe(0);
  });
});

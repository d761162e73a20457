// `changeset version` bumps only what a changeset names, plus the published packages that need
// the named one at run time (a patch each, `updateInternalDependencies: "patch"` in
// .changeset/config.json; while everything is 0.0.0, `^0.0.0` admits no new version, so every
// such dependent must move), and never a private app. It runs on a copy of the workspace's
// manifests and changesets config in a temp folder, so the repository is not touched.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  describeRun,
  type Manifest,
  readManifest,
  repoRoot,
  run,
  runtimeDependencies,
  type WorkspacePackage,
  workspacePackages,
} from './support/workspace.js';

const changeset = join(repoRoot, 'node_modules', '.bin', 'changeset');
const packages = workspacePackages();
const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

/** The root package.json, pnpm-workspace.yaml, the changesets config and every workspace manifest. */
function copyWorkspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sipkit-changesets-'));
  temps.push(dir);
  const files = [
    'package.json',
    'pnpm-workspace.yaml',
    '.changeset/config.json',
    ...packages.map((p) => `${p.dir}/package.json`),
  ];
  for (const file of files) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    cpSync(join(repoRoot, file), join(dir, file));
  }
  return dir;
}

/** Runs `changeset version` on one sample changeset; returns the folder it ran in. */
async function version(releases: Record<string, 'major' | 'minor' | 'patch'>): Promise<string> {
  const dir = copyWorkspace();
  const front = Object.entries(releases)
    .map(([name, bump]) => `'${name}': ${bump}`)
    .join('\n');
  writeFileSync(join(dir, '.changeset', 'sample-release.md'), `---\n${front}\n---\n\nA sample change.\n`);
  const r = await run(changeset, ['version'], { cwd: dir, timeoutMs: 60_000 });
  expect(r.code, describeRun('changeset version', r)).toBe(0);
  expect(existsSync(join(dir, '.changeset', 'sample-release.md')), 'the changeset was not consumed').toBe(false);
  return dir;
}

/** Published packages that need `name` at run time, directly or through another such package. */
function runtimeDependents(name: string): string[] {
  const published = packages.filter((p) => p.dir.startsWith('packages/') && p.manifest.private !== true);
  const found = new Set<string>();
  const queue = [name];
  while (queue.length > 0) {
    const target = queue.shift() as string;
    for (const p of published) {
      if (!found.has(p.manifest.name) && runtimeDependencies(p.manifest).includes(target)) {
        found.add(p.manifest.name);
        queue.push(p.manifest.name);
      }
    }
  }
  found.delete(name);
  return [...found].sort();
}

function bumped(from: string, bump: 'major' | 'minor' | 'patch'): string {
  const [major = 0, minor = 0, patch = 0] = from.split('.').map(Number);
  if (bump === 'major') return `${major + 1}.0.0`;
  if (bump === 'minor') return `${major}.${minor + 1}.0`;
  return `${major}.${minor}.${patch + 1}`;
}

/** What changed in each workspace package after `changeset version`, by package name. */
function outcome(
  dir: string,
): Map<string, { before: Manifest; after: Manifest; changelog: boolean; p: WorkspacePackage }> {
  return new Map(
    packages.map((p) => [
      p.manifest.name,
      {
        before: p.manifest,
        after: readManifest(join(dir, p.dir, 'package.json')),
        changelog: existsSync(join(dir, p.dir, 'CHANGELOG.md')),
        p,
      },
    ]),
  );
}

describe('changeset version bumps only the packages a changeset names and their dependents', () => {
  it('reads a config that ignores nothing published and updates internal dependencies on a patch', () => {
    const config = JSON.parse(readFileSync(join(repoRoot, '.changeset', 'config.json'), 'utf8')) as {
      ignore?: string[];
      updateInternalDependencies?: string;
    };
    expect(config.updateInternalDependencies).toBe('patch');
    const published = packages.filter((p) => p.dir.startsWith('packages/')).map((p) => p.manifest.name);
    expect(published.length).toBeGreaterThanOrEqual(11);
    expect((config.ignore ?? []).filter((n) => published.includes(n))).toEqual([]);
  });

  // sdp: nothing published needs it at run time (dialog only in its tests), so it moves alone.
  // parser: everything published but sdp needs it, directly or not, so they all take a patch.
  for (const [name, bump] of [
    ['@sipkit/sdp', 'minor'],
    ['@sipkit/parser', 'minor'],
  ] as const) {
    it(`"${name}": ${bump} bumps ${name} ${bump}, its run-time dependents patch, nothing else`, async () => {
      const dependents = runtimeDependents(name);
      if (name === '@sipkit/parser') expect(dependents).toEqual(expect.arrayContaining(['@sipkit/location-redis']));
      const dir = await version({ [name]: bump });
      const changed: Record<string, string> = {};
      const expected: Record<string, string> = {};
      for (const [pkg, o] of outcome(dir)) {
        if (o.after.version !== o.before.version) changed[pkg] = `${o.before.version} → ${o.after.version}`;
        if (pkg === name) expected[pkg] = `${o.before.version} → ${bumped(o.before.version, bump)}`;
        else if (dependents.includes(pkg)) expected[pkg] = `${o.before.version} → ${bumped(o.before.version, 'patch')}`;
      }
      expect(changed).toEqual(expected);

      for (const [pkg, o] of outcome(dir)) {
        const moved = pkg in expected;
        expect(o.changelog, `${o.p.dir}/CHANGELOG.md ${moved ? 'missing' : 'written'}`).toBe(moved);
        if (o.before.private === true) {
          // Private apps, examples, bench and these checks: untouched, every field.
          expect(o.after, `${o.p.dir}/package.json (private) changed`).toEqual(o.before);
        } else if (!moved) {
          expect(o.after, `${o.p.dir}/package.json changed`).toEqual(o.before);
        } else {
          // Only the version moves; ranges stay workspace:^ for pnpm to rewrite at pack time.
          expect({ ...o.after, version: o.before.version }, `${o.p.dir}/package.json`).toEqual(o.before);
        }
      }
    });
  }
});

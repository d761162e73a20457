// Packs every published package once, as `pnpm pack` does for a release (workspace:^ ranges
// become real versions), into a temporary folder outside the repository. The tests read the
// tarballs from there; the folder is removed after the run.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { describeRun, type Manifest, publishedPackages, repoRoot, run } from './support/workspace.js';

/** One packed package. */
export interface Packed {
  name: string;
  /** Its folder relative to the repository root. */
  dir: string;
  /** Absolute path of the .tgz. */
  tarball: string;
  /** The package.json inside the tarball, as a user's npm sees it. */
  manifest: Manifest;
  /** The paths of the files in the tarball, relative to the package root. */
  files: string[];
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** Every published package, packed. */
    packed: Packed[];
  }
}

async function pack(dir: string, into: string): Promise<Packed> {
  const cwd = join(repoRoot, dir);
  if (!existsSync(join(cwd, 'dist', 'index.js'))) {
    throw new Error(`${dir} is not built: run \`pnpm exec turbo run build --filter=@sipkit/checks...\` first`);
  }
  const packed = await run('pnpm', ['pack', '--json', '--pack-destination', into], { cwd, timeoutMs: 60_000 });
  if (packed.code !== 0) throw new Error(describeRun(`pnpm pack in ${dir}`, packed));
  // pnpm may print notices before the JSON document.
  const info = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('{'))) as {
    name: string;
    filename: string;
    files: { path: string }[];
  };
  const inner = await run('tar', ['-xzOf', info.filename, 'package/package.json'], { cwd: into });
  if (inner.code !== 0) throw new Error(describeRun(`reading package.json from ${info.filename}`, inner));
  return {
    name: info.name,
    dir,
    tarball: info.filename,
    manifest: JSON.parse(inner.stdout) as Manifest,
    files: info.files.map((f) => f.path),
  };
}

export default async function setup(project: TestProject): Promise<() => void> {
  const into = mkdtempSync(join(tmpdir(), 'sipkit-packs-'));
  try {
    const packages = publishedPackages();
    const packed: Packed[] = [];
    // Two at a time: pnpm pack is quick, and the machine has two cores.
    for (let i = 0; i < packages.length; i += 2) {
      packed.push(...(await Promise.all(packages.slice(i, i + 2).map((p) => pack(p.dir, into)))));
    }
    project.provide('packed', packed);
  } catch (e) {
    rmSync(into, { recursive: true, force: true });
    throw e;
  }
  return () => rmSync(into, { recursive: true, force: true });
}

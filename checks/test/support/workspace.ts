// The workspace as the release checks see it: where the repository is, which folders hold
// workspace packages (from pnpm-workspace.yaml), and which of them are published.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (the folder holding pnpm-workspace.yaml). */
export const repoRoot: string = fileURLToPath(new URL('../../../', import.meta.url));

/** The fields of a package.json that the checks read. */
export interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  [field: string]: unknown;
}

/** A workspace package: its folder relative to the root, and its package.json. */
export interface WorkspacePackage {
  dir: string;
  manifest: Manifest;
}

/** The published layers the release checks must find, whatever else is added later. */
export const EXPECTED_PUBLISHED = [
  '@sipkit/dialog',
  '@sipkit/digest',
  '@sipkit/location-redis',
  '@sipkit/parser',
  '@sipkit/proxy',
  '@sipkit/registrar',
  '@sipkit/sdp',
  '@sipkit/testkit',
  '@sipkit/transaction',
  '@sipkit/transport',
  '@sipkit/transport-node',
] as const;

export function readManifest(file: string): Manifest {
  return JSON.parse(readFileSync(file, 'utf8')) as Manifest;
}

/**
 * The package folders pnpm-workspace.yaml names, relative to the root. Only the two forms the
 * file uses are understood, `dir` and `dir/*`; anything else fails loudly rather than being
 * missed.
 */
export function workspaceDirs(root: string = repoRoot): string[] {
  const yaml = readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8');
  const section = yaml.split(/^packages:\s*$/m)[1]?.split(/^\S/m)[0] ?? '';
  const patterns = [...section.matchAll(/^\s+-\s+['"]?([^'"\s#]+)['"]?/gm)].map((m) => m[1] as string);
  if (patterns.length === 0) throw new Error('no packages listed in pnpm-workspace.yaml');
  const dirs: string[] = [];
  for (const pattern of patterns) {
    if (pattern.endsWith('/*')) {
      const parent = pattern.slice(0, -2);
      if (parent.includes('*')) throw new Error(`unsupported workspace pattern ${pattern}`);
      for (const entry of readdirSync(join(root, parent), { withFileTypes: true })) {
        if (entry.isDirectory() && existsSync(join(root, parent, entry.name, 'package.json'))) {
          dirs.push(`${parent}/${entry.name}`);
        }
      }
    } else if (pattern.includes('*')) {
      throw new Error(`unsupported workspace pattern ${pattern}`);
    } else if (existsSync(join(root, pattern, 'package.json'))) {
      dirs.push(pattern);
    }
  }
  return dirs.sort();
}

/** Every workspace package with its package.json. */
export function workspacePackages(root: string = repoRoot): WorkspacePackage[] {
  return workspaceDirs(root).map((dir) => ({ dir, manifest: readManifest(join(root, dir, 'package.json')) }));
}

/** The packages that are published to npm: those under packages/ that are not private. */
export function publishedPackages(root: string = repoRoot): WorkspacePackage[] {
  return workspacePackages(root).filter((p) => p.dir.startsWith('packages/') && p.manifest.private !== true);
}

/** The names a package needs at run time (dependencies, peer and optional dependencies). */
export function runtimeDependencies(manifest: Manifest): string[] {
  return [
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
    ...Object.keys(manifest.optionalDependencies ?? {}),
  ];
}

/** The outcome of a child process that ran to its end (or was killed at its time limit). */
export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * The environment for child processes, without what a parent `pnpm run` or vitest put there
 * (npm_* config that npm would obey, NODE_OPTIONS), so a child behaves as in a user's shell.
 */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|pnpm_|VITEST|NODE_OPTIONS$|TEST$|NODE_ENV$)/i.test(key)) continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

/** Runs a program to its end and collects its output; never rejects for a non-zero exit. */
export function run(
  program: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(
      program,
      args,
      {
        cwd: options.cwd,
        env: options.env ?? cleanEnv(),
        timeout: options.timeoutMs ?? 120_000,
        killSignal: 'SIGKILL',
        maxBuffer: 64 * 1024 * 1024,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        if (error !== null && typeof error.code === 'string') {
          reject(new Error(`${program} could not be started (${error.code}) in ${options.cwd}`));
          return;
        }
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        resolve({ code, signal: error?.signal ?? null, stdout, stderr });
      },
    );
  });
}

/** A result as text for an assertion message. */
export function describeRun(what: string, r: RunResult): string {
  return `${what}: exit ${r.code ?? r.signal}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

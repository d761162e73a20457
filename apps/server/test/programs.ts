// Runs the programs the interop tests drive (SIPp, baresip): bounded in time, output kept,
// and every one still running killed by `killAll` in the test's afterAll.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SipKitServer } from '../src/index.js';
import { portOf } from './helpers.js';

const running = new Set<ChildProcess>();
const work = mkdtempSync(join(tmpdir(), 'sipkit-interop-'));

/** How a program ended, and what it printed (the middle cut out when long). */
export interface ProgramRun {
  readonly code: number | null;
  readonly output: string;
}

/** Runs a program to its end, killed after `ms`. */
export function run(command: string, args: readonly string[], ms: number): Promise<ProgramRun> {
  const child = spawn(command, args, { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let output = '';
  const keep = (d: Buffer) => {
    output += d.toString().replace(/\r/g, '\n');
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      running.delete(child);
      resolve({ code, output: output.length > 4000 ? `${output.slice(0, 2000)}\n…\n${output.slice(-2000)}` : output });
    });
  });
}

/** Runs a SIPp scenario of test/sipp/ against the server's UDP listener, bounded by SIPp's -timeout. */
export function sipp(
  server: SipKitServer,
  scenario: string,
  args: readonly string[],
  ms = 30_000,
): Promise<ProgramRun> {
  return run(
    'sipp',
    [
      `127.0.0.1:${portOf(server, 'udp')}`,
      '-sf',
      join(import.meta.dirname, 'sipp', scenario),
      '-i',
      '127.0.0.1',
      '-key',
      'domain',
      'sipkit.test',
      '-nostdin',
      '-timeout',
      `${Math.ceil(ms / 1000)}s`,
      '-timeout_error',
      '-trace_err',
      ...args,
    ],
    ms + 5000,
  );
}

/** Kills whatever is still running and removes the programs' working directory. */
export function killAll(): void {
  for (const c of running) c.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
}

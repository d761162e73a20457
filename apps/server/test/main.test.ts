// The sipkit-server command as a process: start-up log, demo users, flags, SIGTERM.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningServer, runServer, until } from './helpers.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

function run(args: readonly string[]): RunningServer {
  const r = runServer(args);
  children.push(r.child);
  return r;
}

// Each run starts a primary and a worker per core: on a busy 2-core machine that takes seconds.
describe('sipkit-server (the command)', { timeout: 30_000 }, () => {
  it('starts, prints its demo users, serves /health, and stops cleanly on SIGTERM', async () => {
    const s = run(['--udp', '127.0.0.1:0', '--tcp', '127.0.0.1:0', '--http', '127.0.0.1:0']);
    const started = await until(() => s.lines.find((l) => l.msg === 'sipkit-server started'));
    expect(started.listeners).toEqual([
      expect.stringMatching(/^udp:127\.0\.0\.1:\d+$/),
      expect.stringMatching(/^tcp:127\.0\.0\.1:\d+$/),
    ]);
    await until(() =>
      s.lines.filter((l) => l.msg === 'demo user (no users configured)').length === 2 ? true : undefined,
    );
    const demo = s.lines.filter((l) => l.msg === 'demo user (no users configured)');
    expect(demo.map((l) => l.user)).toEqual(['alice@sipkit.test', 'bob@sipkit.test']);
    expect(demo.every((l) => typeof l.password === 'string' && (l.password as string).length >= 8)).toBe(true);
    const health = await fetch(`${started.http}/health`);
    expect(health.status).toBe(200);
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
    expect(s.lines.some((l) => l.msg === 'sipkit-server stopped')).toBe(true);
  });

  it('refuses a bad flag or configuration with exit code 2, naming it', async () => {
    const flag = run(['--udp', 'nowhere']);
    expect(await flag.exited).toBe(2);
    expect(flag.stderr()).toContain('--udp: must be HOST:PORT, got "nowhere"');
    const unknown = run(['--colour']);
    expect(await unknown.exited).toBe(2);
    expect(unknown.stderr()).toMatch(/Unknown option '--colour'/);
    const dir = mkdtempSync(join(tmpdir(), 'sipkit-conf-'));
    const file = join(dir, 'sipkit.yaml');
    try {
      writeFileSync(file, 'domains: [example.com]\nlog:\n  level: chatty\n');
      const config = run(['--config', file]);
      expect(await config.exited).toBe(2);
      expect(config.stderr()).toContain(
        `${file}:3: log.level: must be one of trace, debug, info, warn, error, silent, got "chatty"`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 1 with a reason when a port is taken', async () => {
    const first = run(['--tcp', '127.0.0.1:0', '--no-http']);
    const started = await until(() => first.lines.find((l) => l.msg === 'sipkit-server started'));
    const taken = (started.listeners as string[])[0]?.replace(/^tcp:/, '') ?? '';
    const second = run(['--tcp', taken, '--no-http']);
    expect(await second.exited).toBe(1);
    expect(
      second.lines.some((l) => l.msg === 'could not start' && String(l.err).includes('EADDRINUSE')),
      JSON.stringify(second.lines) + second.stderr(),
    ).toBe(true);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
  });
});

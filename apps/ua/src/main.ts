#!/usr/bin/env node
// sipkit-ua: the command-line user agent. All the logic is in cli.ts; this wires the process:
// argv, stdout/stderr, key presses on a terminal, and SIGINT (a second one exits at once).
import { runCli } from './cli.js';

const interrupted = new AbortController();
process.on('SIGINT', () => {
  if (interrupted.signal.aborted) process.exit(130);
  interrupted.abort();
});
process.on('SIGTERM', () => interrupted.abort());

// `pnpm start -- call …` passes the `--` through; skip it.
const args = process.argv.slice(2);
if (args[0] === '--') args.shift();

const code = await runCli(args, {
  stdout: process.stdout,
  stderr: process.stderr,
  ...(process.stdin.isTTY ? { stdin: process.stdin } : {}),
  signal: interrupted.signal,
});
// The stack's sockets and timers are closed by now; a terminal's stdin may still hold the loop open.
process.exit(code);

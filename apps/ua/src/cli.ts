/**
 * sipkit-ua as a library: {@link runCli} takes the arguments and the streams and resolves with
 * the exit code, so the binary (main.ts) is a thin wrapper and tests drive the real thing.
 *
 * @example
 * ```ts
 * import { runCli } from './cli.js';
 *
 * const code = await runCli(['options', 'sip:127.0.0.1:5060'], { stdout: process.stdout, stderr: process.stderr });
 * ```
 *
 * @packageDocumentation
 */
import { type CliOptions, type Command, parseCommandLine, UsageError, usage } from './args.js';
import {
  answerCommand,
  type Controls,
  callCommand,
  defaultRegistrar,
  EXIT,
  messageCommand,
  optionsCommand,
  registerCommand,
} from './commands.js';
import { Reporter, type Writer } from './output.js';
import { createStack, type Stack } from './stack.js';

export { EXIT } from './commands.js';
export type { Writer } from './output.js';

/** Key presses: a stream such as `process.stdin` (put in raw mode when it is a TTY). */
export interface KeyInput {
  on(event: 'data', listener: (chunk: unknown) => void): unknown;
  off(event: 'data', listener: (chunk: unknown) => void): unknown;
  readonly isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
  resume?(): unknown;
  pause?(): unknown;
}

/** What {@link runCli} reads from and writes to. */
export interface CliIo {
  /** Events (and SIP messages with --verbose). */
  readonly stdout: Writer;
  /** Usage errors and warnings. */
  readonly stderr: Writer;
  /** Any key hangs up a call (`call`, `answer`). */
  readonly stdin?: KeyInput;
  /** Aborted on SIGINT: cancel or hang up, unregister, exit. */
  readonly signal?: AbortSignal;
}

/** Where a command's first request goes, to pick the local address (and the WebSocket server). */
function firstHop(o: CliOptions): string | undefined {
  if (o.proxy !== undefined) return o.proxy;
  if (o.command === 'register') return o.registrar ?? (o.aor === undefined ? undefined : defaultRegistrar(o.aor));
  if (o.command === 'answer') {
    if (o.registrar !== undefined) return o.registrar;
    return o.register && o.aor !== undefined ? defaultRegistrar(o.aor) : undefined;
  }
  return o.target;
}

function controls(io: CliIo): { controls: Controls; dispose(): void } {
  const interrupt = new Set<() => void>();
  const keys = new Set<() => void>();
  const disposers: (() => void)[] = [];
  const signal = io.signal;
  if (signal !== undefined) {
    const onAbort = () => {
      for (const l of [...interrupt]) l();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    disposers.push(() => signal.removeEventListener('abort', onAbort));
  }
  const stdin = io.stdin;
  if (stdin !== undefined) {
    const raw = stdin.isTTY === true && typeof stdin.setRawMode === 'function';
    const onData = (chunk: unknown) => {
      // In raw mode Ctrl-C arrives as a byte, not as SIGINT.
      const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('latin1') : '';
      const listeners = text.includes('\x03') ? interrupt : keys;
      for (const l of [...listeners]) l();
    };
    if (raw) stdin.setRawMode?.(true);
    stdin.on('data', onData);
    stdin.resume?.();
    disposers.push(() => {
      stdin.off('data', onData);
      if (raw) stdin.setRawMode?.(false);
      stdin.pause?.();
    });
  }
  return {
    controls: {
      onInterrupt(listener) {
        if (signal?.aborted === true) {
          queueMicrotask(listener);
          return () => undefined;
        }
        interrupt.add(listener);
        return () => interrupt.delete(listener);
      },
      onKey(listener) {
        keys.add(listener);
        return () => keys.delete(listener);
      },
    },
    dispose: () => {
      for (const d of disposers) d();
    },
  };
}

/**
 * Runs one sipkit-ua command line.
 *
 * @param argv - the arguments after the program name, e.g. `['call', 'sip:bob@example.com']`
 * @param io - output streams, key input, SIGINT as an AbortSignal
 * @returns the exit code: 0 done, 1 refused by a SIP response, 2 bad command line, 3 no
 *   response or network error
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let o: CliOptions;
  try {
    const parsed = parseCommandLine(argv);
    if (parsed.help) {
      io.stdout.write(usage(parsed.command));
      return EXIT.ok;
    }
    o = parsed;
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    const command = (argv[0] ?? '') as Command;
    const hint = ['register', 'call', 'answer', 'message', 'options'].includes(command)
      ? `sipkit-ua ${command} --help`
      : 'sipkit-ua --help';
    io.stderr.write(`sipkit-ua: ${e.message}\n(see '${hint}')\n`);
    return EXIT.usage;
  }
  const out = new Reporter(io.stdout, io.stderr, o.json);
  let stack: Stack;
  try {
    stack = await createStack(o, firstHop(o), out);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`sipkit-ua: ${e.message}\n`);
      return EXIT.usage;
    }
    out.warn(`cannot start: ${e instanceof Error ? e.message : String(e)}`);
    return EXIT.network;
  }
  const ctl = controls(io);
  try {
    switch (o.command) {
      case 'register':
        return await registerCommand(o, stack, out);
      case 'call':
        return await callCommand(o, stack, out, ctl.controls);
      case 'answer':
        return await answerCommand(o, stack, out, ctl.controls);
      case 'message':
        return await messageCommand(o, stack, out);
      case 'options':
        return await optionsCommand(o, stack, out);
    }
  } finally {
    ctl.dispose();
    await stack.close();
  }
}

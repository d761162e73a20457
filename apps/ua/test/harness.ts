// Runs sipkit-ua in this process through runCli, with its output captured line by line.
import { runCli } from '../src/cli.js';

/** One JSON event line. */
export interface UaEvent {
  readonly event: string;
  readonly [key: string]: unknown;
}

/** A sipkit-ua run in progress. */
export interface UaRun {
  /** Resolves with the exit code. */
  readonly exit: Promise<number>;
  /** Everything written to stdout so far. */
  stdout(): string;
  /** Everything written to stderr so far. */
  stderr(): string;
  /** The JSON events so far (with --json). */
  events(): UaEvent[];
  /** Resolves with the first event of that name (with --json); rejects if the run ends first. */
  next(event: string): Promise<UaEvent>;
  /** SIGINT. */
  interrupt(): void;
  /** A key press on the terminal. */
  press(key?: string): void;
}

class Lines {
  text = '';
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

/**
 * Starts `sipkit-ua ...args`.
 *
 * @param args - the command line
 */
export function ua(args: readonly string[]): UaRun {
  const out = new Lines();
  const err = new Lines();
  const abort = new AbortController();
  const keyListeners = new Set<(chunk: unknown) => void>();
  const stdin = {
    on: (_: 'data', l: (chunk: unknown) => void) => keyListeners.add(l),
    off: (_: 'data', l: (chunk: unknown) => void) => keyListeners.delete(l),
  };
  const exit = runCli(args, { stdout: out, stderr: err, stdin, signal: abort.signal });
  let finished = false;
  void exit.finally(() => {
    finished = true;
  });
  const events = (): UaEvent[] =>
    out.text
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as UaEvent);
  return {
    exit,
    stdout: () => out.text,
    stderr: () => err.text,
    events,
    async next(event) {
      for (;;) {
        const found = events().find((e) => e.event === event);
        if (found !== undefined) return found;
        if (finished) {
          throw new Error(`sipkit-ua ended without a ${event} event:\n${out.text}${err.text}`);
        }
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    interrupt: () => abort.abort(),
    press: (key = ' ') => {
      for (const l of [...keyListeners]) l(Buffer.from(key));
    },
  };
}

/** The names of the events, in order. */
export function names(run: UaRun): string[] {
  return run.events().map((e) => e.event);
}

import type { TraceRecord, VirtualNetwork } from './network.js';

/**
 * Options of {@link ladderText}.
 *
 * @public
 */
export interface LadderOptions {
  /**
   * Width to fit in, in characters (a wide trace with many endpoints may still exceed it).
   *
   * @defaultValue 110
   */
  readonly width?: number;
  /**
   * Draw only the last this many messages.
   *
   * @defaultValue all of them
   */
  readonly last?: number;
  /** Endpoint names (`address:port`) to put first, in this order; the rest follow in order of appearance. */
  readonly columns?: readonly string[];
  /** Column titles by endpoint name, e.g. `{ '192.0.2.1:5060': 'alice' }`. */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * Options of {@link ladderSvg}.
 *
 * @public
 */
export interface LadderSvgOptions {
  /**
   * Draw only the last this many messages.
   *
   * @defaultValue all of them
   */
  readonly last?: number;
  /** Endpoint names to put first, in this order; the rest follow in order of appearance. */
  readonly columns?: readonly string[];
  /** Column titles by endpoint name. */
  readonly labels?: Readonly<Record<string, string>>;
  /** A title above the diagram. */
  readonly title?: string;
}

interface Layout {
  readonly rows: readonly TraceRecord[];
  readonly omitted: number;
  readonly names: readonly string[];
  readonly index: ReadonlyMap<string, number>;
  readonly mixed: boolean;
}

function layout(trace: readonly TraceRecord[], last: number | undefined, columns: readonly string[] = []): Layout {
  const from = last === undefined ? 0 : Math.max(0, trace.length - Math.max(0, Math.floor(last)));
  const rows = trace.slice(from);
  const names: string[] = [];
  const index = new Map<string, number>();
  const add = (n: string): void => {
    if (!index.has(n)) {
      index.set(n, names.length);
      names.push(n);
    }
  };
  for (const c of columns) add(c);
  const protocols = new Set<string>();
  for (const r of rows) {
    add(r.from);
    add(r.to);
    protocols.add(r.protocol);
  }
  return { rows, omitted: from, names, index, mixed: protocols.size > 1 };
}

function time(ms: number): string {
  return Number.isInteger(ms) ? String(ms) : ms.toFixed(1);
}

/** Cuts the end off, marking the cut with an ellipsis. */
function cut(s: string, n: number): string {
  if (s.length <= n) return s;
  return n <= 1 ? s.slice(0, Math.max(0, n)) : `${s.slice(0, n - 1)}…`;
}

/** Cuts the start off (an address keeps its port), marking the cut with an ellipsis. */
function cutStart(s: string, n: number): string {
  if (s.length <= n) return s;
  return n <= 1 ? s.slice(s.length - Math.max(0, n)) : `…${s.slice(s.length - n + 1)}`;
}

function notes(r: TraceRecord, mixed: boolean): string {
  const out: string[] = [];
  if (mixed) out.push(r.protocol);
  if (r.fate === 'duplicated') out.push('×2');
  if (r.fate === 'lost') out.push(r.reason === undefined ? 'lost' : `lost (${r.reason})`);
  return out.join(' ');
}

function write(line: string[], at: number, text: string): void {
  for (let i = 0; i < text.length; i++) line[at + i] = text[i] as string;
}

/**
 * Draws messages as a text ladder diagram, the way sngrep and HOMER show call flows: one column
 * per endpoint (in order of first appearance, titled `address:port`), one row per message with
 * its send time in ms, an arrow from sender to receiver labelled with the method or status, a
 * duplicated message marked `×2`, and a lost one as an arrow that stops short in an `X`, tagged
 * `lost` and why.
 *
 * ```text
 *      ms      192.0.2.1:5060            192.0.2.2:5060
 *       0            |-----------INVITE---------->|
 *      20            |<-------100 Trying----------|
 *     500            |---------INVITE--X          |             lost (loss)
 * ```
 *
 * @param trace - records, usually {@link VirtualNetwork.trace}
 * @param options - width, rows, columns
 * @returns the diagram, lines joined by `\n`
 * @public
 */
export function ladderText(trace: readonly TraceRecord[], options: LadderOptions = {}): string {
  const { rows, omitted, names, index, mixed } = layout(trace, options.last, options.columns);
  if (rows.length === 0) return omitted > 0 ? `(${omitted} earlier messages not shown)` : '(no messages)';
  const width = options.width ?? 110;
  const n = names.length;
  const timeW = Math.max(6, ...rows.map((r) => time(r.time).length));
  const notesW = rows.reduce((w, r) => Math.max(w, notes(r, mixed).length), 0);
  const room = width - timeW - 2 - (notesW > 0 ? notesW + 2 : 0);
  const spacing = n > 1 ? Math.min(40, Math.max(14, Math.floor(room / n))) : 0;
  const titleW = n > 1 ? spacing - 2 : 24;
  const x0 = timeW + 2 + Math.ceil(titleW / 2);
  const colX = (i: number): number => x0 + i * spacing;
  const end = colX(n - 1) + Math.ceil(titleW / 2) + 1;
  const blank = (): string[] => Array.from({ length: end }, () => ' ');
  const lines: string[] = [];
  if (omitted > 0) lines.push(`(${omitted} earlier messages not shown)`);

  const head = blank();
  write(head, timeW - 2, 'ms');
  names.forEach((name, i) => {
    const t = cutStart(options.labels?.[name] ?? name, titleW);
    write(head, colX(i) - Math.floor(t.length / 2), t);
  });
  lines.push(head.join('').trimEnd());

  for (const r of rows) {
    const line = blank();
    write(line, 0, time(r.time).padStart(timeW));
    for (let i = 0; i < n; i++) line[colX(i)] = '|';
    const a = colX(index.get(r.from) as number);
    const b = colX(index.get(r.to) as number);
    const label = r.label;
    if (a === b) {
      write(line, a + 1, cut(`<-${label} (to itself)`, Math.max(0, end - a - 1)));
    } else {
      const lo = Math.min(a, b);
      const span = Math.abs(b - a) - 1;
      const right = b > a;
      const lost = r.fate === 'lost';
      // A lost message's arrow stops part of the way, in an X.
      const len = lost ? Math.max(Math.ceil(span * 0.6), Math.min(span, 10)) : span;
      const body = Array.from({ length: len }, () => '-');
      const tip = lost ? 'X' : right ? '>' : '<';
      if (right) body[len - 1] = tip;
      else body[0] = tip;
      const text = cut(label, Math.max(1, len - 4));
      write(body, Math.floor((len - text.length) / 2), text);
      write(line, right ? lo + 1 : lo + 1 + span - len, body.join(''));
    }
    const note = notes(r, mixed);
    lines.push(note === '' ? line.join('').trimEnd() : `${line.join('')}  ${note}`);
  }
  return lines.join('\n');
}

function xml(s: string): string {
  return s.replace(/[&<>"']/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&apos;',
  );
}

/**
 * Draws messages as a standalone SVG ladder diagram: a titled lifeline per endpoint, a labelled
 * horizontal arrow per message with its send time on the left, duplicates marked `×2`, and lost
 * messages as dashed red arrows that stop short in an X. Every text is XML-escaped.
 *
 * @param trace - records, usually {@link VirtualNetwork.trace}
 * @param options - rows, columns, title
 * @returns an `<svg>` document
 * @public
 */
export function ladderSvg(trace: readonly TraceRecord[], options: LadderSvgOptions = {}): string {
  const { rows, omitted, names, index, mixed } = layout(trace, options.last, options.columns);
  const colW = 200;
  const rowH = 28;
  const left = 70;
  const top = (options.title === undefined ? 30 : 56) + (omitted > 0 ? 18 : 0);
  const colX = (i: number): number => left + colW / 2 + i * colW;
  const width = left + Math.max(1, names.length) * colW + 40;
  const height = top + 24 + rows.length * rowH + 16;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="ui-monospace, Menlo, Consolas, monospace" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
  ];
  if (options.title !== undefined) {
    out.push(`<title>${xml(options.title)}</title>`);
    out.push(`<text x="12" y="24" font-size="15" font-weight="bold">${xml(options.title)}</text>`);
  }
  if (omitted > 0) {
    out.push(`<text x="12" y="${top - 22}" fill="#666">${omitted} earlier messages not shown</text>`);
  }
  const y = top;
  out.push(`<text x="${left - 8}" y="${y}" text-anchor="end" fill="#666">ms</text>`);
  names.forEach((name, i) => {
    const x = colX(i);
    out.push(
      `<text x="${x}" y="${y}" text-anchor="middle" font-weight="bold">${xml(cutStart(options.labels?.[name] ?? name, 26))}</text>`,
      `<line x1="${x}" y1="${y + 8}" x2="${x}" y2="${height - 8}" stroke="#999"/>`,
    );
  });
  rows.forEach((r, k) => {
    const ry = top + 24 + k * rowH + rowH / 2;
    out.push(`<text x="${left - 8}" y="${ry + 4}" text-anchor="end" fill="#666">${xml(time(r.time))}</text>`);
    const a = colX(index.get(r.from) as number);
    const b = colX(index.get(r.to) as number);
    const lost = r.fate === 'lost';
    const color = lost ? '#d00' : r.fate === 'duplicated' ? '#06c' : '#222';
    const extra = notes(r, mixed);
    const label = xml(r.label + (extra === '' ? '' : ` (${extra})`));
    if (a === b) {
      out.push(
        `<path d="M${a} ${ry - 6} h30 v12 h-30" fill="none" stroke="${color}"${lost ? ' stroke-dasharray="5,4"' : ''}/>`,
        `<text x="${a + 36}" y="${ry + 4}" fill="${color}">${label}</text>`,
      );
      return;
    }
    const dir = b > a ? 1 : -1;
    const tipX = lost ? a + (b - a) * 0.6 : b - dir;
    out.push(
      `<line x1="${a}" y1="${ry}" x2="${tipX}" y2="${ry}" stroke="${color}" stroke-width="1.5"${lost ? ' stroke-dasharray="5,4"' : ''}/>`,
    );
    if (lost) {
      out.push(
        `<path d="M${tipX - 5} ${ry - 5} l10 10 M${tipX - 5} ${ry + 5} l10 -10" stroke="${color}" stroke-width="2"/>`,
      );
    } else {
      out.push(
        `<polygon points="${tipX},${ry} ${tipX - dir * 9},${ry - 4} ${tipX - dir * 9},${ry + 4}" fill="${color}"/>`,
      );
    }
    out.push(`<text x="${(a + tipX) / 2}" y="${ry - 5}" text-anchor="middle" fill="${color}">${label}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}

const annotated = new WeakSet<object>();

function withFlow(error: unknown, network: VirtualNetwork, options: LadderOptions): unknown {
  if (typeof error === 'object' && error !== null && annotated.has(error)) return error;
  const total = network.trace.length;
  const last = options.last ?? 60;
  const shown = Math.min(total, last);
  const text = `\n\nCall flow on the virtual network (${shown === total ? `all ${total}` : `last ${shown} of ${total}`} messages):\n${network.ladder({ ...options, last })}`;
  if (error instanceof Error) {
    try {
      const old = error.message;
      error.message = old + text;
      if (typeof error.stack === 'string' && old !== '' && error.stack.includes(old)) {
        error.stack = error.stack.replace(old, () => error.message);
      }
      annotated.add(error);
      return error;
    } catch {
      // a frozen error: wrap it below
    }
  }
  const wrapped = new Error(
    (error instanceof Error ? error.message : String(error)) + text,
    error === undefined ? undefined : { cause: error },
  );
  annotated.add(wrapped);
  return wrapped;
}

/**
 * Runs a scenario and, when it fails, appends the call flow to the error: the message of the
 * error (an `Error` keeps its class and stack, so a test runner still shows its diff) gains a
 * text ladder of the network's last messages. It writes nothing anywhere else.
 *
 * @example
 * ```ts
 * it('retransmits the INVITE over a lossy link', () =>
 *   withLadder(net, async () => {
 *     // ... drive the scenario ...
 *     expect(bob.invites).toBe(1);
 *   }));
 * ```
 *
 * @param network - the network whose trace to draw
 * @param fn - the scenario, sync or async
 * @param options - how to draw; `last` defaults to 60 rows here
 * @returns what `fn` returns (a promise when `fn` returns one)
 * @public
 */
export function withLadder<T>(network: VirtualNetwork, fn: () => T, options: LadderOptions = {}): T {
  let result: T;
  try {
    result = fn();
  } catch (error) {
    throw withFlow(error, network, options);
  }
  if (typeof (result as { then?: unknown } | null)?.then === 'function') {
    return (result as PromiseLike<unknown>).then(undefined, (error: unknown) => {
      throw withFlow(error, network, options);
    }) as T;
  }
  return result;
}

// The command line: one binary, five commands, flags checked before anything touches the
// network. Every mistake is a UsageError that names the flag (exit code 2).
import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import { parseUri } from '@sipkit/parser';

/** A mistake on the command line: printed with the usage hint, exit code 2. */
export class UsageError extends Error {
  readonly code = 'USAGE';
}

/** The commands. */
export const COMMANDS = ['register', 'call', 'answer', 'message', 'options'] as const;
/** One of {@link COMMANDS}. */
export type Command = (typeof COMMANDS)[number];

/** Transports sipkit-ua can use. */
export const TRANSPORTS = ['udp', 'tcp', 'tls', 'ws', 'wss'] as const;
/** One of {@link TRANSPORTS}. */
export type TransportName = (typeof TRANSPORTS)[number];

interface FlagSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  /** Placeholder shown in help. */
  readonly arg?: string;
  readonly help: string;
  /** Commands that take it; every command when absent. */
  readonly only?: readonly Command[];
}

const FLAGS: Readonly<Record<string, FlagSpec>> = {
  aor: { type: 'string', arg: 'URI', help: 'our address-of-record (From), e.g. sip:alice@example.com' },
  'display-name': { type: 'string', arg: 'NAME', help: 'display name in From' },
  user: { type: 'string', arg: 'NAME', help: 'digest user name (default: the user part of --aor)' },
  password: { type: 'string', arg: 'SECRET', help: 'digest password; answers 401/407 challenges once' },
  transport: { type: 'string', arg: 'udp|tcp|tls|ws|wss', help: 'transport (default udp)' },
  local: {
    type: 'string',
    arg: 'HOST:PORT',
    help: 'local address and port to bind (default: toward the first hop, port 0)',
  },
  proxy: { type: 'string', arg: 'URI', help: 'outbound proxy: every request outside a dialog goes there (a Route)' },
  outbound: { type: 'string', arg: 'URI', help: 'the same as --proxy' },
  'ws-url': {
    type: 'string',
    arg: 'URL',
    help: 'WebSocket server URL for ws/wss (default: from --proxy or the target)',
  },
  'tls-cert': { type: 'string', arg: 'FILE', help: 'TLS certificate (PEM) this UA presents (tls)' },
  'tls-key': { type: 'string', arg: 'FILE', help: 'its private key (PEM) (tls)' },
  'tls-ca': { type: 'string', arg: 'FILE', help: 'CA certificates (PEM) to verify servers with (tls, wss)' },
  insecure: { type: 'boolean', help: 'do not verify the server certificate (tls, wss)' },
  verbose: { type: 'boolean', short: 'v', help: 'print every SIP message sent and received' },
  json: { type: 'boolean', help: 'one JSON object per line instead of text' },
  help: { type: 'boolean', short: 'h', help: 'show help' },
  registrar: {
    type: 'string',
    arg: 'URI',
    help: 'registrar URI (default: the --aor domain)',
    only: ['register', 'answer'],
  },
  expires: {
    type: 'string',
    arg: 'SECONDS',
    help: 'registration lifetime (default 3600)',
    only: ['register', 'answer'],
  },
  unregister: { type: 'boolean', help: 'remove our binding instead (Expires 0)', only: ['register'] },
  register: { type: 'boolean', help: 'register --aor first, unregister on exit', only: ['answer'] },
  'hangup-after': {
    type: 'string',
    arg: 'SECONDS',
    help: 'hang up (BYE) this long after the call is established',
    only: ['call', 'answer'],
  },
  'cancel-after': {
    type: 'string',
    arg: 'SECONDS',
    help: 'CANCEL the call if it is not answered by then',
    only: ['call'],
  },
  'auto-answer-after': {
    type: 'string',
    arg: 'SECONDS',
    help: 'ring this long, then answer (default 0)',
    only: ['answer'],
  },
  'early-media': {
    type: 'boolean',
    help: 'send the SDP answer in a 183 Session Progress instead of 180 Ringing',
    only: ['answer'],
  },
  'max-calls': { type: 'string', arg: 'N', help: 'exit after N calls have ended', only: ['answer'] },
  reject: { type: 'string', arg: 'STATUS', help: 'refuse every call with this status (e.g. 486)', only: ['answer'] },
  'content-type': {
    type: 'string',
    arg: 'TYPE',
    help: 'MESSAGE body type (default text/plain;charset=utf-8)',
    only: ['message'],
  },
};

const USAGE: Readonly<Record<Command, string>> = {
  register: 'register --aor URI [--registrar URI] [--user NAME --password SECRET] [--expires S] [--unregister]',
  call: 'call URI [--proxy URI] [--hangup-after S] [--cancel-after S]',
  answer:
    'answer [--register --aor URI] [--auto-answer-after S] [--early-media] [--hangup-after S] [--max-calls N] [--reject STATUS]',
  message: 'message URI TEXT [--content-type TYPE]',
  options: 'options URI',
};

const SUMMARY: Readonly<Record<Command, string>> = {
  register: 'register a contact for --aor with a registrar (or remove it)',
  call: 'call URI with an SDP offer; shows 100/180/183/200 as they come; hangs up on a key, SIGINT or --hangup-after',
  answer: 'wait for calls: ring, answer with an SDP answer, handle BYE and CANCEL',
  message: 'send a MESSAGE (RFC 3428) with TEXT as its body',
  options: 'send OPTIONS and show what the peer says it can do',
};

function flagLine(name: string, spec: FlagSpec): string {
  const left = `${spec.short === undefined ? '    ' : `-${spec.short}, `}--${name}${spec.arg === undefined ? '' : ` ${spec.arg}`}`;
  return `  ${left.padEnd(36)} ${spec.help}`;
}

/**
 * The help text: the command list, or one command's flags.
 *
 * @param command - a command, or none for the overview
 */
export function usage(command?: Command): string {
  if (command === undefined) {
    return [
      'usage: sipkit-ua <command> [flags]',
      '',
      'commands:',
      ...COMMANDS.map((c) => `  ${c.padEnd(9)} ${SUMMARY[c]}`),
      '',
      'common flags:',
      ...Object.entries(FLAGS)
        .filter(([, s]) => s.only === undefined)
        .map(([n, s]) => flagLine(n, s)),
      '',
      "run 'sipkit-ua <command> --help' for a command's own flags",
      'exit codes: 0 done, 1 refused by a SIP response, 2 bad command line, 3 no response or network error',
      '',
    ].join('\n');
  }
  const own = Object.entries(FLAGS).filter(([, s]) => s.only?.includes(command));
  return [
    `usage: sipkit-ua ${USAGE[command]}`,
    '',
    SUMMARY[command],
    '',
    ...(own.length > 0 ? [`${command} flags:`, ...own.map(([n, s]) => flagLine(n, s)), ''] : []),
    'common flags:',
    ...Object.entries(FLAGS)
      .filter(([, s]) => s.only === undefined)
      .map(([n, s]) => flagLine(n, s)),
    '',
  ].join('\n');
}

/** A local address to bind. */
export interface LocalAddress {
  /** IP address; undefined to pick the one that routes toward the first hop. */
  readonly host: string | undefined;
  /** Port; 0 for any. */
  readonly port: number;
}

/** `--help`: show the overview or one command's help. */
export interface HelpRequest {
  readonly help: true;
  readonly command: Command | undefined;
}

/** Everything the command line said, checked. */
export interface CliOptions {
  readonly command: Command;
  readonly help: false;
  readonly aor: string | undefined;
  readonly displayName: string | undefined;
  readonly user: string | undefined;
  readonly password: string | undefined;
  readonly transport: TransportName;
  readonly local: LocalAddress;
  readonly proxy: string | undefined;
  readonly wsUrl: string | undefined;
  readonly tls: {
    readonly cert: string | undefined;
    readonly key: string | undefined;
    readonly ca: string | undefined;
    readonly insecure: boolean;
  };
  readonly verbose: boolean;
  readonly json: boolean;
  readonly registrar: string | undefined;
  readonly expires: number;
  readonly unregister: boolean;
  readonly register: boolean;
  readonly hangupAfter: number | undefined;
  readonly cancelAfter: number | undefined;
  readonly autoAnswerAfter: number;
  readonly earlyMedia: boolean;
  readonly maxCalls: number | undefined;
  readonly reject: number | undefined;
  readonly contentType: string;
  /** The target URI (call, message, options). */
  readonly target: string | undefined;
  /** The MESSAGE text. */
  readonly text: string | undefined;
}

/** `--flag` must be a SIP or SIPS URI. */
function sipUri(flag: string, value: string): string {
  let ok = false;
  try {
    ok = parseUri(value).kind === 'sip';
  } catch {
    ok = false;
  }
  if (!ok) throw new UsageError(`${flag} must be a sip: or sips: URI, got ${JSON.stringify(value)}`);
  return value;
}

function seconds(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) {
    throw new UsageError(`--${flag} must be a number of seconds (0 or more), got ${JSON.stringify(value)}`);
  }
  return n;
}

function whole(flag: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) {
    throw new UsageError(`--${flag} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** `host`, `host:port`, `[v6]:port`, `:port` or `port`. */
function localAddress(value: string | undefined): LocalAddress {
  if (value === undefined) return { host: undefined, port: 0 };
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*))(?::(\d+))?$/.exec(value) ?? /^()()(\d+)$/.exec(value);
  const host = m?.[1] ?? m?.[2] ?? '';
  const portText = m?.[3];
  const port = portText === undefined ? 0 : Number(portText);
  const hostOk = host === '' || isIP(host) !== 0;
  if (m === null || !hostOk || port > 65535 || (host === '' && portText === undefined)) {
    throw new UsageError(
      `--local must be an IP address and/or port (HOST, HOST:PORT, [V6]:PORT), got ${JSON.stringify(value)}`,
    );
  }
  if (/^\d+$/.test(value)) return { host: undefined, port: Number(value) };
  return { host: host === '' ? undefined : host, port };
}

/**
 * Reads argv (without the node and script paths) into {@link CliOptions}.
 *
 * @param argv - the arguments
 * @throws UsageError naming the flag or argument at fault
 */
export function parseCommandLine(argv: readonly string[]): CliOptions | HelpRequest {
  const [first, ...rest] = argv;
  if (first === undefined) throw new UsageError('a command is needed: register, call, answer, message or options');
  if (first === '--help' || first === '-h' || first === 'help') return { help: true, command: undefined };
  if (!(COMMANDS as readonly string[]).includes(first)) {
    throw new UsageError(
      first.startsWith('-')
        ? `the command comes first (register, call, answer, message or options), got ${JSON.stringify(first)}`
        : `unknown command ${JSON.stringify(first)} (register, call, answer, message or options)`,
    );
  }
  const command = first as Command;
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  for (const [name, spec] of Object.entries(FLAGS)) {
    if (spec.only !== undefined && !spec.only.includes(command)) continue;
    options[name] = spec.short === undefined ? { type: spec.type } : { type: spec.type, short: spec.short };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...rest], options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(explainParseError(e, command));
  }
  const v = parsed.values as Record<string, string | boolean | undefined>;
  const str = (name: string): string | undefined => v[name] as string | undefined;
  const bool = (name: string): boolean => v[name] === true;
  if (bool('help')) return { help: true, command };
  const positionals = parsed.positionals;
  const wanted = command === 'message' ? 2 : command === 'call' || command === 'options' ? 1 : 0;
  if (positionals.length < wanted) {
    throw new UsageError(
      `${command} needs ${command === 'message' ? 'a URI and a TEXT' : 'a URI'}: sipkit-ua ${USAGE[command]}`,
    );
  }
  if (positionals.length > wanted) {
    throw new UsageError(`unexpected argument ${JSON.stringify(positionals[wanted])} for ${command}`);
  }
  const transport = str('transport') ?? 'udp';
  if (!(TRANSPORTS as readonly string[]).includes(transport)) {
    throw new UsageError(`--transport must be one of ${TRANSPORTS.join(', ')}, got ${JSON.stringify(transport)}`);
  }
  const proxyFlag = str('proxy') ?? str('outbound');
  if (str('proxy') !== undefined && str('outbound') !== undefined) {
    throw new UsageError('--proxy and --outbound are the same flag; give one');
  }
  const aor = str('aor');
  if (aor !== undefined) sipUri('--aor', aor);
  if (proxyFlag !== undefined) sipUri(str('proxy') === undefined ? '--outbound' : '--proxy', proxyFlag);
  const registrar = str('registrar');
  if (registrar !== undefined) sipUri('--registrar', registrar);
  const target = positionals[0];
  if (target !== undefined && wanted > 0) sipUri(`the ${command} target`, target);
  if (command === 'register' && aor === undefined) throw new UsageError('register needs --aor');
  if (bool('register') && aor === undefined) throw new UsageError('--register needs --aor');
  if (str('password') !== undefined && str('user') === undefined && aor === undefined) {
    throw new UsageError('--password needs --user (or an --aor with a user part)');
  }
  const wsUrl = str('ws-url');
  if (wsUrl !== undefined && !/^wss?:\/\/[^/]+/i.test(wsUrl)) {
    throw new UsageError(`--ws-url must be a ws:// or wss:// URL, got ${JSON.stringify(wsUrl)}`);
  }
  if (transport === 'tls' && (str('tls-cert') === undefined || str('tls-key') === undefined)) {
    throw new UsageError('--transport tls needs --tls-cert and --tls-key (the certificate this UA presents)');
  }
  if (bool('unregister') && str('expires') !== undefined) {
    throw new UsageError('--unregister and --expires do not go together (unregistering is Expires 0)');
  }
  const reject = whole('reject', str('reject'), 300, 699);
  return {
    command,
    help: false,
    aor,
    displayName: str('display-name'),
    user: str('user'),
    password: str('password'),
    transport: transport as TransportName,
    local: localAddress(str('local')),
    proxy: proxyFlag,
    wsUrl,
    tls: { cert: str('tls-cert'), key: str('tls-key'), ca: str('tls-ca'), insecure: bool('insecure') },
    verbose: bool('verbose'),
    json: bool('json'),
    registrar,
    expires: whole('expires', str('expires'), 0, 0xffffffff) ?? 3600,
    unregister: bool('unregister'),
    register: bool('register'),
    hangupAfter: seconds('hangup-after', str('hangup-after')),
    cancelAfter: seconds('cancel-after', str('cancel-after')),
    autoAnswerAfter: seconds('auto-answer-after', str('auto-answer-after')) ?? 0,
    earlyMedia: bool('early-media'),
    maxCalls: whole('max-calls', str('max-calls'), 1, 1_000_000),
    reject,
    contentType: str('content-type') ?? 'text/plain;charset=utf-8',
    target: wanted > 0 ? target : undefined,
    text: command === 'message' ? positionals[1] : undefined,
  };
}

/** node:util's parse errors, said in terms of our flags. */
function explainParseError(e: unknown, command: Command): string {
  const code = (e as { code?: string }).code;
  const message = e instanceof Error ? e.message : String(e);
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const flag = /'(-[^'=]+)/.exec(message)?.[1] ?? '';
    const spec = flag.startsWith('--') ? FLAGS[flag.slice(2)] : undefined;
    if (spec?.only !== undefined) return `${flag} is not a flag of ${command} (it belongs to ${spec.only.join(', ')})`;
    return `unknown flag ${flag} for ${command} (see sipkit-ua ${command} --help)`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const name = /--([a-z-]+)/.exec(message)?.[1] ?? '';
    const spec = FLAGS[name];
    if (spec?.type === 'boolean') return `--${name} takes no value`;
    const arg = spec?.arg === undefined ? '' : ` (${spec.arg})`;
    if (/ambiguous/.test(message))
      return `--${name} needs a value${arg}; write --${name}=VALUE for one that starts with "-"`;
    return `--${name} needs a value${arg}`;
  }
  return message;
}

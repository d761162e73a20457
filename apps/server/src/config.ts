// sipkit-server's configuration: the embedded defaults, a YAML (or JSON) file checked against a
// schema whose errors name the key and the line, and command-line flags on top.
import { readFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { availableParallelism } from 'node:os';
import { LineCounter, parseDocument } from 'yaml';

/** The transports a listener can serve. */
export type ListenerProtocol = 'udp' | 'tcp' | 'tls' | 'ws' | 'wss';

/** One listening socket. */
export interface ListenerConfig {
  readonly transport: ListenerProtocol;
  readonly host: string;
  readonly port: number;
  /**
   * The host (IP address or name) written in Via, Record-Route and Path for this listener
   * instead of the address it is bound to; ports stay the sockets' own. For a listener on every
   * interface (0.0.0.0, ::), which names no reachable host, the default is the first address of
   * a non-loopback interface of its family; for one behind a one-to-one NAT, the public address.
   */
  readonly advertise?: string;
  /** PEM certificate chain file (tls, wss). */
  readonly cert?: string;
  /** PEM private key file (tls, wss). */
  readonly key?: string;
}

/** A user as the configuration names it: a password, or HA1 digests per algorithm. */
export type UserConfig =
  | { readonly name: string; readonly password: string }
  | { readonly name: string; readonly ha1: Readonly<Record<string, string>> };

/** Where registrations live. */
export type LocationConfig =
  | { readonly type: 'memory' }
  | { readonly type: 'redis'; readonly url: string }
  | { readonly type: 'redis-cluster'; readonly nodes: readonly string[] };

/** The whole configuration, defaults filled in. */
export interface ServerConfig {
  readonly listen: readonly ListenerConfig[];
  /** Domains we are registrar and proxy for. */
  readonly domains: readonly string[];
  /** Users (from the file and inline). */
  readonly users: readonly UserConfig[];
  /** A users file: `name password=…` or `name ha1-md5=… ha1-sha-256=…` per line. */
  readonly usersFile?: string;
  readonly auth: {
    /** Challenge REGISTER (RFC 3261 §22.1). */
    readonly register: boolean;
    /** Challenge calls and other requests from our own users (407, §22.3). */
    readonly calls: boolean;
    /** Digest realm; the first domain when absent. */
    readonly realm?: string;
    /** Nonce signing secret, shared by every instance; random per start when absent. */
    readonly secret?: string;
    /**
     * Digest algorithms challenged with, most preferred first: one challenge each (RFC 8760
     * §2.4). Some clients (SIPp among them) answer only the first and only MD5: list MD5 first
     * for them.
     */
    readonly algorithms: readonly ('SHA-256' | 'MD5' | 'SHA-512-256')[];
  };
  /** Requests for domains that are not ours: forwarded per RFC 3263 (for our own users only), or refused. */
  readonly foreign: 'forward' | 'refuse';
  readonly location: LocationConfig;
  readonly limits: {
    readonly maxConnections: number;
    readonly maxConnectionsPerAddress: number;
    readonly idleTimeoutMs: number;
    readonly maxMessageSize: number;
    /** Each UDP socket's receive buffer (SO_RCVBUF), in bytes: what waits while the process is busy. */
    readonly udpReceiveBuffer: number;
  };
  /**
   * How UDP sockets read and write (`@sipkit/transport-node`'s `io`): `native` batches with
   * recvmmsg/sendmmsg (Linux, the package's addon), `dgram` is node:dgram, `auto` the first where
   * it is available.
   */
  readonly udpIo: 'auto' | 'native' | 'dgram';
  /**
   * With several workers, each binds a UDP listener's port itself with SO_REUSEPORT, a batched
   * socket of its own, instead of reading one node:dgram socket that node:cluster shares. The
   * kernel then gives all of one peer's datagrams to one worker: good with many phones, each on a
   * port of its own; poor behind one upstream (an SBC, a trunk), whose traffic all lands on one
   * worker. Needs the batched socket and a port other than 0.
   */
  readonly udpReusePort: boolean;
  readonly log: { readonly level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent'; readonly pretty: boolean };
  /** Where `/metrics` and `/health` are served; `false` for nowhere. */
  readonly http: { readonly host: string; readonly port: number } | false;
  /** SIGTERM waits this long for live transactions before closing. */
  readonly shutdownTimeoutMs: number;
  /**
   * Worker processes behind the same listeners: one per core unless set (1 runs the server in
   * the command's own process).
   */
  readonly workers: number;
  /**
   * With several workers, the first port of the workers' own UDP sockets: worker `w` takes
   * `workerPortBase + k × workers + w` on the address of the `k`-th UDP listener. Fixed ports
   * keep a dialog reachable through a worker that was restarted, and fit a firewall. Absent: a
   * port the system picks at each start.
   */
  readonly workerPortBase?: number;
}

/** The embedded defaults: what `pnpm start` runs on. */
export const DEFAULTS: ServerConfig = {
  listen: [
    { transport: 'udp', host: '127.0.0.1', port: 5060 },
    { transport: 'tcp', host: '127.0.0.1', port: 5060 },
    { transport: 'ws', host: '127.0.0.1', port: 8080 },
  ],
  domains: ['sipkit.test', '127.0.0.1', 'localhost'],
  users: [],
  auth: { register: true, calls: true, algorithms: ['SHA-256', 'MD5'] },
  foreign: 'refuse',
  location: { type: 'memory' },
  limits: {
    maxConnections: 10_000,
    maxConnectionsPerAddress: 64,
    idleTimeoutMs: 120_000,
    maxMessageSize: 65_535,
    udpReceiveBuffer: 4_194_304,
  },
  udpIo: 'auto',
  udpReusePort: false,
  log: { level: 'info', pretty: false },
  http: { host: '127.0.0.1', port: 9090 },
  shutdownTimeoutMs: 32_000,
  workers: availableParallelism(),
};

/** Most worker processes `workers` may ask for. */
export const MAX_WORKERS = 64;

/** A configuration that does not hold: names the key, and the file and line when there is one. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    /** The key, as a dotted path (`listen.1.port`). */
    readonly key: string,
    message: string,
    /** Where: `file:line`, or `--flag`. */
    readonly where?: string,
  ) {
    super(`${where === undefined ? '' : `${where}: `}${key === '' ? '' : `${key}: `}${message}`);
  }
}

type Path = readonly (string | number)[];
type Locate = (path: Path) => string | undefined;

const PROTOCOLS: readonly ListenerProtocol[] = ['udp', 'tcp', 'tls', 'ws', 'wss'];
const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'silent'] as const;
const HA1_KEYS: Record<string, string> = {
  'ha1-md5': 'MD5',
  'ha1-sha-256': 'SHA-256',
  'ha1-sha-512-256': 'SHA-512-256',
};

/** Schema checks over a plain object, each error naming its key and line. */
class Checker {
  constructor(readonly locate: Locate) {}

  fail(path: Path, message: string): never {
    throw new ConfigError(path.join('.'), message, this.locate(path));
  }

  object(value: unknown, path: Path, keys: readonly string[]): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(path, 'must be a mapping');
    const record = value as Record<string, unknown>;
    for (const k of Object.keys(record)) {
      if (!keys.includes(k)) this.fail([...path, k], `unknown key (expected one of: ${keys.join(', ')})`);
    }
    return record;
  }

  string(value: unknown, path: Path): string {
    if (typeof value !== 'string' || value === '') this.fail(path, 'must be a non-empty string');
    return value;
  }

  int(value: unknown, path: Path, min: number, max: number): number {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
      this.fail(path, `must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
    return value;
  }

  bool(value: unknown, path: Path): boolean {
    if (typeof value !== 'boolean') this.fail(path, `must be true or false, got ${JSON.stringify(value)}`);
    return value;
  }

  oneOf<T extends string>(value: unknown, path: Path, options: readonly T[]): T {
    if (!options.includes(value as T))
      this.fail(path, `must be one of ${options.join(', ')}, got ${JSON.stringify(value)}`);
    return value as T;
  }

  list(value: unknown, path: Path): unknown[] {
    if (!Array.isArray(value)) this.fail(path, 'must be a list');
    return value;
  }

  hostPort(value: unknown, path: Path): { host: string; port: number } {
    const text = this.string(value, path);
    const parsed = parseHostPort(text);
    if (parsed === undefined) this.fail(path, `must be host:port (IPv6 as [addr]:port), got "${text}"`);
    return parsed;
  }
}

/** `127.0.0.1:5060`, `[::1]:5060` → host and port; undefined when it is not that. */
export function parseHostPort(text: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(text);
  if (m === null) return undefined;
  const port = Number(m[3]);
  if (port > 65535) return undefined;
  return { host: (m[1] ?? m[2]) as string, port };
}

/**
 * A host as RFC 3261 §25.1 writes one: a name or an IPv4 address, or an IPv6 address (bare here;
 * brackets are added where a URI needs them). No port: the sockets keep their own.
 */
function isAdvertisable(host: string): boolean {
  return host.includes(':') ? isIPv6(host) : /^[A-Za-z0-9.-]+$/.test(host);
}

function advertiseError(host: string): string {
  return `a host name or IP address without a port, got "${host}"`;
}

function checkListener(c: Checker, value: unknown, path: Path): ListenerConfig {
  const o = c.object(value, path, ['transport', 'host', 'port', 'address', 'advertise', 'cert', 'key']);
  const transport = c.oneOf(o.transport, [...path, 'transport'], PROTOCOLS);
  let host: string;
  let port: number;
  if (o.address !== undefined) {
    ({ host, port } = c.hostPort(o.address, [...path, 'address']));
  } else {
    host = o.host === undefined ? '127.0.0.1' : c.string(o.host, [...path, 'host']);
    port = c.int(o.port, [...path, 'port'], 0, 65535);
  }
  const secure = transport === 'tls' || transport === 'wss';
  if (secure && (o.cert === undefined || o.key === undefined))
    c.fail(path, `a ${transport} listener needs cert and key (PEM file paths)`);
  if (!secure && (o.cert !== undefined || o.key !== undefined))
    c.fail([...path, o.cert === undefined ? 'key' : 'cert'], `only tls and wss listeners take a certificate`);
  let advertise: string | undefined;
  if (o.advertise !== undefined) {
    advertise = c.string(o.advertise, [...path, 'advertise']);
    if (!isAdvertisable(advertise)) c.fail([...path, 'advertise'], advertiseError(advertise));
  }
  return {
    transport,
    host,
    port,
    ...(advertise === undefined ? {} : { advertise }),
    ...(o.cert === undefined ? {} : { cert: c.string(o.cert, [...path, 'cert']) }),
    ...(o.key === undefined ? {} : { key: c.string(o.key, [...path, 'key']) }),
  };
}

function checkUser(c: Checker, value: unknown, path: Path): UserConfig {
  const o = c.object(value, path, ['name', 'password', 'ha1']);
  const name = c.string(o.name, [...path, 'name']);
  if (o.password !== undefined) {
    if (o.ha1 !== undefined) c.fail(path, 'give password or ha1, not both');
    return { name, password: c.string(o.password, [...path, 'password']) };
  }
  if (o.ha1 === undefined) c.fail(path, 'needs password or ha1');
  const ha1 = c.object(o.ha1, [...path, 'ha1'], ['MD5', 'SHA-256', 'SHA-512-256']);
  const out: Record<string, string> = {};
  for (const [alg, hex] of Object.entries(ha1)) {
    const h = c.string(hex, [...path, 'ha1', alg]);
    if (!/^[0-9a-f]+$/i.test(h)) c.fail([...path, 'ha1', alg], 'must be hexadecimal');
    out[alg] = h.toLowerCase();
  }
  return { name, ha1: out };
}

/**
 * Checks a parsed configuration object against the schema and fills in the defaults.
 *
 * @param raw - the object (from YAML/JSON, or built in code)
 * @param locate - maps a key path to `file:line`, for errors
 * @throws ConfigError naming the bad key
 */
export function checkConfig(raw: unknown, locate: Locate = () => undefined): ServerConfig {
  const c = new Checker(locate);
  const o = c.object(
    raw ?? {},
    [],
    [
      'listen',
      'domains',
      'users',
      'usersFile',
      'auth',
      'foreign',
      'location',
      'limits',
      'udpIo',
      'udpReusePort',
      'log',
      'http',
      'shutdownTimeoutMs',
      'workers',
      'workerPortBase',
    ],
  );
  const listen =
    o.listen === undefined
      ? DEFAULTS.listen
      : c.list(o.listen, ['listen']).map((l, i) => checkListener(c, l, ['listen', i]));
  if (listen.length === 0) c.fail(['listen'], 'needs at least one listener');
  const domains =
    o.domains === undefined
      ? DEFAULTS.domains
      : c.list(o.domains, ['domains']).map((d, i) => c.string(d, ['domains', i]).toLowerCase());
  if (domains.length === 0) c.fail(['domains'], 'needs at least one domain');
  const users = o.users === undefined ? [] : c.list(o.users, ['users']).map((u, i) => checkUser(c, u, ['users', i]));
  const authRaw =
    o.auth === undefined ? {} : c.object(o.auth, ['auth'], ['register', 'calls', 'realm', 'secret', 'algorithms']);
  const algorithms =
    authRaw.algorithms === undefined
      ? DEFAULTS.auth.algorithms
      : c
          .list(authRaw.algorithms, ['auth', 'algorithms'])
          .map((a, i) => c.oneOf(a, ['auth', 'algorithms', i], ['SHA-256', 'MD5', 'SHA-512-256'] as const));
  if (algorithms.length === 0) c.fail(['auth', 'algorithms'], 'needs at least one algorithm');
  const auth = {
    register: authRaw.register === undefined ? DEFAULTS.auth.register : c.bool(authRaw.register, ['auth', 'register']),
    calls: authRaw.calls === undefined ? DEFAULTS.auth.calls : c.bool(authRaw.calls, ['auth', 'calls']),
    algorithms,
    ...(authRaw.realm === undefined ? {} : { realm: c.string(authRaw.realm, ['auth', 'realm']) }),
    ...(authRaw.secret === undefined ? {} : { secret: c.string(authRaw.secret, ['auth', 'secret']) }),
  };
  if (auth.secret !== undefined && auth.secret.length < 16)
    c.fail(['auth', 'secret'], 'must be at least 16 characters');
  let location: LocationConfig = DEFAULTS.location;
  if (o.location !== undefined) {
    const l = c.object(o.location, ['location'], ['type', 'url', 'nodes']);
    const type = c.oneOf(l.type, ['location', 'type'], ['memory', 'redis', 'redis-cluster'] as const);
    if (type === 'redis') location = { type, url: c.string(l.url, ['location', 'url']) };
    else if (type === 'redis-cluster')
      location = {
        type,
        nodes: c.list(l.nodes, ['location', 'nodes']).map((n, i) => c.string(n, ['location', 'nodes', i])),
      };
    else location = { type };
  }
  const limitsRaw =
    o.limits === undefined
      ? {}
      : c.object(
          o.limits,
          ['limits'],
          ['maxConnections', 'maxConnectionsPerAddress', 'idleTimeoutMs', 'maxMessageSize', 'udpReceiveBuffer'],
        );
  const limit = (key: keyof ServerConfig['limits'], min: number, max: number) =>
    limitsRaw[key] === undefined ? DEFAULTS.limits[key] : c.int(limitsRaw[key], ['limits', key], min, max);
  const limits = {
    maxConnections: limit('maxConnections', 1, 1_000_000),
    maxConnectionsPerAddress: limit('maxConnectionsPerAddress', 1, 1_000_000),
    idleTimeoutMs: limit('idleTimeoutMs', 1000, 86_400_000),
    maxMessageSize: limit('maxMessageSize', 1024, 1_048_576),
    udpReceiveBuffer: limit('udpReceiveBuffer', 65_536, 1_073_741_824),
  };
  const logRaw = o.log === undefined ? {} : c.object(o.log, ['log'], ['level', 'pretty']);
  const log = {
    level: logRaw.level === undefined ? DEFAULTS.log.level : c.oneOf(logRaw.level, ['log', 'level'], LEVELS),
    pretty: logRaw.pretty === undefined ? DEFAULTS.log.pretty : c.bool(logRaw.pretty, ['log', 'pretty']),
  };
  const http = o.http === undefined ? DEFAULTS.http : o.http === false ? false : c.hostPort(o.http, ['http']);
  return {
    listen,
    domains,
    users,
    ...(o.usersFile === undefined ? {} : { usersFile: c.string(o.usersFile, ['usersFile']) }),
    auth,
    foreign:
      o.foreign === undefined ? DEFAULTS.foreign : c.oneOf(o.foreign, ['foreign'], ['forward', 'refuse'] as const),
    location,
    limits,
    udpIo: o.udpIo === undefined ? DEFAULTS.udpIo : c.oneOf(o.udpIo, ['udpIo'], ['auto', 'native', 'dgram'] as const),
    udpReusePort: o.udpReusePort === undefined ? DEFAULTS.udpReusePort : c.bool(o.udpReusePort, ['udpReusePort']),
    log,
    http,
    shutdownTimeoutMs:
      o.shutdownTimeoutMs === undefined
        ? DEFAULTS.shutdownTimeoutMs
        : c.int(o.shutdownTimeoutMs, ['shutdownTimeoutMs'], 0, 600_000),
    workers: o.workers === undefined ? DEFAULTS.workers : c.int(o.workers, ['workers'], 1, MAX_WORKERS),
    ...(o.workerPortBase === undefined
      ? {}
      : { workerPortBase: c.int(o.workerPortBase, ['workerPortBase'], 1, 65535 - MAX_WORKERS * 8) }),
  };
}

/**
 * Parses a configuration file's text (YAML; JSON is YAML too) and checks it.
 *
 * @param text - the file's contents
 * @param file - its name, for errors
 * @throws ConfigError naming the key and `file:line`
 */
export function parseConfig(text: string, file = 'config'): ServerConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const first = doc.errors[0];
  if (first !== undefined) {
    const line = lines.linePos(first.pos[0]).line;
    throw new ConfigError('', `not valid YAML: ${first.message.split('\n')[0]}`, `${file}:${line}`);
  }
  type Node = { range?: [number, number, number]; items?: unknown[] };
  type Pair = { key?: { value?: unknown; range?: [number, number, number] } };
  const line = (offset: number) => `${file}:${lines.linePos(offset).line}`;
  const locate: Locate = (path) => {
    // The line of the key itself (or of the list item); a missing key is reported at its parent.
    for (let n = path.length; n > 0; n--) {
      const parent = doc.getIn(path.slice(0, n - 1), true) as Node | undefined;
      const last = path[n - 1];
      const item = typeof last === 'number' ? (parent?.items?.[last] as Node | undefined) : undefined;
      if (item?.range !== undefined) return line(item.range[0]);
      const key = (parent?.items as Pair[] | undefined)?.find((p) => p.key?.value === last)?.key;
      if (key?.range !== undefined) return line(key.range[0]);
    }
    return file;
  };
  return checkConfig(doc.toJS(), locate);
}

/**
 * Reads the users file: one user per line, `name password=SECRET` or `name ha1-md5=HEX
 * ha1-sha-256=HEX …`; `#` starts a comment.
 *
 * @param text - the file's contents
 * @param file - its name, for errors
 * @throws ConfigError naming the line
 */
export function parseUsersFile(text: string, file = 'users'): UserConfig[] {
  const users: UserConfig[] = [];
  const seen = new Set<string>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const where = `${file}:${i + 1}`;
    const [name, ...fields] = line.split(/\s+/);
    if (name === undefined || fields.length === 0)
      throw new ConfigError('', 'expected "name password=SECRET" or "name ha1-md5=HEX …"', where);
    if (seen.has(name)) throw new ConfigError('', `user "${name}" appears twice`, where);
    seen.add(name);
    let password: string | undefined;
    const ha1: Record<string, string> = {};
    for (const field of fields) {
      const eq = field.indexOf('=');
      const key = eq < 0 ? field : field.slice(0, eq);
      const value = eq < 0 ? '' : field.slice(eq + 1);
      if (value === '') throw new ConfigError('', `"${key}" needs a value (${key}=…)`, where);
      if (key === 'password') password = value;
      else if (HA1_KEYS[key] !== undefined) {
        if (!/^[0-9a-f]+$/i.test(value)) throw new ConfigError('', `${key} must be hexadecimal`, where);
        ha1[HA1_KEYS[key]] = value.toLowerCase();
      } else
        throw new ConfigError('', `unknown field "${key}" (password, ha1-md5, ha1-sha-256, ha1-sha-512-256)`, where);
    }
    if (password !== undefined && Object.keys(ha1).length > 0)
      throw new ConfigError('', 'give password or ha1-*, not both', where);
    users.push(password !== undefined ? { name, password } : { name, ha1 });
  });
  return users;
}

/** The command-line flags, documented in `sipkit-server --help`. */
export const USAGE = `usage: sipkit-server [options]

  --config FILE            YAML or JSON configuration (see docs/configuration.md)
  --udp HOST:PORT          listen on UDP (repeatable; any listener flag replaces the configured listeners)
  --tcp HOST:PORT          listen on TCP
  --tls HOST:PORT          listen on TLS (needs --cert and --key)
  --ws HOST:PORT           listen on WebSocket (RFC 7118)
  --wss HOST:PORT          listen on secure WebSocket (needs --cert and --key)
  --advertise HOST         the host Via and Record-Route name for the listeners (default: their
                           address; for 0.0.0.0 or ::, the first non-loopback interface address)
  --cert FILE, --key FILE  PEM certificate chain and key for tls and wss
  --domain NAME            a domain we serve (repeatable; replaces the configured domains)
  --users FILE             users file: "name password=SECRET" or "name ha1-md5=HEX" per line
  --redis URL              keep registrations in Redis (redis://host:port)
  --foreign forward|refuse requests for other domains: forward (our users only) or refuse
  --no-auth                accept REGISTER and calls without digest authentication
  --max-connections N      most TCP/TLS/WS connections at once
  --http HOST:PORT         serve /metrics and /health here; --no-http for nowhere
  --workers N              worker processes behind the listeners (default: one per core)
  --worker-port-base PORT  fixed ports for the workers' own UDP sockets, from PORT up
  --log-level LEVEL        trace, debug, info, warn, error, silent
  --pretty                 readable logs for a terminal instead of JSON lines
  --help                   this text
`;

/** Flags as parsed (strings, repeatable ones as lists). */
export interface Flags {
  readonly [flag: string]: string | boolean | readonly (string | boolean)[] | undefined;
}

/**
 * The configuration a command line asks for: the file's (or the defaults), then the flags.
 *
 * @param flags - parsed flags
 * @param readFile - reads a file (injected for tests)
 * @throws ConfigError naming the flag or key
 */
export function configFromFlags(
  flags: Flags,
  readFile: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): ServerConfig {
  const read = (path: string, flag: string): string => {
    try {
      return readFile(path);
    } catch (e) {
      throw new ConfigError('', `cannot read ${path}: ${(e as Error).message}`, flag);
    }
  };
  const file = typeof flags.config === 'string' ? flags.config : undefined;
  const base = file === undefined ? checkConfig({}) : parseConfig(read(file, '--config'), file);
  const list = (name: string): readonly string[] => {
    const v = flags[name];
    if (v === undefined || typeof v === 'boolean') return [];
    return typeof v === 'string' ? [v] : v.filter((x): x is string => typeof x === 'string');
  };
  const one = (name: string): string | undefined => list(name).at(-1);
  const cert = one('cert');
  const key = one('key');
  const listen: ListenerConfig[] = [];
  for (const transport of PROTOCOLS) {
    for (const value of list(transport)) {
      const hp = parseHostPort(value);
      if (hp === undefined) throw new ConfigError('', `must be HOST:PORT, got "${value}"`, `--${transport}`);
      const secure = transport === 'tls' || transport === 'wss';
      if (secure && (cert === undefined || key === undefined))
        throw new ConfigError('', 'needs --cert and --key', `--${transport}`);
      listen.push({ transport, ...hp, ...(secure ? { cert: cert as string, key: key as string } : {}) });
    }
  }
  // --advertise: the host every listener given (or configured, when none is given) writes in
  // Via and Record-Route, unless it has its own.
  const advertise = one('advertise');
  if (advertise !== undefined && !isAdvertisable(advertise))
    throw new ConfigError('', advertiseError(advertise), '--advertise');
  const listeners = (listen.length > 0 ? listen : base.listen).map((l) =>
    advertise === undefined || l.advertise !== undefined ? l : { ...l, advertise },
  );
  const redis = one('redis');
  const foreign = one('foreign');
  if (foreign !== undefined && foreign !== 'forward' && foreign !== 'refuse')
    throw new ConfigError('', `must be forward or refuse, got "${foreign}"`, '--foreign');
  const level = one('log-level');
  if (level !== undefined && !(LEVELS as readonly string[]).includes(level))
    throw new ConfigError('', `must be one of ${LEVELS.join(', ')}, got "${level}"`, '--log-level');
  const maxConn = one('max-connections');
  if (maxConn !== undefined && !/^[1-9]\d{0,6}$/.test(maxConn))
    throw new ConfigError('', `must be a whole number from 1 to 9999999, got "${maxConn}"`, '--max-connections');
  const workers = one('workers');
  if (workers !== undefined && (!/^[1-9]\d{0,1}$/.test(workers) || Number(workers) > MAX_WORKERS))
    throw new ConfigError('', `must be a whole number from 1 to ${MAX_WORKERS}, got "${workers}"`, '--workers');
  const portBase = one('worker-port-base');
  if (portBase !== undefined && (!/^[1-9]\d{0,4}$/.test(portBase) || Number(portBase) > 65535 - MAX_WORKERS * 8))
    throw new ConfigError(
      '',
      `must be a port from 1 to ${65535 - MAX_WORKERS * 8}, got "${portBase}"`,
      '--worker-port-base',
    );
  const httpFlag = one('http');
  const http = flags['no-http'] === true ? false : httpFlag === undefined ? base.http : parseHostPort(httpFlag);
  if (http === undefined) throw new ConfigError('', `must be HOST:PORT, got "${httpFlag}"`, '--http');
  const usersFile = one('users') ?? base.usersFile;
  // Read now, so a bad file is reported before anything starts.
  if (usersFile !== undefined) parseUsersFile(read(usersFile, '--users'), usersFile);
  return {
    ...base,
    listen: listeners,
    domains: list('domain').length > 0 ? list('domain').map((d) => d.toLowerCase()) : base.domains,
    ...(usersFile === undefined ? {} : { usersFile }),
    auth: flags['no-auth'] === true ? { ...base.auth, register: false, calls: false } : base.auth,
    foreign: (foreign as 'forward' | 'refuse' | undefined) ?? base.foreign,
    location: redis === undefined ? base.location : { type: 'redis', url: redis },
    limits: maxConn === undefined ? base.limits : { ...base.limits, maxConnections: Number(maxConn) },
    log: {
      level: (level as ServerConfig['log']['level'] | undefined) ?? base.log.level,
      pretty: flags.pretty === true ? true : base.log.pretty,
    },
    http,
    workers: workers === undefined ? base.workers : Number(workers),
    ...(portBase === undefined ? {} : { workerPortBase: Number(portBase) }),
  };
}

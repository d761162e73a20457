import type { SipUri } from '@sipkit/parser';

/**
 * A SIP transport protocol, lower case as in the `transport` URI parameter.
 *
 * @public
 */
export type TransportProtocol = 'udp' | 'tcp' | 'tls' | 'sctp' | 'ws' | 'wss';

/**
 * An NAPTR record (RFC 3403), as `node:dns` `resolveNaptr` returns it.
 *
 * @public
 */
export interface NaptrRecord {
  /** Lower values first. */
  readonly order: number;
  /** Among equal `order`, lower values first. */
  readonly preference: number;
  /** Flags; `s` means the replacement is an SRV name. */
  readonly flags: string;
  /** Service, e.g. `SIP+D2U`, `SIPS+D2T` (RFC 3263 §4.1, RFC 7118 §5). */
  readonly service: string;
  /** Regular expression (unused for SIP). */
  readonly regexp: string;
  /** The SRV name to look up next. */
  readonly replacement: string;
}

/**
 * An SRV record (RFC 2782), as `node:dns` `resolveSrv` returns it.
 *
 * @public
 */
export interface SrvRecord {
  /** Lower values first. */
  readonly priority: number;
  /** Relative weight among records of equal priority. */
  readonly weight: number;
  /** Port. */
  readonly port: number;
  /** Target host name (`.` means the service is not offered). */
  readonly name: string;
}

/**
 * The DNS lookups RFC 3263 needs. Each resolves to the records found; an empty list for a name
 * with no such records. A rejected promise counts as "no records" (and is reported through
 * {@link ResolveOptions.onError}). `node:dns/promises` fits as is:
 * `{ naptr: dns.resolveNaptr, srv: dns.resolveSrv, a: dns.resolve4, aaaa: dns.resolve6 }`.
 *
 * @public
 */
export interface Resolver {
  /** NAPTR records of a domain. */
  naptr(name: string): Promise<readonly NaptrRecord[]>;
  /** SRV records of a service name such as `_sip._udp.example.com`. */
  srv(name: string): Promise<readonly SrvRecord[]>;
  /** IPv4 addresses of a host. */
  a(name: string): Promise<readonly string[]>;
  /** IPv6 addresses of a host. */
  aaaa(name: string): Promise<readonly string[]>;
}

/**
 * One place to send a request: an IP address, a port and a transport (RFC 3263 §4).
 *
 * @public
 */
export interface Target {
  /** Transport protocol. */
  readonly protocol: TransportProtocol;
  /** IP address (IPv6 without brackets). */
  readonly address: string;
  /** Port. */
  readonly port: number;
  /** Address family. */
  readonly family: 4 | 6;
  /** The host name the address came from (for TLS server identity), or the address itself. */
  readonly hostname: string;
}

/**
 * Options for {@link resolveTargets}.
 *
 * @public
 */
export interface ResolveOptions {
  /**
   * Transports this client can use, in its order of preference (it orders SRV results when no
   * NAPTR record exists).
   * @defaultValue ['tls', 'tcp', 'udp']
   */
  transports?: readonly TransportProtocol[];
  /**
   * Look up AAAA records as well as A records.
   * @defaultValue true
   */
  ipv6?: boolean;
  /**
   * Random numbers in [0, 1) for the RFC 2782 weighted choice among SRV records.
   * @defaultValue Math.random
   */
  random?: () => number;
  /** Called with each failed lookup (the lookup then counts as empty). */
  onError?: (query: string, error: unknown) => void;
}

/**
 * Default port of a transport: RFC 3261 §19.1.2 (5060, 5061 for TLS), RFC 7118 §5 (80 and 443
 * for WebSocket).
 *
 * @param protocol - transport
 * @public
 */
export function defaultPort(protocol: TransportProtocol): number {
  if (protocol === 'tls') return 5061;
  if (protocol === 'ws') return 80;
  if (protocol === 'wss') return 443;
  return 5060;
}

const PROTOCOLS: readonly TransportProtocol[] = ['udp', 'tcp', 'tls', 'sctp', 'ws', 'wss'];

/** NAPTR service field → transport (RFC 3263 §4.1, RFC 4168, RFC 7118 §5; IANA registry). */
const NAPTR_SERVICES: Readonly<Record<string, { protocol: TransportProtocol; secure: boolean }>> = {
  'SIP+D2U': { protocol: 'udp', secure: false },
  'SIP+D2T': { protocol: 'tcp', secure: false },
  'SIPS+D2T': { protocol: 'tls', secure: true },
  'SIP+D2S': { protocol: 'sctp', secure: false },
  'SIP+D2W': { protocol: 'ws', secure: false },
  'SIPS+D2W': { protocol: 'wss', secure: true },
};

/** SRV service name prefix per transport (RFC 3263 §4.1 and §4.2). */
const SRV_PREFIX: Readonly<Record<TransportProtocol, string>> = {
  udp: '_sip._udp.',
  tcp: '_sip._tcp.',
  tls: '_sips._tcp.',
  sctp: '_sip._sctp.',
  ws: '_sip._ws.',
  wss: '_sips._ws.',
};

function isSecure(p: TransportProtocol): boolean {
  return p === 'tls' || p === 'wss';
}

function ipFamily(host: string): 4 | 6 | 0 {
  if (/^[0-9]{1,3}(\.[0-9]{1,3}){3}$/.test(host)) return 4;
  if (host.includes(':')) return 6;
  return 0;
}

/**
 * Orders SRV records as RFC 2782 says: by priority, then within one priority by a weighted random
 * choice (records of weight 0 first in the running sum, so they are chosen rarely). A target of
 * "." means the service is not offered: those records are dropped.
 *
 * @param records - SRV records
 * @param random - numbers in [0, 1)
 * @public
 */
export function orderSrv(records: readonly SrvRecord[], random: () => number = Math.random): SrvRecord[] {
  const live = records.filter((r) => r.name !== '.' && r.name !== '');
  const priorities = [...new Set(live.map((r) => r.priority))].sort((a, b) => a - b);
  const out: SrvRecord[] = [];
  for (const p of priorities) {
    // RFC 2782: zero-weight records go first in the list the running sum walks.
    const pool = live
      .filter((r) => r.priority === p)
      .sort((a, b) => (a.weight === 0 ? 0 : 1) - (b.weight === 0 ? 0 : 1));
    while (pool.length > 0) {
      const total = pool.reduce((s, r) => s + r.weight, 0);
      // RFC 2782: a uniform integer in [0, total]; the first running sum ≥ it wins.
      const pick = Math.floor(random() * (total + 1));
      let sum = 0;
      let chosen = pool.length - 1;
      for (let i = 0; i < pool.length; i++) {
        sum += (pool[i] as SrvRecord).weight;
        if (sum >= pick) {
          chosen = i;
          break;
        }
      }
      out.push(pool.splice(chosen, 1)[0] as SrvRecord);
    }
  }
  return out;
}

async function lookup<T>(
  query: string,
  run: () => Promise<readonly T[]>,
  options: ResolveOptions,
): Promise<readonly T[]> {
  try {
    return await run();
  } catch (e) {
    options.onError?.(query, e);
    return [];
  }
}

async function addresses(
  resolver: Resolver,
  host: string,
  protocol: TransportProtocol,
  port: number,
  options: ResolveOptions,
): Promise<Target[]> {
  const family = ipFamily(host);
  if (family !== 0) return [{ protocol, address: host, port, family, hostname: host }];
  const out: Target[] = [];
  for (const address of await lookup(`A ${host}`, () => resolver.a(host), options)) {
    out.push({ protocol, address, port, family: 4, hostname: host });
  }
  if (options.ipv6 !== false) {
    for (const address of await lookup(`AAAA ${host}`, () => resolver.aaaa(host), options)) {
      out.push({ protocol, address, port, family: 6, hostname: host });
    }
  }
  return out;
}

async function fromSrv(
  resolver: Resolver,
  name: string,
  protocol: TransportProtocol,
  options: ResolveOptions,
): Promise<Target[] | undefined> {
  const records = await lookup(`SRV ${name}`, () => resolver.srv(name), options);
  if (records.length === 0) return undefined;
  const out: Target[] = [];
  for (const r of orderSrv(records, options.random)) {
    out.push(...(await addresses(resolver, r.name, protocol, r.port, options)));
  }
  return out;
}

/**
 * Turns a SIP or SIPS URI into the ordered list of targets to try, as RFC 3263 §4 says: the
 * transport from the `transport` parameter, a numeric host or an explicit port, else from NAPTR,
 * else from the SRV records of each supported transport, else UDP (TLS for SIPS) on the A/AAAA
 * records; then the port and addresses from SRV (RFC 2782 order) or A/AAAA. `maddr` replaces the
 * host. A SIPS URI yields only secure transports (RFC 3263 §4.1).
 *
 * Try the targets in order, skipping those a {@link TargetBlocklist} holds; an empty list means
 * the URI cannot be reached.
 *
 * @param uri - the Request-URI, or the URI of the top Route
 * @param resolver - DNS lookups
 * @param options - transports, IPv6, randomness, error reporting
 * @public
 */
export async function resolveTargets(uri: SipUri, resolver: Resolver, options: ResolveOptions = {}): Promise<Target[]> {
  const sips = uri.scheme === 'sips';
  const supported = (options.transports ?? ['tls', 'tcp', 'udp']).filter((p) => !sips || isSecure(p));
  const host = stripBrackets(uri.params.get('maddr') ?? uri.host);
  const param = uri.params.get('transport')?.toLowerCase();
  let explicit: TransportProtocol | undefined;
  if (param !== undefined) {
    if (!(PROTOCOLS as readonly string[]).includes(param)) return [];
    explicit = param as TransportProtocol;
    // RFC 3261 §26.2.2: sips with transport=tcp means TLS over TCP.
    if (sips && explicit === 'tcp') explicit = 'tls';
    if (sips && explicit === 'ws') explicit = 'wss';
    if (!supported.includes(explicit)) return [];
  }
  const numeric = ipFamily(host) !== 0;
  // RFC 3263 §4.1: a numeric host or an explicit port fixes the transport without NAPTR.
  if (explicit === undefined && (numeric || uri.port !== undefined)) {
    explicit = sips ? 'tls' : 'udp';
    if (!supported.includes(explicit)) explicit = supported[0];
    if (explicit === undefined) return [];
  }
  if (explicit !== undefined) {
    // RFC 3263 §4.2: numeric host or explicit port → A/AAAA; else SRV for that transport.
    if (numeric || uri.port !== undefined) {
      return addresses(resolver, host, explicit, uri.port ?? defaultPort(explicit), options);
    }
    const srv = await fromSrv(resolver, SRV_PREFIX[explicit] + host, explicit, options);
    return srv ?? addresses(resolver, host, explicit, defaultPort(explicit), options);
  }
  // RFC 3263 §4.1: NAPTR, keeping the services we support (SIPS ones only for a SIPS URI).
  const naptr = (await lookup(`NAPTR ${host}`, () => resolver.naptr(host), options))
    .filter((r) => r.flags.toLowerCase() === 's')
    .map((r) => ({ r, s: NAPTR_SERVICES[r.service.toUpperCase()] }))
    .filter((x) => x.s !== undefined && supported.includes(x.s.protocol) && (!sips || x.s.secure))
    .sort((a, b) => a.r.order - b.r.order || a.r.preference - b.r.preference);
  if (naptr.length > 0) {
    const out: Target[] = [];
    for (const { r, s } of naptr) {
      const t = await fromSrv(resolver, r.replacement, (s as { protocol: TransportProtocol }).protocol, options);
      if (t !== undefined) out.push(...t);
    }
    return out;
  }
  // No NAPTR: SRV for each supported transport, in the client's order of preference.
  const out: Target[] = [];
  for (const p of supported) {
    const t = await fromSrv(resolver, SRV_PREFIX[p] + host, p, options);
    if (t !== undefined) out.push(...t);
  }
  if (out.length > 0) return out;
  // No SRV either: A/AAAA with UDP for SIP and TLS for SIPS on the default port.
  const fallback = sips ? 'tls' : supported.includes('udp') ? 'udp' : supported[0];
  return fallback === undefined ? [] : addresses(resolver, host, fallback, defaultPort(fallback), options);
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/**
 * Remembers targets that failed and skips them for a while (RFC 3263 §4.3: try the next
 * target; a failed one is not retried at once). Time comes from the caller, so tests and the
 * testkit's virtual clock control it.
 *
 * @public
 */
export class TargetBlocklist {
  readonly #until = new Map<string, number>();
  readonly #now: () => number;
  readonly #holdMs: number;

  /**
   * @param now - current time in milliseconds
   * @param holdMs - how long a failed target is skipped
   * @defaultValue holdMs 32000 (Timer B / F: one transaction's lifetime)
   */
  constructor(now: () => number, holdMs = 32000) {
    this.#now = now;
    this.#holdMs = holdMs;
  }

  #key(t: Target): string {
    return `${t.protocol}:${t.address}:${t.port}`;
  }

  /**
   * Marks a target as failed.
   *
   * @param target - the target that did not answer, refused the connection or answered 503
   * @param holdMs - how long to skip it, when the failure says (a 503's Retry-After)
   */
  fail(target: Target, holdMs: number = this.#holdMs): void {
    this.#until.set(this.#key(target), this.#now() + holdMs);
  }

  /**
   * Whether a target is being skipped now.
   *
   * @param target - a target
   */
  blocked(target: Target): boolean {
    const k = this.#key(target);
    const until = this.#until.get(k);
    if (until === undefined) return false;
    if (until <= this.#now()) {
      this.#until.delete(k);
      return false;
    }
    return true;
  }

  /**
   * The targets not being skipped, in order; if every one is blocked, all of them (better a
   * retry than no try).
   *
   * @param targets - resolved targets
   */
  filter(targets: readonly Target[]): Target[] {
    const open = targets.filter((t) => !this.blocked(t));
    return open.length > 0 ? open : [...targets];
  }
}

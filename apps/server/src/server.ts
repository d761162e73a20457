// sipkit-server: a registrar (RFC 3261 §10), a stateful proxy (§16) and digest authentication
// (§22, RFC 7616) composed from the public APIs of the SIPKit packages, with logs, metrics and a
// graceful shutdown around them.
import { hash, randomBytes } from 'node:crypto';
import { promises as dns } from 'node:dns';
import { readFileSync } from 'node:fs';
import {
  type Credential,
  computeHa1,
  type DigestAlgorithm,
  type DigestHash,
  type DigestHexHash,
  DigestServer,
} from '@sipkit/digest';
import { RedisLocationService } from '@sipkit/location-redis';
import {
  createResponse,
  parseNameAddr,
  type SipRequest,
  type SipResponse,
  type SipUri,
  type Uri,
} from '@sipkit/parser';
import { type ProxyTarget, SipProxy } from '@sipkit/proxy';
import { canonicalAor, type LocationService, MemoryLocationService, Registrar } from '@sipkit/registrar';
import type { Drop, PeerAddress, Received, Resolver, Transport } from '@sipkit/transport';
import {
  nativeUdpAvailable,
  tcpTransport,
  tlsTransport,
  type UdpTransport,
  udpTransport,
  wssTransport,
  wsTransport,
} from '@sipkit/transport-node';
import { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';
import { advertisedHost, advertising, boundAliases, unspecified } from './advertise.js';
import { type ListenerConfig, parseUsersFile, type ServerConfig } from './config.js';
import { FlowTokens } from './flows.js';
import { type HttpEndpoint, Metrics, startHttp } from './metrics.js';
import { sweepEverySecond } from './sweep.js';
import type { WorkerLink } from './workers.js';

/** A running sipkit-server. */
export interface SipKitServer {
  readonly config: ServerConfig;
  readonly proxy: SipProxy;
  readonly registrar: Registrar;
  readonly location: LocationService;
  /** The listeners as bound (port 0 in the configuration becomes the real port here). */
  readonly listeners: readonly { readonly transport: string; readonly host: string; readonly port: number }[];
  /** Where /metrics and /health are served, when they are. */
  readonly http: HttpEndpoint | undefined;
  readonly metrics: Metrics;
  /** The demo users made up at start when the configuration names none (their passwords are printed). */
  readonly demoUsers: readonly { readonly name: string; readonly password: string }[];
  /** True once {@link SipKitServer.drain} began. */
  readonly draining: boolean;
  /**
   * Graceful stop: refuse new requests with 503, let live transactions finish (or the timeout
   * pass), then close everything.
   */
  drain(timeoutMs?: number): Promise<void>;
  /** Closes listeners, the HTTP endpoint and the location service at once. */
  close(): Promise<void>;
}

/** Methods that stay with the proxy whatever the auth policy: they belong to an existing transaction or dialog. */
function inDialog(req: SipRequest): boolean {
  if (req.method === 'ACK' || req.method === 'CANCEL') return true;
  try {
    return req.to?.tag !== undefined;
  } catch {
    return false;
  }
}

/** Where a message came from, as a SIP URI: what a flow-bound registration is reached through. */
function flowUri(from: Received): string {
  const a = from.source.address;
  const host = a.includes(':') ? `[${a}]` : a;
  return `sip:${host}:${from.source.port};transport=${from.transport.protocol}`;
}

/** Whether a message came over a connection (an RFC 5626 flow) rather than as a datagram. */
function cameOverConnection(from: Received): boolean {
  const p = from.transport.protocol;
  return p === 'tcp' || p === 'tls' || p === 'ws' || p === 'wss';
}

/** The datagram counters of every UDP socket among `transports`, summed. */
function udpStats(transports: readonly Transport[]): Record<string, number> {
  const sum = { received: 0, sent: 0, dropped: 0 };
  for (const t of transports) {
    const stats = (t as Partial<UdpTransport>).stats;
    if (t.protocol !== 'udp' || stats === undefined) continue;
    const s = stats.call(t);
    sum.received += s.received;
    sum.sent += s.sent;
    sum.dropped += s.dropped;
  }
  return sum;
}

/**
 * Whether the workers' sockets for UDP listener `l` are batched sockets of their own, bound
 * with SO_REUSEPORT, rather than one node:dgram socket that node:cluster shares among them: when
 * `udpReusePort` asks for it, the batched socket is built and allowed, and the port is given
 * (with port 0 each would pick its own). The primary and the workers decide it alike.
 */
export function udpReusePort(l: ListenerConfig, config: ServerConfig): boolean {
  return (
    config.udpReusePort && l.transport === 'udp' && l.port !== 0 && config.udpIo !== 'dgram' && nativeUdpAvailable()
  );
}

async function openTransport(
  l: ListenerConfig,
  config: ServerConfig,
  onError: (e: unknown) => void,
  inWorker: boolean,
): Promise<Transport> {
  const { limits } = config;
  const stream = {
    host: l.host,
    port: l.port,
    idleTimeoutMs: limits.idleTimeoutMs,
    maxConnections: limits.maxConnections,
    maxConnectionsPerAddress: limits.maxConnectionsPerAddress,
  };
  const tls = () => ({ cert: readFileSync(l.cert as string), key: readFileSync(l.key as string) });
  switch (l.transport) {
    case 'udp':
      return udpTransport({
        host: l.host,
        port: l.port,
        receiveBufferSize: limits.udpReceiveBuffer,
        io: config.udpIo,
        ...(inWorker && udpReusePort(l, config) ? { reusePort: true } : {}),
      });
    case 'tcp':
      return tcpTransport({ ...stream, limits: { maxMessageSize: limits.maxMessageSize }, onConnectionError: onError });
    case 'tls':
      return tlsTransport({
        ...stream,
        ...tls(),
        limits: { maxMessageSize: limits.maxMessageSize },
        onConnectionError: onError,
      });
    case 'ws':
      return wsTransport({ ...stream, maxMessageSize: limits.maxMessageSize });
    case 'wss':
      return wssTransport({ ...stream, ...tls(), maxMessageSize: limits.maxMessageSize });
  }
}

const opensslName = (algorithm: DigestAlgorithm): string =>
  algorithm === 'MD5' ? 'md5' : algorithm === 'SHA-256' ? 'sha256' : 'sha512-256';
/**
 * Digest's hashes (and its nonce HMAC) on OpenSSL rather than the package's portable TypeScript,
 * through `crypto.hash`, the one-shot form (Node 20.12): no Hash object per call.
 */
const nativeHash: DigestHash = (algorithm, data) => hash(opensslName(algorithm), data, 'buffer');
/** The same, text in and hex out, for HA2 and the response. */
const nativeHexHash: DigestHexHash = (algorithm, data) => hash(opensslName(algorithm), data, 'hex');

/** At most this many dropped messages are logged one by one each second. */
const DROP_LOGS_PER_SECOND = 20;

function openLocation(
  config: ServerConfig,
  log: Logger,
  worker: WorkerLink | undefined,
): { location: LocationService; close: () => Promise<void> } {
  const l = config.location;
  if (l.type === 'memory') {
    // Workers share the primary's registrations (the primary sweeps them).
    if (worker !== undefined) return { location: worker.location(), close: async () => undefined };
    const memory = new MemoryLocationService();
    const sweeper = sweepEverySecond(memory);
    return { location: memory, close: async () => clearInterval(sweeper) };
  }
  const redis =
    l.type === 'redis'
      ? new Redis(l.url, { maxRetriesPerRequest: 2, enableOfflineQueue: true })
      : new Cluster(l.nodes.map((n) => n));
  // A Redis that is down or restarting is logged once (not at every retry), retried by ioredis,
  // and never crashes us; requests that need it meanwhile get 500.
  let down = false;
  redis.on('error', (e: Error) => {
    if (!down) log.error({ err: e.message }, 'redis unreachable');
    down = true;
  });
  redis.on('ready', () => {
    if (down) log.info('redis reachable again');
    down = false;
  });
  const location = new RedisLocationService({ redis });
  return {
    location,
    close: async () => {
      await location.close();
      redis.disconnect();
    },
  };
}

/** How {@link startServer} runs: alone, or as one worker of several. */
export interface StartOptions {
  /** This process is a worker: its listeners are shared, its secret and users come from the primary. */
  readonly worker?: WorkerLink;
}

/**
 * Starts sipkit-server on a checked configuration.
 *
 * @param config - from `checkConfig`, `parseConfig` or `configFromFlags`
 * @param log - where logs go
 * @param options - worker mode
 */
export async function startServer(
  config: ServerConfig,
  log: Logger,
  options: StartOptions = {},
): Promise<SipKitServer> {
  const { worker } = options;
  const domains = new Set(config.domains);
  const isOurs = (uri: SipUri) => domains.has(uri.host.toLowerCase());
  const realm = config.auth.realm ?? (config.domains[0] as string);

  // Users: the configuration's, the users file's, or two demo users with fresh passwords.
  const users = new Map<string, Credential>();
  const listed = [
    ...config.users,
    ...(config.usersFile === undefined ? [] : parseUsersFile(readFileSync(config.usersFile, 'utf8'), config.usersFile)),
  ];
  // A password becomes its HA1 per algorithm once, here (RFC 7616 §3.4.2: HA1 is all the server
  // needs), rather than at every request.
  const ha1Of = (name: string, password: string): Credential => ({
    ha1: Object.fromEntries(
      config.auth.algorithms.map((a) => [a, computeHa1(a, name, realm, password, nativeHash)] as const),
    ),
  });
  for (const u of listed) users.set(u.name, 'password' in u ? ha1Of(u.name, u.password) : { ha1: u.ha1 });
  const demoUsers: { name: string; password: string }[] = [];
  if (listed.length === 0) {
    for (const name of ['alice', 'bob']) {
      const password = worker?.demoUsers.find((u) => u.name === name)?.password ?? randomBytes(6).toString('base64url');
      users.set(name, ha1Of(name, password));
      demoUsers.push({ name, password });
    }
  }

  // One secret for digest nonces and flow tokens: instances that share it accept each other's.
  const secret = config.auth.secret ?? worker?.secret ?? randomBytes(32);
  const tokens = new FlowTokens(secret);
  const digest = new DigestServer({
    secret,
    realm,
    algorithms: config.auth.algorithms,
    hash: nativeHash,
    hexHash: nativeHexHash,
    // REGISTERs are verified without a server transaction (below): a retransmission is the same
    // request, not a replay, for as long as a transaction would have absorbed it (64×T1).
    retransmissionWindowMs: 64 * 500,
    credentials: { lookup: (username) => users.get(username) },
  });
  const { location, close: closeLocation } = openLocation(config, log, worker);
  const registrar = new Registrar({
    domains: (host) => domains.has(host.toLowerCase()),
    location,
    ...(config.auth.register ? { auth: digest } : {}),
  });

  const metrics = new Metrics();
  const transports: Transport[] = [];
  // As bound: in a worker, the UDP transports handed to the proxy are the worker's own sockets.
  const opened: Transport[] = [];
  // Per listener, the host it advertises; and addresses of ours beyond the transports' own.
  const advertised: string[] = [];
  const extraAliases: PeerAddress[] = [];
  try {
    for (const [i, l] of config.listen.entries()) {
      const t = await openTransport(
        l,
        config,
        (e) => {
          metrics.dropped.inc({ reason: 'connection' });
          log.warn(
            { err: String(e), listener: `${l.transport}:${l.host}:${l.port}` },
            'connection closed for what its peer sent',
          );
        },
        worker !== undefined,
      );
      opened.push(t);
      // The k-th UDP listener's worker sockets: workerPortBase + k × workers + slot, when set.
      const k = config.listen.slice(0, i).filter((x) => x.transport === 'udp').length;
      const ownPort =
        config.workerPortBase === undefined || worker === undefined
          ? 0
          : config.workerPortBase + k * worker.count + worker.slot;
      const wrapped =
        worker === undefined
          ? t
          : await worker.wrap(t, i, { receiveBufferSize: config.limits.udpReceiveBuffer, ownPort, io: config.udpIo });
      // A listener on every interface names a reachable host in Via and Record-Route instead.
      const { host, chosen } = advertisedHost(t.local.address, l.advertise);
      // Said once: by the only process, or by the first worker.
      if (chosen && (worker === undefined || worker.slot === 0)) {
        log.warn(
          { listener: `${l.transport}:${l.host}:${l.port}`, advertise: host, key: `listen.${i}.advertise` },
          'listener bound to every interface: advertising the first interface address (set listen.N.advertise)',
        );
      }
      advertised.push(host);
      transports.push(advertising(wrapped, host));
      extraAliases.push(...boundAliases(t.local));
      if (host !== t.local.address) {
        // Behind a NAT, the address bound is ours too; in a worker, the shared one as advertised.
        if (!unspecified(t.local.address)) extraAliases.push(t.local);
        if (worker !== undefined) extraAliases.push({ address: host, port: t.local.port });
      }
    }
  } catch (e) {
    await Promise.allSettled(opened.map((t) => t.close()));
    await closeLocation();
    throw e;
  }

  const dropWindow = { start: 0, logged: 0, suppressed: 0 };
  let draining = false;
  // Requests handed to the proxy core and not answered yet: what a drain waits for.
  const unanswered = new Set<string>();
  // And REGISTERs answered without a transaction whose location update is under way (Call-ID →
  // CSeq): a retransmission of one of them is discarded meanwhile, as a server transaction in
  // Trying would (§17.2.2), so that a slow location service is not asked once per
  // retransmission. Once answered, a retransmission is handled again (§8.2.7).
  const pendingRegisters = new Map<string, number>();
  const keyOf = (m: SipRequest | SipResponse): string => {
    try {
      return `${m.callId}|${m.cseq?.seq}|${m.cseq?.method}`;
    } catch {
      return '';
    }
  };

  /**
   * The URI our Paths name: our Record-Route URI; in a worker, the shared address of the first
   * listener rather than the worker's own socket, so that whichever worker is alive takes it.
   */
  const pathUri = (): string => {
    const t = opened[0];
    if (worker === undefined || t === undefined) return proxy.recordRouteUri;
    const address = advertised[0] ?? t.local.address;
    const host = address.includes(':') ? `[${address}]` : address;
    return `sip:${host}:${t.local.port}${t.protocol === 'udp' ? '' : `;transport=${t.protocol}`};lr`;
  };
  /**
   * Our Path for a registration that came over a connection (RFC 5626 §5.2, RFC 3327): our
   * Record-Route URI with the flow, signed, as its user part, and `ob` for outbound.
   */
  const pathFor = (flow: string) =>
    `<${pathUri().replace(/^sips?:/, (scheme) => `${scheme}${tokens.encode(flow)}@`)};ob>`;
  /** The flow one of our own URIs (a Route or Path of ours) names in its user part, if any. */
  const flowOf = (uri: Uri): string | undefined =>
    uri.kind === 'sip' && uri.user !== undefined && proxy.isLocal(uri) ? tokens.decode(uri.user) : undefined;
  /** The same for a stored Path value. */
  const pathFlow = (value: string): string | undefined => {
    try {
      return flowOf(parseNameAddr(value, 'Path').uri);
    } catch {
      return undefined;
    }
  };
  /**
   * §10.3: a REGISTER for one of our domains, through the registrar; it leaves
   * `pendingRegisters` (under its Call-ID) once answered.
   */
  const register = async (req: SipRequest, from: Received, callId: string): Promise<SipResponse> => {
    const source = flowUri(from);
    // RFC 5626 §5.2: over a connection, the registration names us and the flow in a Path, so
    // that another instance sharing the location service reaches the UA through us.
    if (cameOverConnection(from)) req.prepend('Path', pathFor(source));
    let res: SipResponse;
    try {
      res = await registrar.handle(req, source);
    } finally {
      if (pendingRegisters.get(callId) === req.cseq?.seq) pendingRegisters.delete(callId);
    }
    if (res.status === 200) rememberFlows(req, from);
    return res;
  };

  // Requests that came in with one of our flow tokens as their Route: sent over that flow.
  const overFlow = new WeakMap<SipRequest, string>();

  /** Answers locally, the reason in the reason phrase: `beforeRespond` counts and logs it. */
  const refuse = (req: SipRequest, status: number, reason: string, headers: [string, string][] = []): SipResponse =>
    createResponse(req, status, { reason, headers });

  /** §22.3: a request from one of our users must prove it (407 with Proxy-Authenticate). */
  const authenticate = async (req: SipRequest, from: Received): Promise<SipResponse | undefined> => {
    const result = await digest.verify(req, { proxy: true, source: from.source.address });
    if (result.ok) {
      const fromUri = req.from?.uri;
      // §22.3 leaves policy to the proxy: a user may call only as itself.
      if (fromUri?.kind === 'sip' && fromUri.user !== result.username)
        return refuse(req, 403, 'Forbidden (From is not the authenticated user)');
      return undefined;
    }
    metrics.authFailures.inc({ reason: result.reason });
    if (result.reason === 'throttled') return refuse(req, 403, 'Forbidden (too many failed attempts)');
    if (result.reason === 'malformed' || result.reason === 'uri-mismatch')
      return refuse(req, 400, `Bad Request (credentials ${result.reason})`);
    if (result.reason !== 'missing')
      log.info({ method: req.method, callId: req.callId, reason: result.reason }, 'authentication failed');
    return digest.challenge(req, { proxy: true, stale: result.stale === true });
  };

  // RFC 7118 §5: a WebSocket client's Contact names a random `.invalid` host that no DNS knows,
  // and the requests of its dialogs (ACK, BYE, re-INVITE) go to that Contact. The host of every
  // Contact registered over a connection is remembered with the connection, and the proxy's
  // resolver answers the SRV query for it (`_sip._ws.<host>`) with the connection's address.
  // Other names go to the system's DNS (RFC 3263: NAPTR, SRV, A/AAAA); `.invalid` never
  // resolves (RFC 6761 §6.4), so it is not asked.
  const invalidHosts = new Map<string, { address: string; port: number }>();
  const invalid = (name: string) => name.toLowerCase().endsWith('.invalid');
  const resolver: Resolver = {
    naptr: async (name) => (invalid(name) ? [] : dns.resolveNaptr(name)),
    srv: async (name) => {
      if (!invalid(name)) return dns.resolveSrv(name);
      const flow = invalidHosts.get(name.replace(/^_sips?\._[a-z]+\./i, '').toLowerCase());
      return flow === undefined ? [] : [{ priority: 0, weight: 0, port: flow.port, name: flow.address }];
    },
    a: async (name) => (invalid(name) ? [] : dns.resolve4(name)),
    aaaa: async (name) => (invalid(name) ? [] : dns.resolve6(name)),
  };
  const rememberFlows = (req: SipRequest, from: Received): void => {
    if (!cameOverConnection(from) || req.contacts === '*') return;
    for (const c of req.contacts) {
      const uri = c.uri;
      if (uri.kind !== 'sip' || !uri.host.toLowerCase().endsWith('.invalid')) continue;
      learnHost(uri.host.toLowerCase(), from.source);
      worker?.share(uri.host.toLowerCase(), from.source);
    }
  };
  const learnHost = (host: string, source: { address: string; port: number }): void => {
    invalidHosts.delete(host);
    invalidHosts.set(host, source);
    // Bounded: the oldest goes first (its client has long registered again from a new connection).
    if (invalidHosts.size > config.limits.maxConnections)
      invalidHosts.delete(invalidHosts.keys().next().value as string);
  };
  if (worker !== undefined) worker.onShare = learnHost;

  const proxy = new SipProxy({
    transports,
    // A worker's shared listeners are its own too (§16.4), beside its own UDP sockets, and so is
    // every interface address of a listener bound to all of them.
    aliases: [...(worker?.aliases ?? []).filter((a) => !unspecified(a.address)), ...extraAliases],
    domains: config.domains,
    resolver,
    onDrop(drop: Drop) {
      metrics.dropped.inc({ reason: drop.reason });
      // A flood of garbage must not become a flood of log lines: every drop is counted, but at
      // most DROP_LOGS_PER_SECOND are logged one by one, the rest summed up once a second.
      const now = Date.now();
      if (now - dropWindow.start >= 1000) {
        if (dropWindow.suppressed > 0)
          log.warn({ suppressed: dropWindow.suppressed }, 'dropped (more, not logged one by one)');
        dropWindow.start = now;
        dropWindow.logged = 0;
        dropWindow.suppressed = 0;
      }
      if (++dropWindow.logged > DROP_LOGS_PER_SECOND) {
        dropWindow.suppressed++;
        return;
      }
      log.warn(
        {
          reason: drop.reason,
          source: `${drop.from.source.address}:${drop.from.source.port}`,
          answered: drop.answered,
          err: drop.error === undefined ? undefined : String(drop.error),
        },
        'dropped',
      );
    },
    // RFC 3261 §8.2.7: REGISTERs are answered without a server transaction, as Kamailio's
    // registrar answers through `sl`, so that a registrar holds nothing per REGISTER once it has
    // answered. That is sound because a REGISTER can be handled twice: a retransmission (the
    // same Call-ID and CSeq) leaves the bindings as they are (§10.3 step 7, in every
    // LocationService) and is answered with them again, as §8.2.7 asks of a stateless UAS.
    // Every REGISTER is answered here but while draining (then onRequest answers 503). A
    // challenge to one without credentials is made at once; the rest once the location
    // service has answered. Digest takes a retransmission's credentials again for the 64×T1 a
    // transaction would have lived (its nonce-count is not spent twice: retransmissionWindowMs).
    statelessAnswer(req, from) {
      if (req.method !== 'REGISTER' || draining) return undefined;
      const ruri = req.requestUri;
      let res: SipResponse | Promise<SipResponse> | undefined;
      // §10.3 step 1: a REGISTER for another domain is not ours to forward.
      if (ruri.kind === 'sip' && !isOurs(ruri)) res = refuse(req, 404, 'Not Found (not a domain of this registrar)');
      else res = registrar.statelessAnswer(req);
      if (res === undefined) {
        // The proxy core has read Call-ID and CSeq (§16.3 step 1): they are there.
        const callId = req.callId as string;
        const seq = req.cseq?.seq as number;
        if (pendingRegisters.get(callId) === seq) return null;
        pendingRegisters.set(callId, seq);
        res = register(req, from, callId);
      }
      metrics.request('REGISTER');
      if (log.isLevelEnabled('debug'))
        log.debug({ method: req.method, callId: req.callId, source: flowUri(from) }, 'request');
      return res;
    },
    async onRequest(req, from) {
      metrics.request(req.method);
      if (log.isLevelEnabled('debug'))
        log.debug({ method: req.method, callId: req.callId, source: flowUri(from) }, 'request');
      if (draining && !inDialog(req))
        return refuse(req, 503, 'Service Unavailable (shutting down)', [['Retry-After', '5']]);
      // §16.3 step 1 has read the Route header field already: the parsed values are cached.
      const routes = req.routes;
      const top = routes[0];
      const flow = top === undefined ? undefined : flowOf(top.uri);
      if (flow !== undefined) {
        // Another instance (or we) found a registration of ours and sent the request along its
        // Path: it was checked there, and it goes over the flow (RFC 5626 §5.3).
        overFlow.set(req, flow);
        if (req.method !== 'ACK' && req.method !== 'CANCEL') unanswered.add(keyOf(req));
        return undefined;
      }
      if (inDialog(req)) {
        if (req.method !== 'ACK' && req.method !== 'CANCEL') unanswered.add(keyOf(req));
        return undefined;
      }
      const ruri = req.requestUri;
      const fromUri = req.from?.uri;
      const local = fromUri?.kind === 'sip' && isOurs(fromUri);
      if (local && config.auth.calls) {
        const refusal = await authenticate(req, from);
        if (refusal !== undefined) return refusal;
      }
      // Routed beyond us: a Route that is not ours (§16.4 takes ours off before forwarding).
      const routed = routes.some((r) => !proxy.isLocal(r.uri));
      if (ruri.kind === 'sip' && !isOurs(ruri) && !routed && !proxy.isLocal(ruri)) {
        // Not an open relay: only our own (authenticated) users reach other domains.
        if (config.foreign === 'refuse') return refuse(req, 403, 'Forbidden (not a domain of this server)');
        if (!local) return refuse(req, 403, 'Forbidden (relaying denied)');
        return undefined;
      }
      if (ruri.kind === 'sip' && isOurs(ruri) && !routed && !users.has(ruri.user ?? ''))
        return refuse(req, 404, 'Not Found');
      unanswered.add(keyOf(req));
      return undefined;
    },
    nextHop: (req) => overFlow.get(req),
    async targets(req): Promise<ProxyTarget[]> {
      const flow = overFlow.get(req);
      if (flow !== undefined) return [{ uri: req.uri, destination: flow }];
      // Within a dialog the Request-URI is the remote target, a Contact (§12.2.1.1), not an
      // address-of-record to look up, even when its host is one of our domains (127.0.0.1 in
      // the defaults): it is the one target (§16.5).
      if (inDialog(req)) return [{ uri: req.uri }];
      const ruri = req.requestUri;
      if (ruri.kind !== 'sip') return [];
      const bindings = await location.lookup(canonicalAor(ruri), Date.now());
      return bindings.map((b) => {
        // RFC 5626 §5.3: a registration that came over a connection is reached over it: over
        // ours when its Path names us, else along the Path to the instance that holds it.
        const [head, ...rest] = b.path ?? [];
        const mine = head === undefined ? undefined : pathFlow(head);
        if (mine !== undefined) return { uri: b.contact, q: b.q, route: rest, destination: mine };
        return { uri: b.contact, q: b.q, route: b.path };
      });
    },
    beforeRespond(res: SipResponse) {
      metrics.response(res.status);
      // Every refusal — ours, the proxy core's (§16.3) or the registrar's — and every failure
      // from downstream, with its reason phrase. 401/407 challenges are the normal first step.
      if (res.status >= 300 && res.status !== 401 && res.status !== 407) {
        let method: string | undefined;
        try {
          method = res.cseq?.method;
        } catch {
          method = undefined;
        }
        log.info({ status: res.status, reason: res.reason, method, callId: res.callId }, 'refused');
      }
      // REGISTERs are answered here, never forwarded: they are not in the set.
      if (res.status >= 200 && unanswered.size > 0) unanswered.delete(keyOf(res));
    },
  });

  metrics.watch({
    proxy,
    registrar,
    udp: () => udpStats([...opened, ...(worker?.ownUdp ?? [])]),
    ...(worker === undefined ? {} : { worker }),
  });
  let http: HttpEndpoint | undefined;
  // A worker's metrics are served, summed, by the primary.
  if (config.http !== false && worker === undefined) {
    try {
      http = await startHttp(config.http, metrics.registry, () => !draining);
    } catch (e) {
      await proxy.close();
      await closeLocation();
      throw e;
    }
  }
  const listeners = opened.map((t) => ({ transport: t.protocol, host: t.local.address, port: t.local.port }));
  log.info(
    { listeners: listeners.map((l) => `${l.transport}:${l.host}:${l.port}`), domains: config.domains, http: http?.url },
    worker === undefined ? 'sipkit-server started' : 'worker started',
  );

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= (async () => {
      await proxy.close();
      await http?.close();
      await closeLocation();
      worker?.close();
      log.info(worker === undefined ? 'sipkit-server stopped' : 'worker stopped');
    })();
    return closed;
  };

  return {
    config,
    proxy,
    registrar,
    location,
    listeners,
    http,
    metrics,
    demoUsers,
    get draining() {
      return draining;
    },
    async drain(timeoutMs = config.shutdownTimeoutMs) {
      draining = true;
      // No new connections; the open ones stay for the calls and dialogs they carry.
      for (const t of opened) t.stopAccepting?.();
      log.info({ timeoutMs }, 'draining: no new connections, new requests get 503, live transactions finish');
      const deadline = Date.now() + timeoutMs;
      // Every request the core forwarded has had its final response. (INVITE transactions then
      // linger in RFC 6026's Accepted state for 64×T1 only to absorb retransmissions.)
      while ((unanswered.size > 0 || pendingRegisters.size > 0) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      if (unanswered.size > 0 || pendingRegisters.size > 0)
        log.warn(
          { unanswered: unanswered.size + pendingRegisters.size },
          'drain timed out; closing with requests unanswered',
        );
      await close();
    },
    close,
  };
}

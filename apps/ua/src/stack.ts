// The SIP stack a command runs on: one transport from @sipkit/transport-node (or a WebSocket
// client from @sipkit/transport), a UserAgent from @sipkit/dialog on top, DNS from node:dns.
import { createSocket } from 'node:dgram';
import { promises as dns, lookup } from 'node:dns';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { UserAgent } from '@sipkit/dialog';
import { parseUri, serialize } from '@sipkit/parser';
import { type Resolver, type Transport, webSocketTransport } from '@sipkit/transport';
import { tcpTransport, tlsTransport, udpTransport } from '@sipkit/transport-node';
import { WebSocket } from 'ws';
import { type CliOptions, UsageError } from './args.js';
import type { Reporter } from './output.js';

/** A running user agent and what it was built from. */
export interface Stack {
  readonly ua: UserAgent;
  readonly transport: Transport;
  /** Our address for SDP (`c=`). */
  readonly mediaAddress: string;
  /** Our address-of-record. */
  readonly aor: string;
  /** The WebSocket server (ws, wss), which carries everything. */
  readonly wsUrl: string | undefined;
  /** Stops the UA and closes the transport. */
  close(): Promise<void>;
}

/** RFC 3263 on the system resolver; a failed lookup counts as no records. */
const systemDns: Resolver = {
  naptr: (name) => dns.resolveNaptr(name),
  srv: (name) => dns.resolveSrv(name),
  a: (name) => dns.resolve4(name),
  aaaa: (name) => dns.resolve6(name),
};

/** Host (as written), its address (looked up when it is a name) and port of a SIP URI. */
async function hostOf(
  uriText: string,
): Promise<{ host: string; address: string; port: number | undefined } | undefined> {
  try {
    const uri = parseUri(uriText);
    if (uri.kind !== 'sip') return undefined;
    const host = uri.host;
    const bare = host.replace(/^\[|\]$/g, '');
    if (isIP(bare) !== 0) return { host, address: bare, port: uri.port };
    const address = await new Promise<string>((resolve, reject) =>
      lookup(bare, (e, a) => (e === null ? resolve(a) : reject(e))),
    );
    return { host, address, port: uri.port };
  } catch {
    return undefined;
  }
}

/**
 * The local address the system would send from toward `address` (a connected UDP socket sends
 * nothing but picks the route), so Via, Contact and SDP name an address the peer can reach.
 */
async function addressToward(address: string, port: number): Promise<string> {
  const socket = createSocket(isIP(address) === 6 ? 'udp6' : 'udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(port, address, () => resolve());
    });
    return socket.address().address;
  } catch {
    return isIP(address) === 6 ? '::1' : '127.0.0.1';
  } finally {
    socket.close();
  }
}

function readPem(flag: string, file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`${flag}: cannot read ${file}: ${(e as Error).message}`);
  }
}

/** The `ws` package's WebSocket with the TLS choices of the command line. */
function webSocketClass(
  ca: string | undefined,
  insecure: boolean,
): new (
  url: string,
  protocols: string | string[],
) => WebSocket {
  return class extends WebSocket {
    constructor(url: string, protocols: string | string[]) {
      super(url, protocols, {
        ...(ca === undefined ? {} : { ca }),
        ...(insecure ? { rejectUnauthorized: false } : {}),
      });
    }
  };
}

/** Wraps a transport so every message in and out is printed (`--verbose`). */
function tap(t: Transport, out: Reporter, server: string | undefined): Transport {
  const text = new TextDecoder();
  const peer = (p: { address: string; port: number }) =>
    server ?? (p.address.includes(':') ? `[${p.address}]:${p.port}` : `${p.address}:${p.port}`);
  const tapped: Transport = {
    protocol: t.protocol,
    reliable: t.reliable,
    ...(t.framed === undefined ? {} : { framed: t.framed }),
    secure: t.secure,
    local: t.local,
    send(bytes, to, flow) {
      // CRLF keep-alives are not messages.
      if (bytes.length > 4) out.sip('sent', t.protocol, peer(to), text.decode(bytes));
      return t.send(bytes, to, flow);
    },
    listen(receiver) {
      t.listen((event) => {
        if (event.type === 'message') {
          const bytes = event.bytes ?? (event.message === undefined ? undefined : serialize(event.message));
          if (bytes !== undefined) out.sip('received', t.protocol, peer(event.source), text.decode(bytes));
        }
        receiver(event);
      });
    },
    close: () => t.close(),
  };
  return tapped;
}

/**
 * Builds the transport and user agent for a command.
 *
 * @param o - the command line
 * @param firstHop - where our first request goes (proxy, registrar or target), to pick the local
 *   address and the WebSocket server
 * @param out - where `--verbose` prints
 */
export async function createStack(o: CliOptions, firstHop: string | undefined, out: Reporter): Promise<Stack> {
  const hop = firstHop === undefined ? undefined : await hostOf(firstHop);
  let transport: Transport;
  let mediaAddress: string;
  let contactHost: string;
  let contactParams = '';
  let resolver: Resolver = systemDns;
  let serverName: string | undefined;
  let wsUrl: string | undefined;
  const ws = o.transport === 'ws' || o.transport === 'wss';
  if (ws) {
    // RFC 7118: a WebSocket client talks to its one server, which is its outbound proxy.
    // The URI's host as written, so that wss checks the certificate against that name.
    const url =
      o.wsUrl ??
      (hop === undefined ? undefined : `${o.transport}://${hop.host}:${hop.port ?? (o.transport === 'ws' ? 80 : 443)}`);
    if (url === undefined) throw new UsageError(`--transport ${o.transport} needs --ws-url or --proxy`);
    const ca = readPem('--tls-ca', o.tls.ca);
    transport = await webSocketTransport({ url, WebSocket: webSocketClass(ca, o.tls.insecure) as never });
    wsUrl = url;
    const parsed = new URL(url);
    serverName = parsed.host;
    const server = parsed.hostname.replace(/^\[|\]$/g, '');
    const serverAddress = isIP(server) !== 0 ? server : ((await hostOf(`sip:${server}`))?.address ?? '127.0.0.1');
    // Every request goes over the one connection whatever its target: any name "resolves" to
    // the server, so a Request-URI in a domain without DNS can still be sent.
    resolver = { naptr: async () => [], srv: async () => [], a: async () => [serverAddress], aaaa: async () => [] };
    mediaAddress = o.local.host ?? (await addressToward(serverAddress, 9));
    // RFC 7118 §5: the Contact names the random .invalid host of our Via.
    contactHost = transport.local.address;
    contactParams = `;transport=${o.transport}`;
  } else {
    const host = o.local.host ?? (hop === undefined ? '127.0.0.1' : await addressToward(hop.address, hop.port ?? 5060));
    const port = o.local.port;
    if (o.transport === 'udp') transport = await udpTransport({ host, port });
    else if (o.transport === 'tcp') transport = await tcpTransport({ host, port });
    else {
      const key = readPem('--tls-key', o.tls.key) ?? '';
      const cert = readPem('--tls-cert', o.tls.cert) ?? '';
      const ca = readPem('--tls-ca', o.tls.ca);
      transport = await tlsTransport({
        host,
        port,
        key,
        cert,
        ...(ca === undefined ? {} : { ca }),
        rejectUnauthorized: !o.tls.insecure,
      });
    }
    if (o.transport !== 'udp') contactParams = `;transport=${o.transport}`;
    mediaAddress = host;
    const bound = transport.local;
    contactHost = `${bound.address.includes(':') ? `[${bound.address}]` : bound.address}:${bound.port}`;
  }
  const user = o.user ?? userOf(o.aor) ?? 'sipkit';
  const aor = o.aor ?? `sip:${user}@${mediaAddress.includes(':') ? `[${mediaAddress}]` : mediaAddress}`;
  const contactUser = userOf(aor) ?? user;
  const credentials = o.password === undefined ? undefined : { username: user, password: o.password };
  const route = o.proxy === undefined || ws ? undefined : [`<${withLr(o.proxy)}>`];
  // A WebSocket client has one peer, its server, whatever address a message was "sent to".
  const wired = o.verbose ? tap(transport, out, ws ? serverName : undefined) : transport;
  const ua = new UserAgent({
    transports: [wired],
    aor,
    contact: `sip:${contactUser}@${contactHost}${contactParams}`,
    resolver,
    ...(o.displayName === undefined ? {} : { displayName: o.displayName }),
    ...(credentials === undefined ? {} : { credentials }),
    ...(route === undefined ? {} : { outboundRoute: route }),
  });
  ua.onError = (e) => {
    if (o.verbose) out.warn(`stack: ${e instanceof Error ? e.message : String(e)}`);
  };
  return { ua, transport: wired, mediaAddress, aor, wsUrl, close: () => ua.close() };
}

function userOf(uri: string | undefined): string | undefined {
  if (uri === undefined) return undefined;
  const u = parseUri(uri);
  return u.kind === 'sip' ? u.user : undefined;
}

/** A Route to a proxy is loose (RFC 3261 §16.12): add `;lr` when it is missing. */
function withLr(uri: string): string {
  return /;lr(=|;|$)/i.test(uri) ? uri : `${uri};lr`;
}

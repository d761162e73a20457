// A registrar and proxy for example.com on real loopback sockets (UDP and TCP on one port, WS
// on another, TLS on a second proxy sharing the registrar), built from @sipkit/registrar, @sipkit/proxy and @sipkit/digest: REGISTER needs
// digest credentials (401), INVITE and MESSAGE from example.com users need them too (407),
// unknown users get 404, known users without a binding 480.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DigestServer } from '@sipkit/digest';
import { createResponse, type SipRequest } from '@sipkit/parser';
import { type ProxyTarget, SipProxy } from '@sipkit/proxy';
import { MemoryLocationService, Registrar } from '@sipkit/registrar';
import type { Transport } from '@sipkit/transport';
import { tcpTransport, tlsTransport, udpTransport, wsTransport } from '@sipkit/transport-node';

/** A self-signed certificate for 127.0.0.1, its key, and the file names (test/fixtures). */
export const TLS = {
  certFile: fileURLToPath(new URL('./fixtures/cert.pem', import.meta.url)),
  keyFile: fileURLToPath(new URL('./fixtures/key.pem', import.meta.url)),
  cert: readFileSync(new URL('./fixtures/cert.pem', import.meta.url), 'utf8'),
  key: readFileSync(new URL('./fixtures/key.pem', import.meta.url), 'utf8'),
};

export const USERS = new Map([
  ['alice', 'wonderland'],
  ['bob', 'builder'],
  ['carol', 'singer'],
]);

/** What the tests look at. */
export interface TestServer {
  readonly port: number;
  readonly wsPort: number;
  readonly tlsPort: number;
  readonly uri: string;
  readonly location: MemoryLocationService;
  readonly registrar: Registrar;
  /** Methods challenged with 407, in order. */
  readonly proxyChallenges: string[];
  /** Methods of every request the proxy core saw, with the transport it came over. */
  readonly seen: string[];
  close(): Promise<void>;
}

/** UDP and TCP bound to the same free port, so one URI names the proxy on both. */
async function udpAndTcp(): Promise<[Transport, Transport]> {
  for (let i = 0; ; i++) {
    const udp = await udpTransport({ host: '127.0.0.1', port: 0 });
    try {
      return [udp, await tcpTransport({ host: '127.0.0.1', port: udp.local.port })];
    } catch (e) {
      await udp.close();
      if (i > 20) throw e;
    }
  }
}

export async function startServer(): Promise<TestServer> {
  const [udp, tcp] = await udpAndTcp();
  const ws = await wsTransport({ host: '127.0.0.1', port: 0 });
  const location = new MemoryLocationService();
  const digest = new DigestServer({
    secret: 'a long enough secret for the sipkit-ua tests',
    realm: 'example.com',
    credentials: { lookup: (user) => (USERS.has(user) ? { password: USERS.get(user) as string } : undefined) },
  });
  const registrar = new Registrar({ domains: ['example.com', '127.0.0.1'], location, auth: digest });
  const proxyChallenges: string[] = [];
  const seen: string[] = [];
  // WebSocket clients name a random .invalid host in their Contact (RFC 7118 §5); the server
  // reaches them over the connection they registered on. Here a resolver does it: the SRV record
  // of `_sip._ws.<that host>` points at the connection's remote address and port, which the WS
  // transport finds in its connection table (initial requests, requests in dialogs and ACKs alike).
  const flows = new Map<string, { address: string; port: number }>();
  const resolver = {
    naptr: async () => [],
    srv: async (name: string) => {
      const flow = flows.get(name.replace(/^_sip\._ws\./, ''));
      return flow === undefined ? [] : [{ priority: 0, weight: 0, port: flow.port, name: flow.address }];
    },
    a: async (name: string) => (/^\d+\.\d+\.\d+\.\d+$/.test(name) ? [name] : []),
    aaaa: async () => [],
  };
  const routing = {
    domains: ['example.com'],
    resolver,
    async onRequest(request: SipRequest) {
      const via = request.topVia;
      seen.push(`${request.method}/${via?.transport ?? '?'}`);
      if (request.method === 'REGISTER') {
        const res = await registrar.handle(request);
        if (res.status === 200 && via?.transport === 'WS') {
          for (const c of request.contacts === '*' ? [] : request.contacts) {
            const uri = c.uri;
            const port = via.rport;
            if (uri.kind === 'sip' && typeof port === 'number') {
              flows.set(uri.host, { address: via.received ?? via.host, port });
            }
          }
        }
        return res;
      }
      const from = request.from?.uri;
      const initial = request.to?.tag === undefined;
      if (
        initial &&
        (request.method === 'INVITE' || request.method === 'MESSAGE') &&
        from?.kind === 'sip' &&
        from.host === 'example.com'
      ) {
        const v = await digest.verify(request, { proxy: true });
        if (!v.ok) {
          proxyChallenges.push(request.method);
          return digest.challenge(request, { proxy: true, stale: v.reason === 'stale' });
        }
      }
      const ruri = request.requestUri;
      // OPTIONS to the server itself (§11): answered here.
      if (request.method === 'OPTIONS' && ruri.kind === 'sip' && ruri.user === undefined) {
        return createResponse(request, 200, {
          headers: [['Allow', 'INVITE, ACK, CANCEL, BYE, OPTIONS, MESSAGE, REGISTER']],
        });
      }
      if (initial && ruri.kind === 'sip' && ruri.host === 'example.com' && !USERS.has(ruri.user ?? '')) {
        return createResponse(request, 404, { reason: 'Not Found' });
      }
      return undefined;
    },
    async targets(request: SipRequest): Promise<ProxyTarget[]> {
      const uri = request.requestUri;
      const user = uri.kind === 'sip' ? (uri.user ?? '') : '';
      const bindings = await location.lookup(`sip:${user}@example.com`, Date.now());
      return bindings.map((b) => ({ uri: b.contact }));
    },
  };
  const proxy = new SipProxy({ transports: [udp, tcp, ws], ...routing });
  // TLS on a proxy of its own (same registrar and routing), so that its Record-Route names TLS.
  const tls = await tlsTransport({ host: '127.0.0.1', port: 0, key: TLS.key, cert: TLS.cert, ca: TLS.cert });
  const tlsProxy = new SipProxy({ transports: [tls], ...routing });
  return {
    port: udp.local.port,
    wsPort: ws.local.port,
    tlsPort: tls.local.port,
    uri: `sip:127.0.0.1:${udp.local.port}`,
    location,
    registrar,
    proxyChallenges,
    seen,
    close: async () => {
      await Promise.all([proxy.close(), tlsProxy.close()]);
    },
  };
}

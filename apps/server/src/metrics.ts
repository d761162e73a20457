// Prometheus metrics (prom-client) and the small HTTP endpoint serving them with /health.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { STANDARD_METHODS } from '@sipkit/parser';
import type { SipProxy } from '@sipkit/proxy';
import type { Registrar } from '@sipkit/registrar';
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';

const METHODS = new Set(STANDARD_METHODS);

/**
 * A counter per label value kept as plain numbers and handed to prom-client at each scrape: a
 * label lookup in prom-client costs about a microsecond, and these two count every message.
 */
function plainCounter(registry: Registry, name: string, help: string, label: string) {
  const counts = new Map<string, number>();
  const last = new Map<string, number>();
  new Counter({
    name,
    help,
    labelNames: [label],
    registers: [registry],
    collect() {
      for (const [key, value] of counts) {
        const delta = value - (last.get(key) ?? 0);
        if (delta > 0) this.inc({ [label]: key }, delta);
        last.set(key, value);
      }
    },
  });
  return (key: string) => void counts.set(key, (counts.get(key) ?? 0) + 1);
}

/** Status codes as label strings, made once. */
const CODES: string[] = Array.from({ length: 700 }, (_, i) => String(i));

/** The server's metrics, all in one registry. */
export class Metrics {
  readonly registry = new Registry();
  readonly #requests = plainCounter(
    this.registry,
    'sipkit_requests_total',
    'SIP requests that passed validation, by method',
    'method',
  );
  readonly #responses = plainCounter(
    this.registry,
    'sipkit_responses_total',
    'SIP responses sent, by status code',
    'code',
  );
  /** Input dropped by the transport layer or a listener, by reason. */
  readonly dropped = new Counter({
    name: 'sipkit_dropped_total',
    help: 'Messages and connections dropped for what a peer sent, by reason',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  /** Digest failures, by reason. */
  readonly authFailures = new Counter({
    name: 'sipkit_auth_failures_total',
    help: 'Digest authentication failures of calls, by reason',
    labelNames: ['reason'],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'sipkit_process_' });
  }

  /** Counts a request that passed §16.3 validation, by method: the standard ones by name, extensions as `other` (labels stay bounded). */
  request(method: string): void {
    this.#requests(METHODS.has(method) ? method : 'other');
  }

  /** Counts a response sent upstream (forwarded or our own), by status code. */
  response(status: number): void {
    this.#responses(CODES[status] ?? String(status));
  }

  /** Mirrors the counters the layers keep (and a worker's, when it is one), read at each scrape. */
  watch(parts: {
    proxy: SipProxy;
    registrar: Registrar;
    /** The UDP sockets' datagram counters, summed. */
    udp?: () => Record<string, number>;
    worker?: { readonly counters: Record<string, number> };
  }): void {
    const { proxy, registrar, worker, udp } = parts;
    // sipkit-server runs the proxy stateful, so the transaction layer is there.
    const layer = proxy.layer;
    if (layer === undefined) throw new Error('metrics need a stateful proxy (a transaction layer)');
    const mirror = (name: string, help: string, label: string, read: () => Record<string, number>) => {
      const last = new Map<string, number>();
      new Counter({
        name,
        help,
        labelNames: [label],
        registers: [this.registry],
        collect() {
          for (const [key, value] of Object.entries(read())) {
            const delta = value - (last.get(key) ?? 0);
            if (delta > 0) this.inc({ [label]: key }, delta);
            last.set(key, value);
          }
        },
      });
    };
    mirror(
      'sipkit_transport_total',
      'Transport layer events (messages, malformed, 400s sent, pings …)',
      'event',
      () => ({
        ...layer.transport.counters,
      }),
    );
    mirror(
      'sipkit_transactions_total',
      'Transaction layer events (started, retransmissions, timeouts …)',
      'event',
      () => ({
        ...layer.counters,
      }),
    );
    mirror('sipkit_proxy_total', 'Proxy core events (requests, branches, finals, refused, Timer C …)', 'event', () => ({
      ...proxy.counters,
    }));
    mirror('sipkit_registrations_total', 'REGISTER outcomes (requests, ok, challenged, refused)', 'result', () => ({
      ...registrar.counters,
    }));
    mirror(
      'sipkit_errors_total',
      'Errors: transaction timeouts, transport failures, caught exceptions',
      'kind',
      () => ({
        timeout: layer.counters.timeouts,
        transport: layer.counters.transportErrors,
        handler: layer.counters.tuErrors + layer.transport.counters.receiverErrors + proxy.counters.errors,
      }),
    );
    if (udp !== undefined) {
      mirror(
        'sipkit_udp_datagrams_total',
        'UDP datagrams over all UDP sockets: received, sent, dropped (could not be sent)',
        'event',
        udp,
      );
    }
    if (worker !== undefined) {
      mirror(
        'sipkit_worker_messages_total',
        "Messages passed between workers: forwarded to their owner, received from another, sent over another worker's connection, unreadable",
        'kind',
        () => ({ ...worker.counters }),
      );
    }
    new Gauge({
      name: 'sipkit_transactions',
      help: 'Live transactions, by kind',
      labelNames: ['kind'],
      registers: [this.registry],
      collect() {
        const s = layer.size;
        this.set({ kind: 'client' }, s.client);
        this.set({ kind: 'server' }, s.server);
        this.set({ kind: 'completed' }, s.completed);
      },
    });
    new Gauge({
      name: 'sipkit_proxy_contexts',
      help: 'Live response contexts (requests being proxied)',
      registers: [this.registry],
      collect() {
        this.set(proxy.contexts);
      },
    });
  }
}

/** The HTTP endpoint for /metrics and /health. */
export interface HttpEndpoint {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** What /metrics serves: a prom-client registry, or the primary's sum over its workers. */
export interface MetricsSource {
  metrics(): Promise<string>;
  readonly contentType: string;
}

/**
 * Serves `/metrics` (Prometheus text format) and `/health` (200, or 503 while draining).
 *
 * @param at - host and port (0 picks one)
 * @param metrics - what to serve
 * @param healthy - false while draining
 */
export async function startHttp(
  at: { host: string; port: number },
  metrics: MetricsSource,
  healthy: () => boolean,
): Promise<HttpEndpoint> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET' }).end();
    } else if (path === '/metrics') {
      metrics.metrics().then(
        (text) => res.writeHead(200, { 'content-type': metrics.contentType }).end(text),
        (e: unknown) => res.writeHead(500).end(String(e)),
      );
    } else if (path === '/health') {
      const ok = healthy();
      res
        .writeHead(ok ? 200 : 503, { 'content-type': 'application/json' })
        .end(JSON.stringify({ status: ok ? 'ok' : 'draining' }));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(at.port, at.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = at.host.includes(':') ? `[${at.host}]` : at.host;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// A stateless SIP load balancer (RFC 3261 §16.11) on the bare transport layer: no transactions,
// no per-call state. New requests go to a healthy target picked by a hash of their Call-ID, so
// retransmissions, CANCEL and the rest of the call land on the same one; in-dialog requests follow
// the Record-Route it inserted; responses go back by Via. OPTIONS pings take dead targets out.
import { createRequest, createResponse, parseUri, type SipRequest, type SipResponse } from '@sipkit/parser';
import { type Clock, systemClock } from '@sipkit/transaction';
import type { Received, Resolver, Target, Transport } from '@sipkit/transport';
import { resolveTargets, TransportLayer } from '@sipkit/transport';

/**
 * What the element needs: the servers behind it as `address:port`, checked every `interval` ms
 * (default 10 s), each check with `timeout` ms (default 4 s) to be answered.
 */
export interface LoadBalancerOptions {
  readonly transports: readonly Transport[];
  readonly targets: readonly string[];
  readonly interval?: number;
  readonly timeout?: number;
  readonly clock?: Clock;
  readonly resolver?: Resolver;
}

/** FNV-1a with murmur3's final mix, so near-equal inputs spread. */
function hash(text: string, seed = 0x811c9dc5): number {
  let h = seed;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
const NO_DNS: Resolver = { naptr: async () => [], srv: async () => [], a: async () => [], aaaa: async () => [] };

/** Starts the balancer; `healthy()` lists the targets in service. */
export function loadBalancer(options: LoadBalancerOptions) {
  const clock = options.clock ?? systemClock;
  const [local] = options.transports;
  if (local === undefined) throw new RangeError('transports must hold at least one transport');
  const { protocol, reliable } = local;
  const self = `${local.local.address}:${local.local.port}`;
  const via = (branch: string) => `SIP/2.0/${protocol.toUpperCase()} ${self};branch=${branch}`;
  const up = new Map(options.targets.map((t) => [t, true]));
  const pings = new Map<string, string>(); // branch of a pending check → its target
  const timeout = options.timeout ?? 4000;
  let seq = 0;
  let timer: unknown;
  const hopOf = async (text: string): Promise<Target | undefined> => {
    const uri = parseUri(text.replace(/^[^<]*<|>.*$/g, ''));
    if (uri.kind !== 'sip') return undefined;
    return (await resolveTargets(uri, options.resolver ?? NO_DNS, { transports: [protocol] }))[0];
  };
  const isSelf = (t: Target | undefined) => t !== undefined && `${t.address}:${t.port}` === self;
  // Rendezvous hashing of the Call-ID: a call stays on its target unless that one goes down.
  const pick = (callId: string): Promise<Target | undefined> | undefined => {
    let best: string | undefined;
    for (const [t, ok] of up) if (ok && (best === undefined || hash(callId + t) > hash(callId + best))) best = t;
    return best === undefined ? undefined : hopOf(`sip:${best}`);
  };
  // §17.1.1.3: an ACK is never answered.
  const reply = (req: SipRequest, from: Received, status: number): void => {
    if (req.method !== 'ACK') layer.sendResponse(createResponse(req, status), from).catch(() => undefined);
  };

  async function forward(req: SipRequest, from: Received): Promise<void> {
    // §16.3 step 3, §16.6 step 3: Max-Forwards goes down by one; at 0 the request ends here.
    const mf = req.maxForwards ?? 70;
    if (mf <= 0) return reply(req, from, 483);
    // §16.4: our own Route (the Record-Route we put in) is taken off.
    const [route] = req.getValues('Route');
    if (route !== undefined && isSelf(await hopOf(route))) req.removeFirstValue('Route');
    // §16.12: an in-dialog request goes by its route set, else its Request-URI; a new one (no To
    // tag), or one addressed to us (the ACK of a non-2xx), to a target by Call-ID (§16.6 step 7).
    const inDialog = (req.to?.tag ?? '') !== '';
    const hop = inDialog ? await hopOf(req.getValues('Route')[0] ?? req.uri) : undefined;
    const target = hop !== undefined && !isSelf(hop) ? hop : await pick(req.callId ?? '');
    if (target === undefined) return reply(req, from, 503);
    // §16.11: the branch is a function of the received request, the same for its retransmissions
    // and its CANCEL: a hash of the received branch, or of what varies between transactions.
    const top = req.topVia;
    const key = top?.branch?.startsWith('z9hG4bK')
      ? top.branch
      : [top, req.to?.tag, req.from?.tag, req.callId, req.cseq?.seq, req.uri].join('|');
    req.set('Max-Forwards', String(mf - 1));
    // §16.6 step 4: stay in the path of the dialog, so in-dialog requests come back through us.
    if (req.method === 'INVITE' && !inDialog) req.prepend('Record-Route', `<sip:${self};lr>`);
    req.prepend('Via', via(`z9hG4bK-lb${hash(key).toString(36)}${hash(key, 7).toString(36)}`));
    await layer.sendRequest(req, target).catch(() => reply(req, from, 503));
  }

  function onResponse(res: SipResponse, from: Received): void {
    const branch = res.topVia?.branch ?? '';
    const target = pings.get(branch);
    if (target === undefined) {
      // §16.11: our Via comes off and the response goes where the next one says (§18.2.2).
      res.removeFirstValue('Via');
      if (res.topVia !== undefined) layer.sendResponse(res, { ...from, flow: undefined }).catch(() => undefined);
    } else if (res.status >= 200 && pings.delete(branch)) up.set(target, res.status !== 503);
  }

  function check(target: string): void {
    const branch = `z9hG4bK-lbping${++seq}`;
    const headers: [string, string][] = [
      ['Via', via(branch)],
      ['Max-Forwards', '70'],
      ['To', `<sip:${target}>`],
    ];
    headers.push(['From', `<sip:balancer@${self}>;tag=lb${seq}`], ['Call-ID', branch], ['CSeq', `${seq} OPTIONS`]);
    const ping = createRequest({ method: 'OPTIONS', uri: `sip:${target}`, headers });
    pings.set(branch, target);
    // §17.1.2.2: over UDP the request goes again at T1, 2·T1 … (Timer E) until an answer comes.
    const send = (every: number): void => {
      if (!pings.has(branch)) return;
      hopOf(`sip:${target}`)
        .then((t) => t && layer.sendRequest(ping, t))
        .catch(() => undefined);
      if (!reliable) clock.setTimeout(() => send(Math.min(2 * every, 4000)), every);
    };
    send(500);
    // No final answer in time: out of service until a later check is answered.
    clock.setTimeout(() => pings.delete(branch) && up.set(target, false), timeout);
  }

  const layer = new TransportLayer({
    transports: options.transports,
    onRequest: (req, from) => void forward(req, from).catch(() => undefined),
    onResponse,
  });
  const tick = (): void => {
    for (const t of up.keys()) check(t);
    timer = clock.setTimeout(tick, options.interval ?? 10_000);
  };
  tick();
  return {
    layer,
    healthy: () => [...up].filter(([, ok]) => ok).map(([t]) => t),
    async close() {
      clock.clearTimeout(timer);
      pings.clear();
      await layer.close();
    },
  };
}

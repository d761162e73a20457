// Small peers for the proxy tests: a raw endpoint that records what it gets and sends text, and
// a scripted phone (a transaction layer that answers each INVITE as told), all on the testkit's
// virtual network.
import { createResponse, parseMessage, type SipRequest, type SipResponse, serialize } from '@sipkit/parser';
import type { VirtualClock, VirtualNetwork } from '@sipkit/testkit';
import { type InviteServerTransaction, TransactionLayer } from '@sipkit/transaction';
import type { TransportProtocol } from '@sipkit/transport';

/** A bare endpoint: everything it receives, parsed, and a way to send text or messages. */
export function rawPeer(network: VirtualNetwork, address: string, port = 5060, protocol: TransportProtocol = 'udp') {
  const endpoint = network.endpoint({ address, port, protocol });
  const got: (SipRequest | SipResponse)[] = [];
  endpoint.listen((e) => {
    if (e.type === 'message') {
      const m = e.message ?? (e.bytes === undefined ? undefined : parseMessage(e.bytes));
      if (m !== undefined) got.push(m);
    }
  });
  const send = (msg: string | SipRequest | SipResponse, to: { address: string; port: number }) =>
    endpoint.send(typeof msg === 'string' ? new TextEncoder().encode(msg) : serialize(msg), to);
  const requests = (method: string) => got.filter((m): m is SipRequest => m.isRequest && m.method === method);
  const responses = () => got.filter((m): m is SipResponse => !m.isRequest);
  return { endpoint, got, send, requests, responses };
}

/** One answer of a scripted phone: a status `at` ms after the INVITE came, with extra header fields. */
export interface Step {
  readonly at: number;
  readonly status: number;
  readonly headers?: readonly [string, string][];
}

/**
 * A phone that answers every INVITE with `script` (a 2xx with a Contact and the Record-Route of
 * the INVITE, §12.1.1), answers CANCEL with 200 and the INVITE with 487 if no final went yet,
 * and records the INVITEs it got.
 */
export function scriptedPhone(network: VirtualNetwork, clock: VirtualClock, address: string, script: readonly Step[]) {
  const invites: SipRequest[] = [];
  const finals = new Set<InviteServerTransaction | unknown>();
  const layer: TransactionLayer = new TransactionLayer({
    transports: [network.endpoint({ address, port: 5060 })],
    clock,
    tu: {
      onRequest(req, st) {
        if (req.method === 'CANCEL') {
          st.respond(createResponse(req, 200));
          const ist = layer.findInviteServerTransaction(req);
          if (ist !== undefined && !finals.has(ist)) {
            finals.add(ist);
            ist.respond(createResponse(ist.request, 487, { toTag: `t-${address}` }));
          }
          return;
        }
        if (req.method !== 'INVITE') {
          st.respond(createResponse(req, 200, { toTag: `t-${address}` }));
          return;
        }
        invites.push(req);
        for (const step of script) {
          clock.setTimeout(() => {
            if (finals.has(st)) return;
            const extra: [string, string][] = [...(step.headers ?? [])];
            if (step.status >= 200 && step.status < 300) {
              extra.push(['Contact', `<sip:phone@${address}:5060>`]);
              for (const rr of req.getValues('Record-Route')) extra.push(['Record-Route', rr]);
            }
            if (step.status >= 200) finals.add(st);
            st.respond(createResponse(req, step.status, { toTag: `t-${address}`, headers: extra }));
          }, step.at);
        }
      },
    },
  });
  return { layer, invites };
}

/** Runs the virtual clock until `p` settles (at most 10 s of virtual time). */
export async function settle<T>(clock: VirtualClock, p: Promise<T>): Promise<T> {
  let done = false;
  const q = p.finally(() => {
    done = true;
  });
  for (let i = 0; i < 200 && !done; i++) await clock.advanceAsync(50);
  return q;
}

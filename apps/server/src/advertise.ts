// What a listener bound to every interface (0.0.0.0, ::) writes in Via, Record-Route and Path.
// The bound address names no host anyone can reach (RFC 3261 §18.2.1 needs a sent-by the
// responses can come back to, §16.6 step 4 a Record-Route URI the next requests can go to), so
// such a listener advertises a host of its own: the configured one (`listen[].advertise`), else
// the first address of a non-loopback interface of its family, else loopback.
import { networkInterfaces } from 'node:os';
import type { PeerAddress, Transport } from '@sipkit/transport';

/** Whether an address is the unspecified one: "every interface". */
export function unspecified(address: string): boolean {
  return address === '0.0.0.0' || address === '::' || address === '0:0:0:0:0:0:0:0';
}

/** This machine's interface addresses of one family, non-loopback first. */
export function interfaceAddresses(family: 4 | 6): string[] {
  const outer: string[] = [];
  const loopback: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      // A scoped (link-local) IPv6 address needs its zone, which a Via or a SIP URI cannot carry.
      if ((a.family === 'IPv4' ? 4 : 6) !== family || (a.scopeid !== undefined && a.scopeid !== 0)) continue;
      (a.internal ? loopback : outer).push(a.address);
    }
  }
  return [...outer, ...loopback];
}

/**
 * The host a listener bound to `bound` advertises: `configured` when given; for an unspecified
 * address the first interface address of its family (`chosen` then says so, for a warning);
 * else the bound address itself.
 */
export function advertisedHost(
  bound: string,
  configured: string | undefined,
): { readonly host: string; readonly chosen: boolean } {
  if (configured !== undefined) return { host: configured, chosen: false };
  if (!unspecified(bound)) return { host: bound, chosen: false };
  const family = bound.includes(':') ? 6 : 4;
  return { host: interfaceAddresses(family)[0] ?? (family === 6 ? '::1' : '127.0.0.1'), chosen: true };
}

/**
 * `t`, its local address reading `host` (the port stays the socket's): the proxy and the
 * transport layer write `local` into Via and Record-Route and recognise it in Route.
 */
export function advertising(t: Transport, host: string): Transport {
  if (t.local.address === host) return t;
  const local: PeerAddress = { address: host, port: t.local.port };
  return {
    protocol: t.protocol,
    reliable: t.reliable,
    ...(t.framed === undefined ? {} : { framed: t.framed }),
    secure: t.secure,
    local,
    send: (bytes, to, flow) => t.send(bytes, to, flow),
    listen: (receiver) => t.listen(receiver),
    close: () => t.close(),
  };
}

/**
 * Addresses that are ours besides the advertised ones (§16.4: a Route or Request-URI naming
 * any of them is ours): for a listener on every interface, each interface address of its
 * family on its port.
 */
export function boundAliases(bound: PeerAddress): PeerAddress[] {
  if (!unspecified(bound.address)) return [];
  return interfaceAddresses(bound.address.includes(':') ? 6 : 4).map((address) => ({ address, port: bound.port }));
}

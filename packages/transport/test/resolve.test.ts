import { parseUri, type SipUri } from '@sipkit/parser';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type NaptrRecord,
  orderSrv,
  type Resolver,
  resolveTargets,
  type SrvRecord,
  TargetBlocklist,
} from '../src/index.js';

/** A DNS zone in memory; every query is recorded. */
function zone(records: {
  naptr?: Record<string, NaptrRecord[]>;
  srv?: Record<string, SrvRecord[]>;
  a?: Record<string, string[]>;
  aaaa?: Record<string, string[]>;
  fail?: string[];
}): Resolver & { queries: string[] } {
  const queries: string[] = [];
  const answer =
    <T>(kind: string, table: Record<string, T[]> | undefined) =>
    async (name: string): Promise<T[]> => {
      queries.push(`${kind} ${name}`);
      if (records.fail?.includes(`${kind} ${name}`)) throw new Error('SERVFAIL');
      return table?.[name] ?? [];
    };
  return {
    queries,
    naptr: answer('NAPTR', records.naptr),
    srv: answer('SRV', records.srv),
    a: answer('A', records.a),
    aaaa: answer('AAAA', records.aaaa),
  };
}

const sip = (text: string): SipUri => {
  const u = parseUri(text);
  if (u.kind !== 'sip') throw new Error('not a SIP URI');
  return u;
};
const brief = (ts: { protocol: string; address: string; port: number }[]) =>
  ts.map((t) => `${t.protocol} ${t.address}:${t.port}`);
const naptr = (order: number, preference: number, service: string, replacement: string): NaptrRecord => ({
  order,
  preference,
  flags: 's',
  service,
  regexp: '',
  replacement,
});

describe('RFC 3263 §4.1 selecting a transport', () => {
  it('uses the transport parameter when the URI has one', async () => {
    const dns = zone({ a: { 'example.com': ['192.0.2.1'] } });
    expect(brief(await resolveTargets(sip('sip:example.com;transport=tcp'), dns))).toEqual(['tcp 192.0.2.1:5060']);
    expect(dns.queries).toEqual(['SRV _sip._tcp.example.com', 'A example.com', 'AAAA example.com']);
  });

  it('uses UDP for a numeric SIP host and TLS for a numeric SIPS host, with no DNS query', async () => {
    const dns = zone({});
    expect(brief(await resolveTargets(sip('sip:192.0.2.4'), dns))).toEqual(['udp 192.0.2.4:5060']);
    expect(brief(await resolveTargets(sip('sips:[2001:db8::1]:5081'), dns))).toEqual(['tls 2001:db8::1:5081']);
    expect(dns.queries).toEqual([]);
  });

  it('uses UDP (TLS for SIPS) when the host is a name with an explicit port, and skips NAPTR and SRV', async () => {
    const dns = zone({ a: { 'example.com': ['192.0.2.1'] } });
    expect(brief(await resolveTargets(sip('sip:example.com:5070'), dns))).toEqual(['udp 192.0.2.1:5070']);
    expect(dns.queries).toEqual(['A example.com', 'AAAA example.com']);
  });

  it('follows NAPTR records in order and preference, keeping only supported services', async () => {
    const dns = zone({
      naptr: {
        'example.com': [
          naptr(50, 50, 'SIP+D2U', '_sip._udp.example.com'),
          naptr(30, 50, 'SIP+D2T', '_sip._tcp.example.com'),
          naptr(10, 50, 'SIP+D2S', '_sip._sctp.example.com'),
        ],
      },
      srv: {
        '_sip._udp.example.com': [{ priority: 0, weight: 0, port: 5060, name: 'udp.example.com' }],
        '_sip._tcp.example.com': [{ priority: 0, weight: 0, port: 5062, name: 'tcp.example.com' }],
      },
      a: { 'udp.example.com': ['192.0.2.10'], 'tcp.example.com': ['192.0.2.11'] },
    });
    const targets = await resolveTargets(sip('sip:bob@example.com'), dns, { ipv6: false });
    // SCTP is not supported by default: its record is ignored.
    expect(brief(targets)).toEqual(['tcp 192.0.2.11:5062', 'udp 192.0.2.10:5060']);
    expect(targets[0]?.hostname).toBe('tcp.example.com');
  });

  it('keeps only SIPS services for a SIPS URI', async () => {
    const dns = zone({
      naptr: {
        'example.com': [
          naptr(10, 10, 'SIP+D2U', '_sip._udp.example.com'),
          naptr(20, 10, 'SIPS+D2T', '_sips._tcp.example.com'),
        ],
      },
      srv: {
        '_sip._udp.example.com': [{ priority: 0, weight: 0, port: 5060, name: 'h.example.com' }],
        '_sips._tcp.example.com': [{ priority: 0, weight: 0, port: 5061, name: 'h.example.com' }],
      },
      a: { 'h.example.com': ['192.0.2.5'] },
    });
    expect(brief(await resolveTargets(sip('sips:bob@example.com'), dns, { ipv6: false }))).toEqual([
      'tls 192.0.2.5:5061',
    ]);
  });

  it('without NAPTR, queries SRV for each supported transport in the client order', async () => {
    const dns = zone({
      srv: {
        '_sip._udp.example.com': [{ priority: 0, weight: 0, port: 5060, name: 'h.example.com' }],
        '_sips._tcp.example.com': [{ priority: 0, weight: 0, port: 5061, name: 'h.example.com' }],
      },
      a: { 'h.example.com': ['192.0.2.5'] },
    });
    const targets = await resolveTargets(sip('sip:example.com'), dns, { ipv6: false });
    expect(brief(targets)).toEqual(['tls 192.0.2.5:5061', 'udp 192.0.2.5:5060']);
    expect(dns.queries.slice(0, 4)).toEqual([
      'NAPTR example.com',
      'SRV _sips._tcp.example.com',
      'A h.example.com',
      'SRV _sip._tcp.example.com',
    ]);
  });

  it('without NAPTR or SRV, uses A and AAAA records with UDP on 5060 (TLS on 5061 for SIPS)', async () => {
    const dns = zone({ a: { 'example.com': ['192.0.2.7'] }, aaaa: { 'example.com': ['2001:db8::7'] } });
    expect(brief(await resolveTargets(sip('sip:example.com'), dns))).toEqual([
      'udp 192.0.2.7:5060',
      'udp 2001:db8::7:5060',
    ]);
    expect(brief(await resolveTargets(sip('sips:example.com'), dns))).toEqual([
      'tls 192.0.2.7:5061',
      'tls 2001:db8::7:5061',
    ]);
  });

  it('uses maddr instead of the host (RFC 3263 §4, RFC 3261 §19.1.1)', async () => {
    const dns = zone({});
    expect(brief(await resolveTargets(sip('sip:bob@example.com;maddr=192.0.2.9'), dns))).toEqual([
      'udp 192.0.2.9:5060',
    ]);
  });

  it('reads transport=tcp on a SIPS URI as TLS (RFC 3261 §26.2.2) and refuses an unknown transport', async () => {
    const dns = zone({});
    expect(brief(await resolveTargets(sip('sips:192.0.2.4;transport=tcp'), dns))).toEqual(['tls 192.0.2.4:5061']);
    expect(await resolveTargets(sip('sip:192.0.2.4;transport=pigeon'), dns)).toEqual([]);
  });

  it('treats a failing lookup as empty and reports it', async () => {
    const errors: string[] = [];
    const dns = zone({ fail: ['NAPTR example.com'], a: { 'example.com': ['192.0.2.7'] } });
    const targets = await resolveTargets(sip('sip:example.com'), dns, { ipv6: false, onError: (q) => errors.push(q) });
    expect(brief(targets)).toEqual(['udp 192.0.2.7:5060']);
    expect(errors).toEqual(['NAPTR example.com']);
  });
});

describe('RFC 2782 SRV order (RFC 3263 §4.3)', () => {
  const recs: SrvRecord[] = [
    { priority: 20, weight: 0, port: 1, name: 'c' },
    { priority: 10, weight: 60, port: 2, name: 'a' },
    { priority: 10, weight: 40, port: 3, name: 'b' },
    { priority: 10, weight: 10, port: 4, name: '.' },
  ];

  it('orders by priority, drops "." targets, and picks by weight within a priority', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (r) => {
        const names = orderSrv(recs, () => r).map((x) => x.name);
        expect(names.slice(-1)).toEqual(['c']);
        expect([...names.slice(0, 2)].sort()).toEqual(['a', 'b']);
      }),
    );
  });

  it('chooses a record about as often as its share of the weight', () => {
    let seed = 1;
    const random = () => {
      seed = (seed * 48271) % 2147483647;
      return seed / 2147483647;
    };
    let firstA = 0;
    for (let i = 0; i < 10000; i++) if (orderSrv(recs, random)[0]?.name === 'a') firstA++;
    // weights 60 and 40 (of a sum of 100, chosen in [0, 100]): 'a' first in about 60% of orders
    expect(firstA / 10000).toBeGreaterThan(0.55);
    expect(firstA / 10000).toBeLessThan(0.65);
  });
});

describe('failed targets are skipped for a while', () => {
  it('skips a failed target until the hold time passes, and never leaves nothing to try', () => {
    let now = 0;
    const list = new TargetBlocklist(() => now, 1000);
    const a = { protocol: 'udp' as const, address: '192.0.2.1', port: 5060, family: 4 as const, hostname: 'a' };
    const b = { ...a, address: '192.0.2.2' };
    list.fail(a);
    expect(list.filter([a, b])).toEqual([b]);
    now = 999;
    expect(list.blocked(a)).toBe(true);
    now = 1000;
    expect(list.filter([a, b])).toEqual([a, b]);
    list.fail(a);
    list.fail(b);
    expect(list.filter([a, b])).toEqual([a, b]);
  });
});

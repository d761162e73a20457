// RFC 3261 §16.7: which response the caller gets, row by row, for sets of branch responses, and
// 3xx recursion (§16.7 step 5). The caller is a real user agent (@sipkit/dialog); the branches
// are scripted phones; everything runs on the testkit's virtual network (5 ms a hop).
import { UserAgent } from '@sipkit/dialog';
import { SipResponse } from '@sipkit/parser';
import { VirtualClock, VirtualNetwork } from '@sipkit/testkit';
import { describe, expect, it } from 'vitest';
import { type ProxyOptions, type ProxyTarget, SipProxy } from '../src/index.js';
import { type Step, scriptedPhone } from './helpers.js';

/** Phone addresses: A, B, C … are 10.0.3.1, 10.0.3.2, 10.0.3.3 … */
const at = (name: string) => `10.0.3.${name.charCodeAt(0) - 64}`;
const uriOf = (name: string) => `sip:phone@${at(name)}:5060`;
const contact = (name: string): [string, string] => ['Contact', `<${uriOf(name)}>`];

interface Outcome {
  /** `200` when the call was established, else the final status the caller got. */
  status: number;
  /** That final response (undefined for a timeout reported without one). */
  response: SipResponse | undefined;
  /** The INVITEs each phone got. */
  invites: Record<string, number>;
  proxy: SipProxy;
  /** Order in which phones got their INVITE. */
  order: string[];
}

/**
 * Calls sip:bob@example.com through a proxy whose targets are `targets` (phone names), with
 * `phones` answering as scripted (a phone absent from `phones` does not exist on the network).
 */
async function place(
  phones: Record<string, readonly Step[]>,
  targets: readonly (string | ProxyTarget)[] = Object.keys(phones),
  options: Partial<ProxyOptions> = {},
  runFor = 2_000,
): Promise<Outcome> {
  const clock = new VirtualClock();
  const network = new VirtualNetwork({ clock, link: { delay: 5 } });
  const proxy = new SipProxy({
    transports: [network.endpoint({ address: '10.0.0.10', port: 5060 })],
    domains: ['example.com'],
    clock,
    targets: () => targets.map((t) => (typeof t === 'string' ? { uri: uriOf(t) } : t)),
    ...options,
  });
  const order: string[] = [];
  const made = Object.entries(phones).map(([name, script]) => {
    const phone = scriptedPhone(network, clock, at(name), script);
    return { name, phone };
  });
  const alice = new UserAgent({
    transports: [network.endpoint({ address: '10.0.1.1', port: 5060 })],
    aor: 'sip:alice@example.com',
    outboundRoute: ['<sip:10.0.0.10:5060;lr>'],
    clock,
    sessionExpires: 0,
  });
  network.clearTrace();
  const call = alice.invite('sip:bob@example.com');
  let out: { status: number; response: SipResponse | undefined } | undefined;
  call.on('established', () => {
    out ??= { status: 200, response: undefined };
  });
  call.on('failed', (r) => {
    out ??= r instanceof SipResponse ? { status: r.status, response: r } : { status: 0, response: undefined };
  });
  for (let t = 0; t < runFor && out === undefined; t += 50) await clock.advanceAsync(50);
  await clock.advanceAsync(200);
  for (const rec of network.trace)
    if (rec.label === 'INVITE' && rec.from.startsWith('10.0.0.10')) {
      const name = Object.keys(phones).find((n) => rec.to === `${at(n)}:5060`);
      if (name !== undefined) order.push(name);
    }
  const invites: Record<string, number> = {};
  for (const { name, phone } of made) invites[name] = phone.invites.length;
  return { ...(out ?? { status: -1, response: undefined }), invites, proxy, order };
}

const digest = (realm: string) => `Digest realm="${realm}", nonce="n-${realm}"`;

interface Row {
  readonly name: string;
  readonly phones: Record<string, readonly Step[]>;
  readonly expected: number;
  readonly runFor?: number;
  readonly check?: (o: Outcome) => void;
}

// Branch A's INVITE and B's arrive together; `at` is when each phone answers after it.
const rows: Row[] = [
  {
    name: 'a 4xx beats a 5xx: the lowest class wins (§16.7 step 6)',
    phones: { A: [{ at: 10, status: 503 }], B: [{ at: 50, status: 404 }] },
    expected: 404,
  },
  {
    name: 'a 3xx beats a 4xx that came first (§16.7 step 6)',
    phones: { A: [{ at: 10, status: 486 }], B: [{ at: 50, status: 302, headers: [contact('Z')] }] },
    expected: 302,
    check: (o) => expect(o.response?.getValues('Contact')).toEqual([`<${uriOf('Z')}>`]),
  },
  {
    name: 'a 6xx beats a lower class that came first (§16.7 step 6: "MUST choose from the 6xx class")',
    phones: { A: [{ at: 10, status: 486 }], B: [{ at: 50, status: 603 }] },
    expected: 603,
  },
  {
    name: 'a 6xx beats a 5xx (§16.7 step 6)',
    phones: { A: [{ at: 10, status: 500 }], B: [{ at: 50, status: 604 }] },
    expected: 604,
  },
  {
    name: 'a 6xx cancels the ringing branches and is sent once they end (§16.7 step 5)',
    phones: { A: [{ at: 30, status: 600 }], B: [{ at: 1, status: 180 }] },
    expected: 600,
  },
  {
    name: 'a lone 503 goes up as 500 (§16.7 step 6)',
    phones: { A: [{ at: 10, status: 503 }] },
    expected: 500,
  },
  {
    name: 'within 4xx, the first that came: 404 before 486 (§16.7 step 6 leaves the choice open)',
    phones: { A: [{ at: 10, status: 404 }], B: [{ at: 50, status: 486 }] },
    expected: 404,
  },
  {
    name: 'within 4xx, the first that came, not the first branch: 486 from B before 404 from A',
    phones: { A: [{ at: 50, status: 404 }], B: [{ at: 10, status: 486 }] },
    expected: 486,
  },
  {
    name: 'within 4xx, one that affects resubmission (484) beats one that came first (§16.7 step 6)',
    phones: { A: [{ at: 10, status: 404 }], B: [{ at: 50, status: 484 }] },
    expected: 484,
  },
  {
    name: 'a 401 and a 407 go up as one, with both challenges (§16.7 step 7)',
    phones: {
      A: [{ at: 10, status: 401, headers: [['WWW-Authenticate', digest('a')]] }],
      B: [{ at: 50, status: 407, headers: [['Proxy-Authenticate', digest('b')]] }],
    },
    expected: 401,
    check: (o) => {
      expect(o.response?.getAll('WWW-Authenticate')).toEqual([digest('a')]);
      expect(o.response?.getAll('Proxy-Authenticate')).toEqual([digest('b')]);
    },
  },
  {
    name: 'a 2xx goes up at once, whatever came before (§16.7 step 5)',
    phones: { A: [{ at: 10, status: 486 }], B: [{ at: 50, status: 200 }] },
    expected: 200,
  },
  {
    name: 'a 2xx from another fork after a 6xx is still forwarded, and the 6xx never is (§16.7 step 5)',
    // A's 603 reaches the proxy at 25 ms and its CANCEL reaches B at 30 ms; B answered at 22 ms.
    phones: {
      A: [{ at: 10, status: 603 }],
      B: [
        { at: 1, status: 180 },
        { at: 12, status: 200 },
      ],
    },
    expected: 200,
  },
  {
    name: 'no response at all: 408 (§16.7 step 6, the branch timing out, §16.8)',
    phones: {},
    expected: 408,
    runFor: 40_000,
  },
];

describe('the best response of a response context (§16.7 step 6), row by row', () => {
  for (const row of rows) {
    it(row.name, async () => {
      const targets = Object.keys(row.phones).length > 0 ? Object.keys(row.phones) : ['A'];
      const o = await place(row.phones, targets, {}, row.runFor);
      expect(o.status).toBe(row.expected);
      row.check?.(o);
      expect(o.proxy.counters.finals).toBe(1);
    });
  }

  it('a 6xx stops the search: the next sequential group is never tried (§16.7 step 5)', async () => {
    const o = await place(
      { A: [{ at: 10, status: 603 }], B: [{ at: 10, status: 200 }] },
      [
        { uri: uriOf('A'), q: 1 },
        { uri: uriOf('B'), q: 0.5 },
      ],
      { forking: 'sequential' },
    );
    expect(o.status).toBe(603);
    expect(o.invites).toEqual({ A: 1, B: 0 });
  });
});

describe('3xx recursion (§16.7 step 5, recurse3xx)', () => {
  const recurse = { recurse3xx: true };

  it('without it, a 3xx goes to the caller as it came', async () => {
    const o = await place({ A: [{ at: 10, status: 302, headers: [contact('C')] }], C: [{ at: 10, status: 200 }] }, [
      'A',
    ]);
    expect(o.status).toBe(302);
    expect(o.invites).toEqual({ A: 1, C: 0 });
  });

  it('forwards to the Contacts of a 3xx; the caller never sees the 3xx', async () => {
    const o = await place(
      { A: [{ at: 10, status: 302, headers: [contact('C')] }], C: [{ at: 10, status: 200 }] },
      ['A'],
      recurse,
    );
    expect(o.status).toBe(200);
    expect(o.order).toEqual(['A', 'C']);
    expect(o.proxy.counters.recursed).toBe(1);
  });

  it('does not choose a 3xx recursed on: a 486 from the new target goes up, though 3xx is the lower class', async () => {
    const o = await place(
      { A: [{ at: 10, status: 301, headers: [contact('C')] }], C: [{ at: 10, status: 486 }] },
      ['A'],
      recurse,
    );
    expect(o.status).toBe(486);
  });

  it('never sends to a target already tried (§16.5); a 3xx naming only such targets stays in the context', async () => {
    const o = await place(
      {
        // The same URI as B's by §19.1.4 (an escaped letter is the letter), with a q-value.
        A: [{ at: 10, status: 302, headers: [['Contact', `<sip:%70hone@${at('B')}:5060>;q=0.5`]] }],
        B: [{ at: 50, status: 486 }],
      },
      ['A', 'B'],
      recurse,
    );
    expect(o.invites).toEqual({ A: 1, B: 1 });
    expect(o.status).toBe(302);
    expect(o.proxy.counters.recursed).toBe(0);
  });

  it('takes the Contacts recursed on out of the 3xx and keeps the rest', async () => {
    const o = await place(
      {
        A: [{ at: 10, status: 300, headers: [contact('C'), contact('B')] }],
        B: [{ at: 50, status: 480 }],
        C: [{ at: 10, status: 486 }],
      },
      ['A', 'B'],
      recurse,
    );
    expect(o.invites).toEqual({ A: 1, B: 1, C: 1 });
    expect(o.status).toBe(300);
    expect(o.response?.getValues('Contact')).toEqual([`<${uriOf('B')}>`]);
  });

  it('with sequential forking, tries the new targets before the next q group', async () => {
    const o = await place(
      {
        A: [{ at: 10, status: 302, headers: [contact('C')] }],
        B: [{ at: 10, status: 200 }],
        C: [{ at: 10, status: 486 }],
      },
      [
        { uri: uriOf('A'), q: 1 },
        { uri: uriOf('B'), q: 0.5 },
      ],
      { ...recurse, forking: 'sequential' },
    );
    expect(o.order).toEqual(['A', 'C', 'B']);
    expect(o.status).toBe(200);
  });

  it('does not recurse to a sip: Contact for a sips: request', async () => {
    const clock = new VirtualClock();
    const network = new VirtualNetwork({ clock, link: { delay: 5 } });
    const proxy = new SipProxy({
      transports: [network.endpoint({ address: '10.0.0.10', port: 5060 })],
      domains: ['example.com'],
      clock,
      recurse3xx: true,
      targets: () => [{ uri: uriOf('A') }],
    });
    scriptedPhone(network, clock, at('A'), [{ at: 10, status: 302, headers: [contact('C')] }]);
    const c = scriptedPhone(network, clock, at('C'), [{ at: 10, status: 200 }]);
    const peer = network.endpoint({ address: '10.0.1.1', port: 5060 });
    const got: number[] = [];
    peer.listen((e) => {
      const text = e.type === 'message' && e.bytes !== undefined ? new TextDecoder().decode(e.bytes) : '';
      const m = /^SIP\/2\.0 (\d+)/.exec(text);
      if (m !== null) got.push(Number(m[1]));
    });
    await peer.send(
      new TextEncoder().encode(
        [
          'INVITE sips:bob@example.com SIP/2.0',
          'Via: SIP/2.0/UDP 10.0.1.1:5060;branch=z9hG4bKsips',
          'Max-Forwards: 70',
          'To: <sips:bob@example.com>',
          'From: <sips:alice@example.com>;tag=a',
          'Call-ID: sips-1',
          'CSeq: 1 INVITE',
          'Content-Length: 0',
          '',
          '',
        ].join('\r\n'),
      ),
      { address: '10.0.0.10', port: 5060 },
    );
    await clock.advanceAsync(500);
    expect(c.invites).toHaveLength(0);
    expect(got.filter((s) => s >= 200)).toEqual([302]);
    expect(proxy.counters.recursed).toBe(0);
  });
});

describe('hooks that throw (bad input never throws out of a callback)', () => {
  it('answers 500 when the targets function throws, and counts it', async () => {
    const o = await place({ A: [{ at: 10, status: 200 }] }, ['A'], {
      targets: () => {
        throw new Error('location store down');
      },
    });
    expect(o.status).toBe(500);
    expect(o.invites).toEqual({ A: 0 });
    expect(o.proxy.counters.errors).toBe(1);
  });

  it('ends a branch whose beforeForward throws as a 500 of its own; the other branches go on', async () => {
    const o = await place({ A: [{ at: 10, status: 200 }], B: [{ at: 10, status: 200 }] }, ['A', 'B'], {
      beforeForward: (_req, target) => {
        if (target.uri.includes(at('A'))) throw new Error('policy bug');
      },
    });
    expect(o.status).toBe(200);
    expect(o.invites).toEqual({ A: 0, B: 1 });
    expect(o.proxy.counters.errors).toBe(1);
  });
});

// RFC 3261 §10.3, step by step, through Registrar.handle.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parseMessage, parseUri, type SipRequest, type SipResponse, type SipUri } from '@sipkit/parser';
import { sip } from '@sipkit/testkit';
import { describe, expect, it } from 'vitest';
import {
  canonicalAor,
  MemoryLocationService,
  Registrar,
  type RegistrarAuthenticator,
  type RegistrarOptions,
} from '../src/index.js';

let clock = 1_000_000;
function make(options: Partial<RegistrarOptions> = {}) {
  const location = new MemoryLocationService();
  const registrar = new Registrar({ domains: ['example.com'], location, now: () => clock, ...options });
  return { registrar, location };
}

interface Reg {
  aor?: string;
  ruri?: string;
  contacts?: string[];
  expires?: number;
  callId?: string;
  cseq?: number;
  extra?: string[];
  vias?: number;
}

function register(r: Reg = {}): SipRequest {
  const aor = r.aor ?? 'sip:alice@example.com';
  const lines = [
    `REGISTER ${r.ruri ?? 'sip:example.com'} SIP/2.0`,
    ...Array.from({ length: r.vias ?? 1 }, (_, i) => `Via: SIP/2.0/UDP 192.0.2.${10 + i}:5060;branch=z9hG4bKreg${i}`),
    'Max-Forwards: 70',
    `To: <${aor}>`,
    `From: <${aor}>;tag=456248`,
    `Call-ID: ${r.callId ?? '843817637684230@998sdasdh09'}`,
    `CSeq: ${r.cseq ?? 1826} REGISTER`,
    ...(r.contacts ?? ['<sip:alice@192.0.2.4>']).map((c) => `Contact: ${c}`),
    ...(r.expires === undefined ? [] : [`Expires: ${r.expires}`]),
    ...(r.extra ?? []),
    'Content-Length: 0',
  ];
  return parseMessage(`${lines.join('\r\n')}\r\n\r\n`) as SipRequest;
}

/** Contact values of a 200, as `uri;expires=N`. */
function listed(res: SipResponse): string[] {
  return res.getValues('Contact');
}

describe('§10.3 step 1: the registrar serves its own domains', () => {
  it('answers 404 to a REGISTER whose Request-URI is another domain', async () => {
    const { registrar } = make();
    const res = await registrar.handle(register({ ruri: 'sip:elsewhere.example.org' }));
    expect(res.status).toBe(404);
  });

  it('compares the domain without case and takes a predicate too', async () => {
    expect((await make().registrar.handle(register({ ruri: 'sip:EXAMPLE.com' }))).status).toBe(200);
    const { registrar } = make({ domains: (h) => h.endsWith('.example.net') });
    expect((await registrar.handle(register({ ruri: 'sip:a.example.net', aor: 'sip:bob@b.example.net' }))).status).toBe(
      200,
    );
  });
});

describe('§10.3 step 2: Require', () => {
  it('answers 420 with Unsupported naming what it does not support', async () => {
    const res = await make().registrar.handle(register({ extra: ['Require: path, foo, bar'] }));
    expect(res.status).toBe(420);
    expect(res.get('Unsupported')).toBe('foo, bar');
  });

  it('accepts the option tags it supports (path, outbound, gruu)', async () => {
    const res = await make().registrar.handle(
      register({ extra: ['Require: path', 'Path: <sip:edge.example.com;lr>'] }),
    );
    expect(res.status).toBe(200);
  });
});

/** An authenticator that knows alice (password "secret") and reads a fake Authorization. */
function fakeAuth(): RegistrarAuthenticator & { challenged: number } {
  return {
    challenged: 0,
    challenge(request, options) {
      this.challenged++;
      const res = parseMessage(
        `SIP/2.0 401 Unauthorized\r\nVia: ${request.getAll('Via')[0]}\r\nTo: ${request.get('To')};tag=x\r\nFrom: ${request.get('From')}\r\nCall-ID: ${request.callId}\r\nCSeq: ${request.get('CSeq')}\r\nWWW-Authenticate: Digest realm="example.com", nonce="n"${options?.stale ? ', stale=true' : ''}\r\nContent-Length: 0\r\n\r\n`,
      ) as SipResponse;
      return res;
    },
    async verify(request) {
      const a = request.get('Authorization');
      if (a === undefined) return { ok: false, reason: 'missing' };
      const m = /user=(\w+) pass=(\w+)/.exec(a);
      if (m === null) return { ok: false, reason: 'malformed' };
      if (a.includes('stale')) return { ok: false, reason: 'stale' };
      if (m[2] !== 'secret') return { ok: false, reason: 'bad-response' };
      return { ok: true, username: m[1] as string };
    },
  };
}

describe('§10.3 steps 3 and 4: authentication and authorization', () => {
  it('challenges a REGISTER without credentials with 401 and stores nothing', async () => {
    const auth = fakeAuth();
    const { registrar, location } = make({ auth });
    const res = await registrar.handle(register());
    expect(res.status).toBe(401);
    expect(await location.lookup('sip:alice@example.com', clock)).toEqual([]);
  });

  it('re-challenges with stale=true when the nonce only expired', async () => {
    const { registrar } = make({ auth: fakeAuth() });
    const res = await registrar.handle(register({ extra: ['Authorization: Fake user=alice pass=secret stale'] }));
    expect(res.status).toBe(401);
    expect(res.get('WWW-Authenticate')).toContain('stale=true');
  });

  it('accepts alice registering alice', async () => {
    const { registrar } = make({ auth: fakeAuth() });
    const res = await registrar.handle(register({ extra: ['Authorization: Fake user=alice pass=secret'] }));
    expect(res.status).toBe(200);
  });

  it('refuses with 403 a user who authenticates as alice and registers bob', async () => {
    const { registrar, location } = make({ auth: fakeAuth() });
    const res = await registrar.handle(
      register({ aor: 'sip:bob@example.com', extra: ['Authorization: Fake user=alice pass=secret'] }),
    );
    expect(res.status).toBe(403);
    expect(await location.lookup('sip:bob@example.com', clock)).toEqual([]);
  });

  it('lets an authorize hook decide instead', async () => {
    const { registrar } = make({ auth: fakeAuth(), authorize: (user, aor) => user === 'alice' && aor.user === 'bob' });
    const res = await registrar.handle(
      register({ aor: 'sip:bob@example.com', extra: ['Authorization: Fake user=alice pass=secret'] }),
    );
    expect(res.status).toBe(200);
  });
});

describe('memory: a binding keeps copies, not the REGISTER it came in', () => {
  it('holds 400 bindings from 56 KB REGISTERs in far less than the 22 MB of their text', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const { registrar, location } = make();
    // Seven 8 KB fields: the parser's limit is 8 KB a line, 64 KB a message.
    const pad = Array.from({ length: 7 }, (_, i) => `X-Pad-${i}: ${'x'.repeat(8_000)}`);
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 400; i++) {
      const res = await registrar.handle(
        register({
          aor: `sip:user-number-${i}@example.com`,
          contacts: [`<sip:user-number-${i}@192.0.2.4:5060;transport=udp>;+sip.instance="<urn:uuid:${i}>"`],
          callId: `a-call-id-long-enough-to-be-a-view-${i}@192.0.2.4`,
          extra: pad,
        }),
        `192.0.2.4:${5000 + i}`,
      );
      expect(res.status).toBe(200);
    }
    await new Promise((r) => setTimeout(r, 0));
    gc();
    expect(await location.lookup('sip:user-number-399@example.com', clock)).toHaveLength(1);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(10 << 20);
  });
});

describe('statelessAnswer: what needs no state (§8.2.7)', () => {
  it('challenges a REGISTER without Authorization, counted as handle counts', () => {
    const auth = fakeAuth();
    const { registrar } = make({ auth });
    const res = registrar.statelessAnswer(register());
    expect(res?.status).toBe(401);
    expect(auth.challenged).toBe(1);
    expect(registrar.counters).toMatchObject({ requests: 1, challenged: 1, ok: 0, refused: 0 });
  });

  it('leaves a REGISTER with credentials, or any REGISTER without auth, to handle', async () => {
    const withAuth = make({ auth: fakeAuth() }).registrar;
    const signed = register({ extra: ['Authorization: Fake user=alice pass=secret'] });
    expect(withAuth.statelessAnswer(signed)).toBeUndefined();
    expect(withAuth.counters.requests).toBe(0);
    expect((await withAuth.handle(signed)).status).toBe(200);
    expect(make().registrar.statelessAnswer(register())).toBeUndefined();
  });

  it('refuses steps 1 and 2 (404, 420) and another method without state, with or without auth', () => {
    const { registrar } = make();
    expect(registrar.statelessAnswer(register({ ruri: 'sip:elsewhere.example.org' }))?.status).toBe(404);
    const ext = registrar.statelessAnswer(register({ extra: ['Require: no-such-thing'] }));
    expect(ext?.status).toBe(420);
    expect(ext?.get('Unsupported')).toBe('no-such-thing');
    const options = parseMessage(
      'OPTIONS sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKo\r\nTo: <sip:example.com>\r\nFrom: <sip:a@example.com>;tag=1\r\nCall-ID: o1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n',
    ) as SipRequest;
    expect(registrar.statelessAnswer(options)?.status).toBe(405);
    expect(registrar.counters).toMatchObject({ requests: 3, refused: 3 });
  });
});

describe('§10.3 step 5: the address-of-record', () => {
  it('answers 404 when the To domain is not served here', async () => {
    const res = await make().registrar.handle(register({ aor: 'sip:alice@elsewhere.org' }));
    expect(res.status).toBe(404);
  });

  it('re-escapes in the canonical AOR what may not stand in a userinfo (§25.1), and only that', () => {
    expect(canonicalAor(parseUri('sip:a%20b%3C@Example.com;user=phone') as SipUri)).toBe('sip:a%20b%3C@example.com');
    expect(canonicalAor(parseUri("sip:a.b-c_!~*'()&=+$,;?/@example.com") as SipUri)).toBe(
      "sip:a.b-c_!~*'()&=+$,;?/@example.com",
    );
  });

  it('indexes by the canonical AOR: parameters removed, escapes undone, host case folded', async () => {
    const { registrar, location } = make();
    await registrar.handle(register({ aor: 'sip:%61lice@EXAMPLE.com;user=phone' }));
    expect((await location.lookup('sip:alice@example.com', clock)).map((b) => b.contact)).toEqual([
      'sip:alice@192.0.2.4',
    ]);
  });
});

describe('§10.3 step 6: Contact: *', () => {
  it('removes every binding with Expires: 0', async () => {
    const { registrar, location } = make();
    await registrar.handle(register({ contacts: ['<sip:a@192.0.2.4>', '<sip:b@192.0.2.5>'] }));
    const res = await registrar.handle(register({ contacts: ['*'], expires: 0, cseq: 1827 }));
    expect(res.status).toBe(200);
    expect(listed(res)).toEqual([]);
    expect(await location.lookup('sip:alice@example.com', clock)).toEqual([]);
  });

  it('answers 400 to * without Expires: 0, or beside another Contact', async () => {
    const { registrar } = make();
    expect((await registrar.handle(register({ contacts: ['*'] }))).status).toBe(400);
    expect((await registrar.handle(register({ contacts: ['*'], expires: 60 }))).status).toBe(400);
    expect((await registrar.handle(register({ contacts: ['*', '<sip:a@192.0.2.4>'], expires: 0 }))).status).toBe(400);
  });
});

describe('§10.3 step 7: expiry', () => {
  it('takes the Contact expires param over the Expires header over the default', async () => {
    const { registrar } = make();
    const res = await registrar.handle(
      register({
        contacts: ['<sip:a@192.0.2.4>;expires=120', '<sip:b@192.0.2.5>', '<sip:c@192.0.2.6>'],
        expires: 300,
      }),
    );
    expect(listed(res).sort()).toEqual([
      '<sip:a@192.0.2.4>;expires=120',
      '<sip:b@192.0.2.5>;expires=300',
      '<sip:c@192.0.2.6>;expires=300',
    ]);
    const dflt = await make().registrar.handle(register());
    expect(listed(dflt)).toEqual(['<sip:alice@192.0.2.4>;expires=3600']);
  });

  it('answers 423 with Min-Expires to an interval below the minimum, and stores nothing', async () => {
    const { registrar, location } = make({ expires: { min: 600 } });
    const res = await registrar.handle(register({ expires: 30 }));
    expect(res.status).toBe(423);
    expect(res.get('Min-Expires')).toBe('600');
    expect(await location.lookup('sip:alice@example.com', clock)).toEqual([]);
  });

  it('cuts an interval above the maximum down to it', async () => {
    const res = await make({ expires: { max: 7200 } }).registrar.handle(register({ expires: 100_000 }));
    expect(listed(res)).toEqual(['<sip:alice@192.0.2.4>;expires=7200']);
  });

  it('lists each binding with the time it has left', async () => {
    const { registrar } = make();
    await registrar.handle(register({ expires: 600 }));
    clock += 100_000;
    const res = await registrar.handle(register({ contacts: [], cseq: 1827 }));
    expect(listed(res)).toEqual(['<sip:alice@192.0.2.4>;expires=500']);
  });

  it('drops a binding when its time is up', async () => {
    const { registrar, location } = make();
    await registrar.handle(register({ expires: 60 }));
    clock += 60_000;
    expect(await location.lookup('sip:alice@example.com', clock)).toEqual([]);
    expect(await location.sweep(clock + 1000)).toBe(1);
    expect(location.size).toBe(0);
  });

  it('removes a binding registered with expires 0', async () => {
    const { registrar } = make();
    await registrar.handle(register({ contacts: ['<sip:a@192.0.2.4>', '<sip:b@192.0.2.5>'] }));
    const res = await registrar.handle(register({ contacts: ['<sip:a@192.0.2.4>;expires=0'], cseq: 1827 }));
    expect(listed(res)).toEqual(['<sip:b@192.0.2.5>;expires=3600']);
  });
});

describe('§10.3 step 7: Call-ID and CSeq', () => {
  it('refuses an older CSeq for the same Call-ID, changing nothing', async () => {
    const { registrar } = make();
    await registrar.handle(register({ cseq: 10, expires: 600 }));
    const res = await registrar.handle(register({ cseq: 9, expires: 0 }));
    expect(res.status).toBe(400);
    expect(res.reason).toMatch(/CSeq/);
    const q = await registrar.handle(register({ contacts: [], cseq: 11 }));
    expect(listed(q)).toEqual(['<sip:alice@192.0.2.4>;expires=600']);
  });

  it('treats the same Call-ID and CSeq as a retransmission: 200, nothing changed', async () => {
    const { registrar } = make();
    await registrar.handle(register({ cseq: 10, expires: 600 }));
    clock += 10_000;
    const again = await registrar.handle(register({ cseq: 10, expires: 600 }));
    expect(again.status).toBe(200);
    expect(listed(again)).toEqual(['<sip:alice@192.0.2.4>;expires=590']);
  });

  it('lets a new Call-ID replace the binding whatever its CSeq', async () => {
    const { registrar } = make();
    await registrar.handle(register({ cseq: 10, expires: 600 }));
    const res = await registrar.handle(register({ callId: 'rebooted@998sdasdh09', cseq: 1, expires: 900 }));
    expect(listed(res)).toEqual(['<sip:alice@192.0.2.4>;expires=900']);
  });

  it('matches contacts as URIs: host case and parameter order do not make a second binding', async () => {
    const { registrar } = make();
    await registrar.handle(register({ contacts: ['<sip:alice@HOST.example.com;transport=udp;ob>'] }));
    const res = await registrar.handle(
      register({ contacts: ['<sip:alice@host.example.com;ob;transport=UDP>'], cseq: 1827 }),
    );
    expect(listed(res)).toHaveLength(1);
  });
});

describe('§10.3 step 7: limits, q and the response', () => {
  it('refuses more contacts than the limit with 403, changing nothing', async () => {
    const { registrar } = make({ maxContacts: 2 });
    await registrar.handle(register({ contacts: ['<sip:a@192.0.2.4>', '<sip:b@192.0.2.5>'] }));
    const res = await registrar.handle(register({ contacts: ['<sip:c@192.0.2.6>'], cseq: 1827 }));
    expect(res.status).toBe(403);
    const q = await registrar.handle(register({ contacts: [], cseq: 1828 }));
    expect(listed(q)).toHaveLength(2);
  });

  it('keeps q-values and lists the highest first', async () => {
    const { registrar } = make();
    const res = await registrar.handle(register({ contacts: ['<sip:a@192.0.2.4>;q=0.1', '<sip:b@192.0.2.5>;q=0.9'] }));
    expect(listed(res)).toEqual(['<sip:b@192.0.2.5>;expires=3600;q=0.9', '<sip:a@192.0.2.4>;expires=3600;q=0.1']);
  });

  it('answers 400 to a malformed q or expires, never throws', async () => {
    const { registrar } = make();
    expect((await registrar.handle(register({ contacts: ['<sip:a@192.0.2.4>;q=2'] }))).status).toBe(400);
    expect((await registrar.handle(register({ contacts: ['<sip:a@192.0.2.4>;expires=soon'] }))).status).toBe(400);
    expect((await registrar.handle(register({ extra: ['Expires: later'] }))).status).toBe(400);
  });

  it('answers a query (no Contact) with the current bindings and a Date', async () => {
    const { registrar } = make();
    await registrar.handle(register());
    const res = await registrar.handle(register({ contacts: [], cseq: 1827 }));
    expect(res.status).toBe(200);
    expect(listed(res)).toEqual(['<sip:alice@192.0.2.4>;expires=3600']);
    expect(res.date).toBeInstanceOf(Date);
  });

  it('answers 500 when the location service fails, as step 7 says', async () => {
    const location = new MemoryLocationService();
    location.update = async () => {
      throw new Error('backend down');
    };
    const registrar = new Registrar({ domains: ['example.com'], location });
    expect((await registrar.handle(register())).status).toBe(500);
  });

  it('names the key of a bad option', () => {
    const location = new MemoryLocationService();
    expect(() => new Registrar({ domains: [], location, expires: { min: -1 } })).toThrow(/expires\.min/);
    expect(() => new Registrar({ domains: [], location, expires: { min: 900, max: 60 } })).toThrow(/expires\.min/);
    expect(() => new Registrar({ domains: [], location, maxContacts: 0 })).toThrow(/maxContacts/);
  });
});

describe('RFC 3327 Path, RFC 5626 outbound, RFC 5627 GRUU', () => {
  it('stores Path and returns it in the 200 when the UA supports path', async () => {
    const { registrar, location } = make();
    const res = await registrar.handle(
      register({
        vias: 2,
        extra: ['Supported: path', 'Path: <sip:edge1.example.com;lr>', 'Path: <sip:edge2.example.com;lr>'],
      }),
    );
    expect(res.getValues('Path')).toEqual(['<sip:edge1.example.com;lr>', '<sip:edge2.example.com;lr>']);
    expect((await location.lookup('sip:alice@example.com', clock))[0]?.path).toEqual([
      '<sip:edge1.example.com;lr>',
      '<sip:edge2.example.com;lr>',
    ]);
  });

  const instance = '"<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>"';

  it('keys outbound bindings by instance and reg-id: a new contact for the same flow replaces the old', async () => {
    const { registrar } = make();
    await registrar.handle(
      register({
        contacts: [`<sip:alice@192.0.2.4;ob>;+sip.instance=${instance};reg-id=1`],
        extra: ['Supported: outbound'],
      }),
    );
    const res = await registrar.handle(
      register({
        contacts: [`<sip:alice@192.0.2.99;ob>;+sip.instance=${instance};reg-id=1`],
        cseq: 1827,
        extra: ['Supported: outbound'],
      }),
    );
    expect(listed(res)).toHaveLength(1);
    expect(listed(res)[0]).toContain('192.0.2.99');
    expect(res.get('Require')).toBe('outbound');
    // Another reg-id is another flow: both kept.
    const two = await registrar.handle(
      register({
        contacts: [`<sip:alice@192.0.2.7;ob>;+sip.instance=${instance};reg-id=2`],
        cseq: 1828,
        extra: ['Supported: outbound'],
      }),
    );
    expect(listed(two)).toHaveLength(2);
  });

  it('answers 439 when the first hop of an outbound registration is a proxy without ob in Path', async () => {
    const res = await make().registrar.handle(
      register({
        vias: 2,
        contacts: [`<sip:alice@192.0.2.4;ob>;+sip.instance=${instance};reg-id=1`],
        extra: ['Supported: outbound'],
      }),
    );
    expect(res.status).toBe(439);
    const ok = await make().registrar.handle(
      register({
        vias: 2,
        contacts: [`<sip:alice@192.0.2.4;ob>;+sip.instance=${instance};reg-id=1`],
        extra: ['Supported: outbound, path', 'Path: <sip:edge.example.com;lr;ob>'],
      }),
    );
    expect(ok.status).toBe(200);
  });

  it('hands out a public GRUU to a UA that supports gruu and gives an instance', async () => {
    const res = await make().registrar.handle(
      register({ contacts: [`<sip:alice@192.0.2.4>;+sip.instance=${instance}`], extra: ['Supported: gruu'] }),
    );
    expect(listed(res)[0]).toContain(
      'pub-gruu="sip:alice@example.com;gr=urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF"',
    );
    expect(listed(res)[0]).toContain('+sip.instance="<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>"');
    const none = await make().registrar.handle(
      register({ contacts: [`<sip:alice@192.0.2.4>;+sip.instance=${instance}`] }),
    );
    expect(listed(none)[0]).not.toContain('pub-gruu');
  });
});

describe('anything else', () => {
  it('answers a method other than REGISTER with 405 and Allow', async () => {
    const req = sip.parse`
      OPTIONS sip:example.com SIP/2.0
      Via: SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKo
      To: <sip:example.com>
      From: <sip:alice@example.com>;tag=1
      Call-ID: o1
      CSeq: 1 OPTIONS
      Content-Length: 0
    ` as SipRequest;
    const res = await make().registrar.handle(req);
    expect(res.status).toBe(405);
    expect(res.get('Allow')).toBe('REGISTER');
  });
});

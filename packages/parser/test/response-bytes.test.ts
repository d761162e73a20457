// createResponseBytes (RFC 3261 §8.2.6) and SipMessage.setTopViaParams (RFC 3261 §18.2.1,
// RFC 3581 §4), checked against the object path they stand in for: createResponse + serialize,
// and setTopVia with a rebuilt Via.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createResponse,
  createResponseBytes,
  Params,
  parseMessage,
  quote,
  type ResponseOptions,
  type SipRequest,
  serialize,
  Via,
} from '../src/index.js';
import * as A from './arbitraries.js';
import { sip } from './helpers.js';

const bin = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');

function req(text: string | Uint8Array): SipRequest {
  const m = parseMessage(text);
  if (!m.isRequest) throw new Error('not a request');
  return m;
}

/** The object path: what createResponseBytes must equal. */
function viaObjects(r: SipRequest, status: number, options: ResponseOptions): string {
  return bin(serialize(createResponse(r, status, options)));
}

/** The Via rebuilt as SIPKit did before setTopViaParams: the reference for the splice. */
function rebuildTopVia(r: SipRequest, params: Record<string, string>): void {
  const via = r.topVia;
  if (via === undefined) return;
  let p = via.params;
  for (const [k, v] of Object.entries(params)) p = p.with(k, v);
  r.setTopVia(new Via(via.transport, via.host, via.port, p, via.protocol, via.version));
}

const OPTIONS = sip`
OPTIONS sip:bob@biloxi.example.com SIP/2.0
Via: SIP/2.0/UDP pc33.atlanta.example.com:5066;branch=z9hG4bKnashds8;rport
Via: SIP/2.0/TCP proxy.example.com;branch=z9hG4bK1, SIP/2.0/UDP 192.0.2.9;branch=z9hG4bK2
Max-Forwards: 70
To: <sip:bob@biloxi.example.com>
From: Alice <sip:alice@atlanta.example.com>;tag=1928301774
Call-ID: a84b4c76e66710
CSeq: 63104 OPTIONS
Content-Length: 0

`;

const statuses = fc.constantFrom(100, 180, 200, 404, 486, 503, 699);
const responseOptions: fc.Arbitrary<ResponseOptions> = fc.record(
  {
    reason: fc.constantFrom('OK', 'Très bien', ''),
    toTag: A.token(12),
    headers: fc.array(
      fc.tuple(
        fc.constantFrom('Allow', 'allow', 'Supported', 'X-Custom', 'l', 'Content-Length', 'k', 'Server'),
        fc.constantFrom('INVITE, ACK', 'timer', 'SIPKit/1 – ü', '12'),
      ),
      { maxLength: 3 },
    ),
    body: fc.constantFrom('', 'v=0\r\n', 'héllo'),
  },
  { requiredKeys: ['toTag'] },
);

describe('createResponseBytes (RFC 3261 §8.2.6)', () => {
  it('gives the bytes of serialize(createResponse(…)) for any request, status and options (§8.2.6.2)', () => {
    fc.assert(
      fc.property(A.request(), statuses, responseOptions, (g, status, options) => {
        const bytes = A.render(g);
        expect(bin(createResponseBytes(req(bytes), status, options))).toBe(viaObjects(req(bytes), status, options));
      }),
      { numRuns: 400 },
    );
  });

  it('gives the same bytes after the top Via got received and rport (§18.2.1, RFC 3581 §4)', () => {
    fc.assert(
      fc.property(A.request(), statuses, A.token(8), (g, status, tag) => {
        const bytes = A.render(g);
        const a = req(bytes);
        const b = req(bytes);
        try {
          void a.topVia;
        } catch {
          return; // a malformed top Via cannot be stamped
        }
        const params = { received: '192.0.2.33', rport: '5099' };
        a.setTopViaParams(params);
        b.setTopViaParams(params);
        expect(bin(createResponseBytes(a, status, { toTag: tag }))).toBe(viaObjects(b, status, { toTag: tag }));
      }),
      { numRuns: 300 },
    );
  });

  it('copies every Via field in order, From, Call-ID and CSeq, and adds a To tag (§8.2.6.2)', () => {
    const out = bin(createResponseBytes(req(OPTIONS), 200, { toTag: 'x1' }));
    expect(out).toBe(
      sip`
SIP/2.0 200 OK
Via: SIP/2.0/UDP pc33.atlanta.example.com:5066;branch=z9hG4bKnashds8;rport
Via: SIP/2.0/TCP proxy.example.com;branch=z9hG4bK1, SIP/2.0/UDP 192.0.2.9;branch=z9hG4bK2
From: Alice <sip:alice@atlanta.example.com>;tag=1928301774
To: <sip:bob@biloxi.example.com>;tag=x1
Call-ID: a84b4c76e66710
CSeq: 63104 OPTIONS
Content-Length: 0

`,
    );
    expect(out).toBe(viaObjects(req(OPTIONS), 200, { toTag: 'x1' }));
  });

  it('writes compact names in their long form and unfolds folded values (§7.3.1, §7.3.3)', () => {
    const r = sip`
MESSAGE sip:bob@example.com SIP/2.0
v: SIP/2.0/UDP a.example.com;branch=z9hG4bKa
Max-Forwards: 70
V  : SIP/2.0/UDP b.example.com
   ;branch=z9hG4bKb
t: <sip:bob@example.com>;tag=existing
f: "Ünïcode" <sip:alice@example.com>
 ;tag=88
i: compact-call-id
CSeq:
  7 MESSAGE
l: 0

`;
    const out = bin(createResponseBytes(req(r), 202, { toTag: 'unused' }));
    expect(out).toBe(viaObjects(req(r), 202, { toTag: 'unused' }));
    expect(out).toContain('\r\nVia: SIP/2.0/UDP a.example.com;branch=z9hG4bKa\r\n');
    expect(out).toContain('\r\nVia: SIP/2.0/UDP b.example.com ;branch=z9hG4bKb\r\n');
    // The To already had a tag: it is kept, not doubled.
    expect(out).toContain('\r\nTo: <sip:bob@example.com>;tag=existing\r\n');
    expect(out).toContain('\r\nCSeq: 7 MESSAGE\r\n');
  });

  it('copies Timestamp into a 100 (Trying) and adds no To tag to it (§8.2.6.1)', () => {
    const r = OPTIONS.replace('CSeq:', 'Timestamp: 54.3 0.5\r\nCSeq:');
    const out = bin(createResponseBytes(req(r), 100));
    expect(out).toContain('\r\nTimestamp: 54.3 0.5\r\n');
    expect(out).toContain('\r\nTo: <sip:bob@biloxi.example.com>\r\n');
    expect(out).toBe(viaObjects(req(r), 100, {}));
    expect(bin(createResponseBytes(req(r), 200, { toTag: 't' }))).not.toContain('Timestamp');
  });

  it('copies a malformed To as it came, and leaves out headers the request lacks', () => {
    const r = sip`
OPTIONS sip:bob@example.com SIP/2.0
Via: SIP/2.0/UDP a.example.com;branch=z9hG4bKa
To: <sip:bob@example.com
CSeq: 1 OPTIONS

`;
    const out = bin(createResponseBytes(req(r), 400, { toTag: 'q' }));
    expect(out).toBe(viaObjects(req(r), 400, { toTag: 'q' }));
    expect(out).not.toContain('From:');
    expect(out).not.toContain('Call-ID:');
  });

  it('reads the request as changed through the API', () => {
    const a = req(OPTIONS);
    const b = req(OPTIONS);
    for (const m of [a, b]) {
      m.removeFirstValue('Via');
      m.set('From', '<sip:carol@example.com>;tag=9');
      m.append('Via', 'SIP/2.0/UDP added.example.com;branch=z9hG4bKadd');
    }
    expect(bin(createResponseBytes(a, 480, { toTag: 'z' }))).toBe(viaObjects(b, 480, { toTag: 'z' }));
  });

  it('copies octets that are not UTF-8 as they came (the object path replaces them with U+FFFD)', () => {
    const head = Buffer.from(OPTIONS.replace('From: Alice', 'From: Al\xffce'), 'latin1');
    const out = createResponseBytes(req(head), 200, { toTag: 't' });
    expect(bin(out)).toContain('\r\nFrom: Al\xffce <sip:alice@atlanta.example.com>;tag=1928301774\r\n');
  });

  it('refuses a status outside 100–699', () => {
    expect(() => createResponseBytes(req(OPTIONS), 99)).toThrow(RangeError);
    expect(() => createResponseBytes(req(OPTIONS), 200.5)).toThrow(RangeError);
  });
});

/** Requests whose top Via has the usual shape, so setTopViaParams splices its bytes. */
const usualRequest: fc.Arbitrary<string> = fc
  .record({
    host: fc.constantFrom('192.0.2.1', 'pc33.atlanta.example.com', 'a.b'),
    port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
    params: fc.shuffledSubarray([';branch=z9hG4bK77', ';rport', ';RPORT=9', ';received=10.1.1.1', ';lr', ';x=y:z'], {
      minLength: 1,
    }),
    comma: fc.boolean(),
    moreVias: fc.nat({ max: 2 }),
    names: fc.boolean(),
    order: fc.shuffledSubarray(['from', 'to', 'callId', 'cseq', 'mf', 'contact', 'ts'], { minLength: 0 }),
    toTag: fc.boolean(),
  })
  .map((g) => {
    const via = `SIP/2.0/UDP ${g.host}${g.port === undefined ? '' : `:${g.port}`}${g.params.join('')}`;
    const fields: string[] = [
      `${g.names ? 'v' : 'Via'}: ${via}${g.comma ? ', SIP/2.0/TCP next.example.com;branch=z9hG4bK2' : ''}`,
    ];
    const rest: Record<string, string> = {
      from: `${g.names ? 'f' : 'From'}: <sip:alice@example.com>;tag=1`,
      to: `${g.names ? 't' : 'To'}: Bob <sip:bob@example.com>${g.toTag ? ';tag=2' : ''}`,
      callId: `${g.names ? 'i' : 'Call-ID'}: abc@192.0.2.1`,
      cseq: 'CSeq: 4 OPTIONS',
      mf: 'Max-Forwards: 70',
      contact: `${g.names ? 'm' : 'Contact'}: <sip:alice@192.0.2.1>`,
      ts: 'Timestamp: 1.5',
    };
    for (const k of g.order) fields.push(rest[k] as string);
    for (let i = 0; i < g.moreVias; i++) fields.push(`Via: SIP/2.0/UDP hop${i}.example.com;branch=z9hG4bKh${i}`);
    return `OPTIONS sip:bob@example.com SIP/2.0\r\n${fields.join('\r\n')}\r\nContent-Length: 0\r\n\r\n`;
  });

describe('SipMessage.setTopViaParams (RFC 3261 §18.2.1, RFC 3581 §4)', () => {
  it('splices the usual Via so that every reader and createResponseBytes agree with the object path', () => {
    fc.assert(
      fc.property(usualRequest, fc.boolean(), statuses, (text, both, status) => {
        const params: Record<string, string> = both ? { received: '198.51.100.7', rport: '6000' } : { rport: '1' };
        const a = req(text);
        void a.topVia; // as stampReceived reads it first
        a.setTopViaParams(params);
        const b = req(text);
        rebuildTopVia(b, params);
        // The bytes: only the top Via changed, and it reads as the rebuilt one.
        const ra = req(serialize(a));
        expect(bin(serialize(a))).toBe(bin(serialize(ra)));
        expect([...(ra.topVia?.params.entries() ?? [])]).toEqual([...(b.topVia?.params.entries() ?? [])]);
        expect([...(a.topVia?.params.entries() ?? [])]).toEqual([...(b.topVia?.params.entries() ?? [])]);
        // Every other field reads the same through each accessor and the table.
        for (const m of [a, ra]) {
          expect(m.from?.tag).toEqual(b.from?.tag);
          expect(m.to?.uri).toEqual(b.to?.uri);
          expect(m.callId).toEqual(b.callId);
          expect(m.cseq).toEqual(b.cseq);
          const contacts = (x: SipRequest) => {
            const c = x.contacts;
            return c === '*' ? c : c.map(String);
          };
          expect(contacts(m)).toEqual(contacts(b));
          expect(m.vias.slice(1)).toEqual(b.vias.slice(1));
          const notVia = (x: SipRequest) => [...x.fields()].filter((f) => !/^(via|v)$/i.test(f.name));
          expect(notVia(m)).toEqual(notVia(b));
        }
        // The fused response copies the new bytes; the object path gives the same.
        expect(bin(createResponseBytes(a, status, { toTag: 'k' }))).toBe(viaObjects(a, status, { toTag: 'k' }));
        const fresh = req(text);
        void fresh.topVia;
        fresh.setTopViaParams(params);
        const byObjects = viaObjects(fresh, status, { toTag: 'k' });
        const fused = req(text);
        fused.setTopViaParams(params);
        expect(bin(createResponseBytes(fused, status, { toTag: 'k' }))).toBe(byObjects);
      }),
      { numRuns: 500 },
    );
  });

  it('fills rport and appends received in the bytes, leaving every other byte as it came', () => {
    const r = req(OPTIONS);
    r.setTopViaParams({ received: '192.0.2.4', rport: '5066' });
    const expected = OPTIONS.replace(
      ';branch=z9hG4bKnashds8;rport\r\n',
      ';branch=z9hG4bKnashds8;rport=5066;received=192.0.2.4\r\n',
    );
    expect(bin(serialize(r))).toBe(expected);
    expect(r.topVia?.received).toBe('192.0.2.4');
    expect(r.topVia?.rport).toBe(5066);
    expect(r.topVia?.branch).toBe('z9hG4bKnashds8');
    // The rest of the message reads as before, from the new bytes.
    expect(r.from?.tag).toBe('1928301774');
    expect(r.cseq?.seq).toBe(63104);
    expect(r.get('Max-Forwards')).toBe('70');
    expect(r.vias).toHaveLength(3);
    expect(bin(serialize(parseMessage(serialize(r))))).toBe(expected);
  });

  it('replaces a parameter already there (any case) where it stands', () => {
    const r = req(OPTIONS.replace(';rport', ';RPORT=1;received=10.0.0.1;ttl=3'));
    r.setTopViaParams({ rport: '7', received: '::1' });
    expect(r.get('Via')).toBe(
      'SIP/2.0/UDP pc33.atlanta.example.com:5066;branch=z9hG4bKnashds8;RPORT=7;received=::1;ttl=3',
    );
    expect(r.topVia?.rport).toBe(7);
    expect(r.topVia?.received).toBe('::1');
  });

  it('changes only the first value of a Via field that holds several', () => {
    const r = req(OPTIONS.replace(';rport\r\n', ';rport, SIP/2.0/UDP other.example.com;rport\r\n'));
    r.setTopViaParams({ received: '192.0.2.4', rport: '1' });
    expect(r.getAll('Via')[0]).toBe(
      'SIP/2.0/UDP pc33.atlanta.example.com:5066;branch=z9hG4bKnashds8;rport=1;received=192.0.2.4, SIP/2.0/UDP other.example.com;rport',
    );
    expect(r.vias[1]?.rport).toBeNull();
  });

  it('keeps the header table right when it was built before', () => {
    const r = req(OPTIONS);
    expect(r.get('CSeq')).toBe('63104 OPTIONS'); // builds the table
    r.setTopViaParams({ received: '192.0.2.4' });
    expect(r.get('CSeq')).toBe('63104 OPTIONS');
    expect(r.getAll('Via')[0]).toBe(
      'SIP/2.0/UDP pc33.atlanta.example.com:5066;branch=z9hG4bKnashds8;rport;received=192.0.2.4',
    );
    r.set('Max-Forwards', '69');
    expect(bin(serialize(r))).toContain(';rport;received=192.0.2.4\r\nVia: SIP/2.0/TCP');
  });

  it('reads the same as a rebuilt Via for any request, whatever its shape (folded, spaced, compact)', () => {
    fc.assert(
      fc.property(A.request(), fc.boolean(), (g, withRport) => {
        const bytes = A.render(g);
        const a = req(bytes);
        const b = req(bytes);
        let top: Via | undefined;
        try {
          top = a.topVia;
        } catch {
          return;
        }
        if (top === undefined) return;
        const params: Record<string, string> = withRport
          ? { received: '198.51.100.7', rport: '6000' }
          : { received: '2001:db8::1' };
        a.setTopViaParams(params);
        rebuildTopVia(b, params);
        const want = [...(b.topVia?.params.entries() ?? [])];
        expect([...(a.topVia?.params.entries() ?? [])]).toEqual(want);
        // The rebuilt Via renders what it holds: quoted-pairs escaped, an IPv6 received bare.
        expect([...(req(serialize(b)).topVia?.params.entries() ?? [])]).toEqual(want);
        const ra = req(serialize(a));
        expect([...(a.topVia?.params.entries() ?? [])]).toEqual(want);
        expect([...(ra.topVia?.params.entries() ?? [])]).toEqual(want);
        expect(ra.topVia?.host).toBe(top.host);
        expect(ra.vias.length).toBe(req(bytes).vias.length);
        const rest = (m: SipRequest) => [...m.fields()].filter((f) => !/^(via|v)$/i.test(f.name));
        expect(rest(ra)).toEqual(rest(req(bytes)));
        expect(rest(a)).toEqual(rest(b));
      }),
      { numRuns: 400 },
    );
  });

  it('refuses names that are not tokens and values that are not tokens or addresses', () => {
    const r = req(OPTIONS);
    expect(() => r.setTopViaParams({ received: '' })).toThrow(RangeError);
    expect(() => r.setTopViaParams({ received: 'a b' })).toThrow(RangeError);
    expect(() => r.setTopViaParams({ 'bad name': '1' })).toThrow(RangeError);
    expect(bin(serialize(r))).toBe(OPTIONS);
  });

  it('writes a quoted-pair back escaped when it rebuilds the Via (RFC 3261 §25.1: "\\" %x00)', () => {
    // A quoted value is not the usual shape: the Via is rebuilt rather than spliced.
    const r = req(OPTIONS.replace(';rport\r\n', ';rport;x="a\\\0b\\"c"\r\n'));
    expect(r.topVia?.params.get('x')).toBe('a\0b"c');
    r.setTopViaParams({ received: '192.0.2.4', rport: '5066' });
    const again = req(serialize(r));
    expect(again.topVia?.params.get('x')).toBe('a\0b"c');
    expect(again.topVia?.received).toBe('192.0.2.4');
    expect(again.getAll('Via')[0]).toBe(
      'SIP/2.0/UDP pc33.atlanta.example.com:5066;branch=z9hG4bKnashds8;rport=5066;x="a\\\0b\\"c";received=192.0.2.4',
    );
  });

  it('writes an IPv6 received bare when it rebuilds the Via (RFC 3261 §25.1 via-received)', () => {
    const r = req(OPTIONS.replace('Via: SIP/2.0/UDP pc33', 'Via: SIP/2.0/UDP  pc33'));
    r.setTopViaParams({ received: '2001:db8::9:1', rport: '5066' });
    expect(r.getAll('Via')[0]).toBe(
      'SIP/2.0/UDP pc33.atlanta.example.com:5066;branch=z9hG4bKnashds8;rport=5066;received=2001:db8::9:1',
    );
    expect(req(serialize(r)).topVia?.received).toBe('2001:db8::9:1');
    // Only received takes an address bare: another parameter holding one is quoted (gen-value).
    const v = new Via('UDP', '[2001:db8::1]', 5060, Params.from({ received: '::ffff:192.0.2.1', x: '2001:db8::1' }));
    expect(v.toString()).toBe('SIP/2.0/UDP [2001:db8::1]:5060;received=::ffff:192.0.2.1;x="2001:db8::1"');
    // Text that is not an address is quoted, as before.
    expect(new Via('UDP', 'h', undefined, Params.from({ received: '1:2:3' })).toString()).toBe(
      'SIP/2.0/UDP h;received="1:2:3"',
    );
  });

  it('leaves a message without a Via as it is', () => {
    const text = OPTIONS.replace(/^Via: .*\r\n/gm, '');
    const r = req(text);
    r.setTopViaParams({ received: '192.0.2.4' });
    expect(bin(serialize(r))).toBe(text);
  });
});

describe('quote (RFC 3261 §25.1 quoted-string)', () => {
  it('escapes DQUOTE, backslash and every control character but HTAB as quoted-pairs', () => {
    expect(quote('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(quote('\0\x1f\x7f\tx')).toBe('"\\\0\\\x1f\\\x7f\tx"');
  });

  it('refuses CR and LF, which no quoted-pair can carry', () => {
    expect(() => quote('a\r\nVia: x')).toThrow(RangeError);
    expect(() => quote('a\n')).toThrow(RangeError);
  });
});

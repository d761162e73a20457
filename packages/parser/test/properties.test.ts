// Property-based tests of @sipkit/parser: round trips, edits, stream framing, robustness and
// linear time. Generators live in ./arbitraries.ts; each generates only what RFC 3261 allows.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createRequest,
  createResponse,
  type NameAddr,
  parseCallId,
  parseCSeq,
  parseMessage,
  parseNameAddr,
  parseUri,
  SipParseError,
  type SipRequest,
  type SipResponse,
  StreamFramer,
  salvageRequest,
  serialize,
  type Uri,
  type Via,
  validateRequest,
  validateResponse,
} from '../src/index.js';
import { parseFirstVia } from '../src/values.js';
import * as A from './arbitraries.js';

type Msg = SipRequest | SipResponse;

const encoder = new TextEncoder();

/** Bytes as a one-char-per-byte string: exact comparison with readable diffs. */
function bin(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/** A JS string as the one-char-per-byte form of its UTF-8 bytes. */
function utf8bin(s: string): string {
  return bin(encoder.encode(s));
}

function fieldsOf(m: Msg): { name: string; value: string }[] {
  return [...m.fields()].map((f) => ({ name: f.name, value: f.value }));
}

/** The raw header fields of serialized bytes, each with its CRLF (continuation lines included). */
function rawFields(bytes: Uint8Array): { start: string; fields: string[]; body: string } {
  const s = bin(bytes);
  let i = s.indexOf('\r\n') + 2;
  const start = s.slice(0, i - 2);
  const fields: string[] = [];
  while (!s.startsWith('\r\n', i)) {
    let j = i;
    for (;;) {
      const k = s.indexOf('\r\n', j);
      if (k < 0) throw new Error('no end of header section');
      if (s[k + 2] === ' ' || s[k + 2] === '\t') {
        j = k + 2;
        continue;
      }
      fields.push(s.slice(i, k + 2));
      i = k + 2;
      break;
    }
  }
  return { start, fields, body: s.slice(i + 2) };
}

function entries(p: { entries(): IterableIterator<[string, string | null]> }): [string, string | null][] {
  return [...p.entries()];
}

// ---------------------------------------------------------------------------------------------
// Expectations on typed values

function expectUri(u: Uri, g: A.GenUri): void {
  expect(u.kind).toBe(g.kind);
  expect(u.scheme).toBe(g.scheme);
  if (g.kind !== 'sip' || u.kind !== 'sip') return;
  expect(u.user).toBe(g.user);
  expect(u.password).toBe(g.password);
  expect(u.host).toBe(g.host.text);
  expect(u.hostType).toBe(g.host.type);
  expect(u.port).toBe(g.port);
  expect(entries(u.params)).toEqual(g.params);
  expect(entries(u.headers)).toEqual(g.headers);
}

function expectNameAddr(na: NameAddr | undefined, g: A.GenNameAddr): void {
  expect(na).toBeDefined();
  if (na === undefined) return;
  expect(na.displayName).toBe(g.displayName);
  expect(na.uriText).toBe(g.uri.text);
  expect(na.bracketed).toBe(g.bracketed);
  expect(entries(na.params)).toEqual(g.params);
  expect(na.tag).toBe(g.params.find(([n]) => n.toLowerCase() === 'tag')?.[1] ?? undefined);
  expectUri(na.uri, g.uri);
}

function expectVia(v: Via | undefined, g: A.GenVia | undefined): void {
  expect(v).toBeDefined();
  expect(g).toBeDefined();
  if (v === undefined || g === undefined) return;
  expect(v.protocol).toBe(g.protocol);
  expect(v.version).toBe(g.version);
  expect(v.transport).toBe(g.transport);
  expect(v.host).toBe(g.host);
  expect(v.port).toBe(g.port);
  expect(v.branch).toBe(g.branch);
  expect(v.received).toBe(g.received);
  expect(v.rport).toBe(g.rport);
  expect(entries(v.params)).toEqual(g.params);
}

function expectTyped(m: Msg, g: A.GenMessage): void {
  if (g.kind === 'request') {
    expect(m.isRequest).toBe(true);
    if (!m.isRequest) return;
    expect(m.method).toBe(g.method);
    expect(m.uri).toBe(g.uri.text);
    expectUri(m.requestUri, g.uri);
  } else {
    expect(m.isRequest).toBe(false);
    if (m.isRequest) return;
    expect(m.status).toBe(g.status);
    expect(m.reason).toBe(g.reason);
  }
  expectVia(m.topVia, g.vias[0]);
  expect(m.vias).toHaveLength(g.vias.length);
  for (const [i, v] of m.vias.entries()) expectVia(v, g.vias[i]);
  expectNameAddr(m.from, g.from);
  expectNameAddr(m.to, g.to);
  expect(m.callId).toBe(g.callId);
  expect(m.cseq).toEqual(g.cseq);
  expect(m.maxForwards).toBe(g.maxForwards);
  const contacts = m.contacts;
  expect(contacts).not.toBe('*');
  if (contacts !== '*') {
    expect(contacts).toHaveLength(g.contacts.length);
    for (const [i, c] of contacts.entries()) expectNameAddr(c, g.contacts[i] as A.GenNameAddr);
  }
  expect(m.routes).toHaveLength(g.routes.length);
  for (const [i, r] of m.routes.entries()) expectNameAddr(r, g.routes[i] as A.GenNameAddr);
  expect(m.contentLength).toBe(g.body.length);
  const ct = m.contentType;
  expect(ct === undefined ? undefined : { type: ct.type, subtype: ct.subtype }).toEqual(g.contentType);
  expect(m.supported).toEqual(g.supported);
  expect(m.allow).toEqual(g.allow);
  expect(m.expires).toBe(g.expires);
  for (const [name] of g.extensions) {
    const all = g.extensions.filter(([n]) => n.toLowerCase() === name.toLowerCase()).map(([, v]) => v);
    expect(m.getAll(name.toUpperCase())).toEqual(all);
    expect(m.get(name.toLowerCase())).toBe(all[0]);
  }
  expect(bin(m.body)).toBe(bin(g.body));
}

// ---------------------------------------------------------------------------------------------
// 1. Round trip

describe('round trip of generated messages', () => {
  const gen = A.message(A.ALL_FORMS);

  it('serialize(parseMessage(bytes)) is the identity on the bytes of generated requests and responses (RFC 3261 §7)', () => {
    fc.assert(
      fc.property(gen, (g) => {
        const bytes = A.render(g);
        expect(bin(serialize(parseMessage(bytes)))).toBe(bin(bytes));
      }),
      { numRuns: 300 },
    );
  });

  it('serialize with transient gives the same bytes, each in room of its own', () => {
    fc.assert(
      fc.property(gen, gen, (g1, g2) => {
        const m1 = parseMessage(A.render(g1));
        const m2 = parseMessage(A.render(g2));
        const a = serialize(m1, { transient: true });
        const b = serialize(m2, { transient: true });
        expect(bin(a)).toBe(bin(serialize(m1)));
        // Writing one leaves the other alone: the views do not overlap.
        const before = bin(b);
        a.fill(0x41);
        expect(bin(b)).toBe(before);
      }),
      { numRuns: 300 },
    );
  });

  it('fields() lists every header field in order, names as written, values with folding replaced by SP (RFC 3261 §7.3.1)', () => {
    fc.assert(
      fc.property(gen, (g) => {
        const m = parseMessage(A.render(g));
        expect(fieldsOf(m)).toEqual(A.expectedFields(g));
        expect(bin(m.body)).toBe(bin(g.body));
      }),
      { numRuns: 300 },
    );
  });

  it('parseMessage(serialize(m)) gives the same start line, header fields and body', () => {
    fc.assert(
      fc.property(gen, (g) => {
        const m = parseMessage(A.render(g));
        const again = parseMessage(serialize(m));
        expect(again.startLine).toBe(m.startLine);
        expect(again.isRequest).toBe(m.isRequest);
        if (again.isRequest && m.isRequest) expect(again.method).toBe(m.method);
        if (!again.isRequest && !m.isRequest) expect(again.status).toBe(m.status);
        expect(fieldsOf(again)).toEqual(fieldsOf(m));
        expect(bin(again.body)).toBe(bin(m.body));
      }),
      { numRuns: 200 },
    );
  });

  it('the typed accessors return the generated values (RFC 3261 §19.1, §20)', () => {
    fc.assert(
      fc.property(gen, (g) => {
        expectTyped(parseMessage(A.render(g)), g);
      }),
      { numRuns: 300 },
    );
  });

  it('a message built through the API serializes to bytes that parse back to its fields, Content-Length added (RFC 3261 §20.14)', () => {
    fc.assert(
      fc.property(A.request(A.ALL_FORMS), (g) => {
        const built = createRequest({
          method: g.method,
          uri: g.uri.text,
          headers: g.headers
            .filter((h) => h.kind !== 'Content-Length')
            .map((h) => [h.name, A.unfold(h.value)] as const),
          body: g.body,
        });
        const again = parseMessage(serialize(built));
        expect(again.startLine).toBe(built.startLine);
        expect(fieldsOf(again)).toEqual([...fieldsOf(built), { name: 'Content-Length', value: String(g.body.length) }]);
        expect(bin(again.body)).toBe(bin(g.body));
      }),
      { numRuns: 200 },
    );
  });

  // Focused properties: each pins one grammar rule the general ones above also cover, so that a
  // failure names its cause.

  it('an IPv6 reference is accepted as a SIP URI host in every RFC 4291 text form, "::" for one group included (RFC 3261 §25.1)', () => {
    fc.assert(
      fc.property(fc.ipV6(), (ip) => {
        const u = parseUri(`sip:alice@[${ip}]:5060`);
        expect(u.kind).toBe('sip');
        if (u.kind !== 'sip') return;
        expect(u.host).toBe(`[${ip}]`);
        expect(u.hostType).toBe('ipv6');
        expect(u.port).toBe(5060);
      }),
      { numRuns: 300 },
    );
  });

  it('white space after a header value, folded or not, is not part of the value (RFC 3261 §7.3.1, §25.1 header-value)', () => {
    const value = fc
      .tuple(fc.array(fc.tuple(A.str(A.TOKEN_CHARS, 1, 6), A.lws), { maxLength: 3 }), A.str(A.TOKEN_CHARS, 1, 6))
      .map(([ws, last]) => ws.map(([w, l]) => w + l).join('') + last);
    fc.assert(
      fc.property(value, A.lws, (v, trailing) => {
        const m = parseMessage(
          `OPTIONS sip:a@example.com SIP/2.0\r\nX-Ext: ${v}${trailing}\r\nContent-Length: 0\r\n\r\n`,
        );
        expect(m.get('X-Ext')).toBe(A.unfold(v));
      }),
      { numRuns: 200 },
    );
  });

  it('a quoted-string parameter value reads as its UTF-8 text in Via and Session-Expires (RFC 3261 §25.1 qdtext, RFC 4028 §4)', () => {
    fc.assert(
      fc.property(A.quotedString(), (q) => {
        const m = parseMessage(
          `OPTIONS sip:a@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h.example.com;branch=z9hG4bK1;x=${q.wire}\r\n` +
            `Session-Expires: 90;x=${q.wire}\r\nContent-Length: 0\r\n\r\n`,
        );
        expect(m.topVia?.params.get('x')).toBe(q.text);
        expect(m.vias[0]?.params.get('x')).toBe(q.text);
        expect(m.sessionExpires?.params.get('x')).toBe(q.text);
      }),
      { numRuns: 100 },
    );
  });

  it('unfolding keeps a quoted-pair of SP or HTAB that comes right before a fold (RFC 3261 §25.1 quoted-pair, §7.3.1)', () => {
    fc.assert(
      fc.property(
        A.str(A.ALNUM, 1, 6),
        fc.constantFrom(' ', '\t'),
        fc.constantFrom('\r\n ', '\r\n\t', ' \r\n '),
        A.str(A.ALNUM, 1, 6),
        (a, escaped, fold, b) => {
          // "a\<SP>" LWS "b": the quoted-pair is content, only the LWS becomes one SP.
          const m = parseMessage(
            `OPTIONS sip:a@example.com SIP/2.0\r\nFrom: "${a}\\${escaped}${fold}${b}" <sip:a@example.com>;tag=1\r\nContent-Length: 0\r\n\r\n`,
          );
          expect(m.from?.displayName).toBe(`${a}${escaped} ${b}`);
        },
      ),
      { numRuns: 50 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// 2. Modified round trip

describe('edits', () => {
  it('after set(Max-Forwards) and prepend(Via), reparsing gives the new values and every other field byte-identical (RFC 3261 §16.6)', () => {
    fc.assert(
      fc.property(A.request(A.ALL_FORMS), A.str(A.TOKEN_CHARS, 1, 16), (g, suffix) => {
        const bytes = A.render(g);
        const m = parseMessage(bytes);
        const branch = `z9hG4bK${suffix}`;
        const top = `SIP/2.0/UDP proxy.example.com;branch=${branch}`;
        m.set('Max-Forwards', '69');
        m.prepend('Via', top);
        const out = serialize(m);

        const expected = g.headers.map((h) => utf8bin(h.raw));
        const mf = g.headers.findIndex((h) => h.kind === 'Max-Forwards');
        if (mf >= 0) expected[mf] = 'Max-Forwards: 69\r\n';
        else expected.push('Max-Forwards: 69\r\n');
        expected.splice(
          g.headers.findIndex((h) => h.kind === 'Via'),
          0,
          `Via: ${top}\r\n`,
        );
        const raw = rawFields(out);
        expect(raw.start).toBe(utf8bin(g.startLine));
        expect(raw.fields).toEqual(expected);
        expect(raw.body).toBe(bin(g.body));

        const again = parseMessage(out);
        expect(again.maxForwards).toBe(69);
        expect(again.get('Max-Forwards')).toBe('69');
        expect(again.count('Max-Forwards')).toBe(1);
        expect(again.topVia?.branch).toBe(branch);
        expect(again.topVia?.host).toBe('proxy.example.com');
        expect(again.vias.map((v) => v.branch)).toEqual([branch, ...g.vias.map((v) => v.branch)]);
      }),
      { numRuns: 200 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// 3. Stream framing

/** Cuts `bytes` at the given points (taken modulo its length). */
function split(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const c of [...at, bytes.length]) {
    out.push(bytes.subarray(prev, c));
    prev = c;
  }
  return out;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const keepAlive = fc.constantFrom('', '', '\r\n', '\r\n\r\n');
const streamItems = fc.array(fc.tuple(keepAlive, A.message(A.ALL_FORMS)), { minLength: 1, maxLength: 4 });
const cutPoints = fc.array(fc.nat(), { maxLength: 16 });

describe('StreamFramer', () => {
  it('yields the same messages, in order and byte-identical, however the stream is split (RFC 3261 §18.3)', () => {
    fc.assert(
      fc.property(streamItems, cutPoints, (items, cuts) => {
        const originals = items.map(([, g]) => A.render(g));
        const stream = concat(items.flatMap(([ka], i) => [encoder.encode(ka), originals[i] as Uint8Array]));
        const framer = new StreamFramer();
        const events = split(stream, cuts).flatMap((c) => framer.push(c));
        expect(events.filter((e) => e.type === 'error')).toEqual([]);
        const messages = events.flatMap((e) => (e.type === 'message' ? [bin(serialize(e.message))] : []));
        expect(messages).toEqual(originals.map(bin));
        expect(framer.buffered).toBe(0);
        expect(framer.failed).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it('reports CRLFCRLF between messages as ping and CRLF as pong when they arrive whole (RFC 5626 §3.5.1)', () => {
    fc.assert(
      fc.property(streamItems, (items) => {
        const stream = concat(items.flatMap(([ka, g]) => [encoder.encode(ka), A.render(g)]));
        const types = new StreamFramer().push(stream).map((e) => e.type);
        const expected = items.flatMap(([ka]) => [
          ...(ka === '\r\n' ? ['pong'] : ka === '\r\n\r\n' ? ['ping'] : []),
          'message',
        ]);
        expect(types).toEqual(expected);
      }),
      { numRuns: 100 },
    );
  });

  it('a message without Content-Length on a stream is an error event MISSING_CONTENT_LENGTH, after the messages before it (RFC 3261 §18.3)', () => {
    fc.assert(
      fc.property(streamItems, A.message(A.ALL_FORMS), cutPoints, (items, bad, cuts) => {
        const originals = items.map(([, g]) => A.render(g));
        const noLength = A.render(bad, { dropContentLength: true });
        const stream = concat([
          ...items.flatMap(([ka], i) => [encoder.encode(ka), originals[i] as Uint8Array]),
          noLength,
        ]);
        const framer = new StreamFramer();
        const events = split(stream, cuts).flatMap((c) => framer.push(c));
        const last = events[events.length - 1];
        expect(last?.type).toBe('error');
        if (last?.type === 'error') {
          expect(last.error).toBeInstanceOf(SipParseError);
          expect(last.error.code).toBe('MISSING_CONTENT_LENGTH');
        }
        expect(events.filter((e) => e.type === 'error')).toHaveLength(1);
        const messages = events.flatMap((e) => (e.type === 'message' ? [bin(serialize(e.message))] : []));
        expect(messages).toEqual(originals.map(bin));
        expect(framer.failed).toBe(true);

        let code: string | undefined;
        try {
          parseMessage(noLength, { mode: 'stream' });
        } catch (e) {
          code = e instanceof SipParseError ? e.code : 'not a SipParseError';
        }
        expect(code).toBe('MISSING_CONTENT_LENGTH');
      }),
      { numRuns: 100 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// 4. Robustness

/** Every typed accessor, and the values reachable from them that parse lazily. */
const ACCESSORS: [string, (m: Msg) => unknown][] = [
  ['topVia', (m) => m.topVia],
  ['vias', (m) => m.vias],
  ['from', (m) => m.from],
  ['to', (m) => m.to],
  ['callId', (m) => m.callId],
  ['cseq', (m) => m.cseq],
  ['contacts', (m) => m.contacts],
  ['routes', (m) => m.routes],
  ['recordRoutes', (m) => m.recordRoutes],
  ['path', (m) => m.path],
  ['serviceRoutes', (m) => m.serviceRoutes],
  ['pAssertedIdentities', (m) => m.pAssertedIdentities],
  ['replyTo', (m) => m.replyTo],
  ['referTo', (m) => m.referTo],
  ['maxForwards', (m) => m.maxForwards],
  ['contentLength', (m) => m.contentLength],
  ['contentType', (m) => m.contentType],
  ['expires', (m) => m.expires],
  ['minExpires', (m) => m.minExpires],
  ['allow', (m) => m.allow],
  ['supported', (m) => m.supported],
  ['require', (m) => m.require],
  ['proxyRequire', (m) => m.proxyRequire],
  ['unsupported', (m) => m.unsupported],
  ['accept', (m) => m.accept],
  ['contentEncoding', (m) => m.contentEncoding],
  ['authorization', (m) => m.authorization],
  ['proxyAuthorization', (m) => m.proxyAuthorization],
  ['wwwAuthenticate', (m) => m.wwwAuthenticate],
  ['proxyAuthenticate', (m) => m.proxyAuthenticate],
  ['rseq', (m) => m.rseq],
  ['rack', (m) => m.rack],
  ['event', (m) => m.event],
  ['subscriptionState', (m) => m.subscriptionState],
  ['sessionExpires', (m) => m.sessionExpires],
  ['timestamp', (m) => m.timestamp],
  ['date', (m) => m.date],
  ['retryAfter', (m) => m.retryAfter],
  ['warnings', (m) => m.warnings],
  ['requestUri', (m) => (m.isRequest ? m.requestUri : undefined)],
];

/** Runs `f`; anything thrown must be a SipParseError. */
function parseErrorOnly(what: string, f: () => unknown): unknown {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof SipParseError)) {
      throw new Error(
        `${what} threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}, not a SipParseError`,
      );
    }
    return undefined;
  }
}

/** Reads every accessor, the URIs inside name-addrs, and renders the values. */
function readEverything(m: Msg): void {
  for (const [name, read] of ACCESSORS) {
    const v = parseErrorOnly(name, () => read(m));
    const items = Array.isArray(v) ? v : [v];
    for (const it of items) {
      if (it === null || typeof it !== 'object') continue;
      if ('uriText' in it) {
        const na = it as NameAddr;
        parseErrorOnly(`${name}[].uri`, () => na.uri);
        expect(() => na.toString()).not.toThrow();
        expect(() => na.tag).not.toThrow();
      }
      if ('transport' in it) {
        const via = it as Via;
        expect(() => [via.toString(), via.branch, via.rport, via.ttl, via.received, via.maddr]).not.toThrow();
      }
    }
  }
  // Plain field access never throws, and after unfolding no value holds a line break.
  for (const f of m.fields()) {
    expect(f.value).not.toMatch(/\n/);
    expect(m.getAll(f.name)).toContain(f.value);
  }
  if (m.isRequest) expect(() => validateRequest(m)).not.toThrow();
  else expect(() => validateResponse(m)).not.toThrow();
}

/** parseMessage either returns a message (and then everything above holds) or throws SipParseError. */
function checkInput(bytes: Uint8Array): void {
  let m: Msg;
  try {
    m = parseMessage(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(SipParseError);
    return;
  }
  readEverything(m);
}

const HEADER_NAMES = [
  'Via',
  'v',
  'From',
  'f',
  'To',
  't',
  'Call-ID',
  'i',
  'CSeq',
  'Contact',
  'm',
  'Route',
  'Record-Route',
  'Path',
  'Service-Route',
  'P-Asserted-Identity',
  'Reply-To',
  'Refer-To',
  'r',
  'Max-Forwards',
  'Content-Length',
  'l',
  'Content-Type',
  'c',
  'Expires',
  'Min-Expires',
  'Allow',
  'Supported',
  'k',
  'Require',
  'Proxy-Require',
  'Unsupported',
  'Accept',
  'Content-Encoding',
  'e',
  'Authorization',
  'Proxy-Authorization',
  'WWW-Authenticate',
  'Proxy-Authenticate',
  'RSeq',
  'RAck',
  'Event',
  'o',
  'Subscription-State',
  'Session-Expires',
  'x',
  'Timestamp',
  'Date',
  'Retry-After',
  'Warning',
  'X-Ext',
];

/** Pieces of SIP syntax: header values made of them reach deep into every value parser. */
const PIECES = [
  ' ',
  '  ',
  '\t',
  '\r\n ',
  '\r\n\t',
  '\r',
  '\n',
  '\x00',
  '\x7f',
  ':',
  ';',
  ',',
  '=',
  '"',
  '\\',
  '<',
  '>',
  '@',
  '[',
  ']',
  '/',
  '?',
  '&',
  '%',
  '%4',
  '%41',
  '*',
  '(',
  ')',
  '.',
  '-',
  '+',
  '0',
  '1',
  '007',
  '255',
  '65535',
  '4294967296',
  '99999999999999999999',
  'a',
  'Z',
  'é',
  '日',
  'sip:',
  'sips:',
  'tel:',
  'SIP/2.0',
  'SIP/2.0/UDP',
  'z9hG4bK',
  'tag',
  'branch',
  'received',
  'rport',
  'ttl',
  'maddr',
  'lr',
  'expires',
  'q',
  'id',
  'refresher',
  'Digest',
  'realm',
  'INVITE',
  'GMT',
  'Mon, 01 Jan 2024 00:00:00 GMT',
  'Feb 30',
  '::1',
  '[::1]',
  '[',
  '192.0.2.1',
  'example.com',
  'alice',
];

const START_LINES = [
  'INVITE sip:bob@example.com SIP/2.0',
  'REGISTER sips:example.com SIP/2.0',
  'OPTIONS tel:+1 SIP/2.0',
  'ACK sip:[::1]:5060;lr SIP/2.0',
  'SIP/2.0 200 OK',
  'SIP/2.0 503 Service Unavailable',
  'SIP/7.0 100 ',
];

/** Start line, header fields made of SIP pieces, maybe the empty line, maybe a body. */
const sipSoup: fc.Arbitrary<Uint8Array> = fc
  .tuple(
    fc.constantFrom(...START_LINES),
    fc.array(
      fc.tuple(
        fc.constantFrom(...HEADER_NAMES),
        fc.constantFrom(':', ': ', ' :'),
        fc.array(fc.constantFrom(...PIECES), { maxLength: 14 }),
      ),
      { maxLength: 10 },
    ),
    fc.constantFrom('\r\n', '\r\n', ''),
    fc.uint8Array({ maxLength: 40 }),
  )
  .map(([start, headers, end, body]) => {
    const head = `${start}\r\n${headers.map(([n, c, v]) => `${n}${c}${v.join('')}\r\n`).join('')}${end}`;
    return concat([encoder.encode(head), body]);
  });

type Mutation = { op: 'flip' | 'insert' | 'delete' | 'duplicate'; at: number; byte: number };
const mutation: fc.Arbitrary<Mutation> = fc.record({
  op: fc.constantFrom('flip', 'insert', 'delete', 'duplicate'),
  at: fc.nat(),
  byte: fc.oneof(
    fc.integer({ min: 0, max: 255 }),
    fc.constantFrom(0x0d, 0x0a, 0x20, 0x09, 0x22, 0x5c, 0x3c, 0x3e, 0x3b, 0x2c, 0x3a, 0x40),
  ),
});

function mutate(bytes: Uint8Array, ms: readonly Mutation[]): Uint8Array {
  let b = Array.from(bytes);
  for (const m of ms) {
    const at = b.length === 0 ? 0 : m.at % b.length;
    if (m.op === 'flip' && b.length > 0) b[at] = m.byte;
    else if (m.op === 'insert') b.splice(at, 0, m.byte);
    else if (m.op === 'delete') b.splice(at, 1);
    else b = [...b.slice(0, at), ...b.slice(at, at + 16), ...b.slice(at)];
  }
  return Uint8Array.from(b);
}

const mutated = fc
  .tuple(A.message(A.ALL_FORMS), fc.array(mutation, { minLength: 1, maxLength: 6 }))
  .map(([g, ms]) => mutate(A.render(g), ms));

const anyBytes = fc.uint8Array({ maxLength: 2048 });

describe('robustness', () => {
  it('on arbitrary bytes parseMessage returns a message or throws SipParseError, and so does every accessor; validate* never throws', () => {
    fc.assert(fc.property(anyBytes, checkInput), { numRuns: 300 });
  });

  it('on header fields made of SIP syntax pieces, parsing and every accessor return or throw SipParseError; validate* never throws', () => {
    fc.assert(fc.property(sipSoup, checkInput), { numRuns: 500 });
  });

  it('on mutated generated messages, parsing and every accessor return or throw SipParseError; validate* never throws', () => {
    fc.assert(fc.property(mutated, checkInput), { numRuns: 300 });
  });

  it('whatever parseMessage accepts, serialize renders to bytes that parse back to the same start line, fields and body', () => {
    fc.assert(
      fc.property(fc.oneof(sipSoup, mutated), (bytes) => {
        let m: Msg;
        try {
          m = parseMessage(bytes);
        } catch {
          return;
        }
        const again = parseMessage(serialize(m), { limits: { maxHeaders: 1024 } });
        expect(again.startLine).toBe(m.startLine);
        const fields = fieldsOf(m);
        if (!m.has('Content-Length')) fields.push({ name: 'Content-Length', value: String(m.body.length) });
        expect(fieldsOf(again)).toEqual(fields);
        expect(bin(again.body)).toBe(bin(m.body));
      }),
      { numRuns: 300 },
    );
  });

  it('StreamFramer never throws on any bytes in any chunks; failures arrive as error events carrying SipParseError', () => {
    fc.assert(
      fc.property(fc.oneof(anyBytes, sipSoup, mutated), cutPoints, (bytes, cuts) => {
        const framer = new StreamFramer();
        for (const chunk of split(bytes, cuts)) {
          let events: ReturnType<StreamFramer['push']> = [];
          expect(() => {
            events = framer.push(chunk);
          }).not.toThrow();
          for (const e of events) if (e.type === 'error') expect(e.error).toBeInstanceOf(SipParseError);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a control character anywhere in the Reason-Phrase is refused (RFC 3261 §25.1 Reason-Phrase)', () => {
    const ok = fc.array(fc.constantFrom('O', 'K', ' ', '\t', 'é', '日', ';'), { maxLength: 6 }).map((a) => a.join(''));
    const ctl = fc.oneof(
      fc.integer({ min: 0, max: 8 }),
      fc.integer({ min: 0x0b, max: 0x0c }),
      fc.integer({ min: 0x0e, max: 0x1f }),
      fc.constant(0x7f),
    );
    fc.assert(
      fc.property(ok, ctl, ok, (a, c, b) => {
        const text = `SIP/2.0 200 ${a}${String.fromCharCode(c)}${b}\r\nContent-Length: 0\r\n\r\n`;
        expect(() => parseMessage(text)).toThrow(SipParseError);
      }),
      { numRuns: 100 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// 5. Linear time on pathological input

const KIB64 = 65536;
const RAISED = { maxLineLength: 1 << 20, maxMessageSize: 1 << 20 };
/**
 * A hang guard, not a speed target: each of these takes a few milliseconds when the work is
 * linear; quadratic work on 64 KiB takes seconds, exponential never ends.
 */
const HANG_GUARD_MS = 2000;

interface Pathological {
  name: string;
  header: string;
  read: (m: Msg) => unknown;
}

const PATHOLOGICAL: Pathological[] = [
  {
    name: 'From: quoted-pairs \\" and no closing quote',
    header: `From: "${'\\"'.repeat(KIB64 / 2)}`,
    read: (m) => m.from,
  },
  { name: 'From: DQUOTEs only', header: `From: ${'"'.repeat(KIB64)}`, read: (m) => m.from },
  { name: 'From: backslashes only', header: `From: ${'\\'.repeat(KIB64)}`, read: (m) => m.from },
  { name: 'From: "<" only', header: `From: ${'<'.repeat(KIB64)}`, read: (m) => m.from },
  { name: 'From: semicolons after the URI', header: `From: <sip:a@b>${';'.repeat(KIB64)}`, read: (m) => m.from },
  { name: 'From: 32 K display-name tokens', header: `From: ${'a '.repeat(KIB64 / 2)}<sip:a@b>`, read: (m) => m.from },
  {
    name: 'From: 64 K spaces inside the display name, then a fold',
    header: `From: a${' '.repeat(KIB64)}b\r\n <sip:a@b>;tag=1`,
    read: (m) => m.from,
  },
  {
    name: 'From: quotes, backslashes, semicolons, "<" and spaces',
    header: `From: ${'"\\;< '.repeat(KIB64 / 5)}`,
    read: (m) => m.from,
  },
  { name: 'Contact: commas only', header: `Contact: ${','.repeat(KIB64)}`, read: (m) => m.contacts },
  {
    name: 'Contact: 6 K values',
    header: `Contact: ${'<sip:a@b>,'.repeat(KIB64 / 10)}<sip:a@b>`,
    read: (m) => m.contacts,
  },
  {
    name: 'Contact: a folded line repeated 5 K times',
    header: `Contact: <sip:a@b>${'\r\n ,<sip:a@b>'.repeat(KIB64 / 12)}`,
    read: (m) => m.contacts,
  },
  {
    name: 'Subject: a folded line repeated 16 K times',
    header: `Subject: x${'\r\n x'.repeat(KIB64 / 4)}`,
    read: (m) => m.get('Subject'),
  },
  {
    name: 'Via: 32 K parameters',
    header: `Via: SIP/2.0/UDP h${';x'.repeat(KIB64 / 2)}`,
    read: (m) => [m.topVia, m.vias],
  },
  { name: 'Via: semicolons only', header: `Via: SIP/2.0/UDP h${';'.repeat(KIB64)}`, read: (m) => m.vias },
  { name: 'Via: 64 K spaces before sent-by', header: `Via: SIP/2.0/UDP${' '.repeat(KIB64)}h`, read: (m) => m.topVia },
  { name: 'Call-ID: word punctuation', header: `Call-ID: ${'"<\\>'.repeat(KIB64 / 4)}`, read: (m) => m.callId },
  { name: 'Retry-After: comment openers', header: `Retry-After: 5 ${'('.repeat(KIB64)}`, read: (m) => m.retryAfter },
  { name: 'Warning: quoted-pairs', header: `Warning: 399 h "${'\\"'.repeat(KIB64 / 2)}`, read: (m) => m.warnings },
  {
    name: 'Authorization: 16 K auth-params',
    header: `Authorization: Digest ${'a=b,'.repeat(KIB64 / 4)}a=b`,
    read: (m) => m.authorization,
  },
  { name: 'Date: 64 K spaces', header: `Date: Mon,${' '.repeat(KIB64)}01 Jan 2024 00:00:00 GMT`, read: (m) => m.date },
  {
    name: 'a header name of 64 K token chars',
    header: `${'X'.repeat(KIB64)}: v`,
    read: (m) => m.get('x'.repeat(KIB64)),
  },
];

describe('linear time on 64 KiB pathological header fields', () => {
  const wrap = (header: string) =>
    encoder.encode(`OPTIONS sip:a@example.com SIP/2.0\r\n${header}\r\nCall-ID: x\r\nContent-Length: 0\r\n\r\n`);

  it.each(PATHOLOGICAL)(
    '$name: refused with SipParseError under default limits, parsed and read in bounded time with raised limits',
    ({ header, read }) => {
      const bytes = wrap(header);

      let t0 = performance.now();
      expect(() => parseMessage(bytes)).toThrow(SipParseError);
      const events = new StreamFramer().push(bytes);
      expect(events.map((e) => e.type)).toEqual(['error']);
      expect(performance.now() - t0, 'refusal under default limits (hang guard)').toBeLessThan(HANG_GUARD_MS);

      t0 = performance.now();
      const m = parseMessage(bytes, { limits: RAISED });
      parseErrorOnly('accessor', () => read(m));
      expect(performance.now() - t0, 'parse and typed accessor with raised limits (hang guard)').toBeLessThan(
        HANG_GUARD_MS,
      );

      t0 = performance.now();
      const framed = new StreamFramer({ limits: RAISED }).push(bytes);
      expect(framed.map((e) => e.type)).toEqual(['message']);
      expect(performance.now() - t0, 'framing with raised limits (hang guard)').toBeLessThan(HANG_GUARD_MS);
    },
    20_000,
  );

  it('StreamFramer: a header section that never ends, fed one byte at a time, is refused in bounded time', () => {
    const bytes = encoder.encode(`OPTIONS sip:a@example.com SIP/2.0\r\nX: ${'a'.repeat(70_000)}`);
    const framer = new StreamFramer();
    const t0 = performance.now();
    const errors: string[] = [];
    for (let i = 0; i < bytes.length && !framer.failed; i++) {
      for (const e of framer.push(bytes.subarray(i, i + 1))) if (e.type === 'error') errors.push(e.error.code);
    }
    expect(performance.now() - t0, 'hang guard').toBeLessThan(HANG_GUARD_MS);
    expect(errors).toEqual(['MESSAGE_TOO_LARGE']);
  });
});

// ---------------------------------------------------------------------------------------------
// 6. The fast readers and the general grammar agree

/** What a value reads as, or the fact that it was refused; comparable across both readers. */
function outcome<T>(read: () => T | undefined, view: (v: T) => unknown): unknown {
  try {
    const v = read();
    return v === undefined ? 'absent' : view(v);
  } catch (e) {
    if (e instanceof SipParseError) return 'refused';
    throw e;
  }
}

// branch and tag first: they have a direct path that must agree before the parameters are parsed
const viewVia = (v: Via) => [v.branch, v.protocol, v.version, v.transport, v.host, v.port, [...v.params]];
const viewUri = (u: Uri) =>
  u.kind === 'sip'
    ? [u.scheme, u.user, u.password, u.host, u.hostType, u.port, [...u.params], [...u.headers]]
    : [u.kind, u.raw];
const viewNameAddr = (n: NameAddr) => [n.tag, n.displayName, n.uriText, [...n.params], outcome(() => n.uri, viewUri)];

/** The typed accessors (byte-level fast readers first) against the general parsers on the same value. */
function agree(bytes: Uint8Array): void {
  let m: Msg;
  try {
    m = parseMessage(bytes);
  } catch {
    return;
  }
  const first = (name: string) => m.getAll(name)[0];
  const general = {
    via: outcome(() => {
      const v = first('Via');
      return v === undefined ? undefined : parseFirstVia(v);
    }, viewVia),
    from: outcome(() => {
      const v = first('From');
      return v === undefined ? undefined : parseNameAddr(v, 'From');
    }, viewNameAddr),
    to: outcome(() => {
      const v = first('To');
      return v === undefined ? undefined : parseNameAddr(v, 'To');
    }, viewNameAddr),
    callId: outcome(
      () => {
        const v = first('Call-ID');
        return v === undefined ? undefined : parseCallId(v);
      },
      (v) => v,
    ),
    cseq: outcome(
      () => {
        const v = first('CSeq');
        return v === undefined ? undefined : parseCSeq(v);
      },
      (v) => v,
    ),
  };
  const fast = {
    via: outcome(() => m.topVia, viewVia),
    from: outcome(() => m.from, viewNameAddr),
    to: outcome(() => m.to, viewNameAddr),
    callId: outcome(
      () => m.callId,
      (v) => v,
    ),
    cseq: outcome(
      () => m.cseq,
      (v) => v,
    ),
  };
  expect(fast).toEqual(general);
}

describe('fast readers', () => {
  it('read what the general grammar reads on generated messages (Via, From, To, Call-ID, CSeq, their URIs)', () => {
    fc.assert(
      fc.property(A.message(A.ALL_FORMS), (g) => agree(A.render(g))),
      { numRuns: 300 },
    );
  });

  it('refuse what the general grammar refuses on mutated messages, and read the same otherwise', () => {
    fc.assert(fc.property(mutated, agree), { numRuns: 500 });
  });
});

describe('salvageRequest', () => {
  it('never throws, and what it returns can always be answered with a 400 that parses back', () => {
    fc.assert(
      fc.property(fc.oneof(anyBytes, sipSoup, mutated), (bytes) => {
        const req = salvageRequest(bytes);
        if (req === undefined) return;
        const res = parseMessage(serialize(createResponse(req, 400)));
        expect(res.isRequest).toBe(false);
      }),
      { numRuns: 500 },
    );
  });
});

// fast-check generators of well-formed SIP messages (RFC 3261 §7, §19.1, §20, §25.1), with the
// values each typed accessor must return. Everything generated here is valid per the RFC 3261
// ABNF; where the parser knowingly goes beyond it (RFC 4475 leniencies) that is said at the spot.
//
// Header values are built as wire text in which every LWS/SWS position is rendered by `lws` /
// `sws`: a plain SP most of the time, sometimes HTAB or several WSP, sometimes a fold
// (`[*WSP] CRLF 1*WSP`). The generators never put other white space next to an LWS position, so
// each CRLF in a value belongs to exactly one LWS and RFC 3261 §7.3.1 says what the value reads
// as: that whole LWS becomes one SP ({@link unfold}).
import fc from 'fast-check';

// ---------------------------------------------------------------------------------------------
// Character classes, RFC 3261 §25.1

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = LOWER.toUpperCase();
export const ALPHA = LOWER + UPPER;
export const DIGIT = '0123456789';
export const ALNUM = ALPHA + DIGIT;
/** token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~") */
export const TOKEN_CHARS = `${ALNUM}-.!%*_+\`'~`;
/** word = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~" / "(" / ")" / "<" / ">" / ":" / "\" / DQUOTE / "/" / "[" / "]" / "?" / "{" / "}") */
export const WORD_CHARS = `${TOKEN_CHARS}()<>:\\"/[]?{}`;
/** unreserved = alphanum / mark */
const UNRESERVED = `${ALNUM}-_.!~*'()`;
/** user-unreserved */
const USER_UNRESERVED = '&=+$,;?/';
/** paramchar = param-unreserved / unreserved / escaped */
const PARAMCHAR = `${UNRESERVED}[]/:&+$`;
/** hnv-unreserved / unreserved */
const HNVCHAR = `${UNRESERVED}[]/?:+$`;
/** password = *( unreserved / escaped / "&" / "=" / "+" / "$" / "," ) */
const PASSWORD = `${UNRESERVED}&=+$,`;
/** Some UTF8-NONASCII characters (2-, 3- and 4-byte UTF-8). */
const NON_ASCII = ['é', 'ñ', 'ü', 'Ω', 'Я', '日', '本', '€', '😀', '𝄞'];
/** TEXT-UTF8char without UTF8-NONASCII: %x21-7E */
const VISIBLE = Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i)).join('');

const ch = (set: string): fc.Arbitrary<string> => fc.constantFrom(...set.split(''));
/** A string over `set`. */
export const str = (set: string, minLength: number, maxLength: number): fc.Arbitrary<string> =>
  fc.string({ unit: ch(set), minLength, maxLength });

/** A token, usually a readable one. */
export const token = (maxLength = 10): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom('alice', 'bob', 'a', 'x1', 'Foo-Bar', 'q.z', 'b12') },
    { weight: 3, arbitrary: str(TOKEN_CHARS, 1, maxLength) },
  );

/** An escaped octet %HH of an ASCII character, and the character it stands for. */
const escapedAscii: fc.Arbitrary<{ wire: string; text: string }> = fc
  .tuple(fc.integer({ min: 0, max: 0x7f }), fc.boolean())
  .map(([b, upper]) => {
    let hh = b.toString(16).padStart(2, '0');
    hh = upper ? hh.toUpperCase() : hh;
    return { wire: `%${hh}`, text: String.fromCharCode(b) };
  });

type Esc = { wire: string; text: string };

/** Text over `set` with some %HH escapes: the wire form and the unescaped text. */
function escapedText(set: string, minLength: number, maxLength: number): fc.Arbitrary<{ wire: string; text: string }> {
  return fc
    .array(
      fc.oneof(
        { weight: 8, arbitrary: ch(set).map((c) => ({ wire: c, text: c })) },
        { weight: 1, arbitrary: escapedAscii },
      ),
      { minLength, maxLength },
    )
    .map((parts) => ({ wire: parts.map((p) => p.wire).join(''), text: parts.map((p) => p.text).join('') }));
}

/** Applies random upper/lower case to an ASCII string. */
export function withCase(s: string, mask: readonly boolean[]): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charAt(i);
    out += (mask[i % Math.max(1, mask.length)] ?? false) ? c.toUpperCase() : c.toLowerCase();
  }
  return out;
}

const caseMask = fc.array(fc.boolean(), { minLength: 1, maxLength: 8 });

// ---------------------------------------------------------------------------------------------
// Linear white space

/** LWS = [*WSP CRLF] 1*WSP, rendered: mostly SP, sometimes HTAB, several WSP, or a fold. */
export const lws: fc.Arbitrary<string> = fc.oneof(
  { weight: 10, arbitrary: fc.constant(' ') },
  { weight: 2, arbitrary: fc.constantFrom('\t', '  ', ' \t', '\t\t ') },
  { weight: 2, arbitrary: fc.constantFrom('\r\n ', ' \r\n ', '\r\n\t', '\t\r\n  ', ' \r\n\t ') },
);

/** SWS = [LWS]. */
export const sws: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: fc.constant('') },
  { weight: 2, arbitrary: lws },
);

/**
 * What a generated value reads as (RFC 3261 §7.3.1): each LWS holding a fold becomes one SP (a
 * quoted-pair of SP or HTAB just before it stays text); LWS without a fold is kept as written. Valid because the generators never put other white space
 * next to an LWS position.
 */
export function unfold(s: string): string {
  let out = '';
  let i = 0;
  for (;;) {
    const k = s.indexOf('\r\n', i);
    if (k < 0) return out + s.slice(i);
    let a = k;
    while (a > i && (s[a - 1] === ' ' || s[a - 1] === '\t')) a--;
    // A WSP escaped by a backslash (quoted-pair) is text, not part of the LWS.
    let slashes = 0;
    while (a - slashes > 0 && s[a - slashes - 1] === '\\') slashes++;
    if (a < k && slashes % 2 === 1) a++;
    let b = k + 2;
    while (b < s.length && (s[b] === ' ' || s[b] === '\t')) b++;
    out += `${s.slice(i, a)} `;
    i = b;
  }
}

// ---------------------------------------------------------------------------------------------
// quoted-string

export interface Quoted {
  /** DQUOTE … DQUOTE as written, possibly folded */
  wire: string;
  /** the content as it reads: quoted-pairs resolved, folds unfolded */
  text: string;
}

type QPart = { kind: 'char' | 'pair' | 'pairWsp' | 'lws'; wire: string; text: string };

/**
 * quoted-string = SWS DQUOTE *(qdtext / quoted-pair ) DQUOTE (the SWS is left to the caller).
 * qdtext = LWS / %x21 / %x23-5B / %x5D-7E / UTF8-NONASCII;
 * quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F).
 *
 * @param escapedWspBeforeLws - allow a quoted-pair of SP/HTAB right before an LWS ("\ " CRLF SP),
 *   which is valid but needs its own property (see properties.test.ts)
 */
export function quotedString(escapedWspBeforeLws = false): fc.Arbitrary<Quoted> {
  const qdtext = fc.oneof(
    { weight: 6, arbitrary: ch(VISIBLE.replace('"', '').replace('\\', '')) },
    { weight: 1, arbitrary: fc.constantFrom(...NON_ASCII) },
  );
  const pairChar = fc.integer({ min: 0, max: 0x7f }).filter((b) => b !== 0x0a && b !== 0x0d);
  const part: fc.Arbitrary<QPart> = fc.oneof(
    { weight: 8, arbitrary: qdtext.map((c): QPart => ({ kind: 'char', wire: c, text: c })) },
    {
      weight: 2,
      arbitrary: pairChar.map((b): QPart => {
        const c = String.fromCharCode(b);
        return { kind: c === ' ' || c === '\t' ? 'pairWsp' : 'pair', wire: `\\${c}`, text: c };
      }),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(' ', '\t').map((c): QPart => ({ kind: 'pairWsp', wire: `\\${c}`, text: c })),
    },
    { weight: 3, arbitrary: lws.map((w): QPart => ({ kind: 'lws', wire: w, text: unfold(w) })) },
  );
  return fc.array(part, { maxLength: 14 }).map((raw) => {
    const parts: QPart[] = [];
    for (const p of raw) {
      const prev = parts[parts.length - 1];
      // Two LWS in a row are one LWS: keep each LWS position apart.
      if (p.kind === 'lws' && prev?.kind === 'lws') continue;
      if (p.kind === 'lws' && prev?.kind === 'pairWsp' && p.wire.includes('\r\n') && !escapedWspBeforeLws) {
        parts.push({ kind: 'char', wire: 'x', text: 'x' });
      }
      parts.push(p);
    }
    return {
      wire: `"${parts.map((p) => p.wire).join('')}"`,
      text: parts.map((p) => p.text).join(''),
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Hosts and URIs (RFC 3261 §19.1, §25.1)

export interface Host {
  text: string;
  type: 'domain' | 'ipv4' | 'ipv6';
}

const label = fc
  .tuple(ch(ALNUM), str(`${ALNUM}-`, 0, 6), ch(ALNUM))
  .map(([a, mid, z]) => (mid.length === 0 && a === z ? a : `${a}${mid}${z}`));
const toplabel = fc
  .tuple(ch(ALPHA), fc.option(fc.tuple(str(`${ALNUM}-`, 0, 5), ch(ALNUM))))
  .map(([a, rest]) => (rest === null ? a : `${a}${rest[0]}${rest[1]}`));

/** hostname = *( domainlabel "." ) toplabel [ "." ] */
export const hostname: fc.Arbitrary<string> = fc
  .tuple(
    fc.oneof(
      {
        weight: 1,
        arbitrary: fc.constantFrom('example.com', 'atlanta.example.com', 'biloxi.example.org', 'localhost'),
      },
      {
        weight: 3,
        arbitrary: fc.tuple(fc.array(label, { maxLength: 3 }), toplabel).map(([ls, t]) => [...ls, t].join('.')),
      },
    ),
    fc.integer({ min: 0, max: 9 }),
  )
  .map(([h, n]) => (n === 0 ? `${h}.` : h));

/**
 * IPv6address. RFC 3261 §25.1's hexpart grammar (and RFC 4291 §2.2) allow "::" to stand for a
 * single group, so 8-colon forms like "::1:2:3:4:5:6:7" are valid. `allForms: false` leaves
 * those out so the general round trip is not masked by the dedicated IPv6 property.
 */
export function ipv6(allForms = true): fc.Arbitrary<string> {
  const a = fc.ipV6();
  return allForms ? a : a.filter((s) => s.split(':').length - 1 <= 7);
}

export function host(allIpv6Forms = true): fc.Arbitrary<Host> {
  return fc.oneof(
    { weight: 5, arbitrary: hostname.map((text): Host => ({ text, type: 'domain' })) },
    { weight: 2, arbitrary: fc.ipV4().map((text): Host => ({ text, type: 'ipv4' })) },
    { weight: 2, arbitrary: ipv6(allIpv6Forms).map((a): Host => ({ text: `[${a}]`, type: 'ipv6' })) },
  );
}

export interface GenSipUri {
  kind: 'sip';
  text: string;
  scheme: 'sip' | 'sips';
  /** unescaped user */
  user: string | undefined;
  password: string | undefined;
  host: Host;
  port: number | undefined;
  /** uri-parameters, unescaped */
  params: [string, string | null][];
  /** URI headers, unescaped */
  headers: [string, string][];
  /** no ";" "," "?" anywhere: may be written as an addr-spec (RFC 3261 §20.10) */
  bare: boolean;
}

export interface GenOtherUri {
  kind: 'tel' | 'absolute';
  text: string;
  scheme: string;
  bare: boolean;
}

export type GenUri = GenSipUri | GenOtherUri;

/** Unique (case-insensitively) parameter names from `name`, each with a value from `value`. */
function uniqueParams<V>(
  name: fc.Arbitrary<string>,
  value: fc.Arbitrary<V>,
  maxLength: number,
): fc.Arbitrary<[string, V][]> {
  return fc.uniqueArray(fc.tuple(name, value), { maxLength, selector: ([n]) => n.toLowerCase() });
}

interface UriOptions {
  /** URI headers ("?h=v"): only where RFC 3261 §19.1.1 allows them (Contact) */
  headers?: boolean;
  /** the user part may hold user-unreserved ";" "," "?" … */
  userUnreserved?: boolean;
  allIpv6Forms?: boolean;
}

/** SIP-URI / SIPS-URI (RFC 3261 §19.1.1). */
export function sipUri(opts: UriOptions = {}): fc.Arbitrary<GenSipUri> {
  const userSet = opts.userUnreserved === false ? `${UNRESERVED}&=+$/` : UNRESERVED + USER_UNRESERVED;
  const user = fc.oneof(
    {
      weight: 3,
      arbitrary: fc.constantFrom('alice', 'bob', '+15551234567', 'carol.b').map((u) => ({ wire: u, text: u })),
    },
    { weight: 4, arbitrary: escapedText(userSet, 1, 10) },
  );
  const uriParamName = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom('transport', 'lr', 'user', 'ttl', 'maddr', 'method', 'ob') },
    { weight: 2, arbitrary: escapedText(PARAMCHAR, 1, 6).map((e) => e.wire) },
  );
  const uriParamValue = fc.option(escapedText(PARAMCHAR, 1, 8), { freq: 3 });
  const hname = escapedText(HNVCHAR, 1, 6);
  const hvalue = escapedText(HNVCHAR, 0, 8);
  return fc
    .record({
      scheme: fc.constantFrom('sip', 'sips', 'sip', 'SIP', 'Sips'),
      user: fc.option(user, { freq: 4 }),
      password: fc.option(escapedText(PASSWORD, 0, 6), { freq: 12 }),
      host: host(opts.allIpv6Forms ?? true),
      port: fc.option(fc.integer({ min: 0, max: 65535 }), { freq: 2 }),
      params: uniqueParams(uriParamName, uriParamValue, 3),
      headers:
        opts.headers === true ? fc.array(fc.tuple(hname, hvalue), { maxLength: 2 }) : fc.constant([] as [Esc, Esc][]),
    })
    .map((r): GenSipUri => {
      let text = `${r.scheme}:`;
      let password: string | undefined;
      if (r.user !== null) {
        text += r.user.wire;
        // RFC 3261 §19.1.1: the password field is NOT RECOMMENDED, but it is valid.
        if (r.password !== null) {
          text += `:${r.password.wire}`;
          password = r.password.text;
        }
        text += '@';
      }
      text += r.host.text;
      if (r.port !== null) text += `:${r.port}`;
      const params: [string, string | null][] = [];
      for (const [n, v] of r.params) {
        text += `;${n}`;
        if (v !== null) text += `=${v.wire}`;
        params.push([decodeEscapes(n), v === null ? null : v.text]);
      }
      const headers: [string, string][] = [];
      r.headers.forEach(([n, v], i) => {
        text += `${i === 0 ? '?' : '&'}${n.wire}=${v.wire}`;
        headers.push([n.text, v.text]);
      });
      return {
        kind: 'sip',
        text,
        scheme: r.scheme.toLowerCase() as 'sip' | 'sips',
        user: r.user === null ? undefined : r.user.text,
        password,
        host: r.host,
        port: r.port ?? undefined,
        params,
        headers,
        bare: !/[;,?]/.test(text),
      };
    });
}

function decodeEscapes(s: string): string {
  return s.replace(/%([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
}

/** tel (RFC 3966) and opaque absolute URIs, which may appear wherever a URI may. */
export const otherUri: fc.Arbitrary<GenOtherUri> = fc.constantFrom<GenOtherUri>(
  { kind: 'tel', text: 'tel:+1-201-555-0123', scheme: 'tel', bare: true },
  { kind: 'tel', text: 'tel:7042;phone-context=example.com', scheme: 'tel', bare: false },
  { kind: 'absolute', text: 'urn:service:sos', scheme: 'urn', bare: true },
  { kind: 'absolute', text: 'mailto:bob@example.org', scheme: 'mailto', bare: true },
);

// ---------------------------------------------------------------------------------------------
// Header parameters and name-addr

/** gen-value = token / host / quoted-string: wire form and the value as it reads. */
function genValue(quoted: fc.Arbitrary<Quoted>): fc.Arbitrary<{ wire: string; text: string }> {
  return fc.oneof(
    { weight: 4, arbitrary: token(12).map((t) => ({ wire: t, text: t })) },
    { weight: 1, arbitrary: host().map((h) => ({ wire: h.text, text: h.text })) },
    { weight: 2, arbitrary: quoted.map((q) => ({ wire: q.wire, text: q.text })) },
  );
}

const kv = (s: string) => ({ wire: s, text: s });
/** qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ) */
const qvalue = fc.oneof(
  fc.tuple(fc.boolean(), str(DIGIT, 0, 3)).map(([dot, d]) => (dot ? `0.${d}` : '0')),
  fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 3 })).map(([dot, z]) => (dot ? `1.${'0'.repeat(z)}` : '1')),
);
const RESERVED_PARAMS = new Set(['tag', 'expires', 'q', '+sip.instance', 'reg-id', 'lr']);

/** SEMI = SWS ";" SWS, EQUAL = SWS "=" SWS */
function renderParams(
  params: readonly (readonly [string, { wire: string; text: string } | null])[],
  ws: readonly string[],
): { wire: string; decoded: [string, string | null][] } {
  let wire = '';
  let k = 0;
  const w = () => ws[k++ % Math.max(1, ws.length)] ?? '';
  const decoded: [string, string | null][] = [];
  for (const [n, v] of params) {
    wire += `${w()};${w()}${n}`;
    if (v !== null) wire += `${w()}=${w()}${v.wire}`;
    decoded.push([n, v === null ? null : v.text]);
  }
  return { wire, decoded };
}

export interface GenNameAddr {
  wire: string;
  displayName: string | undefined;
  uri: GenUri;
  bracketed: boolean;
  params: [string, string | null][];
}

interface NameAddrOptions {
  /** extra parameters every value gets (tag=…) */
  fixed?: fc.Arbitrary<[string, { wire: string; text: string } | null][]>;
  /** more parameter names to draw from */
  paramNames?: readonly string[];
  uriHeaders?: boolean;
  escapedWspBeforeLws?: boolean;
  allIpv6Forms?: boolean;
}

/**
 * name-addr / addr-spec with generic-params (RFC 3261 §20.10, §20.20, §20.39, §20.10):
 * [ display-name ] LAQUOT addr-spec RAQUOT, or a bare addr-spec when the URI holds no ";" "," "?".
 */
export function nameAddr(opts: NameAddrOptions = {}): fc.Arbitrary<GenNameAddr> {
  const quoted = quotedString(opts.escapedWspBeforeLws ?? false);
  const uri = fc.oneof(
    {
      weight: 8,
      arbitrary: sipUri({
        headers: opts.uriHeaders ?? false,
        allIpv6Forms: opts.allIpv6Forms ?? true,
      }) as fc.Arbitrary<GenUri>,
    },
    { weight: 1, arbitrary: otherUri as fc.Arbitrary<GenUri> },
  );
  // display-name = *(token LWS) / quoted-string
  const display = fc.oneof(
    { weight: 2, arbitrary: fc.constant(null) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.array(fc.tuple(token(8), lws), { minLength: 1, maxLength: 3 }), fc.integer({ min: 0, max: 9 }))
        .map(([ts, n]) => {
          let wire = ts.map(([t, w]) => t + w).join('');
          // RFC 4475 §3.1.1.6 (lwsdisp): no LWS before "<" is accepted too.
          if (n === 0) wire = wire.replace(/[ \t\r\n]+$/, '');
          return { wire, text: ts.map(([t]) => t).join(' ') };
        }),
    },
    {
      weight: 2,
      arbitrary: fc.tuple(quoted, sws).map(([q, w]) => ({ wire: q.wire + w, text: q.text })),
    },
  );
  // Known parameters get the value their own rule wants; any other name is a generic-param.
  const known: Record<string, fc.Arbitrary<[string, { wire: string; text: string } | null]>> = {
    expires: fc.integer({ min: 0, max: 100000 }).map((n) => ['expires', kv(String(n))]),
    q: qvalue.map((q) => ['q', kv(q)]),
    '+sip.instance': fc.uuid().map((u) => ['+sip.instance', { wire: `"<urn:uuid:${u}>"`, text: `<urn:uuid:${u}>` }]),
    'reg-id': fc.integer({ min: 1, max: 999 }).map((n) => ['reg-id', kv(String(n))]),
    lr: fc.constant(['lr', null]),
  };
  const named = (opts.paramNames ?? []).map((n) => known[n]).filter((a) => a !== undefined);
  const generic = fc.tuple(
    token(8).filter((n) => !RESERVED_PARAMS.has(n.toLowerCase())),
    fc.option(genValue(quoted), { freq: 4 }),
  );
  const param = named.length === 0 ? generic : fc.oneof(generic, ...named);
  return fc
    .record({
      display,
      uri,
      forceBrackets: fc.boolean(),
      fixed: opts.fixed ?? fc.constant([]),
      params: fc.array(param, { maxLength: 3 }),
      ws: fc.array(sws, { minLength: 1, maxLength: 6 }),
    })
    .map((r): GenNameAddr => {
      // Parameter names are unique (case-insensitively), the fixed ones first.
      const seen = new Set<string>();
      const all: [string, { wire: string; text: string } | null][] = [];
      for (const p of [...r.fixed, ...r.params]) {
        if (seen.has(p[0].toLowerCase())) continue;
        seen.add(p[0].toLowerCase());
        all.push(p);
      }
      const ps = renderParams(all, r.ws);
      const bracketed = r.display !== null || r.forceBrackets || !r.uri.bare;
      let wire = '';
      if (r.display !== null) wire += r.display.wire;
      wire += bracketed ? `<${r.uri.text}>` : r.uri.text;
      wire += ps.wire;
      return {
        wire,
        displayName: r.display === null ? undefined : r.display.text,
        uri: r.uri,
        bracketed,
        params: ps.decoded,
      };
    });
}

// ---------------------------------------------------------------------------------------------
// Via (RFC 3261 §20.42, RFC 3581)

export interface GenVia {
  wire: string;
  protocol: string;
  version: string;
  /** upper case, as the accessor reports it */
  transport: string;
  host: string;
  port: number | undefined;
  branch: string | undefined;
  received: string | undefined;
  rport: number | null | undefined;
  params: [string, string | null][];
}

export function via(allIpv6Forms = true): fc.Arbitrary<GenVia> {
  const quoted = quotedString();
  return fc
    .record({
      protocol: fc.constantFrom('SIP', 'SIP', 'sip'),
      version: fc.constantFrom('2.0', '2.0', '2.0', '3.1'),
      transport: fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom('UDP', 'TCP', 'TLS', 'SCTP', 'WS', 'WSS', 'udp', 'Tcp') },
        { weight: 1, arbitrary: token(6) },
      ),
      s: fc.array(sws, { minLength: 4, maxLength: 4 }),
      l: lws,
      host: host(allIpv6Forms),
      port: fc.option(fc.tuple(fc.integer({ min: 0, max: 65535 }), sws, sws), { freq: 2 }),
      branch: fc.option(
        token(16).map((t) => `z9hG4bK${t}`),
        { freq: 8 },
      ),
      received: fc.option(fc.oneof(fc.ipV4(), ipv6()), { freq: 3 }),
      rport: fc.oneof(
        { weight: 4, arbitrary: fc.constant('absent' as const) },
        { weight: 1, arbitrary: fc.constant('flag' as const) },
        { weight: 1, arbitrary: fc.integer({ min: 0, max: 65535 }) },
      ),
      ttl: fc.option(fc.integer({ min: 0, max: 255 }), { freq: 8 }),
      maddr: fc.option(hostname, { freq: 8 }),
      ext: fc.array(fc.tuple(token(6), fc.option(genValue(quoted), { freq: 3 })), { maxLength: 2 }),
      order: fc.array(fc.integer(), { minLength: 8, maxLength: 8 }),
      ws: fc.array(sws, { minLength: 1, maxLength: 6 }),
    })
    .map((r): GenVia => {
      const [s0, s1, s2, s3] = r.s as [string, string, string, string];
      let wire = `${r.protocol}${s0}/${s1}${r.version}${s2}/${s3}${r.transport}${r.l}${r.host.text}`;
      if (r.port !== null) wire += `${r.port[1]}:${r.port[2]}${r.port[0]}`;
      const known: [string, { wire: string; text: string } | null][] = [];
      const v = (s: string) => ({ wire: s, text: s });
      if (r.branch !== null) known.push(['branch', v(r.branch)]);
      if (r.received !== null) known.push(['received', v(r.received)]);
      if (r.rport !== 'absent') known.push(['rport', r.rport === 'flag' ? null : v(String(r.rport))]);
      if (r.ttl !== null) known.push(['ttl', v(String(r.ttl))]);
      if (r.maddr !== null) known.push(['maddr', v(r.maddr)]);
      const seen = new Set(['branch', 'received', 'rport', 'ttl', 'maddr']);
      for (const [n, val] of r.ext) {
        if (seen.has(n.toLowerCase())) continue;
        seen.add(n.toLowerCase());
        known.push([n, val]);
      }
      // Parameter order is free.
      const keyed = known.map((p, i) => ({ p, k: r.order[i % r.order.length] ?? 0 }));
      keyed.sort((a, b) => a.k - b.k);
      const ps = renderParams(
        keyed.map((x) => x.p),
        r.ws,
      );
      wire += ps.wire;
      return {
        wire,
        protocol: r.protocol,
        version: r.version,
        transport: r.transport.toUpperCase(),
        host: r.host.text,
        port: r.port === null ? undefined : r.port[0],
        branch: r.branch ?? undefined,
        received: r.received ?? undefined,
        rport: r.rport === 'absent' ? undefined : r.rport === 'flag' ? null : r.rport,
        params: ps.decoded,
      };
    });
}

// ---------------------------------------------------------------------------------------------
// Header fields

export type HeaderKind =
  | 'Via'
  | 'From'
  | 'To'
  | 'Call-ID'
  | 'CSeq'
  | 'Max-Forwards'
  | 'Contact'
  | 'Route'
  | 'Content-Length'
  | 'Content-Type'
  | 'Supported'
  | 'Allow'
  | 'Expires'
  | 'Extension';

export interface GenHeader {
  kind: HeaderKind;
  /** name as written */
  name: string;
  /** value as written (between HCOLON and the trailing white space) */
  value: string;
  /** the whole field: name HCOLON value [trailing WSP/LWS] CRLF */
  raw: string;
}

/** HCOLON = *( SP / HTAB ) ":" SWS */
const hcolon = fc.oneof(
  { weight: 10, arbitrary: fc.constant(': ') },
  { weight: 3, arbitrary: fc.constantFrom(':', ' : ', ':\t', '\t:  ', ':   ') },
  { weight: 2, arbitrary: fc.constantFrom(':\r\n ', ': \r\n\t', ' :\r\n  ') },
);

/** A header name: the long form in any case, or the compact form (RFC 3261 §7.3.3). */
function headerName(long: string, compact?: string): fc.Arbitrary<string> {
  const forms: fc.Arbitrary<string>[] = [fc.constant(long), caseMask.map((m) => withCase(long, m))];
  if (compact !== undefined) forms.push(fc.constantFrom(compact, compact.toUpperCase()));
  return fc.oneof(...forms);
}

/** A header field: its name, HCOLON, a value made from `value`'s output, trailing white space. */
function field<T>(
  kind: HeaderKind,
  name: fc.Arbitrary<string>,
  value: fc.Arbitrary<T>,
  text: (t: T) => string,
  trailing: fc.Arbitrary<string> = fc.constant(''),
): fc.Arbitrary<{ h: GenHeader; v: T }> {
  return fc.tuple(name, hcolon, value, trailing).map(([n, c, t, tr]) => {
    const v = text(t);
    return { h: { kind, name: n, value: v, raw: `${n}${c}${v}${tr}\r\n` }, v: t };
  });
}

const id = <T>(x: T): T => x;

/** COMMA = SWS "," SWS */
const comma = fc.tuple(sws, sws).map(([a, b]) => `${a},${b}`);

function joinList(items: readonly string[], seps: readonly string[]): string {
  let out = '';
  items.forEach((it, i) => {
    if (i > 0) out += seps[(i - 1) % Math.max(1, seps.length)] ?? ',';
    out += it;
  });
  return out;
}

export interface Options {
  /**
   * White space (possibly folded) after an extension header's value. RFC 3261 §25.1
   * header-value = *(TEXT-UTF8char / UTF8-CONT / LWS) allows it.
   */
  trailingLws: boolean;
  /** quoted-pair of SP/HTAB right before an LWS position */
  escapedWspBeforeLws: boolean;
  /** IPv6 forms with 8 colons ("::" for one group) */
  allIpv6Forms: boolean;
}

export const ALL_FORMS: Options = { trailingLws: true, escapedWspBeforeLws: true, allIpv6Forms: true };

const METHODS = ['INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'REGISTER', 'PRACK', 'SUBSCRIBE', 'NOTIFY', 'INFO'];
/** Method = INVITEm / … / extension-method (a token; case-sensitive). */
export const method: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...METHODS) },
  { weight: 1, arbitrary: token(12) },
);

export interface GenMessageCore {
  headers: GenHeader[];
  vias: GenVia[];
  from: GenNameAddr;
  to: GenNameAddr;
  callId: string;
  cseq: { seq: number; method: string };
  maxForwards: number | undefined;
  contacts: GenNameAddr[];
  routes: GenNameAddr[];
  contentType: { type: string; subtype: string } | undefined;
  supported: string[];
  allow: string[];
  expires: number | undefined;
  extensions: [string, string][];
  body: Uint8Array;
}

const tagParam = token(12).map((t): [string, { wire: string; text: string } | null][] => [
  ['tag', { wire: t, text: t }],
]);

function zeros(n: number, z: number): string {
  return '0'.repeat(z) + String(n);
}

/** A list value: items joined by COMMA. */
function list<T extends { wire: string }>(
  item: fc.Arbitrary<T>,
  minLength: number,
  maxLength: number,
): fc.Arbitrary<T[] & { seps: string[] }> {
  return fc
    .tuple(fc.array(item, { minLength, maxLength }), fc.array(comma, { minLength: maxLength, maxLength }))
    .map(([items, seps]) => Object.assign(items, { seps }));
}
const listText = <T extends { wire: string }>(l: T[] & { seps: string[] }) =>
  joinList(
    l.map((x) => x.wire),
    l.seps,
  );

/**
 * The header section and body of a message. The CSeq method is left as "METHOD": {@link withMethod}
 * fills it in, so that request and response generators need no `chain`.
 */
export function messageCore(isRequest: boolean, o: Options): fc.Arbitrary<GenMessageCore> {
  const na = (fixed: boolean, extra: Partial<NameAddrOptions> = {}) =>
    nameAddr({
      ...(fixed ? { fixed: tagParam } : {}),
      escapedWspBeforeLws: o.escapedWspBeforeLws,
      allIpv6Forms: o.allIpv6Forms,
      ...extra,
    });
  const viaField = field('Via', headerName('Via', 'v'), list(via(o.allIpv6Forms), 1, 3), listText);
  const contactField = field(
    'Contact',
    headerName('Contact', 'm'),
    list(na(false, { paramNames: ['expires', 'q', '+sip.instance', 'reg-id'], uriHeaders: true }), 1, 3),
    listText,
  );
  const routeField = field('Route', headerName('Route'), list(na(false, { paramNames: ['lr'] }), 1, 2), listText);
  const tokenList = list(
    token(10).map((t) => ({ wire: t })),
    1,
    3,
  );
  // Extension header: "X-" token, value = words of TEXT-UTF8char separated by LWS.
  const word = fc.oneof(
    { weight: 4, arbitrary: str(VISIBLE, 1, 8) },
    { weight: 1, arbitrary: fc.constantFrom(...NON_ASCII) },
  );
  const extValue = fc
    .tuple(fc.array(fc.tuple(word, lws), { maxLength: 4 }), word)
    .map(([ws, last]) => ws.map(([w, l]) => w + l).join('') + last);
  const trailing = o.trailingLws
    ? fc.oneof(
        { weight: 4, arbitrary: fc.constant('') },
        { weight: 1, arbitrary: fc.constantFrom(' ', '\t', '  ') },
        { weight: 1, arbitrary: lws },
      )
    : fc.oneof({ weight: 4, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constantFrom(' ', '\t', '  ') });
  const extension = field(
    'Extension',
    fc.tuple(str(TOKEN_CHARS, 1, 8), caseMask).map(([t, m]) => withCase('X-', m) + t),
    fc.oneof({ weight: 6, arbitrary: extValue }, { weight: 1, arbitrary: fc.constant('') }),
    id,
    trailing,
  );
  const cseq = field(
    'CSeq',
    headerName('CSeq'),
    fc.tuple(fc.integer({ min: 0, max: 0x7fffffff }), fc.integer({ min: 0, max: 2 }), lws),
    ([seq, z, w]) => `${zeros(seq, z)}${w}METHOD`,
  );
  const maxForwards = field(
    'Max-Forwards',
    headerName('Max-Forwards'),
    fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 2 })),
    ([n, z]) => zeros(n, z),
  );
  const callId = fc
    .tuple(str(WORD_CHARS, 1, 16), fc.option(str(WORD_CHARS, 1, 12)))
    .map(([a, b]) => (b === null ? a : `${a}@${b}`));
  const contentType = fc.constantFrom(
    ['application/sdp', 'application', 'sdp'],
    ['Application/SDP', 'application', 'sdp'],
    ['text/plain;charset=UTF-8', 'text', 'plain'],
    ['multipart/mixed ; boundary="unique-boundary-1"', 'multipart', 'mixed'],
    ['message/sipfrag;version=2.0', 'message', 'sipfrag'],
  );

  return fc
    .record({
      viaFields: fc.array(viaField, { minLength: 1, maxLength: 3 }),
      from: field('From', headerName('From', 'f'), na(true), (a) => a.wire),
      to: field('To', headerName('To', 't'), fc.oneof(na(false), na(true)), (a) => a.wire),
      callId: field('Call-ID', headerName('Call-ID', 'i'), callId, id),
      cseq,
      maxForwards: isRequest ? fc.option(maxForwards, { freq: 6 }) : fc.constant(null),
      contactFields: fc.array(contactField, { maxLength: 2 }),
      route: fc.option(routeField, { freq: 3 }),
      supported: fc.option(field('Supported', headerName('Supported', 'k'), tokenList, listText), { freq: 3 }),
      allow: fc.option(field('Allow', headerName('Allow'), tokenList, listText), { freq: 3 }),
      expires: fc.option(field('Expires', headerName('Expires'), fc.integer({ min: 0, max: 0xffffffff }), String), {
        freq: 4,
      }),
      extensions: fc.array(extension, { maxLength: 4 }),
      body: fc.oneof(
        { weight: 1, arbitrary: fc.constant(new Uint8Array(0)) },
        { weight: 3, arbitrary: fc.uint8Array({ maxLength: 200 }) },
      ),
      contentType: fc.option(
        field('Content-Type', headerName('Content-Type', 'c'), contentType, ([v]) => v),
        { freq: 2 },
      ),
      clZeros: fc.integer({ min: 0, max: 6 }),
      clName: headerName('Content-Length', 'l'),
      clColon: hcolon,
      // where each field goes; Via, Contact, Route… fields keep their relative order
      keys: fc.array(fc.integer(), { minLength: 24, maxLength: 24 }),
    })
    .map((r): GenMessageCore => {
      const headers: GenHeader[] = [];
      const vias: GenVia[] = [];
      for (const f of r.viaFields) {
        headers.push(f.h);
        vias.push(...f.v);
      }
      headers.push(r.from.h, r.to.h, r.callId.h, r.cseq.h);
      if (r.maxForwards !== null) headers.push(r.maxForwards.h);
      const contacts: GenNameAddr[] = [];
      for (const f of r.contactFields) {
        headers.push(f.h);
        contacts.push(...f.v);
      }
      if (r.route !== null) headers.push(r.route.h);
      if (r.supported !== null) headers.push(r.supported.h);
      if (r.allow !== null) headers.push(r.allow.h);
      if (r.expires !== null) headers.push(r.expires.h);
      if (r.contentType !== null) headers.push(r.contentType.h);
      headers.push(...r.extensions.map((e) => e.h));
      const cl = `${'0'.repeat(r.clZeros < 5 ? 0 : r.clZeros - 4)}${r.body.length}`;
      headers.push({ kind: 'Content-Length', name: r.clName, value: cl, raw: `${r.clName}${r.clColon}${cl}\r\n` });
      const shuffled = shuffleKeepingOrder(headers, r.keys);
      return {
        headers: shuffled,
        vias,
        from: r.from.v,
        to: r.to.v,
        callId: r.callId.v,
        cseq: { seq: r.cseq.v[0], method: 'METHOD' },
        maxForwards: r.maxForwards === null ? undefined : r.maxForwards.v[0],
        contacts,
        routes: r.route === null ? [] : [...r.route.v],
        contentType: r.contentType === null ? undefined : { type: r.contentType.v[1], subtype: r.contentType.v[2] },
        supported: r.supported === null ? [] : r.supported.v.map((t) => t.wire),
        allow: r.allow === null ? [] : r.allow.v.map((t) => t.wire),
        expires: r.expires === null ? undefined : r.expires.v,
        extensions: shuffled.filter((h) => h.kind === 'Extension').map((h) => [h.name, unfold(h.value)]),
        body: r.body,
      };
    });
}

/** Fills in the CSeq method. */
function withMethod(core: GenMessageCore, method: string): GenMessageCore {
  return {
    ...core,
    headers: core.headers.map((h) =>
      h.kind === 'CSeq'
        ? { ...h, value: h.value.replace(/METHOD$/, method), raw: h.raw.replace(/METHOD\r\n$/, `${method}\r\n`) }
        : h,
    ),
    cseq: { seq: core.cseq.seq, method },
  };
}

/**
 * Shuffles header fields; fields of the same kind keep their relative order, as RFC 3261 §7.3.1
 * requires for Via, Route, Contact… and as the expectations assume.
 */
function shuffleKeepingOrder(headers: readonly GenHeader[], keys: readonly number[]): GenHeader[] {
  const idx = headers.map((_, i) => i);
  idx.sort((a, b) => (keys[a % keys.length] ?? 0) - (keys[b % keys.length] ?? 0) || a - b);
  const slots = idx.map((i) => headers[i] as GenHeader);
  // Refill each kind's slots with that kind's fields in their original order.
  const queues = new Map<HeaderKind, GenHeader[]>();
  for (const h of headers) {
    const q = queues.get(h.kind) ?? [];
    q.push(h);
    queues.set(h.kind, q);
  }
  return slots.map((s) => queues.get(s.kind)?.shift() ?? s);
}

// ---------------------------------------------------------------------------------------------
// Messages

export interface GenRequest extends GenMessageCore {
  kind: 'request';
  method: string;
  uri: GenUri;
  startLine: string;
}

export interface GenResponse extends GenMessageCore {
  kind: 'response';
  status: number;
  reason: string;
  startLine: string;
}

export type GenMessage = GenRequest | GenResponse;

/** Request-Line = Method SP Request-URI SP SIP-Version CRLF */
export function request(o: Options = ALL_FORMS): fc.Arbitrary<GenRequest> {
  return fc
    .tuple(
      method,
      fc.oneof(
        { weight: 8, arbitrary: sipUri({ allIpv6Forms: o.allIpv6Forms }) as fc.Arbitrary<GenUri> },
        { weight: 1, arbitrary: otherUri as fc.Arbitrary<GenUri> },
      ),
      fc.constantFrom('SIP/2.0', 'SIP/2.0', 'SIP/2.0', 'sip/2.0'),
      messageCore(true, o),
    )
    .map(
      ([m, uri, version, core]): GenRequest => ({
        ...withMethod(core, m),
        kind: 'request',
        method: m,
        uri,
        startLine: `${m} ${uri.text} ${version}`,
      }),
    );
}

/** Reason-Phrase = *(reserved / unreserved / escaped / UTF8-NONASCII / UTF8-CONT / SP / HTAB) */
const reasonPhrase = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom('OK', 'Ringing', 'Not Found', 'Session Progress', '') },
  {
    weight: 3,
    arbitrary: fc
      .array(
        fc.oneof(
          { weight: 8, arbitrary: ch(`${UNRESERVED};/?:@&=+$, \t`) },
          { weight: 1, arbitrary: fc.constantFrom(...NON_ASCII) },
        ),
        {
          maxLength: 20,
        },
      )
      .map((a) => a.join('')),
  },
);

/** Status-Line = SIP-Version SP Status-Code SP Reason-Phrase CRLF */
export function response(o: Options = ALL_FORMS): fc.Arbitrary<GenResponse> {
  return fc.tuple(fc.integer({ min: 100, max: 699 }), reasonPhrase, method, messageCore(false, o)).map(
    ([status, reason, m, core]): GenResponse => ({
      ...withMethod(core, m),
      kind: 'response',
      status,
      reason,
      startLine: `SIP/2.0 ${status} ${reason}`,
    }),
  );
}

export function message(o: Options = ALL_FORMS): fc.Arbitrary<GenMessage> {
  return fc.oneof(request(o) as fc.Arbitrary<GenMessage>, response(o) as fc.Arbitrary<GenMessage>);
}

const encoder = new TextEncoder();

/** The message's bytes: start line, header fields as generated, empty line, body. */
export function render(m: GenMessage, opts: { dropContentLength?: boolean } = {}): Uint8Array {
  let head = `${m.startLine}\r\n`;
  for (const h of m.headers) {
    if (opts.dropContentLength === true && h.kind === 'Content-Length') continue;
    head += h.raw;
  }
  head += '\r\n';
  const hb = encoder.encode(head);
  const out = new Uint8Array(hb.length + m.body.length);
  out.set(hb, 0);
  out.set(m.body, hb.length);
  return out;
}

/** The header fields as `fields()` must report them: name as written, value unfolded. */
export function expectedFields(m: GenMessage): { name: string; value: string }[] {
  return m.headers.map((h) => ({ name: h.name, value: unfold(h.value) }));
}

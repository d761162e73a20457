// parseAuth reads the usual shape of an auth value in one pass (fastAuth) and hands everything
// else to the full grammar (parseAuthFully). Where the one pass gives a value, it must be the one
// the full grammar gives.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAuth } from '../src/index.js';
import { fastAuth, parseAuthFully } from '../src/values.js';

/** What the full grammar gives, or the error's message. */
function fully(v: string): { scheme: string; params: [string, string | null][] } | string {
  try {
    const a = parseAuthFully(v);
    return { scheme: a.scheme, params: [...a.params] };
  } catch (e) {
    return (e as Error).message;
  }
}

// Pieces an auth value is made of, awkward ones included: white space of every kind, quoted
// pairs, controls, non-ASCII, stray separators.
const token = fc.stringMatching(/^[A-Za-z0-9\-.!%*_+`'~]{1,8}$/);
const space = fc.constantFrom('', ' ', '  ', '\t', ' \t');
const quoted = fc
  .array(fc.constantFrom('a', 'Z', '0', ' ', ',', '=', '\\"', '\\\\', '\\', '\t', '\x01', 'é', ':', '/', ';'), {
    maxLength: 8,
  })
  .map((p) => `"${p.join('')}"`);
const value = fc.oneof(token, quoted, fc.constant(''), fc.constant('"unterminated'));
const param = fc
  .tuple(token, space, fc.constantFrom('=', '', '=='), space, value)
  .map(([n, a, eq, b, v]) => `${n}${a}${eq}${b}${v}`);
const auth = fc
  .tuple(
    space,
    token,
    space,
    fc.array(fc.tuple(param, fc.constantFrom(',', ', ', ' ,', ',,', ',\t', ' ', '')), { maxLength: 6 }),
    space,
  )
  .map(([lead, scheme, gap, ps, tail]) => `${lead}${scheme}${gap}${ps.map(([p, sep]) => p + sep).join('')}${tail}`);

// The shape the one pass takes, and near misses of it: one character put in anywhere, or in place
// of another.
const cleanQuoted = fc.stringMatching(/^[ -!#-[\]-~]{0,10}$/).map((q) => `"${q}"`);
const clean = fc
  .tuple(
    token,
    fc.array(fc.tuple(token, fc.oneof(token, cleanQuoted)), { minLength: 1, maxLength: 6 }),
    fc.constantFrom(',', ', ', ',  '),
  )
  .map(([scheme, ps, sep]) => `${scheme} ${ps.map(([n, v]) => `${n}=${v}`).join(sep)}`);
const nearMiss = fc
  .tuple(clean, fc.nat(), fc.constantFrom(' ', '\t', ',', '=', '"', '\\', '\x00', 'é', '\r\n ', ';'))
  .chain(([v, at, c]) =>
    fc.boolean().map((replace) => {
      // Put in before the character at `at`, or put in its place.
      const i = at % (v.length + 1);
      return v.slice(0, i) + c + v.slice(replace ? i + 1 : i);
    }),
  );

describe('parseAuth in one pass', () => {
  it('gives what the full grammar gives whenever it gives anything', () => {
    let taken = 0;
    fc.assert(
      fc.property(fc.oneof(auth, clean, nearMiss), (v) => {
        const fast = fastAuth(v);
        if (fast === undefined) return;
        taken++;
        expect({ scheme: fast.scheme, params: [...fast.params] }).toEqual(fully(v));
      }),
      { numRuns: 5000 },
    );
    // The generator reaches the one pass often, not only the full grammar.
    expect(taken).toBeGreaterThan(1000);
  });

  it('takes what SIP clients send, and leaves the rest to the full grammar', () => {
    const sipp =
      'Digest username="u0",realm="load.test",cnonce="6b8b4567",nc=00000001,qop=auth,uri="sip:load.test",nonce="AAAA-_x",response="0b6b0a1c",algorithm=MD5';
    expect(fastAuth(sipp)?.params.get('nonce')).toBe('AAAA-_x');
    const spaced =
      'Digest username="bob", realm="biloxi.com", nonce="dcd98b", uri="sip:bob@biloxi.com", response="245f2341"';
    expect(fastAuth(spaced)?.params.get('uri')).toBe('sip:bob@biloxi.com');
    // A quoted pair, LWS around "=", a tab: the full grammar, with the same answer parseAuth gives.
    for (const v of ['Digest username="a\\"b"', 'Digest realm = "x"', 'Digest\trealm="x"', 'Digest realm="é"']) {
      expect(fastAuth(v)).toBeUndefined();
      expect(parseAuth(v).params.size).toBe(1);
    }
    expect(parseAuth('Digest username="a\\"b"').params.get('username')).toBe('a"b');
    // Broken ones still fail with the full grammar's reason.
    expect(() => parseAuth('Digest realm="x", ')).toThrow(/Authorization/);
    expect(() => parseAuth('Digest realm="x')).toThrow(/closing quote/);
  });
});

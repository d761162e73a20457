// The client half: pickChallenge, digestAuthorization and DigestClient (RFC 7616 §3.4, RFC 8760).
import { createResponse, parseAuth, SipParseError } from '@sipkit/parser';
import { describe, expect, it } from 'vitest';
import { DigestClient, digestAuthorization, pickChallenge } from '../src/index.js';
import { REALM, request, setup, wire } from './helpers.js';

const alice = { username: 'alice', password: 'wonderland' };
const ch = (params: string, scheme = 'Digest') => parseAuth(`${scheme} ${params}`, 'WWW-Authenticate');

describe('pickChallenge (RFC 8760 §2.4)', () => {
  it('takes the strongest supported algorithm: SHA-512-256, then SHA-256, then MD5 (absent means MD5)', () => {
    const md5 = ch('realm="r", nonce="1"');
    const sha256 = ch('realm="r", nonce="2", algorithm=sha-256');
    const sha512 = ch('realm="r", nonce="3", algorithm=SHA-512-256');
    expect(pickChallenge([md5, sha256])).toBe(sha256);
    expect(pickChallenge([md5, sha512, sha256])).toBe(sha512);
    expect(pickChallenge([md5])).toBe(md5);
  });

  it('skips other schemes and algorithms it does not support, and takes the first of equals', () => {
    const a = ch('realm="a", nonce="1", algorithm=MD5');
    const b = ch('realm="b", nonce="2", algorithm=MD5');
    expect(
      pickChallenge([ch('realm="r", nonce="1"', 'Bearer'), ch('realm="r", nonce="1", algorithm=SHA-1'), a, b]),
    ).toBe(a);
    const sess = ch('realm="r", nonce="1", algorithm=MD5-sess');
    expect(pickChallenge([sess])).toBe(sess);
    expect(pickChallenge([ch('realm="r", nonce="1", algorithm=SHA-1-sess')])).toBeUndefined();
    expect(pickChallenge([])).toBeUndefined();
  });
});

describe('digestAuthorization', () => {
  const req = { method: 'REGISTER', uri: 'sip:example.com' };

  it('writes the RFC 7616 §3.4 credentials, with qop, cnonce and an 8-digit nc', () => {
    const value = digestAuthorization(
      'Digest realm="example.com", nonce="abc", algorithm=SHA-256, qop="auth", opaque="o"',
      alice,
      req,
      { cnonce: 'c0ffee', nc: 255 },
    );
    expect(value).toMatch(
      /^Digest username="alice", realm="example\.com", nonce="abc", uri="sip:example\.com", response="[0-9a-f]{64}", algorithm=SHA-256, cnonce="c0ffee", qop=auth, nc=000000ff, opaque="o"$/,
    );
  });

  it('picks a random cnonce each time', () => {
    const c = 'Digest realm="r", nonce="n", qop="auth"';
    const a = parseAuth(digestAuthorization(c, alice, req)).params.get('cnonce');
    const b = parseAuth(digestAuthorization(c, alice, req)).params.get('cnonce');
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(a).not.toBe(b);
  });

  it('uses auth when offered unless auth-int is asked for, and auth-int when it is all that is offered', () => {
    const qopOf = (c: string, qop?: 'auth' | 'auth-int') =>
      parseAuth(digestAuthorization(c, alice, req, qop === undefined ? {} : { qop })).params.get('qop');
    expect(qopOf('Digest realm="r", nonce="n", qop="auth-int, auth"')).toBe('auth');
    expect(qopOf('Digest realm="r", nonce="n", qop="auth-int,auth"', 'auth-int')).toBe('auth-int');
    expect(qopOf('Digest realm="r", nonce="n", qop="auth-int"')).toBe('auth-int');
    expect(qopOf('Digest realm="r", nonce="n", qop="auth"', 'auth-int')).toBe('auth');
  });

  it('quotes a user name with quotes and backslashes', () => {
    const value = digestAuthorization('Digest realm="r", nonce="n"', { username: 'a"b\\c', password: 'p' }, req);
    expect(parseAuth(value).params.get('username')).toBe('a"b\\c');
  });

  it('throws for what it cannot answer', () => {
    expect(() => digestAuthorization('Digest realm="r', alice, req)).toThrow(SipParseError);
    expect(() => digestAuthorization('Basic realm="r"', alice, req)).toThrow(/not a Digest challenge/);
    expect(() => digestAuthorization('Digest realm="r", nonce="n", algorithm=SHA-1', alice, req)).toThrow(
      /unsupported digest algorithm SHA-1/,
    );
    expect(() => digestAuthorization('Digest realm="r"', alice, req)).toThrow(/realm and nonce/);
    expect(() => digestAuthorization('Digest realm="r", nonce="n", qop="auth-conf"', alice, req)).toThrow(/qop/);
    expect(() => digestAuthorization('Digest realm="r", nonce="n"', alice, req, { nc: 0 })).toThrow(/nc/);
  });
});

describe('DigestClient', () => {
  it('counts nc up per nonce across requests, and each one verifies (RFC 7616 §3.4)', async () => {
    const { server } = setup();
    const client = new DigestClient(alice);
    const challenge = wire(server.challenge(request()));
    for (let n = 1; n <= 3; n++) {
      const retry = request();
      const fields = client.authorize(challenge, retry);
      expect(fields).toHaveLength(1);
      for (const [name, value] of fields) retry.append(name, value);
      expect(retry.authorization[0]?.params.get('nc')).toBe(`0000000${n}`);
      expect(await server.verify(wire2(retry))).toMatchObject({ ok: true, username: 'alice', algorithm: 'SHA-256' });
    }
    // A new challenge (a new nonce) starts at 1 again.
    const fresh = request();
    fresh.append(...(client.authorize(wire(server.challenge(request())), fresh)[0] as [string, string]));
    expect(fresh.authorization[0]?.params.get('nc')).toBe('00000001');
  });

  it('answers every realm that challenged, in Authorization or Proxy-Authorization (RFC 3261 §22.3)', async () => {
    const { server: registrar } = setup();
    const { server: proxy } = setup({ realm: 'other.example' });
    const req = request();
    const fromProxy = proxy.challenge(req, { proxy: true });
    const merged = createResponse(req, 407, {
      headers: [
        ...fromProxy.getAll('Proxy-Authenticate').map((v) => ['Proxy-Authenticate', v] as const),
        ...registrar
          .challenge(req)
          .getAll('WWW-Authenticate')
          .map((v) => ['WWW-Authenticate', v] as const),
        ['Proxy-Authenticate', 'Digest realm="nobody.example", nonce="x", algorithm=SHA-256'],
        ['Proxy-Authenticate', 'Newauth realm="new.example", frob=1'],
      ],
    });
    const client = new DigestClient((realm) => (realm === 'nobody.example' ? undefined : alice));
    const retry = request();
    const fields = client.authorize(wire(merged), retry);
    expect(fields.map(([name]) => name)).toEqual(['Authorization', 'Proxy-Authorization']);
    for (const [name, value] of fields) retry.append(name, value);
    const wired = wire2(retry);
    expect(await registrar.verify(wired)).toMatchObject({ ok: true, realm: REALM });
    expect(await proxy.verify(wired, { proxy: true })).toMatchObject({ ok: true, realm: 'other.example' });
  });

  it('gives nothing for a response without challenges it can answer', () => {
    const client = new DigestClient(alice);
    const res = createResponse(request(), 401, { headers: [['WWW-Authenticate', 'Digest realm="r", nonce=']] });
    expect(client.authorize(res, request())).toEqual([]);
    const noNonce = createResponse(request(), 401, { headers: [['WWW-Authenticate', 'Digest realm="r"']] });
    expect(client.authorize(noNonce, request())).toEqual([]);
  });

  it('remembers at most maxNonces nonces', () => {
    const client = new DigestClient(alice, { maxNonces: 2 });
    const req = { method: 'OPTIONS', uri: 'sip:example.com' };
    const nc = (nonce: string) =>
      parseAuth(client.authorization(`Digest realm="r", nonce="${nonce}", qop="auth"`, req)).params.get('nc');
    expect([nc('a'), nc('a'), nc('b'), nc('c'), nc('a')]).toEqual([
      '00000001',
      '00000002',
      '00000001',
      '00000001',
      '00000001',
    ]);
    expect(() => new DigestClient(alice, { maxNonces: 0 })).toThrow(/maxNonces/);
  });
});

/** A request as it would arrive, after headers were appended to it. */
function wire2(req: ReturnType<typeof request>) {
  return request({
    authorization: req.getAll('Authorization'),
    proxyAuthorization: req.getAll('Proxy-Authorization'),
  });
}

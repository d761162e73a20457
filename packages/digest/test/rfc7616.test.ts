// RFC 7616 §3.9.1: the worked example, answered by this client and checked against the RFC's
// published responses.
import { parseAuth } from '@sipkit/parser';
import { describe, expect, it } from 'vitest';
import { computeHa1, digestAuthorization, pickChallenge } from '../src/index.js';

const NONCE = '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v';
const OPAQUE = 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS';
const CNONCE = 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ';
const challenge = (algorithm: string) =>
  `Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=${algorithm}, nonce="${NONCE}", opaque="${OPAQUE}"`;
const mufasa = { username: 'Mufasa', password: 'Circle of Life' };
const get = { method: 'GET', uri: '/dir/index.html' };

describe('RFC 7616 §3.9.1 (Mufasa, "Circle of Life", realm "http-auth@example.org")', () => {
  it('prefers the SHA-256 challenge over the MD5 one (RFC 8760 §2.4)', () => {
    const offered = [parseAuth(challenge('SHA-256')), parseAuth(challenge('MD5'))];
    expect(pickChallenge(offered)?.params.get('algorithm')).toBe('SHA-256');
    expect(pickChallenge([...offered].reverse())?.params.get('algorithm')).toBe('SHA-256');
  });

  it('answers the SHA-256 challenge with the response the RFC publishes', () => {
    const value = digestAuthorization(challenge('SHA-256'), mufasa, get, { cnonce: CNONCE, nc: 1, qop: 'auth' });
    const parsed = parseAuth(value, 'Authorization');
    expect(parsed.params.get('response')).toBe('753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
    expect(Object.fromEntries(parsed.params)).toEqual({
      username: 'Mufasa',
      realm: 'http-auth@example.org',
      nonce: NONCE,
      uri: '/dir/index.html',
      response: '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
      algorithm: 'SHA-256',
      cnonce: CNONCE,
      qop: 'auth',
      nc: '00000001',
      opaque: OPAQUE,
    });
  });

  it('answers the MD5 challenge with the response the RFC publishes', () => {
    const value = digestAuthorization(challenge('MD5'), mufasa, get, { cnonce: CNONCE, nc: 1 });
    expect(parseAuth(value).params.get('response')).toBe('8ca523f5e9506fed4657c9700eebdbec');
    expect(value).toContain('qop=auth, nc=00000001');
  });

  it('computes HA1 = H(username:realm:password) (§3.4.2)', () => {
    expect(computeHa1('MD5', 'Mufasa', 'http-auth@example.org', 'Circle of Life')).toBe(
      '3d78807defe7de2157e2b0b6573a855f',
    );
  });
});

// RFC 7616 client features beyond the basics: -sess algorithms (§3.4.2) and userhash (§3.4.4).
import { createHash } from 'node:crypto';
import { parseAuth } from '@sipkit/parser';
import { describe, expect, it } from 'vitest';
import { digestAuthorization, pickChallenge } from '../src/index.js';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const field = (header: string, name: string) => new RegExp(`${name}="?([^",]*)"?`).exec(header)?.[1];

describe('digest client: -sess and userhash', () => {
  it('answers MD5-sess with HA1 = H(H(user:realm:pass):nonce:cnonce) (RFC 7616 §3.4.2)', () => {
    const h = digestAuthorization(
      'Digest realm="example.com", nonce="abc123", qop="auth", algorithm=MD5-sess',
      { username: 'alice', password: 'secret' },
      { method: 'REGISTER', uri: 'sip:example.com' },
      { cnonce: 'c0ffee', nc: 1 },
    );
    const ha1 = md5(`${md5('alice:example.com:secret')}:abc123:c0ffee`);
    const ha2 = md5('REGISTER:sip:example.com');
    expect(field(h, 'response')).toBe(md5(`${ha1}:abc123:00000001:c0ffee:auth:${ha2}`));
    expect(h).toContain('algorithm=MD5-sess');
  });

  it('answers SHA-256-sess the same way with SHA-256', () => {
    const h = digestAuthorization(
      'Digest realm="example.com", nonce="n0", qop="auth", algorithm=SHA-256-sess',
      { username: 'bob', password: 'pw' },
      { method: 'INVITE', uri: 'sip:carol@example.com' },
      { cnonce: 'cn', nc: 2 },
    );
    const ha1 = sha256(`${sha256('bob:example.com:pw')}:n0:cn`);
    const ha2 = sha256('INVITE:sip:carol@example.com');
    expect(field(h, 'response')).toBe(sha256(`${ha1}:n0:00000002:cn:auth:${ha2}`));
  });

  it('hashes the user name when the challenge says userhash=true, per the RFC 7616 §3.9.2 example', () => {
    const h = digestAuthorization(
      'Digest realm="api@example.org", qop="auth", algorithm=SHA-512-256, nonce="5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK", opaque="HRPCssKJSGjCrkzDg8OhwpzCiGPChXYjwrI2QmXDnsOS", charset=UTF-8, userhash=true',
      { username: 'J\u00e4s\u00f8n Doe', password: 'Secret, or not?' },
      { method: 'GET', uri: '/doe.json' },
      { cnonce: 'NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2wds69v', nc: 1 },
    );
    expect(field(h, 'username')).toBe('793263caabb707a56211940d90411ea4a575adeccb7e360aeb624ed06ece9b0b');
    expect(field(h, 'response')).toBe('3798d4131c277846293534c3edc11bd8a5e4cdcbff78b05db9d95eeb1cec68a5');
    expect(h).toContain('userhash=true');
  });

  it('ranks a -sess challenge by its base algorithm', () => {
    const picked = pickChallenge([
      parseAuth('Digest realm="r", nonce="1", algorithm=MD5', 'WWW-Authenticate'),
      parseAuth('Digest realm="r", nonce="2", algorithm=SHA-256-sess', 'WWW-Authenticate'),
    ]);
    expect(picked?.params.get('nonce')).toBe('2');
  });
});

// The hash behind digest is pluggable (a server may use node:crypto); the default needs no Node.
import { createHash } from 'node:crypto';
import { createRequest, type SipRequest } from '@sipkit/parser';
import { describe, expect, it } from 'vitest';
import {
  builtinHash,
  DigestClient,
  type DigestHash,
  type DigestHexHash,
  DigestServer,
  digestAuthorization,
} from '../src/index.js';

const nodeHash =
  (calls: string[]): DigestHash =>
  (algorithm, data) => {
    calls.push(algorithm);
    const name = algorithm === 'MD5' ? 'md5' : algorithm === 'SHA-256' ? 'sha256' : 'sha512-256';
    return new Uint8Array(createHash(name).update(data).digest());
  };

/** node:crypto straight from text to hex (MD5 or SHA-256), recording each text hashed. */
const nodeHexHash =
  (calls: string[]): DigestHexHash =>
  (algorithm, data) => {
    calls.push(data);
    return createHash(algorithm === 'MD5' ? 'md5' : 'sha256')
      .update(data, 'utf8')
      .digest('hex');
  };

/** A REGISTER from alice with Call-ID `callId`, carrying `auth` as its Authorization when given. */
const register = (callId: string, auth?: string) =>
  createRequest({
    method: 'REGISTER',
    uri: 'sip:example.com',
    headers: [
      ['Via', 'SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKh'],
      ['To', '<sip:alice@example.com>'],
      ['From', '<sip:alice@example.com>;tag=1'],
      ['Call-ID', callId],
      ['CSeq', '1 REGISTER'],
      ...(auth === undefined ? [] : ([['Authorization', auth]] as [string, string][])),
    ],
  }) as SipRequest;

describe('the DigestHash interface', () => {
  it('gives the same answers with node:crypto as with the built-in hashes, and is really used', async () => {
    const calls: string[] = [];
    const challenge = 'Digest realm="example.com", nonce="n1", qop="auth", algorithm=SHA-256';
    const req = { method: 'REGISTER', uri: 'sip:example.com' };
    const creds = { username: 'alice', password: 'secret' };
    const a = digestAuthorization(challenge, creds, req, { cnonce: 'c', nc: 1 });
    const b = digestAuthorization(challenge, creds, req, { cnonce: 'c', nc: 1, hash: nodeHash(calls) });
    expect(b).toBe(a);
    expect(calls.length).toBeGreaterThan(0);
    expect(builtinHash('MD5', new TextEncoder().encode('abc'))).toEqual(
      new Uint8Array(createHash('md5').update('abc').digest()),
    );
  });

  it('lets a server and a client both run on node:crypto', async () => {
    const serverCalls: string[] = [];
    const clientCalls: string[] = [];
    const server = new DigestServer({
      secret: 'a secret long enough for this',
      realm: 'example.com',
      credentials: { lookup: () => ({ password: 'secret' }) },
      hash: nodeHash(serverCalls),
    });
    const make = (auth?: string) => register('h1', auth);
    const challenge = server.challenge(make());
    const client = new DigestClient({ username: 'alice', password: 'secret' }, { hash: nodeHash(clientCalls) });
    const [[, auth] = ['', '']] = client.authorize(challenge, { method: 'REGISTER', uri: 'sip:example.com' });
    expect((await server.verify(make(auth))).ok).toBe(true);
    expect(serverCalls.length).toBeGreaterThan(0);
    expect(clientCalls.length).toBeGreaterThan(0);
  });

  it("signs nonces on its own SHA-256 whatever hash is plugged in, so both kinds of server take each other's", async () => {
    const calls: string[] = [];
    const options = {
      secret: 'a secret long enough for this',
      realm: 'example.com',
      credentials: { lookup: () => ({ password: 'secret' }) },
      now: () => 1_800_000_000_000,
    };
    const builtin = new DigestServer(options);
    const plugged = new DigestServer({ ...options, hash: nodeHash(calls) });
    const make = (auth?: string) => register('h2', auth);
    const challenge = plugged.challenge(make());
    // The nonce's HMAC ran on the package's SHA-256, from the padded keys' states: no call out.
    expect(calls).toEqual([]);
    // A nonce minted by one checks at the other: the same MAC.
    const client = new DigestClient({ username: 'alice', password: 'secret' });
    const [[, auth] = ['', '']] = client.authorize(challenge, { method: 'REGISTER', uri: 'sip:example.com' });
    expect((await builtin.verify(make(auth))).ok).toBe(true);
    // And a forged one does not: flip a character of the MAC.
    const forged = auth.replace(
      /nonce="([^"]+)"/,
      (_m, n: string) => `nonce="${n.slice(0, -1)}${n.endsWith('A') ? 'B' : 'A'}"`,
    );
    expect((await plugged.verify(make(forged))).ok).toBe(false);
  });

  it('verifies through a hexHash (text in, hex out) when one is given, with the same outcome', async () => {
    const hexCalls: string[] = [];
    const hexHash = nodeHexHash(hexCalls);
    const options = {
      secret: 'a secret long enough for this',
      realm: 'example.com',
      credentials: { lookup: () => ({ password: 'sécret' }) },
      algorithms: ['SHA-256', 'MD5'] as const,
    };
    const server = new DigestServer({ ...options, hexHash });
    const make = (auth?: string) => register('h3', auth);
    const client = new DigestClient({ username: 'alice', password: 'sécret' });
    const [[, auth] = ['', '']] = client.authorize(server.challenge(make()), {
      method: 'REGISTER',
      uri: 'sip:example.com',
    });
    expect(await server.verify(make(auth))).toMatchObject({ ok: true, algorithm: 'SHA-256' });
    // HA1 (from the password), HA2 and the response.
    expect(hexCalls).toHaveLength(3);
    expect(hexCalls[0]).toBe('alice:example.com:sécret');
    const wrong = new DigestClient({ username: 'alice', password: 'secret' });
    const [[, bad] = ['', '']] = wrong.authorize(server.challenge(make()), {
      method: 'REGISTER',
      uri: 'sip:example.com',
    });
    expect(await server.verify(make(bad))).toMatchObject({ ok: false, reason: 'bad-response' });
  });

  it('hashes HA1 (RFC 7616 §3.4.2) once per credential the store keeps, and again when its password changes', async () => {
    const hexCalls: string[] = [];
    const hexHash = nodeHexHash(hexCalls);
    // One object per user, handed out at every lookup, as an in-memory store does.
    const alice = { password: 'first' };
    const server = new DigestServer({
      secret: 'a secret long enough for this',
      realm: 'example.com',
      credentials: { lookup: (name) => (name === 'alice' ? alice : undefined) },
      algorithms: ['MD5'],
      hexHash,
    });
    const a1Hashes = () => hexCalls.filter((d) => d.startsWith('alice:example.com:')).length;
    const attempt = async (callId: string, password: string) => {
      const client = new DigestClient({ username: 'alice', password });
      const [[, auth] = ['', '']] = client.authorize(server.challenge(register(callId)), {
        method: 'REGISTER',
        uri: 'sip:example.com',
      });
      return server.verify(register(callId, auth));
    };
    expect((await attempt('k1', 'first')).ok).toBe(true);
    expect((await attempt('k2', 'first')).ok).toBe(true);
    expect((await attempt('k3', 'first')).ok).toBe(true);
    expect(a1Hashes()).toBe(1);
    // The store's user changed its password: the old one no longer works, the new one does.
    alice.password = 'second';
    expect(await attempt('k4', 'first')).toMatchObject({ ok: false, reason: 'bad-response' });
    expect((await attempt('k5', 'second')).ok).toBe(true);
    expect(a1Hashes()).toBe(2);
  });
});

// DigestServer: challenges, and verification of the retried request (RFC 3261 §22, RFC 7616,
// RFC 8760), in round trips with this package's client.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parseAuth, parseMessage, type SipRequest, serialize } from '@sipkit/parser';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  computeHa1,
  DigestServer,
  type DigestServerOptions,
  digestAuthorization,
  pickChallenge,
} from '../src/index.js';
import { REALM, request, SECRET, setup, store, wire } from './helpers.js';

setFlagsFromString('--expose-gc');

const alice = { username: 'alice', password: 'wonderland' };

/** Challenge a REGISTER, then answer the strongest challenge as alice (or whoever). */
function answer(
  server: DigestServer,
  init: Parameters<typeof request>[0] = {},
  who = alice,
  options: Parameters<typeof digestAuthorization>[3] = {},
) {
  const challenge = wire(server.challenge(request(init)));
  const picked = pickChallenge(challenge.wwwAuthenticate);
  if (picked === undefined) throw new Error('no challenge');
  const target = request(init);
  const value = digestAuthorization(picked, who, target, options);
  return { challenge, picked, value, retry: (v = value) => request({ ...init, authorization: [v] }) };
}

describe('DigestServer.challenge (RFC 3261 §22.1, RFC 8760 §2.4)', () => {
  it('answers 401 with one WWW-Authenticate per algorithm, SHA-256 before MD5, sharing one nonce', () => {
    const { server } = setup();
    const res = wire(server.challenge(request()));
    expect(res.status).toBe(401);
    expect(res.reason).toBe('Unauthorized');
    const ch = res.wwwAuthenticate;
    expect(ch.map((c) => c.params.get('algorithm'))).toEqual(['SHA-256', 'MD5']);
    for (const c of ch) {
      expect(c.scheme).toBe('Digest');
      expect(c.params.get('realm')).toBe(REALM);
      expect(c.params.get('qop')).toBe('auth');
      expect(c.params.has('stale')).toBe(false);
      expect(c.params.has('opaque')).toBe(false);
    }
    expect(ch[0]?.params.get('nonce')).toBe(ch[1]?.params.get('nonce'));
    expect(res.get('WWW-Authenticate')).toMatch(
      /^Digest realm="example\.com", nonce="[\w-]{40}", algorithm=SHA-256, qop="auth"$/,
    );
  });

  it('copies Via, From, Call-ID and CSeq, and tags To, as any response (§8.2.6.2)', () => {
    const { server } = setup();
    const req = request();
    const res = server.challenge(req);
    expect(res.get('Call-ID')).toBe(req.get('Call-ID'));
    expect(res.get('CSeq')).toBe(req.get('CSeq'));
    expect(res.to?.tag).toBeDefined();
  });

  it('gives a fresh nonce each time', () => {
    const { server } = setup();
    const nonces = new Set<string | null | undefined>();
    for (let i = 0; i < 50; i++) nonces.add(server.challenge(request()).wwwAuthenticate[0]?.params.get('nonce'));
    expect(nonces.size).toBe(50);
  });

  it('adds stale=true when asked, and answers 407 with Proxy-Authenticate for a proxy (§22.3)', () => {
    const { server } = setup();
    const stale = server.challenge(request(), { stale: true });
    expect(stale.wwwAuthenticate.every((c) => c.params.get('stale') === 'true')).toBe(true);
    const proxy = wire(server.challenge(request(), { proxy: true }));
    expect(proxy.status).toBe(407);
    expect(proxy.has('WWW-Authenticate')).toBe(false);
    expect(proxy.proxyAuthenticate.map((c) => c.params.get('algorithm'))).toEqual(['SHA-256', 'MD5']);
  });

  it('offers qop="auth,auth-int", SHA-512-256 and opaque when configured', () => {
    const { server } = setup({ qop: ['auth', 'auth-int'], algorithms: ['SHA-512-256', 'SHA-256'], opaque: 'xyz"1' });
    const ch = wire(server.challenge(request())).wwwAuthenticate;
    expect(ch.map((c) => c.params.get('algorithm'))).toEqual(['SHA-512-256', 'SHA-256']);
    expect(ch[0]?.params.get('qop')).toBe('auth,auth-int');
    expect(ch[0]?.params.get('opaque')).toBe('xyz"1');
  });

  it('picks the realm per request when realm is a function', () => {
    const { server } = setup({ realm: (req) => (req.requestUri.kind === 'sip' ? req.requestUri.host : 'default') });
    const ch = server.challenge(request({ uri: 'sip:other.example' })).wwwAuthenticate[0];
    expect(ch?.params.get('realm')).toBe('other.example');
  });
});

describe('DigestServer.verify: a SIP round trip (RFC 3261 §22.4)', () => {
  it('accepts the client’s answer to its own challenge, with SHA-256 picked (RFC 8760 §2.4)', async () => {
    const { server } = setup();
    const { picked, retry } = answer(server);
    expect(picked.params.get('algorithm')).toBe('SHA-256');
    expect(await server.verify(retry())).toEqual({ ok: true, username: 'alice', realm: REALM, algorithm: 'SHA-256' });
  });

  it('answers bad-response to the wrong password', async () => {
    const { server } = setup();
    const { retry } = answer(server, {}, { username: 'alice', password: 'wrong' });
    expect(await server.verify(retry())).toEqual({ ok: false, reason: 'bad-response', username: 'alice' });
  });

  it('answers unknown-user to a user the store does not know', async () => {
    const { server } = setup();
    const { retry } = answer(server, {}, { username: 'mallory', password: 'x' });
    expect(await server.verify(retry())).toEqual({ ok: false, reason: 'unknown-user', username: 'mallory' });
  });

  it('verifies alice registering with To bob: who may register whom is the registrar’s policy', async () => {
    const { server } = setup();
    const { retry } = answer(server, { to: '<sip:bob@example.com>' });
    const req = retry();
    expect(req.get('To')).toBe('<sip:bob@example.com>');
    expect(await server.verify(req)).toMatchObject({ ok: true, username: 'alice' });
  });

  it('answers missing without credentials, and missing for credentials of another scheme', async () => {
    const { server } = setup();
    expect(await server.verify(request())).toEqual({ ok: false, reason: 'missing' });
    expect(await server.verify(request({ authorization: ['Basic YWxpY2U6d29uZGVybGFuZA=='] }))).toEqual({
      ok: false,
      reason: 'missing',
    });
  });

  it('reads Proxy-Authorization for a proxy (§22.3)', async () => {
    const { server } = setup();
    const ch = pickChallenge(wire(server.challenge(request(), { proxy: true })).proxyAuthenticate);
    if (ch === undefined) throw new Error('no challenge');
    const value = digestAuthorization(ch, alice, request());
    expect(await server.verify(request({ proxyAuthorization: [value] }), { proxy: true })).toMatchObject({ ok: true });
    // Credentials in the wrong header are not looked at.
    expect(await server.verify(request({ authorization: [value] }), { proxy: true })).toMatchObject({
      reason: 'missing',
    });
  });

  it('picks the credentials for its realm among several (§22.3: one per proxy that challenged)', async () => {
    const { server } = setup();
    const { value } = answer(server);
    const foreign = value.replace('realm="example.com"', 'realm="upstream.example"');
    expect(await server.verify(request({ authorization: [foreign, value] }))).toMatchObject({ ok: true });
    expect(await server.verify(request({ authorization: [foreign] }))).toEqual({ ok: false, reason: 'wrong-realm' });
  });

  it('answers wrong-realm to credentials computed for another realm', async () => {
    const { server } = setup();
    const { server: other } = setup({ realm: 'other.example' });
    const { value } = answer(other);
    expect(await server.verify(request({ authorization: [value] }))).toEqual({ ok: false, reason: 'wrong-realm' });
  });

  it('answers uri-mismatch when the digest uri is not the Request-URI (RFC 7616 §3.4.6)', async () => {
    const { server } = setup();
    const { value } = answer(server, { uri: 'sip:example.com' });
    const elsewhere = request({ uri: 'sip:elsewhere.example', authorization: [value] });
    expect(await server.verify(elsewhere)).toEqual({ ok: false, reason: 'uri-mismatch', username: 'alice' });
  });

  it('accepts a digest uri equal to the Request-URI under §19.1.4 (host case)', async () => {
    const { server } = setup();
    const { value } = answer(server, { uri: 'sip:EXAMPLE.com' });
    expect(await server.verify(request({ uri: 'sip:example.com', authorization: [value] }))).toMatchObject({
      ok: true,
    });
  });

  it('covers the body with qop auth-int, and refuses a changed body', async () => {
    const { server } = setup({ qop: ['auth', 'auth-int'] });
    const init = { method: 'MESSAGE', uri: 'sip:bob@example.com', body: 'Watson, come here.' };
    const { value, retry } = answer(server, init, alice, { qop: 'auth-int' });
    expect(parseAuth(value).params.get('qop')).toBe('auth-int');
    expect(await server.verify(retry())).toMatchObject({ ok: true });
    const tampered = request({
      ...init,
      body: 'Watson, go away.',
      authorization: [value.replace('nc=00000001', 'nc=00000002')],
    });
    expect(await server.verify(tampered)).toMatchObject({ ok: false, reason: 'bad-response' });
  });

  it('refuses qop auth-int when only auth is offered', async () => {
    const { server } = setup();
    const { value } = answer(server);
    const forced = value.replace('qop=auth', 'qop=auth-int');
    expect(await server.verify(request({ authorization: [forced] }))).toMatchObject({ reason: 'malformed' });
  });

  it('prefers SHA-512-256 when offered, and verifies it', async () => {
    const { server } = setup({ algorithms: ['SHA-512-256', 'SHA-256', 'MD5'] });
    const { picked, retry } = answer(server);
    expect(picked.params.get('algorithm')).toBe('SHA-512-256');
    expect(await server.verify(retry())).toMatchObject({ ok: true, algorithm: 'SHA-512-256' });
  });

  it('verifies MD5 with qop, and in the RFC 2069 form without qop (§22.4 backward compatibility)', async () => {
    const { server } = setup({ algorithms: ['MD5'] });
    const { challenge, retry } = answer(server);
    expect(await server.verify(retry())).toMatchObject({ ok: true, algorithm: 'MD5' });
    const bare = challenge.get('WWW-Authenticate')?.replace(', qop="auth"', '') as string;
    const legacy = digestAuthorization(bare, alice, request());
    expect(legacy).not.toContain('qop');
    expect(legacy).not.toContain('nc=');
    expect(await server.verify(request({ authorization: [legacy] }))).toMatchObject({ ok: true, algorithm: 'MD5' });
  });

  it('refuses the form without qop for SHA-256 (RFC 7616 requires qop)', async () => {
    const { server } = setup();
    const bare = server.challenge(request()).get('WWW-Authenticate')?.replace(', qop="auth"', '') as string;
    const legacy = digestAuthorization(bare, alice, request());
    expect(await server.verify(request({ authorization: [legacy] }))).toMatchObject({ reason: 'malformed' });
  });

  it('answers unsupported-algorithm to an algorithm it did not offer', async () => {
    const { server } = setup({ algorithms: ['SHA-256'] });
    const md5 = answer(setup({ algorithms: ['MD5'] }).server).value;
    // The nonce came from another instance with the same secret: only the algorithm is wrong.
    expect(await server.verify(request({ authorization: [md5] }))).toEqual({
      ok: false,
      reason: 'unsupported-algorithm',
    });
    const sess = md5.replace('algorithm=MD5', 'algorithm=MD5-sess');
    expect(await server.verify(request({ authorization: [sess] }))).toMatchObject({ reason: 'unsupported-algorithm' });
  });

  it('accepts RFC 7616 username* (§3.4.4) for a user name outside ASCII', async () => {
    const users = store({ jäsøn: { password: 'pw' } });
    const server = new DigestServer({ secret: SECRET, realm: REALM, credentials: users });
    const { value } = answer(server, {}, { username: 'jäsøn', password: 'pw' });
    const starred = value.replace('username="jäsøn"', "username*=UTF-8''j%C3%A4s%C3%B8n");
    expect(await server.verify(request({ authorization: [starred] }))).toMatchObject({ ok: true, username: 'jäsøn' });
    // Plain UTF-8 in the quoted string works too (SIP's quoted-string allows it).
    const plain = answer(server, {}, { username: 'jäsøn', password: 'pw' }).value;
    expect(await server.verify(request({ authorization: [plain] }))).toMatchObject({ ok: true, username: 'jäsøn' });
  });
});

describe('DigestServer.verify: nonces (RFC 7616 §3.3, §5.5)', () => {
  it('answers stale, with stale: true, to a good response for an expired nonce', async () => {
    const { server, clock } = setup({ nonceTtlMs: 30_000 });
    const { retry } = answer(server);
    clock.t += 29_999;
    expect(await server.verify(retry())).toMatchObject({ ok: true });
    clock.t += 1;
    expect(await server.verify(retry())).toEqual({ ok: false, reason: 'stale', stale: true, username: 'alice' });
    const again = server.challenge(request(), { stale: true });
    expect(again.wwwAuthenticate[0]?.params.get('stale')).toBe('true');
  });

  it('answers bad-response, not stale, to a wrong password with an expired nonce', async () => {
    const { server, clock } = setup();
    const { retry } = answer(server, {}, { username: 'alice', password: 'guess' });
    clock.t += 600_000;
    expect(await server.verify(retry())).toMatchObject({ reason: 'bad-response' });
  });

  it('answers bad-nonce to a tampered nonce, before looking the user up', async () => {
    const { server, credentials } = setup();
    const { picked, retry } = answer(server);
    const nonce = picked.params.get('nonce') as string;
    for (const i of [0, 5, 20, 39]) {
      const c = nonce[i] === 'A' ? 'B' : 'A';
      const forged = `${nonce.slice(0, i)}${c}${nonce.slice(i + 1)}`;
      const value = digestAuthorization(picked, alice, request()).replace(nonce, forged);
      expect(await server.verify(retry(value))).toEqual({ ok: false, reason: 'bad-nonce', username: 'alice' });
    }
    expect(credentials.lookups).toBe(0);
    for (const junk of ['', 'abc', 'x'.repeat(40), '"', `${nonce}A`]) {
      const value = digestAuthorization(picked, alice, request()).replace(`nonce="${nonce}"`, `nonce="${junk}"`);
      expect(await server.verify(retry(value)), junk).toMatchObject({ ok: false });
    }
  });

  it('answers bad-nonce to a nonce made with another secret or for another realm', async () => {
    const { server } = setup();
    const { server: strange } = setup({ secret: 'some other secret, also long enough' });
    expect(await server.verify(answer(strange).retry())).toMatchObject({ reason: 'bad-nonce' });
    // A nonce from a realm-per-domain server, replayed with the realm changed, does not verify.
    const { server: multi } = setup({ realm: (req) => (req.uri.includes('other') ? 'other.example' : REALM) });
    const { picked } = answer(multi, { uri: 'sip:other.example' });
    const nonce = picked.params.get('nonce') as string;
    const moved = digestAuthorization(
      `Digest realm="${REALM}", nonce="${nonce}", algorithm=SHA-256, qop="auth"`,
      alice,
      request(),
    );
    expect(await server.verify(request({ authorization: [moved] }))).toMatchObject({ reason: 'bad-nonce' });
  });

  it('accepts a nonce made by another instance with the same secret (no shared state)', async () => {
    const { server: first, clock } = setup();
    const second = new DigestServer({
      secret: new TextEncoder().encode(SECRET),
      realm: REALM,
      credentials: store({ alice: { password: 'wonderland' } }),
      now: () => clock.t,
    });
    const { retry } = answer(first);
    expect(await second.verify(retry())).toMatchObject({ ok: true, username: 'alice' });
  });

  it('checks opaque when it sends one', async () => {
    const { server } = setup({ opaque: 'op-1' });
    const { value, retry } = answer(server);
    expect(await server.verify(retry())).toMatchObject({ ok: true });
    const changed = value.replace('opaque="op-1"', 'opaque="op-2"').replace('nc=00000001', 'nc=00000002');
    expect(await server.verify(retry(changed))).toMatchObject({ reason: 'bad-nonce' });
  });
});

describe('DigestServer.verify: nonce-count replay (RFC 7616 §3.4, §5.5)', () => {
  it('refuses a replayed Authorization and accepts a higher nc with the same nonce', async () => {
    const { server } = setup();
    const { picked, retry } = answer(server, {}, alice, { nc: 1 });
    expect(await server.verify(retry())).toMatchObject({ ok: true });
    expect(await server.verify(retry())).toEqual({ ok: false, reason: 'replay', username: 'alice' });
    const nc3 = digestAuthorization(picked, alice, request(), { nc: 3 });
    expect(await server.verify(retry(nc3))).toMatchObject({ ok: true });
    const nc2 = digestAuthorization(picked, alice, request(), { nc: 2 });
    expect(await server.verify(retry(nc2))).toMatchObject({ reason: 'replay' });
    const nc4 = digestAuthorization(picked, alice, request(), { nc: 4, cnonce: 'another' });
    expect(await server.verify(retry(nc4))).toMatchObject({ ok: true });
  });

  it('with retransmissionWindowMs, takes the same credentials again for a retransmission (§17.2.2), within the window only', async () => {
    const { server, clock } = setup({ retransmissionWindowMs: 32_000 });
    const { picked, retry } = answer(server, {}, alice, { nc: 1 });
    expect(await server.verify(retry())).toMatchObject({ ok: true });
    clock.t += 500;
    // The same request again (its 200 was lost): the same nonce, nc, cnonce and response.
    expect(await server.verify(retry())).toMatchObject({ ok: true });
    // The same nc with another cnonce is a second use of the count, not a retransmission.
    const other = digestAuthorization(picked, alice, request(), { nc: 1, cnonce: 'other' });
    expect(await server.verify(retry(other))).toMatchObject({ reason: 'replay' });
    // A lower count stays a replay.
    const nc3 = digestAuthorization(picked, alice, request(), { nc: 3 });
    expect(await server.verify(retry(nc3))).toMatchObject({ ok: true });
    const nc2 = digestAuthorization(picked, alice, request(), { nc: 2 });
    expect(await server.verify(retry(nc2))).toMatchObject({ reason: 'replay' });
    // After the window, the same credentials are a replay.
    clock.t += 32_000;
    expect(await server.verify(retry(nc3))).toMatchObject({ reason: 'replay' });
  });

  it('without retransmissionWindowMs, refuses a retransmission as a replay; refuses a negative window', async () => {
    const { server } = setup();
    const { retry } = answer(server, {}, alice, { nc: 1 });
    expect(await server.verify(retry())).toMatchObject({ ok: true });
    expect(await server.verify(retry())).toMatchObject({ reason: 'replay' });
    expect(() => setup({ retransmissionWindowMs: -1 })).toThrow(/retransmissionWindowMs/);
  });

  it('tracks nc per nonce: a new nonce starts again at 1', async () => {
    const { server } = setup();
    expect(await server.verify(answer(server).retry())).toMatchObject({ ok: true });
    expect(await server.verify(answer(server).retry())).toMatchObject({ ok: true });
    expect(server.size.nonces).toBe(2);
  });

  it('does not spend an nc on a wrong response', async () => {
    const { server } = setup();
    const { picked, retry } = answer(server);
    const wrong = digestAuthorization(picked, { username: 'alice', password: 'nope' }, request());
    expect(await server.verify(retry(wrong))).toMatchObject({ reason: 'bad-response' });
    expect(await server.verify(retry())).toMatchObject({ ok: true });
  });

  it('keeps the map bounded; a nonce evicted while live is answered stale, never accepted again', async () => {
    const { server, clock } = setup({ maxNonces: 3 });
    const first = answer(server);
    expect(await server.verify(first.retry())).toMatchObject({ ok: true });
    for (let i = 0; i < 5; i++) {
      clock.t += 1;
      expect(await server.verify(answer(server).retry())).toMatchObject({ ok: true });
    }
    expect(server.size.nonces).toBe(3);
    expect(await server.verify(first.retry())).toMatchObject({ reason: 'stale', stale: true });
  });

  it.each([
    ['', {}],
    [', nor of the response it keeps for retransmissions', { retransmissionWindowMs: 32_000 }],
  ])('keeps a copy of each nonce, not the request it was read from%s', async (_, options) => {
    // 400 REGISTERs of 56 KB each: if the tracked nonces (or the responses kept with them) were
    // views into the requests' text, the map would hold 22 MB after a full collection.
    const { server } = setup(options);
    // Seven 8 KB fields: the parser's limit is 8 KB a line, 64 KB a message.
    const pad = Array.from({ length: 7 }, (_, i) => `X-Pad-${i}: ${'x'.repeat(8_000)}\r\n`).join('');
    const gc = runInNewContext('gc') as () => void;
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 400; i++) {
      const { value } = answer(server);
      const big = parseMessage(
        new TextDecoder()
          .decode(serialize(request({ authorization: [value] })))
          .replace('Content-Length', `${pad}Content-Length`),
      ) as SipRequest;
      expect(await server.verify(big)).toMatchObject({ ok: true });
    }
    await new Promise((r) => setTimeout(r, 0));
    gc();
    expect(server.size.nonces).toBe(400);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(10 << 20);
  });

  it("drops the entries of another instance's nonces once they expire", async () => {
    // Nonces this instance minted sit in a ring of maxNonces slots, expired or not; those of
    // another instance with the same secret are tracked in a map that expiry empties.
    const { server: minter, clock } = setup({ nonceTtlMs: 1000 });
    const server = new DigestServer({
      secret: SECRET,
      realm: REALM,
      credentials: store({ alice: { password: 'wonderland' } }),
      now: () => clock.t,
      nonceTtlMs: 1000,
    });
    for (let i = 0; i < 5; i++) expect(await server.verify(answer(minter).retry())).toMatchObject({ ok: true });
    expect(server.size.nonces).toBe(5);
    clock.t += 1000;
    expect(await server.verify(answer(minter).retry())).toMatchObject({ ok: true });
    expect(server.size.nonces).toBe(1);
  });
});

describe('DigestServer.verify: HA1 credential stores', () => {
  it('verifies against HA1 per algorithm, without the password', async () => {
    const ha1 = {
      MD5: computeHa1('MD5', 'alice', REALM, 'wonderland'),
      'SHA-256': computeHa1('SHA-256', 'alice', REALM, 'wonderland').toUpperCase(),
    };
    const server = new DigestServer({ secret: SECRET, realm: REALM, credentials: store({ alice: { ha1 } }) });
    expect(await server.verify(answer(server).retry())).toMatchObject({ ok: true, algorithm: 'SHA-256' });
    const md5 = new DigestServer({
      secret: SECRET,
      realm: REALM,
      algorithms: ['MD5'],
      credentials: store({ alice: { ha1 } }),
    });
    expect(await md5.verify(answer(md5).retry())).toMatchObject({ ok: true, algorithm: 'MD5' });
    expect(await server.verify(answer(server, {}, { username: 'alice', password: 'x' }).retry())).toMatchObject({
      reason: 'bad-response',
    });
  });

  it('answers unsupported-algorithm when the user has no HA1 for the algorithm used', async () => {
    const ha1 = { MD5: computeHa1('MD5', 'alice', REALM, 'wonderland') };
    const server = new DigestServer({ secret: SECRET, realm: REALM, credentials: store({ alice: { ha1 } }) });
    expect(await server.verify(answer(server).retry())).toEqual({
      ok: false,
      reason: 'unsupported-algorithm',
      username: 'alice',
    });
  });
});

describe('DigestServer.verify: throttling per source', () => {
  it('blocks a source after 5 failures in the window, without checking anything, until blockMs passes', async () => {
    const { server, clock, credentials } = setup();
    const from = { source: '203.0.113.9' };
    for (let i = 0; i < 5; i++) {
      const guess = answer(server, {}, { username: 'alice', password: `guess${i}` }).retry();
      expect(await server.verify(guess, from)).toMatchObject({ reason: 'bad-response' });
      if (i < 4) clock.t += 1000;
    }
    const lookups = credentials.lookups;
    const good = answer(server).retry;
    expect(await server.verify(good(), from)).toEqual({ ok: false, reason: 'throttled' });
    expect(credentials.lookups).toBe(lookups);
    // Another source is not affected, nor a caller that passes no source.
    expect(await server.verify(good(), { source: '198.51.100.1' })).toMatchObject({ ok: true });
    clock.t += 59_999;
    expect(await server.verify(answer(server).retry(), from)).toMatchObject({ reason: 'throttled' });
    clock.t += 1;
    expect(await server.verify(answer(server).retry(), from)).toMatchObject({ ok: true });
  });

  it('counts unknown users as failures too, and forgets failures older than the window', async () => {
    const { server, clock } = setup({ throttle: { failures: 3, windowMs: 10_000, blockMs: 5_000 } });
    const from = { source: '203.0.113.9' };
    const miss = () => server.verify(answer(server, {}, { username: 'nobody', password: 'x' }).retry(), from);
    expect(await miss()).toMatchObject({ reason: 'unknown-user' });
    expect(await miss()).toMatchObject({ reason: 'unknown-user' });
    clock.t += 10_000;
    expect(await miss()).toMatchObject({ reason: 'unknown-user' });
    expect(await miss()).toMatchObject({ reason: 'unknown-user' });
    expect(await miss()).toMatchObject({ reason: 'unknown-user' });
    expect(await miss()).toMatchObject({ reason: 'throttled' });
  });

  it('does not count stale, replay or bad-nonce as guesses', async () => {
    const { server } = setup({ throttle: { failures: 1 } });
    const from = { source: '203.0.113.9' };
    const { retry } = answer(server);
    expect(await server.verify(retry(), from)).toMatchObject({ ok: true });
    expect(await server.verify(retry(), from)).toMatchObject({ reason: 'replay' });
    expect(await server.verify(request({ authorization: ['Digest realm="example.com"'] }), from)).toMatchObject({
      reason: 'malformed',
    });
    expect(await server.verify(answer(server).retry(), from)).toMatchObject({ ok: true });
  });

  it('remembers at most maxSources sources, the oldest forgotten first', async () => {
    const { server } = setup({ throttle: { failures: 1, maxSources: 10 } });
    for (let i = 0; i < 25; i++) {
      await server.verify(answer(server, {}, { username: 'alice', password: 'x' }).retry(), { source: `10.0.0.${i}` });
    }
    expect(server.size.sources).toBe(10);
    expect(await server.verify(answer(server).retry(), { source: '10.0.0.24' })).toMatchObject({ reason: 'throttled' });
    expect(await server.verify(answer(server).retry(), { source: '10.0.0.0' })).toMatchObject({ ok: true });
  });

  it('can be turned off', async () => {
    const { server } = setup({ throttle: false });
    for (let i = 0; i < 10; i++) {
      await server.verify(answer(server, {}, { username: 'alice', password: 'x' }).retry(), { source: 'a' });
    }
    expect(await server.verify(answer(server).retry(), { source: 'a' })).toMatchObject({ ok: true });
    expect(server.size.sources).toBe(0);
  });
});

describe('DigestServer.verify: malformed credentials are values, never throws', () => {
  it('answers malformed to credentials that do not parse or lack what RFC 7616 §3.4 requires', async () => {
    const { server } = setup();
    const { value } = answer(server);
    const cases = [
      'Digest',
      'Digest realm="example.com',
      'Digest realm=example.com,,,',
      'Digest realm="example.com", username="alice"',
      value.replace(/, response="[0-9a-f]+"/, ''),
      value.replace(/, uri="[^"]+"/, ''),
      value.replace(/, nonce="[^"]+"/, ''),
      value.replace('nc=00000001', 'nc=1'),
      value.replace('nc=00000001', 'nc=00000000'),
      value.replace(/, cnonce="[^"]+"/, ''),
      value.replace('qop=auth', 'qop=bogus'),
      value.replace('username="alice"', 'username=""'),
      value.replace('username="alice"', "username*=UTF-8''%ZZ"),
      `${value}, username*=UTF-8''alice`,
      `${value}, userhash=true`,
    ];
    for (const c of cases)
      expect(await server.verify(request({ authorization: [c] })), c).toMatchObject({ reason: 'malformed' });
  });

  it('still finds good credentials beside a field that does not parse', async () => {
    const { server } = setup();
    const { value } = answer(server);
    expect(await server.verify(request({ authorization: ['Digest ,,=', value] }))).toMatchObject({ ok: true });
  });

  it('never throws, whatever the Authorization field holds', async () => {
    const { server } = setup();
    const { value } = answer(server);
    const text = fc.string({ unit: 'grapheme', maxLength: 80 }).filter((s) => !/[\r\n]/.test(s));
    await fc.assert(
      fc.asyncProperty(text, fc.nat(value.length), async (junk, at) => {
        const mangled = value.slice(0, at) + junk + value.slice(at);
        let req: ReturnType<typeof request>;
        try {
          req = request({ authorization: [mangled] });
        } catch {
          return; // not a SIP header at all
        }
        const result = await server.verify(req, { source: 'fuzz' });
        expect(typeof result.ok).toBe('boolean');
      }),
      { numRuns: 300 },
    );
  });
});

describe('DigestServer options', () => {
  const base = { realm: REALM, credentials: store({}) };

  it('requires a secret of at least 16 bytes and names it', () => {
    expect(() => new DigestServer({ ...base } as unknown as DigestServerOptions)).toThrow(RangeError);
    expect(() => new DigestServer({ ...base } as unknown as DigestServerOptions)).toThrow(/secret/);
    expect(() => new DigestServer({ ...base, secret: 'short' })).toThrow(/secret must be at least 16 bytes, got 5/);
    expect(() => new DigestServer({ ...base, secret: new Uint8Array(15) })).toThrow(/secret/);
    expect(() => new DigestServer({ ...base, secret: new Uint8Array(16) })).not.toThrow();
  });

  it('refuses options out of range, naming them', () => {
    const secret = SECRET;
    expect(() => new DigestServer({ ...base, secret, algorithms: [] })).toThrow(/algorithms/);
    expect(() => new DigestServer({ ...base, secret, algorithms: ['SHA-1' as 'MD5'] })).toThrow(/algorithms/);
    expect(() => new DigestServer({ ...base, secret, qop: ['auth-conf' as 'auth'] })).toThrow(/qop/);
    expect(() => new DigestServer({ ...base, secret, nonceTtlMs: 0 })).toThrow(/nonceTtlMs/);
    expect(() => new DigestServer({ ...base, secret, throttle: { failures: 0 } })).toThrow(/throttle\.failures/);
    expect(() => new DigestServer({ ...base, secret, maxNonces: 1.5 })).toThrow(/maxNonces/);
    expect(() => new DigestServer({ secret, credentials: base.credentials } as unknown as DigestServerOptions)).toThrow(
      /realm/,
    );
    expect(() => new DigestServer({ secret, realm: REALM } as unknown as DigestServerOptions)).toThrow(/credentials/);
  });
});

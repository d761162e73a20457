// Interop: SIPp (Debian's sip-tester) against sipkit-server over UDP on loopback. SIPp is SIP
// software we did not write; its scenarios are in test/sipp/. `.ci/run` installs it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SipKitServer } from '../src/index.js';
import { freePort, testServer } from './helpers.js';
import { killAll, sipp } from './programs.js';

let server: SipKitServer;

beforeAll(async () => {
  // SIPp answers only the first challenge, and only MD5.
  ({ server } = await testServer({ auth: { secret: 'a test secret of enough length', algorithms: ['MD5'] } }));
});

afterAll(async () => {
  killAll();
  await server.close();
});

/**
 * SIPp flags for a call from alice to `callee`, answering the 407 as alice; the digest uri is the
 * Request-URI (RFC 7616 §3.4.6).
 */
function callFrom(callee: string, ...more: string[]): string[] {
  return [
    '-s',
    callee,
    '-key',
    'caller',
    'alice',
    '-au',
    'alice',
    '-ap',
    'alice-secret',
    '-auth_uri',
    `${callee}@sipkit.test`,
    ...more,
  ];
}

/** Registers `user` (SIPp, digest) with its Contact on `contactPort`. */
async function register(user: string, contactPort: number): Promise<void> {
  const run = await sipp(server, 'register.xml', [
    '-s',
    user,
    '-au',
    user,
    '-ap',
    `${user}-secret`,
    '-auth_uri',
    'sipkit.test',
    '-key',
    'contact_port',
    String(contactPort),
    '-m',
    '1',
  ]);
  expect(run.code, run.output).toBe(0);
}

describe('SIPp against sipkit-server', () => {
  it('registers with digest authentication (401, then 200)', async () => {
    await register('alice', 5999);
    const [binding] = await server.location.lookup('sip:alice@sipkit.test', Date.now());
    expect(binding?.contact).toBe('sip:alice@127.0.0.1:5999');
  });

  it('connects a call UAC → server → UAS: INVITE/100/180/200/ACK/BYE', async () => {
    const uasPort = await freePort();
    const uas = sipp(server, 'uas.xml', ['-p', String(uasPort), '-m', '1']);
    await register('bob', uasPort);
    const uac = await sipp(server, 'uac.xml', callFrom('bob', '-d', '200', '-m', '1'));
    expect(uac.code, uac.output).toBe(0);
    const callee = await uas;
    expect(callee.code, callee.output).toBe(0);
  });

  it('cancels a ringing call: the UAS gets the CANCEL, the caller 487', async () => {
    const uasPort = await freePort();
    const uas = sipp(server, 'uas-cancel.xml', ['-p', String(uasPort), '-m', '1']);
    await register('bob', uasPort);
    const uac = await sipp(server, 'uac-cancel.xml', callFrom('bob', '-m', '1'));
    expect(uac.code, uac.output).toBe(0);
    const callee = await uas;
    expect(callee.code, callee.output).toBe(0);
  });

  it('refuses calls to an unregistered user (480) and to an unknown one (404)', async () => {
    for (const callee of ['carol', 'nobody']) {
      const uac = await sipp(server, 'uac-fail.xml', callFrom(callee, '-m', '1'));
      expect(uac.code, `${callee}: ${uac.output}`).toBe(0);
    }
    const text = await (await fetch(`${server.http?.url}/metrics`)).text();
    expect(text).toMatch(/sipkit_responses_total\{code="480"\} [1-9]/);
    expect(text).toMatch(/sipkit_responses_total\{code="404"\} [1-9]/);
  });

  it('carries 200 concurrent calls with no failure', async () => {
    const uasPort = await freePort();
    const uas = sipp(server, 'uas.xml', ['-p', String(uasPort), '-m', '200'], 60_000);
    await register('bob', uasPort);
    const before = server.proxy.counters.finals;
    // 200 calls at 200 a second, each held 3 s: all 200 are up at once.
    const uac = await sipp(
      server,
      'uac.xml',
      callFrom('bob', '-d', '3000', '-m', '200', '-l', '200', '-r', '200'),
      60_000,
    );
    expect(uac.code, uac.output).toBe(0);
    const callee = await uas;
    expect(callee.code, callee.output).toBe(0);
    expect(server.proxy.counters.finals - before).toBeGreaterThanOrEqual(400);
  }, 90_000);
});

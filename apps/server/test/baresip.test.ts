// Interop: a real softphone, Debian's baresip, registers to sipkit-server with digest
// authentication and calls a SIPp UAS through it. `.ci/run` installs baresip-core and sip-tester.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SipKitServer } from '../src/index.js';
import { freePort, portOf, testServer } from './helpers.js';
import { killAll, run, sipp } from './programs.js';

let server: SipKitServer;
const dirs: string[] = [];

beforeAll(async () => {
  // baresip 1.0 answers only MD5 challenges, and takes the first one offered.
  ({ server } = await testServer({ auth: { secret: 'a test secret of enough length', algorithms: ['MD5'] } }));
});

afterAll(async () => {
  killAll();
  await server.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Ten seconds of 8 kHz, 16-bit mono silence as a WAV file: what baresip sends as audio. */
function silence(): Buffer {
  const samples = 8000 * 10;
  const wav = Buffer.alloc(44 + samples * 2);
  wav.write('RIFF', 0);
  wav.writeUInt32LE(36 + samples * 2, 4);
  wav.write('WAVEfmt ', 8);
  wav.writeUInt32LE(16, 16); // fmt chunk size
  wav.writeUInt16LE(1, 20); // PCM
  wav.writeUInt16LE(1, 22); // mono
  wav.writeUInt32LE(8000, 24); // sample rate
  wav.writeUInt32LE(16000, 28); // byte rate
  wav.writeUInt16LE(2, 32); // block align
  wav.writeUInt16LE(16, 34); // bits per sample
  wav.write('data', 36);
  wav.writeUInt32LE(samples * 2, 40);
  return wav;
}

/** A baresip configuration directory: one account, alice, through the server; silence as audio. */
async function baresipConfig(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'sipkit-baresip-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'silence.wav'), silence());
  const port = await freePort();
  writeFileSync(
    join(dir, 'config'),
    [
      `sip_listen 127.0.0.1:${port}`,
      'module_path /usr/lib/baresip/modules',
      'module g711.so',
      'module aufile.so',
      'module account.so',
      'module menu.so',
      `audio_source aufile,${join(dir, 'silence.wav')}`,
      'audio_player aufile,/dev/null',
      'audio_alert aufile,/dev/null',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'accounts'),
    `<sip:alice@sipkit.test>;auth_pass=alice-secret;outbound="sip:127.0.0.1:${portOf(server, 'udp')}";regint=300\n`,
  );
  return dir;
}

describe('baresip against sipkit-server', () => {
  it('registers with digest authentication and calls a SIPp UAS through the server', async () => {
    const uasPort = await freePort();
    const uas = sipp(server, 'uas.xml', ['-p', String(uasPort), '-m', '1']);
    const reg = await sipp(server, 'register.xml', [
      '-s',
      'bob',
      '-au',
      'bob',
      '-ap',
      'bob-secret',
      '-auth_uri',
      'sipkit.test',
      '-key',
      'contact_port',
      String(uasPort),
      '-m',
      '1',
    ]);
    expect(reg.code, reg.output).toBe(0);
    const registeredBefore = server.registrar.counters.ok;
    // baresip registers, dials bob, and quits after 4 s, hanging up (BYE) as it goes.
    const phone = await run(
      'baresip',
      ['-f', await baresipConfig(), '-t', '4', '-e', '/dial sip:bob@sipkit.test'],
      15_000,
    );
    expect(phone.output, phone.output).toMatch(/alice@sipkit\.test: \{0\/UDP\/v4\} 200 OK/);
    expect(phone.output).toMatch(/alice@sipkit\.test: Call established: sip:bob@sipkit\.test/);
    expect(server.registrar.counters.ok).toBeGreaterThan(registeredBefore);
    const callee = await uas;
    // The SIPp UAS saw INVITE, answered, got the ACK and the BYE, and answered that.
    expect(callee.code, callee.output).toBe(0);
    const metrics = await (await fetch(`${server.http?.url}/metrics`)).text();
    expect(metrics).toMatch(/sipkit_responses_total\{code="407"\} [1-9]/);
  }, 30_000);
});

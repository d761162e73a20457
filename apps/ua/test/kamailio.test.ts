// Interop: sipkit-ua registers with and calls through a real Kamailio, set up by this test as a
// registrar (usrloc in memory) and record-routing stateful proxy on loopback UDP. Kamailio must
// be installed (Debian: the `kamailio` package); without it these tests fail, they do not skip.
import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { names, ua } from './harness.js';

/** The kamailio binary on PATH or in the usual sbin directories, or an error saying what to install. */
function findKamailio(): string {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  for (const dir of dirs) {
    if (dir === '') continue;
    const file = join(dir, 'kamailio');
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  throw new Error('kamailio is not installed: these interop tests need it (Debian/Ubuntu: apt-get install kamailio)');
}

/** A UDP port free right now. */
async function freePort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/**
 * Registrar and proxy in a few lines of Kamailio script: requests in dialogs follow their
 * Route (loose_route), REGISTER is saved in memory, INVITE is record-routed, the rest is looked
 * up and relayed statefully (tm answers 100 Trying to INVITE at once). The alias carries the
 * port so that UAs on 127.0.0.1 at other ports are not taken for Kamailio itself.
 */
function config(port: number): string {
  return `#!KAMAILIO
debug=2
log_stderror=yes
children=2
disable_tcp=yes
disable_sctp=yes
auto_aliases=no
listen=udp:127.0.0.1:${port}
alias="127.0.0.1:${port}"
alias="example.com"

loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"

modparam("usrloc", "db_mode", 0)

request_route {
	if (!mf_process_maxfwd_header("10")) {
		sl_send_reply("483", "Too Many Hops");
		exit;
	}
	if (has_totag()) {
		if (loose_route()) {
			t_relay();
			exit;
		}
		if (is_method("ACK")) {
			if (t_check_trans()) t_relay();
			exit;
		}
		sl_send_reply("404", "Not here");
		exit;
	}
	if (is_method("CANCEL")) {
		if (t_check_trans()) t_relay();
		exit;
	}
	t_check_trans();
	remove_hf("Route");
	if (is_method("OPTIONS") && $rU == $null) {
		sl_send_reply("200", "OK");
		exit;
	}
	if (is_method("REGISTER")) {
		if (!save("location")) sl_reply_error();
		exit;
	}
	if (is_method("INVITE")) record_route();
	if (!lookup("location")) {
		sl_send_reply("404", "Not Found");
		exit;
	}
	if (!t_relay()) sl_reply_error();
}
`;
}

/** Sends OPTIONS until Kamailio answers (it forks its workers after binding). */
async function waitForAnswer(port: number, exited: () => string | undefined): Promise<void> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const answered = new Promise<void>((resolve) => socket.once('message', () => resolve()));
  try {
    for (let i = 0; i < 100; i++) {
      const why = exited();
      if (why !== undefined) throw new Error(why);
      const branch = `z9hG4bKprobe${i}`;
      const probe =
        `OPTIONS sip:127.0.0.1:${port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${socket.address().port};branch=${branch};rport\r\n` +
        `Max-Forwards: 70\r\nFrom: <sip:probe@127.0.0.1>;tag=probe\r\nTo: <sip:127.0.0.1:${port}>\r\n` +
        `Call-ID: probe-${port}\r\nCSeq: ${i + 1} OPTIONS\r\nContent-Length: 0\r\n\r\n`;
      socket.send(probe, port, '127.0.0.1');
      const ok = await Promise.race([answered.then(() => true), new Promise((r) => setTimeout(() => r(false), 100))]);
      if (ok) return;
    }
    throw new Error(`kamailio did not answer OPTIONS on 127.0.0.1:${port} within 10 s`);
  } finally {
    socket.close();
  }
}

let kamailio: ChildProcess | undefined;
let dir: string | undefined;
let port: number;
let proxy: string;
let log = '';

/** Why Kamailio is not running, if it is not: each test fails with it (a failing hook would only skip them). */
let startup: Error | undefined;
function kamailioRunning(): void {
  if (startup !== undefined) throw startup;
}

beforeAll(async () => {
  try {
    await startKamailio();
  } catch (e) {
    startup = e instanceof Error ? e : new Error(String(e));
  }
}, 20_000);

async function startKamailio(): Promise<void> {
  const binary = findKamailio();
  dir = mkdtempSync(join(tmpdir(), 'sipkit-ua-kamailio-'));
  port = await freePort();
  proxy = `sip:127.0.0.1:${port}`;
  const cfg = join(dir, 'kamailio.cfg');
  writeFileSync(cfg, config(port));
  const child = spawn(
    binary,
    ['-f', cfg, '-DD', '-E', '-m', '512', '-M', '8', '-P', join(dir, 'kamailio.pid'), '-w', dir, '-Y', dir],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  kamailio = child;
  child.stdout?.on('data', (b: Buffer) => {
    log += b.toString();
  });
  child.stderr?.on('data', (b: Buffer) => {
    log += b.toString();
  });
  let exit: string | undefined;
  child.once('exit', (code, signal) => {
    exit = `kamailio exited (${code ?? signal}) before it answered:\n${log.slice(-3000)}`;
  });
  child.once('error', (e) => {
    exit = `kamailio could not start: ${e.message}`;
  });
  await waitForAnswer(port, () => exit);
}

afterAll(async () => {
  const child = kamailio;
  if (child !== undefined && child.exitCode === null && child.signalCode === null) {
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const killed = await Promise.race([gone.then(() => true), new Promise((r) => setTimeout(() => r(false), 5000))]);
    if (!killed) {
      child.kill('SIGKILL');
      await gone;
    }
  }
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
}, 10_000);

describe('sipkit-ua with Kamailio as registrar and proxy', () => {
  it('gets 200 to OPTIONS from Kamailio', async () => {
    kamailioRunning();
    const run = ua(['options', proxy, '--json']);
    expect(await run.exit).toBe(0);
    expect(run.events()[0]).toMatchObject({ event: 'response', status: 200 });
    expect(String(run.events()[0]?.Server)).toMatch(/^kamailio/);
  });

  it('registers with Kamailio, and a second UA calls it through Kamailio, and hangs up', async () => {
    kamailioRunning();
    const callee = ua([
      'answer',
      '--aor',
      'sip:bob@example.com',
      '--register',
      '--proxy',
      proxy,
      '--max-calls',
      '1',
      '--json',
      '--verbose',
    ]);
    const registered = await callee.next('registered');
    expect(registered).toMatchObject({ status: 200 });
    expect((registered.contacts as string[]).length).toBeGreaterThanOrEqual(1);

    const caller = ua([
      'call',
      'sip:bob@example.com',
      '--aor',
      'sip:alice@example.com',
      '--proxy',
      proxy,
      '--hangup-after',
      '0.3',
      '--json',
    ]);
    expect(await caller.exit).toBe(0);
    const events = caller.events();
    // tm answers the INVITE with 100 at once; the callee's 180 and 200 come through Kamailio.
    const progress = events.filter((e) => e.event === 'progress').map((e) => e.status);
    expect(progress[0]).toBe(100);
    expect([...new Set(progress)]).toEqual([100, 180]);
    expect(events.find((e) => e.event === 'established')).toMatchObject({ status: 200 });
    expect(String(events.find((e) => e.event === 'established')?.sdp)).toMatch(/^audio \d+ PCMU/);
    expect(names(caller).filter((n) => n !== 'progress')).toEqual(['calling', 'established', 'hangup', 'bye']);
    expect(events.at(-1)).toMatchObject({ event: 'bye', status: 200 });

    expect(await callee.exit).toBe(0);
    expect(names(callee).filter((n) => n !== 'sip')).toEqual([
      'listening',
      'registering',
      'registered',
      'incoming',
      'ringing',
      'answered',
      'established',
      'ended',
      'registering',
      'unregistered',
    ]);
    // Kamailio stayed in the dialog: the INVITE, the ACK and the BYE all came through it.
    const received = callee
      .events()
      .filter((e) => e.event === 'sip' && e.direction === 'received')
      .map((e) => String(e.message));
    const invite = received.find((m) => m.startsWith('INVITE '));
    expect(invite).toMatch(new RegExp(`Record-Route: <sip:127\\.0\\.0\\.1:${port};lr[;>]`));
    expect(received.some((m) => m.startsWith('ACK '))).toBe(true);
    const bye = received.find((m) => m.startsWith('BYE '));
    expect(bye).toMatch(new RegExp(`Via: SIP/2\\.0/UDP 127\\.0\\.0\\.1:${port};branch=`));
  });

  it('fails with 404 and exit code 1 once the callee has unregistered', async () => {
    kamailioRunning();
    const run = ua(['call', 'sip:bob@example.com', '--aor', 'sip:alice@example.com', '--proxy', proxy]);
    expect(await run.exit).toBe(1);
    expect(run.stdout()).toMatch(/call failed: 404 Not Found/);
  });
});

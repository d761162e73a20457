// The page as a user sees it: built with Vite, served, opened twice in Debian's headless
// Chromium against a real sipkit-server; Alice calls Bob over SIP on WebSockets (RFC 7118) and
// WebRTC carries the (fake) microphone between the two pages.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { checkConfig, createLogger, type SipKitServer, startServer } from '@sipkit/server';
import { type Browser, chromium, type Page } from 'playwright-core';
import { build, type PreviewServer, preview } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const artifacts = join(root, 'test-artifacts');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let outDir: string;
let web: PreviewServer;
let pageUrl: string;
let sip: SipKitServer;
let wsUrl: string;
let browser: Browser;
/** The server's log lines and the pages' console, printed when a step fails. */
const trace: string[] = [];

beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'webphone-'));
  await build({ root, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  web = await preview({
    root,
    logLevel: 'warn',
    build: { outDir },
    preview: { host: '127.0.0.1', port: 0, strictPort: true, open: false },
  });
  const { port } = web.httpServer.address() as AddressInfo;
  pageUrl = `http://127.0.0.1:${port}/`;

  const config = checkConfig({
    listen: [
      { transport: 'udp', host: '127.0.0.1', port: 0 },
      { transport: 'ws', host: '127.0.0.1', port: 0 },
    ],
    domains: ['sipkit.test'],
    users: [
      { name: 'alice', password: 'alice-secret' },
      { name: 'bob', password: 'bob-secret' },
    ],
    auth: { secret: 'a test secret of enough length' },
    http: false,
    log: { level: 'debug' },
  });
  const logs = new Writable({
    write(chunk: Buffer, _encoding, done) {
      trace.push(`server: ${chunk.toString('utf8').trim()}`);
      done();
    },
  });
  sip = await startServer(config, createLogger(config.log, logs));
  const ws = sip.listeners.find((l) => l.transport === 'ws');
  wsUrl = `ws://127.0.0.1:${ws?.port}`;

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      // getUserMedia gets a fake microphone (a beep) without asking.
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      // Host candidates with real addresses rather than mDNS names the other page cannot resolve.
      '--disable-features=WebRtcHideLocalIpsWithMdns',
      // And loopback candidates too, for a machine with no other interface.
      '--allow-loopback-in-peer-connection',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  await sip?.close();
  await web?.close();
  if (outDir !== undefined) await rm(outDir, { recursive: true, force: true });
});

async function openPhone(user: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  page.on('console', (m) => trace.push(`${user} console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => trace.push(`${user} page error: ${e.message}`));
  await page.goto(pageUrl);
  await page.fill('#server', wsUrl);
  await page.fill('#aor', `sip:${user}@sipkit.test`);
  await page.fill('#password', `${user}-secret`);
  await page.click('#register');
  return page;
}

/** Waits until #phone has `data-<name>="<value>"`, and says what the page showed if it never does. */
async function until(page: Page, name: string, value: string): Promise<void> {
  try {
    await page.locator(`#phone[data-${name}="${value}"]`).waitFor({ timeout: 10_000 });
  } catch (e) {
    const shown = await page.locator('#phone').evaluate((el) => ({ ...(el as HTMLElement).dataset }));
    const status = await page.locator('#status').textContent();
    throw new Error(
      `${name} never became ${value}: the page shows ${JSON.stringify(shown)}, "${status}"\n${trace.join('\n')}`,
      { cause: e },
    );
  }
}

describe('webphone', () => {
  it('registers two pages over SIP on WebSocket (RFC 7118), calls with the offer in the INVITE and the answer in the 200 (RFC 3264), connects WebRTC audio both ways, and hangs up with BYE (§15.1)', async () => {
    const alice = await openPhone('alice');
    const bob = await openPhone('bob');
    await until(alice, 'registration', 'registered');
    await until(bob, 'registration', 'registered');

    await alice.fill('#target', 'sip:bob@sipkit.test');
    await alice.click('#call');
    await until(bob, 'call', 'incoming');
    expect(await bob.locator('#peer').textContent()).toContain('sip:alice@sipkit.test');
    expect(await bob.locator('#answer').isVisible()).toBe(true);
    await bob.click('#answer');

    // The SDP offer went in the INVITE and the answer in the 200: ICE and DTLS complete.
    await until(alice, 'call', 'established');
    await until(bob, 'call', 'established');
    await until(alice, 'media', 'connected');
    await until(bob, 'media', 'connected');
    expect(await alice.locator('#codecs').textContent()).toContain('opus/48000');
    await mkdir(artifacts, { recursive: true });
    await alice.screenshot({ path: join(artifacts, 'webphone.png'), fullPage: true });

    await alice.click('#hangup');
    await until(alice, 'call', 'ended');
    await until(bob, 'call', 'ended');
    expect(await bob.locator('#status').textContent()).toBe('call ended (bye)');
    expect(await alice.locator('#phone').getAttribute('data-media')).toBe('closed');
    expect(await bob.locator('#phone').getAttribute('data-media')).toBe('closed');
  });
});

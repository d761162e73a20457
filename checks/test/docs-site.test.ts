// The docs site renders: typedoc builds the API and guide site (typedoc.json at the root, warnings
// as errors) into a temp folder, scripts/serve-docs.mjs serves it, and Debian's Chromium opens
// it. Every published package has a module page with its title and every run-time export
// listed; the guides render with the headings their markdown has; no page throws or requests a
// file the site lacks. Screenshots go to checks/test-artifacts/ (git-ignored).
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRun, publishedPackages, repoRoot, run } from './support/workspace.js';

const artifacts = join(repoRoot, 'checks', 'test-artifacts');
const GUIDES = ['getting-started', 'configuration', 'architecture'] as const;

let out: string;
let server: Server;
let base: string;
let browser: Browser;

/** The h1 and h2 headings of a markdown file as they read once rendered (code blocks left out). */
function markdownHeadings(file: string): string[] {
  const text = readFileSync(file, 'utf8').replace(/^(```|~~~)[\s\S]*?^\1/gm, '');
  return [...text.matchAll(/^#{1,2} +(.+?)\s*#*$/gm)].map((m) =>
    (m[1] as string)
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/[`*_]/g, '')
      .trim(),
  );
}

/** Opens a page of the site and fails on any script error or missing same-site file. */
async function open(path: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    // The browser asks for /favicon.ico by itself; typedoc.json sets no favicon, so that 404 is
    // not a broken page.
    if (m.type() === 'error' && !m.location().url.endsWith('/favicon.ico')) {
      problems.push(`console error: ${m.text()} (${m.location().url})`);
    }
  });
  page.on('response', (r) => {
    if (r.url().startsWith(base) && r.status() >= 400) problems.push(`${r.status()} ${r.url()}`);
  });
  const response = await page.goto(`${base}${path}`, { waitUntil: 'load' });
  expect(response?.status(), path).toBe(200);
  // typedoc builds the side navigation from assets/navigation.js after load.
  await page.locator('#tsd-nav-container a').first().waitFor({ timeout: 15_000 });
  expect(problems, path).toEqual([]);
  return page;
}

let modules: Promise<Map<string, string>> | undefined;
/** Module name → page, as modules.html links them (read once). */
function modulePages(): Promise<Map<string, string>> {
  modules ??= (async () => {
    const page = await open('modules.html');
    const links = await page
      .locator('.col-content a')
      .evaluateAll((as) => as.map((a) => [a.textContent?.trim() ?? '', a.getAttribute('href') ?? ''] as const));
    await page.close();
    return new Map(links.filter(([text, href]) => text.startsWith('@') && href.startsWith('modules/')));
  })();
  return modules;
}

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'sipkit-docs-'));
  const typedoc = await run(join(repoRoot, 'node_modules', '.bin', 'typedoc'), ['--out', out], {
    cwd: repoRoot,
    timeoutMs: 200_000,
  });
  expect(typedoc.code, describeRun('typedoc', typedoc)).toBe(0);
  const { serveDocs } = (await import(pathToFileURL(join(repoRoot, 'scripts', 'serve-docs.mjs')).href)) as {
    serveDocs: (root: string, port: number) => Promise<Server>;
  };
  server = await serveDocs(out, 0);
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking'],
  });
  mkdirSync(artifacts, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  if (out !== undefined) rmSync(out, { recursive: true, force: true });
});

describe('the docs site renders', () => {
  it('links every published package and guide from the side navigation', async () => {
    const page = await open('index.html');
    await page.screenshot({ path: join(artifacts, 'docs-index.png'), fullPage: false });
    const nav = (await page.locator('#tsd-nav-container a').evaluateAll((as) => as.map((a) => a.getAttribute('href'))))
      .filter((h): h is string => h !== null)
      .map((h) => h.replace(/^\.\//, ''));
    await page.close();
    const modules = await modulePages();
    for (const p of publishedPackages()) {
      expect(modules.get(p.manifest.name), `no link to ${p.manifest.name} on modules.html`).toMatch(
        /^modules\/.+\.html$/,
      );
      expect(nav, p.manifest.name).toContain(modules.get(p.manifest.name));
    }
    for (const guide of GUIDES) expect(nav).toContain(`documents/${guide}.html`);
  });

  for (const p of publishedPackages()) {
    const name = p.manifest.name;
    it(`${name}: its module page renders its title and every run-time export`, async () => {
      // Discover the page from the module index rather than guessing typedoc's file naming.
      const href = (await modulePages()).get(name);
      expect(href, `no link to ${name} on modules.html`).toMatch(/^modules\/.+\.html$/);

      const page = await open(href as string);
      // biome-ignore lint/performance/useDomNodeTextContent: Playwright's Locator.innerText is the text as rendered, which is what this checks.
      await expect.poll(() => page.locator('h1').first().innerText()).toBe(`Module ${name}`);
      const listed = new Set((await page.locator('.col-content a').allInnerTexts()).map((t) => t.trim()));
      const exports = Object.keys((await import(name)) as Record<string, unknown>).sort();
      expect(exports.length, `${name} exports nothing at run time`).toBeGreaterThan(0);
      expect(
        exports.filter((e) => !listed.has(e)),
        `${name}: run-time exports missing from ${href}`,
      ).toEqual([]);
      if (name === '@sipkit/parser') await page.screenshot({ path: join(artifacts, 'docs-parser.png') });
      await page.close();
    });
  }

  for (const guide of GUIDES) {
    it(`the ${guide} guide renders with its headings`, async () => {
      const headings = markdownHeadings(join(repoRoot, 'docs', `${guide}.md`));
      expect(headings.length, `docs/${guide}.md has no headings`).toBeGreaterThan(0);
      const page = await open(`documents/${guide}.html`);
      const rendered = (await page.locator('.col-content :is(h1, h2)').allInnerTexts()).map((t) => t.trim());
      expect(rendered).toEqual(expect.arrayContaining(headings));
      expect(rendered[0]).toBe(headings[0]);
      await page.screenshot({ path: join(artifacts, `docs-${guide}.png`), fullPage: false });
      await page.close();
    });
  }
});

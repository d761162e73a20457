#!/usr/bin/env node
// Serves the built API and guide site (docs/api) on localhost: `pnpm docs:serve [port]`.
// Build it first with `pnpm run docs`. Only GET of files under the site's root is served.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve } from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.md': 'text/markdown; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
};

/**
 * Starts the static server.
 *
 * @param {string} root - the site's directory
 * @param {number} port - 0 picks a free one
 * @returns {Promise<import('node:http').Server>}
 */
export function serveDocs(root, port) {
  const base = resolve(root);
  const server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/');
    const file = normalize(join(base, path.endsWith('/') ? `${path}index.html` : path));
    if (req.method !== 'GET' || !file.startsWith(base) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(req.method === 'GET' ? 404 : 405).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => ok(server));
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const root = resolve(import.meta.dirname, '..', 'docs', 'api');
  if (!existsSync(join(root, 'index.html'))) {
    console.error('docs/api is not built: run `pnpm run docs` first');
    process.exit(1);
  }
  const server = await serveDocs(root, Number(process.argv[2] ?? 8090));
  console.log(`SIPKit docs on http://127.0.0.1:${server.address().port}/`);
}

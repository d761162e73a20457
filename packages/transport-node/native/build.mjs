// Builds build/sipkit_udp.node, the batched UDP reader and writer udpTransport uses on Linux
// (native/udp.cc). It needs a C++ compiler and Node's headers, which Node's own installation
// carries (<prefix>/include/node). Without them, or on another system, it says why and leaves
// nothing built: udpTransport then uses node:dgram, as it always could.
//
//   node native/build.mjs            build if missing or older than udp.cc
//   node native/build.mjs --force    build anyway
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const source = join(here, 'udp.cc');
const outDir = join(here, '..', 'build');
const out = join(outDir, 'sipkit_udp.node');

function skip(why) {
  console.warn(`@sipkit/transport-node: batched UDP not built (${why}); udpTransport uses node:dgram`);
  process.exit(0);
}

if (process.platform !== 'linux') skip(`recvmmsg and sendmmsg are Linux's, this is ${process.platform}`);
if (!process.argv.includes('--force') && existsSync(out) && statSync(out).mtimeMs >= statSync(source).mtimeMs) {
  process.exit(0);
}
const candidates = [
  join(dirname(process.execPath), '..', 'include', 'node'),
  process.env.npm_config_nodedir ? join(process.env.npm_config_nodedir, 'include', 'node') : '',
].filter((d) => d !== '' && existsSync(join(d, 'node_api.h')) && existsSync(join(d, 'uv.h')));
if (candidates.length === 0) skip("Node's headers (include/node/node_api.h) not found beside node");
const cxx = process.env.CXX ?? 'g++';
mkdirSync(outDir, { recursive: true });
const tmp = `${out}.${process.pid}.tmp`;
const args = ['-O2', '-fPIC', '-shared', '-std=c++17', '-Wall', '-Wextra', `-I${candidates[0]}`, source, '-o', tmp];
const r = spawnSync(cxx, args, { stdio: 'inherit' });
if (r.error) skip(`${cxx}: ${r.error.message}`);
if (r.status !== 0) skip(`${cxx} exited with ${r.status}`);
// In place at once: a test run loading the old file never sees half of the new one.
renameSync(tmp, out);

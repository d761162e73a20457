#!/usr/bin/env node
// sipkit-demo: parse a SIP message (a file given as argument, or a built-in RFC 3261 INVITE)
// and print its fields. The placeholder main job until sipkit-server exists.
import { readFileSync } from 'node:fs';
import { describe, EXAMPLE } from './describe.js';

// `pnpm start -- file` passes the `--` through; skip it.
const file = process.argv.slice(2).find((a) => a !== '--');
let input: Uint8Array | string = EXAMPLE;
if (file !== undefined) {
  try {
    input = readFileSync(file);
  } catch (e) {
    console.error(`sipkit-demo: cannot read ${file}: ${(e as Error).message}`);
    process.exit(2);
  }
} else {
  console.log('Parsing the INVITE of RFC 3261 §24.2 (pass a file to parse your own):\n');
}
for (const line of describe(input)) console.log(line);

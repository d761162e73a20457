// Release checks are slow by nature: they pack tarballs, run npm, build the docs site and drive a
// browser. Two files at a time at most (the machines have two cores, shared).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 180_000,
    hookTimeout: 240_000,
    maxWorkers: 2,
  },
});

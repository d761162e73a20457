import { defineConfig } from 'vitest/config';

// Calls on real sockets take well under a second each; the margin is for a loaded CI machine.
export default defineConfig({
  test: {
    testTimeout: 15_000,
  },
});

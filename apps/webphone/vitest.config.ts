import { defineConfig } from 'vitest/config';

// A Vite build, a server and two Chromium pages: seconds, with a margin for a loaded CI machine.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});

import { defineConfig } from 'vite';

// The page is index.html; `vite build` writes dist/ (what any static server can serve).
export default defineConfig({
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
  build: { target: 'es2022' },
});

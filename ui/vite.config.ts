import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The console builds into dist/console, next to the compiled server, which serves it at `/`.
 * ALERTWIRE_CONSOLE_OUT builds elsewhere (the e2e tests build into a temp directory).
 * No source maps in the build, no CDN, no external font: the console works offline.
 */
const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: {
    outDir: process.env.ALERTWIRE_CONSOLE_OUT ?? fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    // Inline nothing as data: URLs; every asset is a file the CSP allows from 'self'.
    assetsInlineLimit: 0,
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:8001', '/report': 'http://127.0.0.1:8001', '/hooks': 'http://127.0.0.1:8001' },
  },
});

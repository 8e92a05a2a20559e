import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The investigator console: built into dist/console, served by the query role (query-api/console-assets.ts).
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  publicDir: false,
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
    // the server serves only what the manifest lists: a build output, never this source folder
    manifest: true,
    assetsDir: 'assets',
    sourcemap: false,
    target: 'es2022',
  },
});

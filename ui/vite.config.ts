/**
 * Vite build of the ctiscope web UI. `npx vite build ui` from the repository root writes ui/dist, which
 * `ctiscope ui` serves. The worker imports the analysis pipeline straight from ../src (pure TypeScript).
 */
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

const uiRoot = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: uiRoot,
  // Relative asset URLs: the built page works from any path (ctiscope ui, a file share, a static host).
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 2000,
  },
  worker: { format: 'es' },
  server: { fs: { allow: [fileURLToPath(new URL('..', import.meta.url))] } },
});

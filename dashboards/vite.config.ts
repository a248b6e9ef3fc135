import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';
import { selfContainedPages } from './self-contained-pages.js';

const here = fileURLToPath(new URL('.', import.meta.url));

// One multi-page build: the hub serves dist/dashboards/console, each gateway dist/dashboards/site.
// base './' keeps asset URLs relative, so either server can mount its page at any prefix.
export default defineConfig({
  root: here,
  base: './',
  // prefresh/devtools are only for `vite dev`; the production build is plain Preact JSX.
  plugins: [preact({ devToolsEnabled: false, prefreshEnabled: false }), selfContainedPages(['console', 'site'])],
  build: {
    outDir: resolve(here, '../dist/dashboards'),
    emptyOutDir: true,
    // No external CDNs or fonts: the network in a clinic or ambulance is closed.
    assetsInlineLimit: 4096,
    rollupOptions: {
      input: {
        console: resolve(here, 'console/index.html'),
        site: resolve(here, 'site/index.html'),
      },
      // Code both pages use (Preact, shared components) lands in one chunk with a plain name.
      output: { chunkFileNames: 'assets/shared-[hash].js', assetFileNames: 'assets/[name]-[hash][extname]' },
    },
  },
});

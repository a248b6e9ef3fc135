import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Plugin } from 'vite';

/**
 * Makes every page folder of the multi-page build self-contained.
 *
 * Why: the hub serves `dist/dashboards/console` at `/` and each gateway serves
 * `dist/dashboards/site` at `/` (docs/CONTRACTS.md `dashboardsDir`). A multi-page build puts the
 * shared chunks in `dist/dashboards/assets`, which neither server can reach. After the bundle is
 * written we copy the assets into each page folder and point the page's HTML at `./assets/`.
 */
export function selfContainedPages(pages: readonly string[]): Plugin {
  return {
    name: 'telemed-self-contained-pages',
    apply: 'build',
    async writeBundle(options) {
      const outDir = options.dir;
      if (outDir === undefined) return;
      const shared = join(outDir, 'assets');
      for (const page of pages) {
        await cp(shared, join(outDir, page, 'assets'), { recursive: true });
        const htmlPath = join(outDir, page, 'index.html');
        const html = await readFile(htmlPath, 'utf8');
        await writeFile(htmlPath, html.replaceAll('"../assets/', '"./assets/'));
      }
      await rm(shared, { recursive: true, force: true });
    },
  };
}

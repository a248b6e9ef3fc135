import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

/** Repo root, from this file's place in test/e2e. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DIST_DASHBOARDS = fileURLToPath(new URL('../../dist/dashboards/', import.meta.url));
export const ARTIFACTS_DIR = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';

/** Fails (never skips) when the built pages are missing: a silent skip would hide a broken build. */
export function assertDashboardsBuilt(): void {
  for (const page of ['console', 'site']) {
    if (!existsSync(`${DIST_DASHBOARDS}${page}/index.html`)) {
      throw new Error(`dist/dashboards/${page}/index.html is missing: run \`npm run build\` (or \`npm run build:web\`) first`);
    }
  }
}

/** Headless Chromium on loopback only; fails with the install hint when it is not there. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error('Chromium not found: run `apt-get install -y chromium` (or `npm run test:setup` as root)');
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Where screenshots go (created on demand; ignored by git). */
export async function artifactPath(name: string): Promise<string> {
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  return `${ARTIFACTS_DIR}${name}`;
}

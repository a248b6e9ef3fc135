import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The root vitest config excludes dashboards/ (browser code, own tsconfig); its unit tests run here:
// `npx vitest run --config dashboards/vitest.config.ts`. They test pure logic in Node, no DOM.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  test: { name: 'dashboards', include: ['**/*.test.ts'], exclude: ['node_modules/**'], environment: 'node' },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{protocols,devices,gateway,hospital,simulators,test,bench}/**/*.test.ts'],
    exclude: ['node_modules', 'dist', 'dashboards/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});

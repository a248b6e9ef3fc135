import { defineConfig } from 'vitest/config';

// Two projects: the Node product code (protocols, devices, gateway, hospital, simulators, cross-folder
// suites in test/) and the dashboards' pure-logic unit tests, which have their own config.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          include: ['{protocols,devices,gateway,hospital,simulators,test,bench}/**/*.test.ts'],
          exclude: ['node_modules', 'dist', 'dashboards/**'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          pool: 'forks',
        },
      },
      'dashboards/vitest.config.ts',
    ],
  },
});

import { defineConfig } from 'vitest/config';

// Test files that start real processes (hub, gateway, Mosquitto, VictoriaMetrics, socat, Chromium)
// or judge wall-clock time (rates, deadlines, event-loop lag). They run one file at a time, after
// the pure unit files, so no other test competes with them for this machine's two cores.
const SERIAL = [
  'test/**/*.test.ts',
  'bench/**/*.test.ts',
  'simulators/link/**/*.test.ts',
  '**/*.pty.test.ts',
  'devices/ecg-cart/transport.test.ts',
  'devices/gps/gps-device.test.ts',
  'devices/vitals-monitor/mqtt-device.test.ts',
  'gateway/ecg/import-thread.test.ts',
  'gateway/ecg/routes.test.ts',
  'gateway/uplink/downlink-latency.test.ts',
  'gateway/vitals/**/*.test.ts',
  'hospital/auth/sessions.test.ts',
  'hospital/ecg/**/*.test.ts',
  'hospital/store/sqlite-store.test.ts',
  'hospital/uplink/**/*.test.ts',
  'hospital/vitals/**/*.test.ts',
  'hospital/timeseries/**/*.test.ts',
  'protocols/ecg/aecg/aecg-fuzz.test.ts',
  'protocols/ecg/aecg/xml.test.ts',
  'protocols/ecg/dicom/dicom-hostile.test.ts',
  'protocols/ecg/export.test.ts',
  'protocols/ecg/scp/scp-hostile.test.ts',
  'protocols/wire/codec.test.ts',
  'simulators/gps/**/*.test.ts',
];

const NODE = {
  include: ['{protocols,devices,gateway,hospital,simulators,test,bench}/**/*.test.ts'],
  exclude: ['node_modules', 'dist', 'dashboards/**'],
  testTimeout: 30_000,
  hookTimeout: 60_000,
  pool: 'forks' as const,
};

// Three projects in two groups: first the Node unit files and the dashboards' pure-logic tests
// (own config) on two workers; then the SERIAL files on one.
export default defineConfig({
  test: {
    maxWorkers: 2,
    projects: [
      { test: { ...NODE, name: 'node', exclude: [...NODE.exclude, ...SERIAL], sequence: { groupOrder: 0 } } },
      'dashboards/vitest.config.ts',
      // isolate: false: the SERIAL files share one worker process and its module cache. Each file
      // still starts its own hubs, gateways and brokers and stops them in afterAll; what it saves
      // is a fresh process and a re-import per file (import 101 s -> 11 s, the project 700 -> 520 s
      // in CI, where the whole run must stay under 20 minutes).
      { test: { ...NODE, name: 'node-serial', include: SERIAL, maxWorkers: 1, isolate: false, sequence: { groupOrder: 1 } } },
    ],
  },
});

#!/usr/bin/env node
// The one CLI: `telemed <command> [options]`. Each command lives in bin/commands/ and is loaded
// only when used, so `telemed --help` starts fast and a broken optional part cannot stop the rest.
import { setFlagsFromString } from 'node:v8';
import { gatewayV8Flags } from '../gateway/v8-flags.js';
import { TelemedError } from '../protocols/errors.js';

interface Command {
  summary: string;
  load: () => Promise<(argv: string[]) => Promise<void>>;
}

const COMMANDS: Record<string, Command> = {
  demo: {
    summary: 'run hub, a clinic gateway and an ambulance gateway with simulators, through link emulators',
    load: async () => (await import('./commands/demo.js')).demoCommand,
  },
  hospital: {
    summary: 'run the county hospital hub (--config FILE)',
    load: async () => (await import('./commands/hospital.js')).hospitalCommand,
  },
  gateway: {
    summary: 'run an edge gateway (--config FILE)',
    load: async () => (await import('./commands/gateway.js')).gatewayCommand,
  },
  sim: {
    summary: 'simulators: `sim link --profile P --listen HOST:PORT --target HOST:PORT`',
    load: async () => (await import('./commands/sim.js')).simCommand,
  },
  ecg: {
    summary: 'ECG records: `ecg detect RECORD` (QRS beats), `ecg import FILE`, `ecg export FILE --format aecg|dicom --out OUT` (--json, --frames FROM:TO)',
    load: async () => (await import('./commands/ecg.js')).ecgCommand,
  },
  pki: {
    summary: 'enrolment files: `pki ca|hub|gateway|signing-key --out DIR` (CA, hub and gateway certificates for TLS)',
    load: async () => (await import('./commands/pki.js')).pkiCommand,
  },
  'hash-secret': {
    summary: 'print the scrypt hash of a password or gateway credential read from stdin',
    load: async () => (await import('./commands/hash-secret.js')).hashSecretCommand,
  },
};

/** The gateway's V8 flags (gateway/v8-flags.ts), but those the user set a flag of the same family for. */
function applyGatewayV8Flags(): void {
  for (const f of gatewayV8Flags(process.execArgv, process.env['NODE_OPTIONS'])) setFlagsFromString(f);
}

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    'telemed: telemedicine edge gateway and county hospital hub',
    '',
    'usage: telemed <command> [options]     (telemed <command> --help for its options)',
    '',
    'commands:',
    ...lines,
    '',
    'environment: LOG_LEVEL (default info), TELEMED_SHARED_DATA (test data folder)',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return name === undefined ? 1 : 0;
  }
  if (name === '--version') {
    process.stdout.write('telemed 0.1.0\n');
    return 0;
  }
  const cmd = COMMANDS[name];
  if (cmd === undefined) {
    process.stderr.write(`telemed: unknown command "${name}"\n\n${usage()}\n`);
    return 2;
  }
  if (name === 'gateway') applyGatewayV8Flags();
  const run = await cmd.load();
  await run(rest);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => { if (code !== 0) process.exitCode = code; },
  (err: unknown) => {
    if (err instanceof TelemedError) {
      process.stderr.write(`telemed: ${err.code}: ${err.message}\n`);
    } else {
      process.stderr.write(`telemed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    }
    process.exitCode = 1;
  },
);

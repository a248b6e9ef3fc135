#!/usr/bin/env node
// The one CLI: `telemed <command> [options]`. Each command lives in bin/commands/ and is loaded
// only when used, so `telemed --help` starts fast and a broken optional part cannot stop the rest.
import { setFlagsFromString } from 'node:v8';
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
    summary: 'ECG records: `ecg detect RECORD [--json]` (QRS beats), `ecg import FILE [--json]`',
    load: async () => (await import('./commands/ecg.js')).ecgCommand,
  },
  'hash-secret': {
    summary: 'print the scrypt hash of a password or gateway credential read from stdin',
    load: async () => (await import('./commands/hash-secret.js')).hashSecretCommand,
  },
};

/**
 * V8 young generation of `telemed gateway`: the semi-spaces stay at V8's initial 1 MiB instead of
 * doubling up to 16 MiB. The gateway allocates little on the JS heap per frame but ~16 KiB
 * Buffers per record chunk; with a 32 MiB new space a scavenge comes only every ~minute, and the
 * dead Buffers waiting for it (up to ~30 MB) plus the new space itself were ~55 MB of its peak RSS
 * during a 10-minute outage at 5 Mbit/s (bench/uplink/outage-rss.ts). Scavenges of a 1 MiB space
 * are short and the frame build+encode path showed no measurable change in CPU seconds per frame
 * (bench/uplink/README.md). Set at run time (the flag is read whenever the new space would grow)
 * before the command is loaded; a semi-space flag of the user's own (command line or
 * NODE_OPTIONS) wins.
 */
const GATEWAY_V8_FLAGS: readonly string[] = ['--semi-space-growth-factor=1'];

function applyGatewayV8Flags(): void {
  const mine = [...process.execArgv, process.env['NODE_OPTIONS'] ?? ''].some((a) => a.includes('semi-space'));
  if (!mine) for (const f of GATEWAY_V8_FLAGS) setFlagsFromString(f);
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

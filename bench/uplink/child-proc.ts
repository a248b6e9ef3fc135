import { fileURLToPath } from 'node:url';
import { gatewayV8Flags } from '../../gateway/v8-flags.js';
import type { ChildSpec, FromChild, ToChild } from './ipc.js';
import { IpcChild } from '../ipc-child.js';

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));

/** A side of the run in a child process, spoken to over IPC; every wait is bounded (bench/ipc-child.ts). */
export class ChildProc extends IpcChild<FromChild, ToChild> {
  constructor(readonly spec: ChildSpec) {
    // BENCH_CHILD_CPU_PROF=DIR: each child writes a V8 CPU profile there (where the hub spends its time).
    const prof = process.env['BENCH_CHILD_CPU_PROF'];
    const execArgv = ['--import', 'tsx', ...(prof !== undefined ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : [])];
    // Our gateway runs with the V8 flags `telemed gateway` sets (the Mosquitto run's edge is MQTT.js).
    if (spec.role === 'edge' && spec.run !== 'mosquitto') execArgv.push(...gatewayV8Flags(process.execArgv, process.env['NODE_OPTIONS']));
    super(`${spec.role} (${spec.run})`, CHILD, [JSON.stringify(spec)], execArgv, 10_000);
  }
}

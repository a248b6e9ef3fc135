import { fileURLToPath } from 'node:url';
import { IpcChild } from '../ipc-child.js';
import type { FromChild, ToFleet } from './ipc.js';

/** A bench:vitals child (hub-child.ts or fleet-child.ts) spoken to over IPC; every wait is bounded (bench/ipc-child.ts). */
export class VitalsChild extends IpcChild<FromChild, ToFleet> {
  constructor(readonly name: 'hub-child' | 'fleet-child', spec: unknown) {
    super(name, fileURLToPath(new URL(`./${name}.ts`, import.meta.url)), [JSON.stringify(spec)], ['--import', 'tsx'], 15_000);
  }
}

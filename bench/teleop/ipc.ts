import { fileURLToPath } from 'node:url';
import type { TrafficSpec } from '../uplink/scenario.js';
import { gatewayV8Flags } from '../../gateway/v8-flags.js';
import { IpcChild } from '../ipc-child.js';

/** The two peers: the product, and one FIFO WebSocket as a small team would build it (fifo-sides.ts). */
export type Peer = 'telemed' | 'fifo';
export const PEERS: readonly Peer[] = ['telemed', 'fifo'];

/** Ids the bench uses on both peers. */
export const GATEWAY_ID = 'clinic-1';
export const ARM_ID = 'us-arm';

/** What a child process runs: the arm (simulator + image output), the hub side or the clinic's edge. */
export interface TeleopChildSpec {
  readonly role: 'arm' | 'hub' | 'edge';
  readonly peer: Peer;
  readonly dir: string;
  /** edge: the link emulator's port in front of the hub. */
  readonly linkPort?: number;
  /** edge: the simulator's arm (control) and image ports. */
  readonly armPort?: number;
  readonly imagePort?: number;
  /** edge: the other traffic that fills the uplink (bench/uplink/traffic.ts). */
  readonly traffic?: TrafficSpec;
}

export interface ArmReport { readonly captures: number[]; readonly sim: unknown }
/** telemed: the command lines of the gateway's safety audit; fifo: what the edge handed to the driver. */
export interface EdgeReport {
  readonly executed: { seq: number; execMs: number }[];
  /** telemed: decisions per reason (accepted, clamped, TM_ERR_ARM_*) over every command; fifo: {}. */
  readonly decisions: Record<string, number>;
  /** telemed: executed commands whose age on the hub's clock (the supervisor's own, audit `ageMs`) exceeded the budget. */
  readonly auditStale: number | null;
  readonly sender: unknown;
}

export type ToChild = { type: 'start' } | { type: 'stop' } | { type: 'collect' } | { type: 'close' };
export type FromChild =
  | { type: 'ready'; port: number; imagePort?: number }
  | { type: 'report'; report: ArmReport | EdgeReport | Record<string, unknown> }
  | { type: 'closed' }
  | { type: 'failed'; message: string };

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));

/** One side of a bench:teleop run in its own process (bench/ipc-child.ts: bounded waits, killed by its pid). */
export class TeleopChild extends IpcChild<FromChild, ToChild> {
  constructor(spec: TeleopChildSpec) {
    // telemed's edge runs with the V8 flags `telemed gateway` sets (as bench:uplink's edge does).
    const v8 = spec.role === 'edge' && spec.peer === 'telemed' ? gatewayV8Flags(process.execArgv, process.env['NODE_OPTIONS']) : [];
    super(`${spec.role} (${spec.peer})`, CHILD, [JSON.stringify(spec)], ['--import', 'tsx', ...v8], 10_000);
  }
}

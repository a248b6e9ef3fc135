// Messages between bench/vitals.ts and its two children (hub-child.ts, fleet-child.ts).

/** Bench-only credential on loopback, shared by every bench ambulance; not a secret of any deployment. */
export const AMBULANCE_SECRET = 'bench-ambulance-credential';

/** The ambulance gateway ids of a step: amb-000, amb-001, ... */
export const ambulanceIds = (n: number): string[] => Array.from({ length: n }, (_, i) => `amb-${String(i).padStart(3, '0')}`);

/** `telemed`: our hub and gateway uplinks; `mosquitto`: edge Mosquitto bridges to a hospital Mosquitto (the baseline). */
export type Peer = 'telemed' | 'mosquitto';

export interface HubSpec {
  peer: Peer;
  dir: string;
  gatewayIds: string[];
  /** mosquitto: the hospital broker the consumer subscribes to. */
  brokerPort?: number;
}

export interface FleetSpec {
  peer: Peer;
  /** Per ambulance, in the order of `gatewayIds`: telemed its link emulator's port; mosquitto its edge broker's port. */
  ports: number[];
  gatewayIds: string[];
  /** An alarm per ambulance every this many ms (ALARM durable). */
  alarmEveryMs: number;
}

/** Both children: the measured window (capture wall ms) is set before traffic starts. */
export type ToHub = { type: 'window'; t0: number; t1: number } | { type: 'collect' } | { type: 'close' };
export type ToFleet = ToHub | { type: 'start' } | { type: 'stop' };

/** Per class: latencies (ms, capture → hub receipt) of frames captured in the window, once each. */
export interface HubReport {
  latencies: Record<string, number[]>;
  /** Durable frames received again (resends), not counted twice. */
  duplicates: number;
  /** Gateways connected when collected. */
  sessions: number;
  /** The hub process's event-loop delay from the window's first frame to the collect (p50, p99, max ms): every hop of a durable frame (batch timer, fsync callback, ack) waits for it. */
  loopDelayMs: { p50: number; p99: number; max: number };
}

export interface ClassOffer {
  /** Readings offered with a capture time in the window. */
  offered: number;
  /** Of those: dropped by the uplink (realtime: late/overflow) or refused by the outbox (durable). */
  dropped: number;
  dropReasons: Record<string, number>;
}

export interface FleetReport {
  classes: Record<string, ClassOffer>;
  /** Sessions in state `ready` when collected, of `ambulances`. */
  ready: number;
  ambulances: number;
  /** CPU s and peak RSS of the fleet process over the window (the edge, not judged). */
  cpuS: number;
  peakRssBytes: number;
  /** How late the fleet's 40 ms monitor tick ran (p99, max ms): the edge keeping up. */
  tickLateP99Ms: number;
  tickLateMaxMs: number;
}

export type FromChild =
  | { type: 'ready'; port: number }
  | { type: 'report'; report: HubReport | FleetReport }
  | { type: 'closed' }
  | { type: 'failed'; message: string };

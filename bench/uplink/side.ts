import type { SideReport } from './ipc.js';

/** One end of a bench run inside a child process (telemed gateway/hub or an MQTT client). */
export interface Side {
  /** Port others connect to (the hub's), 0 when none. */
  readonly port: number;
  /** Starts offering traffic. */
  start(): void;
  /** Stops offering traffic; what is in flight still lands. */
  stop(): void;
  report(): SideReport;
  close(): Promise<void>;
}

export const GATEWAY_ID = 'bench-gw';
/** Bench-only credential on loopback; not a secret of any deployment. */
export const GATEWAY_SECRET = 'bench-gateway-credential';

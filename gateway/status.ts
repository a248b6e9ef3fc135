import type { ClassName } from '../protocols/index.js';
import type { GatewayConfig } from './config.js';
import type { DeviceView } from './devices/manager.js';
import type { LinkState } from './uplink/link-state.js';
import type { ClassCounters, Uplink } from './uplink/uplink.js';
import type { OutboxFullState } from './uplink/outbox-alarm.js';

/** GET /api/status and the `status` of /live messages (docs/CONTRACTS.md). */
export interface GatewayStatus {
  gatewayId: string;
  siteKind: 'clinic' | 'ambulance';
  siteName: string;
  link: {
    state: LinkState;
    /** ISO time the link last became ready; null while not ready. */
    connectedAt: string | null;
    reconnects: number;
    /** Best recent round-trip time, ms; null before the first Pong. */
    rttMs: number | null;
    /** Hub clock minus gateway clock, ms; null before the first Pong. */
    clockOffsetMs: number | null;
  };
  classes: Record<ClassName, ClassCounters>;
  devices: DeviceView[];
  /**
   * The durable outbox: held bytes/frames, its cap, and refusals while full (alarmed to the hub);
   * acked frames retained for a hub rollback (not in `bytes`), and what rollbacks resent or found pruned.
   */
  outbox: {
    bytes: number; frames: number; maxBytes: number; persistent: boolean; retainedBytes: number; retainedFrames: number;
    resentAfterRollback: number; missingAfterRollback: number;
  } & OutboxFullState;
}

export function buildStatus(config: GatewayConfig, uplink: Uplink, devices: () => DeviceView[]): GatewayStatus {
  const s = uplink.session;
  return {
    gatewayId: config.gatewayId,
    siteKind: config.siteKind,
    siteName: config.siteName,
    link: {
      state: s.state,
      connectedAt: s.connectedAt === null ? null : new Date(s.connectedAt).toISOString(),
      reconnects: s.reconnects,
      rttMs: s.rttMs,
      clockOffsetMs: s.clockOffsetMs,
    },
    classes: uplink.classCounters(),
    devices: devices(),
    outbox: {
      bytes: uplink.outbox.bytes, frames: uplink.outbox.frames, maxBytes: uplink.outbox.maxBytes, persistent: uplink.outbox.persistent,
      retainedBytes: uplink.outbox.retainedBytes, retainedFrames: uplink.outbox.retainedFrames, ...uplink.rollback,
      ...uplink.fullAlarm.state,
    },
  };
}

/**
 * Shapes the pages read from the hub and the gateway (docs/CONTRACTS.md). The pages never trust
 * them blindly: `live-messages.ts` checks each message before it reaches the state.
 */

/** Traffic classes in priority order, as named in configs and metrics (protocols/traffic-class.ts). */
export const CLASS_NAMES = ['control', 'alarm', 'vitals', 'waveform', 'video', 'bulk'] as const;
export type ClassName = (typeof CLASS_NAMES)[number];

/** One-way latency of one class at the hub, in milliseconds; null while no sample exists. */
export interface LatencyStats {
  count: number;
  p50Ms: number | null;
  p99Ms: number | null;
  lastMs: number | null;
}

/** The hub's view of one gateway (`GatewayView`). Times are ISO strings or null. */
export interface GatewayView {
  id: string;
  /** Null until the gateway's first hello reaches the hub. */
  siteKind: 'clinic' | 'ambulance' | null;
  siteName: string | null;
  connected: boolean;
  connectedAt: string | null;
  lastSeenAt: string | null;
  /** Round-trip time of the uplink, ms. */
  rttMs: number | null;
  /** Gateway clock minus hub clock, ms. */
  clockOffsetMs: number | null;
  framesReceived: number;
  latency: Partial<Record<ClassName, LatencyStats>>;
}

/** One numeric of a vitals frame, e.g. `{ code: "MDC_PULS_OXIM_SAT_O2", label: "SpO2", value: 97, unit: "%" }`. */
export interface VitalNumeric {
  code: string;
  label: string;
  value: number;
  unit: string;
}

/** Latest vitals of one gateway, as the hub fans them out. */
export interface VitalsMessage {
  type: 'vitals';
  gatewayId: string;
  streamId: string;
  captureTime: string | number;
  numerics: VitalNumeric[];
}

/** Messages of the hub's `/live` socket. Unknown types are ignored. */
export type HubLiveMessage =
  | { type: 'snapshot'; gateways: GatewayView[] }
  | { type: 'gateway'; gateway: GatewayView }
  | VitalsMessage
  | { type: 'alarm'; gatewayId: string; [key: string]: unknown };

/** States of the gateway's uplink session (docs/CONTRACTS.md). */
export const LINK_STATES = ['idle', 'connecting', 'authenticating', 'ready', 'backoff', 'closed', 'refused'] as const;
export type LinkState = (typeof LINK_STATES)[number];

/** Per-class counters of the gateway's uplink, in frames. */
export interface ClassCounters {
  sent: number;
  dropped: number;
  queued: number;
  acked: number;
}

/** The gateway's `/api/status` answer and the `status` of its `/live` messages. */
export interface GatewayStatus {
  gatewayId: string;
  siteKind: 'clinic' | 'ambulance';
  siteName: string;
  link: {
    state: LinkState;
    connectedAt: string | null;
    reconnects: number;
    rttMs: number | null;
    clockOffsetMs: number | null;
  };
  classes: Partial<Record<ClassName, ClassCounters>>;
  devices: { id: string; kind: string; state: string }[];
}

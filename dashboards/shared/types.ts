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

// ---- ECG workflow (docs/CONTRACTS.md "ECG workflow") ----

/** Severity of an analysis finding; `critical` is shown in red and raises an alarm at the gateway. */
export type FindingSeverity = 'info' | 'abnormal' | 'critical';

/** One finding of the gateway's analysis or the cart's own interpretation. Samples index the record. */
export interface EcgFinding {
  code: string;
  severity: FindingSeverity;
  text: string;
  /** Lead the finding is about ('II', 'V3R', …), or null for the whole record. */
  lead: string | null;
  startSample: number;
  endSample: number;
  origin: 'gateway' | 'cart';
}

/** Signal quality of one lead: score 0 (unusable) … 1 (clean), with the reasons it lost points. */
export interface EcgLeadQuality {
  lead: string;
  score: number;
  issues: string[];
}

/** Overall quality of a record; `poor` prompts the clinic to retake it. */
export type EcgVerdict = 'good' | 'acceptable' | 'poor';

/** A signed reading of one record (`DiagnosisView`). */
export interface DiagnosisView {
  diagnosisId: string;
  readerName: string;
  statements: string[];
  text: string;
  /** ISO time the reader signed. */
  signedAt: string;
  critical: boolean;
  /** 1 for the first reading, +1 for each amendment. */
  revision: number;
  signatureAlg: string;
  /** Hex. */
  signature: string;
  /** Gateway API only: its check of the hub's Ed25519 signature against the enrolled key. */
  verification?: DiagnosisVerification;
}

/** 'verified', 'unverified' (bad signature or unknown key), 'no-key' (none enrolled), 'legacy' (HMAC, before Ed25519). */
export type DiagnosisVerification = 'verified' | 'unverified' | 'no-key' | 'legacy';

/** Where a record is at the clinic's gateway (`GatewayEcgView.state`). */
export const GATEWAY_ECG_STATES = ['preview', 'queued', 'sending', 'delivered', 'in-reading', 'reported', 'discarded', 'rejected'] as const;
export type GatewayEcgState = (typeof GATEWAY_ECG_STATES)[number];

/** One ECG record at the gateway (`GET /api/ecg/records`). */
export interface GatewayEcgView {
  recordId: string;
  deviceId: string;
  source: string;
  /** ISO. */
  acquiredAt: string;
  durationS: number;
  sampleRateHz: number;
  leads: string[];
  heartRateBpm: number | null;
  verdict: EcgVerdict;
  leadQuality: EcgLeadQuality[];
  findings: EcgFinding[];
  /** 0 routine … 3 most urgent. */
  priority: number;
  critical: boolean;
  state: GatewayEcgState;
  /** Bytes of the record document on the uplink. */
  progress: { totalBytes: number; sentBytes: number; ackedBytes: number };
  readerName: string | null;
  diagnosis: DiagnosisView | null;
  updatedAt: string;
  error: { code: string; message: string } | null;
}

/** Reading state at the hub. */
export type HubEcgStatus = 'pending' | 'in_reading' | 'reported';

/** One ECG record at the hub (`GET /api/ecg/worklist`); never carries the patient reference. */
export interface HubEcgView {
  id: string;
  gatewayId: string;
  recordId: string;
  receivedAt: string;
  status: HubEcgStatus;
  priority: number;
  claimedBy: string | null;
  byteSize: number;
  contentType: string;
  corruptCode: string | null;
  heartRateBpm: number | null;
  verdict: EcgVerdict | null;
  findings: EcgFinding[];
  leadQuality: EcgLeadQuality[];
  durationS: number | null;
  sampleRateHz: number | null;
  leads: string[];
  statements: string[];
  diagnosis: DiagnosisView | null;
  /** Where the newest diagnosis is on its way to the clinic; null before any (hub reading-plugin.ts). */
  relay: RelayView | null;
}

/** queued: the hub holds it for the gateway; deferred: refused for now, the hub retries; delivered: the gateway acked it. */
export interface RelayView {
  state: 'queued' | 'deferred' | 'delivered';
  revision: number;
  at: string;
}

/** Samples of a record, normalised from the hub's `{ name, uv }` and the gateway's `{ lead, uv }`. */
export interface EcgSamples {
  sampleRateHz: number;
  leads: { lead: string; uv: number[] }[];
}

/** One line of a record's audit trail at the hub. */
export interface EcgAuditEvent {
  at: string;
  actor: string;
  action: string;
  detail: unknown;
}

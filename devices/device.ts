import type { TrafficClass, telemed } from '../protocols/index.js';

// The seam between drivers and the gateway: every driver in devices/ (ecg-cart, vitals-monitor,
// hl7-mllp, gps, ultrasound-arm) implements Device; the gateway's device manager consumes it.

/** The payload of a reading: exactly one arm of the wire Envelope's payload. */
export type ReadingPayload =
  | { vitals: telemed.v1.IVitalsNumerics }
  | { waveform: telemed.v1.IWaveformChunk }
  | { alarm: telemed.v1.IAlarm }
  | { armTelemetry: telemed.v1.IArmTelemetry }
  | { armAudit: telemed.v1.IArmAuditRecord }
  | { ultrasound: telemed.v1.IUltrasoundFrame }
  | { ecgChunk: telemed.v1.IEcgRecordChunk };

/** One typed reading from a device. Devices never know about the network. */
export interface Reading {
  /** Stream name local to the device, e.g. "vitals", "ecg-ii"; the gateway prefixes the device id. */
  readonly stream: string;
  readonly trafficClass: TrafficClass;
  /** Kept until the hub has stored it (true) or dropped when late (false). */
  readonly durable: boolean;
  /** Capture time, Unix ns on the gateway's clock. */
  readonly captureTimeNs: number;
  readonly payload: ReadingPayload;
}

/** Lifecycle of a device session. */
export type DeviceState = 'stopped' | 'starting' | 'running' | 'faulted';

export interface DeviceEvents {
  reading: [Reading];
  state: [DeviceState];
}

/** What every driver (synthetic, ECG cart, vital-sign monitor, ...) offers the device manager. */
export interface Device {
  readonly id: string;
  /** Driver kind as in the config, e.g. "synthetic". */
  readonly kind: string;
  readonly state: DeviceState;
  /** Starts producing readings; `signal` stops the device like stop(). */
  start(signal: AbortSignal): Promise<void>;
  stop(): Promise<void>;
  on<K extends keyof DeviceEvents>(event: K, listener: (...args: DeviceEvents[K]) => void): unknown;
  off<K extends keyof DeviceEvents>(event: K, listener: (...args: DeviceEvents[K]) => void): unknown;
}

/** Interval timers, injected so tests can drive a device with fake time. */
export interface IntervalTimers {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export const systemIntervals: IntervalTimers = {
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (h) => clearInterval(h as NodeJS.Timeout),
};

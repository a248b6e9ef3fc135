import { createHash, randomBytes } from 'node:crypto';
import { telemed, type ClassName, type EnvelopeInit } from '../../protocols/index.js';
import { wallMs } from './clock.js';
import type { TrafficSpec } from './scenario.js';

/** The payload arm of an envelope, e.g. `{ vitals: {...} }`. */
export type Payload = Omit<EnvelopeInit, 'header'>;

/** One frame offered by a stand-in device, before any transport numbers it. */
export interface BenchFrame {
  readonly streamId: string;
  readonly cls: ClassName;
  readonly durable: boolean;
  /** Capture time, wall ms (clock.ts). */
  readonly captureMs: number;
  readonly payload: Payload;
}

export type FrameSink = (f: BenchFrame) => void;

const v1 = telemed.v1;

/** Backlog and record streams; "tunnel" measures the drain of everything durable but the backlog. */
export const BACKLOG_STREAM = 'bulk/backlog';
export const RECORD_STREAM = 'ecg/records';

function pose(t: number): telemed.v1.IPose {
  return { xMm: 100 + Math.sin(t) * 10, yMm: 50 + Math.cos(t) * 10, zMm: 20, rollDeg: 0, pitchDeg: 5, yawDeg: 90 };
}

/** Runs `fn` every `periodMs` against absolute due times, so a late timer catches up instead of drifting. */
function periodic(periodMs: number, fn: (n: number) => void, signal: AbortSignal): void {
  const start = wallMs();
  let n = 0;
  const tick = (): void => {
    if (signal.aborted) return;
    while (start + n * periodMs <= wallMs()) fn(n++);
    setTimeout(tick, Math.max(0, start + n * periodMs - wallMs()));
  };
  tick();
}

/** SHA-256 of a whole record, as the cart puts it on the record's first chunk. */
export function sha256(data: Uint8Array): Uint8Array {
  return createHash('sha256').update(data).digest();
}

/**
 * Cuts one BULK object into chunk frames as an ECG cart hands it over: the record's SHA-256 on the
 * first chunk (the hub checks it once the record is whole), `last` on the final one.
 */
export function bulkObject(streamId: string, recordId: string, data: Uint8Array, hash: Uint8Array, chunk: number, sink: FrameSink): void {
  for (let off = 0; off < data.length; off += chunk) {
    const end = Math.min(data.length, off + chunk);
    sink({
      streamId, cls: 'bulk', durable: true, captureMs: wallMs(),
      payload: { ecgChunk: {
        recordId, offset: off, totalSize: data.length, data: data.subarray(off, end), contentType: RECORD_CONTENT_TYPE,
        last: end === data.length, ...(off === 0 ? { sha256: hash } : {}),
      } },
    });
  }
}

/**
 * The cart's raw record format: 18 leads × 500 Hz × 10 s of int16 is the 180 kB record.
 * The hub checks the hash and the size against it and stores the blob; the bytes are noise.
 */
export const RECORD_CONTENT_TYPE = 'application/x-telemed-ecg-int16le; leads=18; rate=500';

/**
 * The backlog as whole stored records of `recordBytes` each (as many as come closest to `bytes`),
 * every one with its own hash: what piles up on a cart over a day. One 50 MB "record" would exceed
 * the hub's record size limit and be stored as corrupt.
 */
export function backlogRecords(bytes: number, recordBytes: number, chunk: number, sink: FrameSink): void {
  const n = Math.max(1, Math.round(bytes / recordBytes));
  const all = randomBytes(n * recordBytes);
  for (let i = 0; i < n; i++) {
    const rec = all.subarray(i * recordBytes, (i + 1) * recordBytes);
    bulkObject(BACKLOG_STREAM, `backlog-${i}`, rec, sha256(rec), chunk, sink);
  }
}

/** Uplink traffic of issue 3 item 6 (edge side), until `signal` aborts. */
export function startUplinkTraffic(spec: TrafficSpec, sink: FrameSink, signal: AbortSignal): void {
  // Incompressible bytes, as a JPEG or a compressed record is; shared buffers, nothing is mutated.
  const video = randomBytes(spec.videoBytes);
  const record = randomBytes(spec.recordBytes);
  const recordHash = sha256(record);
  if (spec.backlogBytes > 0) backlogRecords(spec.backlogBytes, spec.recordBytes, spec.bulkChunkBytes, sink);
  periodic(1000 / spec.controlHz, (n) => sink({
    streamId: 'arm/telemetry', cls: 'control', durable: false, captureMs: wallMs(),
    payload: { armTelemetry: { armId: 'arm-1', pose: pose(n / 100), forceN: 2.5, state: v1.ArmState.ARM_STATE_MOVING, lastCommandId: n } },
  }), signal);
  periodic(spec.alarmEveryS * 1000, (n) => {
    for (let i = 0; i < spec.alarmBurst; i++) {
      sink({
        streamId: 'alarms/monitor-1', cls: 'alarm', durable: true, captureMs: wallMs(),
        payload: { alarm: { alarmId: `a-${n}-${i}`, deviceId: 'monitor-1', kind: v1.AlarmKind.ALARM_KIND_PHYSIOLOGICAL, priority: v1.AlarmPriority.ALARM_PRIORITY_HIGH, state: v1.AlarmState.ALARM_STATE_ACTIVE, code: 'MDC_EVT_HI', text: 'HR high', value: 142, unit: '/min' } },
      });
    }
  }, signal);
  periodic(1000, (n) => {
    for (let m = 1; m <= spec.monitors; m++) {
      sink({
        streamId: `vitals/monitor-${m}`, cls: 'vitals', durable: true, captureMs: wallMs(),
        payload: { vitals: { deviceId: `monitor-${m}`, numerics: [
          { code: 'MDC_ECG_HEART_RATE', label: 'HR', value: 70 + (n % 5), unit: '/min', valid: true },
          { code: 'MDC_PULS_OXIM_SAT_O2', label: 'SpO2', value: 97, unit: '%', valid: true },
          { code: 'MDC_PRESS_BLD_NONINV_SYS', label: 'NIBP-S', value: 121, unit: 'mm[Hg]', valid: true },
          { code: 'MDC_PRESS_BLD_NONINV_DIA', label: 'NIBP-D', value: 79, unit: 'mm[Hg]', valid: true },
          { code: 'MDC_RESP_RATE', label: 'RR', value: 16, unit: '/min', valid: true },
          { code: 'MDC_TEMP_BODY', label: 'Temp', value: 36.8, unit: 'Cel', valid: true },
        ] } },
      });
    }
  }, signal);
  periodic(40, (n) => {
    for (let s = 1; s <= spec.waveformStreams; s++) {
      const samples = Array.from({ length: 20 }, (_, i) => Math.round(800 * Math.sin((n * 20 + i) / 30)));
      sink({
        streamId: `ecg/live-${s}`, cls: 'waveform', durable: false, captureMs: wallMs(),
        payload: { waveform: { deviceId: `monitor-${s}`, channel: 'ECG_II', code: 'MDC_ECG_LEAD_II', sampleRateHz: 500, firstSampleIndex: n * 20, samples, scale: 1, unit: 'uV' } },
      });
    }
  }, signal);
  periodic(1000 / spec.videoFps, (n) => sink({
    streamId: 'us/probe-1', cls: 'video', durable: false, captureMs: wallMs(),
    payload: { ultrasound: { frameId: n, width: 256, height: 256, encoding: v1.ImageEncoding.IMAGE_ENCODING_JPEG, quality: 80, data: video, depthMm: 120, gainDb: 30 } },
  }), signal);
  periodic(spec.recordEveryS * 1000, (n) => bulkObject(RECORD_STREAM, `rec-${n}`, record, recordHash, spec.bulkChunkBytes, sink), signal);
}

/** Downlink traffic (hub side): CONTROL arm commands at `controlHz`. */
export function startDownlinkTraffic(spec: TrafficSpec, sink: FrameSink, signal: AbortSignal): void {
  periodic(1000 / spec.controlHz, (n) => sink({
    streamId: 'arm/commands', cls: 'control', durable: false, captureMs: wallMs(),
    payload: { armCommand: { commandId: n + 1, leaseId: 'lease-bench', kind: v1.ArmCommandKind.ARM_COMMAND_KIND_MOVE, target: pose(n / 100), maxSpeedMmS: 20, maxForceN: 5, issuedAtNs: wallMs() * 1e6, operatorId: 'op-bench' } },
  }), signal);
}

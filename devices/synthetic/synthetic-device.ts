import { EventEmitter } from 'node:events';
import { TrafficClass, telemed, type Clock } from '../../protocols/index.js';
import { systemIntervals, type Device, type DeviceEvents, type DeviceState, type IntervalTimers, type ReadingPayload } from './device-api.js';
import { mulberry32 } from '../../protocols/random.js';
import { ecgMicrovolts, vitalsAt } from './signals.js';
import { chunkRecord, synthEcgRecord } from './ecg-record.js';

/** Rates of the synthetic streams (ms between readings). */
export const SYNTH_PERIODS = Object.freeze({
  vitalsMs: 1000, // 1 Hz numerics
  ecgMs: 40, // 20 samples at 500 Hz per chunk
  armMs: 20, // 50 Hz arm telemetry
  ultrasoundMs: 100, // 10 fps
  recordMs: 30_000, // one 10 s diagnostic record every 30 s
});
export const ECG_RATE_HZ = 500;
export const US_WIDTH = 128;
export const US_HEIGHT = 64; // 8 KiB gray8

export interface SyntheticDeviceOptions {
  readonly id: string;
  /** clinic: everything incl. arm, ultrasound, ECG records; ambulance: vitals with GPS, ECG, alarms. */
  readonly profile: 'clinic' | 'ambulance';
  readonly seed: number;
  readonly clock: Clock;
  readonly timers?: IntervalTimers;
}

const { AlarmKind, AlarmPriority, AlarmState, ArmState, ImageEncoding } = telemed.v1;

/**
 * A placeholder patient and bedside kit for the demo: one stream per traffic class at realistic
 * rates. Deterministic for a seed.
 */
export class SyntheticDevice extends EventEmitter<DeviceEvents> implements Device {
  readonly kind = 'synthetic';
  private current: DeviceState = 'stopped';
  private handles: unknown[] = [];
  private t0Ms = 0;
  private ecgIndex = 0;
  private usFrame = 0;
  private records = 0;
  private alarmSeq = 0;
  private spo2AlarmId: string | null = null;
  private readonly rnd: () => number;
  private readonly timers: IntervalTimers;
  /** Opaque synthetic patient reference; never logged (redacted by the gateway logger). */
  private readonly patientRef: string;

  constructor(private readonly opts: SyntheticDeviceOptions) {
    super();
    this.rnd = mulberry32(opts.seed);
    this.timers = opts.timers ?? systemIntervals;
    this.patientRef = `synthetic-${opts.id}`;
  }

  get id(): string {
    return this.opts.id;
  }
  get state(): DeviceState {
    return this.current;
  }

  start(signal: AbortSignal): Promise<void> {
    if (this.current !== 'stopped') return Promise.resolve();
    this.setState('starting');
    this.t0Ms = this.opts.clock.monoMs();
    const every = (ms: number, fn: () => void): void => {
      this.handles.push(this.timers.setInterval(fn, ms));
    };
    every(SYNTH_PERIODS.vitalsMs, () => this.tickVitals());
    every(SYNTH_PERIODS.ecgMs, () => this.tickEcg());
    if (this.opts.profile === 'clinic') {
      every(SYNTH_PERIODS.armMs, () => this.tickArm());
      every(SYNTH_PERIODS.ultrasoundMs, () => this.tickUltrasound());
      every(SYNTH_PERIODS.recordMs, () => this.tickRecord());
    }
    signal.addEventListener('abort', () => void this.stop(), { once: true });
    this.setState('running');
    return Promise.resolve();
  }

  stop(): Promise<void> {
    for (const h of this.handles) this.timers.clearInterval(h);
    this.handles = [];
    this.setState('stopped');
    return Promise.resolve();
  }

  private setState(s: DeviceState): void {
    if (s === this.current) return;
    this.current = s;
    this.emit('state', s);
  }

  private elapsedS(): number {
    return (this.opts.clock.monoMs() - this.t0Ms) / 1000;
  }

  private push(stream: string, trafficClass: TrafficClass, durable: boolean, payload: ReadingPayload): void {
    this.emit('reading', { stream, trafficClass, durable, captureTimeNs: this.opts.clock.nowNs(), payload });
  }

  private tickVitals(): void {
    const t = this.elapsedS();
    const v = vitalsAt(t, this.rnd);
    // IEEE 11073-10101 reference ids and UCUM units.
    const numerics: telemed.v1.INumeric[] = [
      { code: 'MDC_ECG_HEART_RATE', label: 'HR', value: v.hr, unit: '/min', valid: true },
      { code: 'MDC_PULS_OXIM_SAT_O2', label: 'SpO2', value: v.spo2, unit: '%', valid: true },
      { code: 'MDC_PRESS_BLD_NONINV_SYS', label: 'NIBP sys', value: v.sys, unit: 'mm[Hg]', valid: true },
      { code: 'MDC_PRESS_BLD_NONINV_DIA', label: 'NIBP dia', value: v.dia, unit: 'mm[Hg]', valid: true },
      { code: 'MDC_RESP_RATE', label: 'RR', value: v.rr, unit: '/min', valid: true },
      { code: 'MDC_TEMP_BODY', label: 'Temp', value: v.temp, unit: 'Cel', valid: true },
    ];
    const vitals: telemed.v1.IVitalsNumerics = { deviceId: this.id, patientRef: this.patientRef, numerics };
    if (this.opts.profile === 'ambulance') {
      // Driving north-east out of town at ~15 m/s.
      vitals.position = { latitudeDeg: 31.2304 + t * 1e-4, longitudeDeg: 121.4737 + t * 1e-4, speedMps: 15, headingDeg: 45, accuracyM: 5 };
    }
    this.push('vitals', TrafficClass.TRAFFIC_CLASS_VITALS, true, { vitals });
    this.checkSpo2Alarm(v.spo2);
  }

  private checkSpo2Alarm(spo2: number): void {
    // Hysteresis: raise below 90 %, clear at 92 % or above, so a noisy value does not flap.
    if (this.spo2AlarmId === null && spo2 < 90) {
      this.alarmSeq += 1;
      this.spo2AlarmId = `${this.id}-spo2-${this.alarmSeq}`;
      this.pushAlarm(this.spo2AlarmId, AlarmState.ALARM_STATE_ACTIVE, spo2);
    } else if (this.spo2AlarmId !== null && spo2 >= 92) {
      this.pushAlarm(this.spo2AlarmId, AlarmState.ALARM_STATE_CLEARED, spo2);
      this.spo2AlarmId = null;
    }
  }

  private pushAlarm(alarmId: string, state: telemed.v1.AlarmState, spo2: number): void {
    this.push('alarm', TrafficClass.TRAFFIC_CLASS_ALARM, true, {
      alarm: {
        alarmId, deviceId: this.id, kind: AlarmKind.ALARM_KIND_PHYSIOLOGICAL, priority: AlarmPriority.ALARM_PRIORITY_HIGH,
        state, code: 'TM_ALARM_SPO2_LOW', text: 'SpO2 low', value: spo2, unit: '%', patientRef: this.patientRef,
      },
    });
  }

  private tickEcg(): void {
    const n = (ECG_RATE_HZ * SYNTH_PERIODS.ecgMs) / 1000;
    const hr = vitalsAt(this.elapsedS(), () => 0.5).hr;
    const samples: number[] = [];
    for (let i = 0; i < n; i++) samples.push(Math.round(ecgMicrovolts((this.ecgIndex + i) / ECG_RATE_HZ, hr) + (this.rnd() - 0.5) * 20));
    this.push('ecg-ii', TrafficClass.TRAFFIC_CLASS_WAVEFORM, false, {
      waveform: {
        deviceId: this.id, channel: 'ECG_II', code: 'MDC_ECG_LEAD_II', sampleRateHz: ECG_RATE_HZ,
        firstSampleIndex: this.ecgIndex, samples, scale: 0.001, unit: 'mV', patientRef: this.patientRef,
      },
    });
    this.ecgIndex += n;
  }

  private tickArm(): void {
    const t = this.elapsedS();
    this.push('arm', TrafficClass.TRAFFIC_CLASS_CONTROL, false, {
      armTelemetry: {
        armId: `${this.id}-arm`,
        pose: { xMm: 200 + 10 * Math.sin(t), yMm: 15 * Math.cos(t / 2), zMm: 120, rollDeg: 0, pitchDeg: 15, yawDeg: 0 },
        forceN: 2 + Math.sin(t * 3),
        state: ArmState.ARM_STATE_IDLE,
      },
    });
  }

  private tickUltrasound(): void {
    const data = new Uint8Array(US_WIDTH * US_HEIGHT);
    const phase = this.usFrame / 10;
    for (let y = 0; y < US_HEIGHT; y++) {
      for (let x = 0; x < US_WIDTH; x++) {
        // A bright moving band (a "vessel wall") over speckle.
        const band = Math.abs(y - 32 - 6 * Math.sin(phase + x / 20)) < 2 ? 180 : 0;
        data[y * US_WIDTH + x] = Math.min(255, band + Math.floor(this.rnd() * 60));
      }
    }
    this.usFrame += 1;
    this.push('ultrasound', TrafficClass.TRAFFIC_CLASS_VIDEO, false, {
      ultrasound: { frameId: this.usFrame, width: US_WIDTH, height: US_HEIGHT, encoding: ImageEncoding.IMAGE_ENCODING_GRAY8, quality: 100, data, depthMm: 60, gainDb: 40 },
    });
  }

  private tickRecord(): void {
    this.records += 1;
    const recordId = `${this.id}-rec-${this.records}`;
    const hr = vitalsAt(this.elapsedS(), () => 0.5).hr;
    for (const ecgChunk of chunkRecord(recordId, synthEcgRecord(hr), this.patientRef)) {
      this.push('ecg-record', TrafficClass.TRAFFIC_CLASS_BULK, true, { ecgChunk });
    }
  }
}

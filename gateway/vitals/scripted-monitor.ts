// Test double of a vital-sign monitor driver (the Device seam, devices/device.ts) for
// the gateway's own tests and the ambulance page test: readings on demand, no I/O. The real
// drivers live in devices/.
import { EventEmitter } from 'node:events';
import { TrafficClass, telemed } from '../../protocols/index.js';
import type { Device, DeviceEvents, DeviceState, Reading } from '../../devices/device.js';

export class ScriptedMonitor extends EventEmitter<DeviceEvents> implements Device {
  readonly kind = 'scripted';
  state: DeviceState = 'stopped';
  private readonly indexes = new Map<string, number>();

  constructor(readonly id: string, private readonly patientRef = 'pt-test-1') {
    super();
  }

  start(): Promise<void> { this.set('running'); return Promise.resolve(); }
  stop(): Promise<void> { this.set('stopped'); return Promise.resolve(); }

  set(s: DeviceState): void {
    this.state = s;
    this.emit('state', s);
  }

  /** One numerics reading: `values` by MDC code ({ value: null } = not available). */
  numerics(numerics: telemed.v1.INumeric[], position?: telemed.v1.IGeoPosition): void {
    const vitals: telemed.v1.IVitalsNumerics = { deviceId: this.id, patientRef: this.patientRef, numerics };
    if (position) vitals.position = position;
    this.push({ stream: 'vitals', trafficClass: TrafficClass.TRAFFIC_CLASS_VITALS, durable: true, captureTimeNs: Date.now() * 1e6, payload: { vitals } });
  }

  /** The next `n` samples of a waveform channel from `fn(sampleIndex)` (integers, physical = x · scale). */
  waveform(stream: string, channel: string, code: string, rateHz: number, n: number, scale: number, unit: string, fn: (i: number) => number): void {
    const first = this.indexes.get(stream) ?? 0;
    this.indexes.set(stream, first + n);
    const samples = Array.from({ length: n }, (_, k) => Math.round(fn(first + k)));
    this.push({
      stream, trafficClass: TrafficClass.TRAFFIC_CLASS_WAVEFORM, durable: false, captureTimeNs: Date.now() * 1e6,
      payload: { waveform: { deviceId: this.id, channel, code, sampleRateHz: rateHz, firstSampleIndex: first, samples, scale, unit, patientRef: this.patientRef } },
    });
  }

  alarm(alarm: telemed.v1.IAlarm): void {
    this.push({ stream: 'alarm', trafficClass: TrafficClass.TRAFFIC_CLASS_ALARM, durable: true, captureTimeNs: Date.now() * 1e6, payload: { alarm: { deviceId: this.id, ...alarm } } });
  }

  private push(r: Reading): void {
    this.emit('reading', r);
  }
}

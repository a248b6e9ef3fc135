import { EventEmitter } from 'node:events';
import { TrafficClass, type Clock } from '../../protocols/index.js';
import { systemIntervals, type Device, type DeviceEvents, type DeviceState, type IntervalTimers } from '../../devices/device.js';

/** Options of the load generator. */
export interface LoadDeviceOptions {
  readonly id: string;
  /** Durable readings per second per stream. */
  readonly durableHz: number;
  /** Number of streams (`load-0`, `load-1`, ...). */
  readonly streams: number;
  /** When set, each reading is a durable BULK record chunk of this many bytes (16 KiB as a cart
   * sends them) instead of a VITALS reading: bytes/s = durableHz × streams × chunkBytes. */
  readonly chunkBytes?: number;
  readonly clock: Clock;
  readonly timers?: IntervalTimers;
}

/** Record chunks per record id of the BULK mode (a 10 s 18-lead record is ~12 chunks of 16 KiB). */
const CHUNKS_PER_RECORD = 12;

/** Tick period, ms: readings are emitted in small bursts so high rates need no 1 ms timers. */
const TICK_MS = 10;

/**
 * A test device (config kind `load`) that offers a steady rate of durable VITALS readings, for
 * the crash-safety tests and throughput runs. Each reading carries a running counter.
 */
export class LoadDevice extends EventEmitter<DeviceEvents> implements Device {
  readonly kind = 'load';
  private current: DeviceState = 'stopped';
  private handle: unknown;
  private owed = 0;
  /** Clock time of the last tick, ms: readings are owed by elapsed time, so a late timer does not lower the rate. */
  private lastTickMs: number | undefined;
  private n = 0;
  private readonly timers: IntervalTimers;
  /** The BULK mode's chunk payload: one buffer, sent again and again (the outbox copies it). */
  private readonly chunk: Uint8Array | undefined;

  constructor(private readonly opts: LoadDeviceOptions) {
    super();
    this.timers = opts.timers ?? systemIntervals;
    this.chunk = opts.chunkBytes !== undefined ? new Uint8Array(opts.chunkBytes).fill(0x5a) : undefined;
  }

  get id(): string {
    return this.opts.id;
  }
  get state(): DeviceState {
    return this.current;
  }

  start(signal: AbortSignal): Promise<void> {
    if (this.current !== 'stopped') return Promise.resolve();
    this.handle = this.timers.setInterval(() => this.tick(), TICK_MS);
    signal.addEventListener('abort', () => void this.stop(), { once: true });
    this.setState('running');
    return Promise.resolve();
  }

  stop(): Promise<void> {
    this.timers.clearInterval(this.handle);
    this.handle = undefined;
    this.lastTickMs = undefined;
    this.setState('stopped');
    return Promise.resolve();
  }

  private setState(s: DeviceState): void {
    if (s === this.current) return;
    this.current = s;
    this.emit('state', s);
  }

  private tick(): void {
    const now = this.opts.clock.monoMs();
    const elapsedMs = this.lastTickMs === undefined ? TICK_MS : Math.max(0, now - this.lastTickMs);
    this.lastTickMs = now;
    this.owed += (this.opts.durableHz * elapsedMs) / 1000;
    for (; this.owed >= 1; this.owed -= 1) {
      this.n += 1;
      for (let s = 0; s < this.opts.streams; s++) {
        if (this.chunk !== undefined) {
          const i = this.n - 1;
          this.emit('reading', {
            stream: `load-${s}`, trafficClass: TrafficClass.TRAFFIC_CLASS_BULK, durable: true, captureTimeNs: this.opts.clock.nowNs(),
            payload: { ecgChunk: { recordId: `r${Math.floor(i / CHUNKS_PER_RECORD)}`, offset: (i % CHUNKS_PER_RECORD) * this.chunk.length, data: this.chunk } },
          });
          continue;
        }
        this.emit('reading', {
          stream: `load-${s}`, trafficClass: TrafficClass.TRAFFIC_CLASS_VITALS, durable: true, captureTimeNs: this.opts.clock.nowNs(),
          payload: { vitals: { deviceId: this.id, numerics: [{ code: 'MDC_ECG_HEART_RATE', label: 'HR', value: this.n % 1000, unit: '/min', valid: true }] } },
        });
      }
    }
  }
}

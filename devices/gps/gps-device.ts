import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { TrafficClass, type Clock } from '../../protocols/index.js';
import { EtaEstimator, GpsFixTracker, NmeaLineFramer, type GpsFix, type LatLon } from '../../protocols/nmea/index.js';
import { Watchdog, backoffMs, systemTimers, type Timers } from '../ecg-cart/watchdog.js';
import type { SerialTransport, TransportFactory } from '../ecg-cart/transport.js';
import type { Device, DeviceEvents, DeviceState, IntervalTimers, ReadingPayload } from '../device.js';
import { systemIntervals } from '../device.js';
import { fixPayload, noFixAlarm } from './readings.js';

export interface GpsDeviceOptions {
  readonly id: string;
  /** Stable serial path, resolved again on every (re)open. */
  readonly path: string;
  /** Default 4800 (NMEA 0183's standard rate). */
  readonly baudRate?: number;
  readonly transport: TransportFactory;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The hospital; with `route`, the route's last point is used. Absent: no ETA. */
  readonly destination?: LatLon;
  readonly route?: readonly LatLon[];
  readonly etaTauS?: number;
  readonly etaFloorMps?: number;
  /** No byte for this long: reopen the port. Default 5000. */
  readonly watchdogMs?: number;
  /** No measured fix for this long: TM_ALARM_GPS_NO_FIX. Default 3000. */
  readonly noFixMs?: number;
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
  readonly timers?: Timers;
  readonly intervals?: IntervalTimers;
}

export interface GpsDeviceStats {
  lines: number;
  fixes: number;
  /** Fixes emitted (one per receiver second). */
  emitted: number;
  /** Refused lines and framing errors by TM_ERR_NMEA_* code. */
  errors: Record<string, number>;
  reconnects: number;
  watchdogResets: number;
}

/**
 * Device kind `gps-nmea`: an NMEA 0183 receiver on a serial port. Readings:
 *   `gps`         VITALS durable  { vitals } with `position` (+ TM_ETA_S, TM_ETA_REMAINING_M), one per second with a measured fix
 *   `gps-status`  ALARM  durable  { alarm }  TM_ALARM_GPS_NO_FIX raised after `noFixMs` without a fix, cleared by the next fix
 * Session loop like the ECG cart: open → read; a failed port, a vanished node or a silent line
 * (watchdog) closes it, backs off and reopens.
 */
export class GpsNmeaDevice extends EventEmitter<DeviceEvents> implements Device {
  readonly kind = 'gps-nmea';
  readonly stats: GpsDeviceStats = { lines: 0, fixes: 0, emitted: 0, errors: {}, reconnects: 0, watchdogResets: 0 };
  private current: DeviceState = 'stopped';
  private controller: AbortController | null = null;
  private loop: Promise<void> | null = null;
  private transport: SerialTransport | null = null;
  private readonly eta: EtaEstimator | null;
  private readonly timers: Timers;
  private readonly intervals: IntervalTimers;
  private readonly log: Logger;
  private tracker = new GpsFixTracker();
  private lastEmittedSecond: number | null = null;
  private lastFixMono: number;
  private lastByteMono = 0;
  private noFix = false;
  private alarmSeq = 0;
  private ticker: unknown = null;

  constructor(private readonly o: GpsDeviceOptions) {
    super();
    this.timers = o.timers ?? systemTimers;
    this.intervals = o.intervals ?? systemIntervals;
    this.log = o.logger.child({ deviceId: o.id, component: 'gps-nmea' });
    const destination = o.route?.[o.route.length - 1] ?? o.destination;
    this.eta = destination === undefined ? null : new EtaEstimator({
      destination, ...(o.route ? { route: o.route } : {}),
      ...(o.etaTauS !== undefined ? { tauS: o.etaTauS } : {}), ...(o.etaFloorMps !== undefined ? { floorMps: o.etaFloorMps } : {}),
    });
    this.lastFixMono = o.clock.monoMs();
  }

  get id(): string { return this.o.id; }
  get state(): DeviceState { return this.current; }

  start(signal: AbortSignal): Promise<void> {
    if (this.loop) return Promise.resolve();
    const controller = new AbortController();
    this.controller = controller;
    signal.addEventListener('abort', () => controller.abort(), { once: true });
    this.lastFixMono = this.o.clock.monoMs();
    this.ticker = this.intervals.setInterval(() => this.tick(), 500);
    this.loop = this.run(controller.signal);
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    this.controller?.abort();
    if (this.ticker !== null) this.intervals.clearInterval(this.ticker);
    this.ticker = null;
    await this.transport?.close();
    await this.loop;
    this.loop = null;
  }

  private to(s: DeviceState): void {
    if (s === this.current) return;
    this.current = s;
    this.log.info({ state: s }, 'gps state');
    this.emit('state', s);
  }

  private async run(signal: AbortSignal): Promise<void> {
    const backoff = this.o.backoff ?? { initialMs: 250, maxMs: 5000 };
    let attempt = 0;
    this.to('starting');
    while (!signal.aborted) {
      try {
        await this.session(signal, () => { attempt = 0; });
      } catch (err) {
        if (signal.aborted) break;
        this.log.warn({ code: (err as { code?: string }).code ?? 'unknown' }, 'gps session ended');
      }
      if (signal.aborted) break;
      this.to('faulted');
      this.stats.reconnects++;
      await this.sleep(backoffMs(attempt++, backoff.initialMs, backoff.maxMs), signal);
    }
    this.to('stopped');
  }

  private sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const timers = this.timers;
      const h = timers.setTimeout(done, ms);
      function done(): void { signal.removeEventListener('abort', abort); resolve(); }
      function abort(): void { timers.clearTimeout(h); resolve(); }
      signal.addEventListener('abort', abort, { once: true });
    });
  }

  private async session(signal: AbortSignal, opened: () => void): Promise<void> {
    const t = this.o.transport();
    this.transport = t;
    let failure: Error | null = null;
    const dog = new Watchdog(this.o.watchdogMs ?? 5000, () => this.o.clock.monoMs(), this.timers, () => {
      this.stats.watchdogResets++;
      failure ??= Object.assign(new Error('no bytes from the GPS receiver'), { code: 'TM_ERR_GPS_SILENT' });
      void t.close();
    });
    const onAbort = (): void => void t.close();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await t.open(this.o.path, { baudRate: this.o.baudRate ?? 4800, signal });
      this.log.info({ port: t.openedPath }, 'gps port open');
      opened();
      this.to('running');
      dog.start();
      const framer = new NmeaLineFramer();
      this.tracker = new GpsFixTracker();
      for (;;) {
        const chunk = await t.read();
        dog.kick();
        this.lastByteMono = this.o.clock.monoMs();
        for (const ev of framer.push(chunk)) {
          if (ev.kind === 'error') {
            this.count(ev.code);
            continue;
          }
          this.stats.lines++;
          const r = this.tracker.push(ev.text);
          if (r.error) this.count(r.error.code);
          if (r.fix) this.onFix(r.fix);
        }
      }
    } catch (err) {
      throw failure ?? err;
    } finally {
      dog.stop();
      signal.removeEventListener('abort', onAbort);
      this.transport = null;
      await t.close();
    }
  }

  private count(code: string): void {
    this.stats.errors[code] = (this.stats.errors[code] ?? 0) + 1;
  }

  /** Every 500 ms: close an epoch the receiver went quiet on; raise the no-fix alarm when due. */
  private tick(): void {
    const now = this.o.clock.monoMs();
    if (this.lastByteMono > 0 && now - this.lastByteMono > 1200) {
      const fix = this.tracker.flush();
      if (fix) this.onFix(fix);
    }
    if (!this.noFix && now - this.lastFixMono >= (this.o.noFixMs ?? 3000)) {
      this.noFix = true;
      this.alarmSeq++;
      const why = this.current === 'running' && now - this.lastByteMono < 2000 ? 'the receiver reports no fix' : 'no data from the receiver';
      this.log.warn({ why }, 'gps: no fix');
      this.push('gps-status', TrafficClass.TRAFFIC_CLASS_ALARM, { alarm: noFixAlarm(this.o.id, true, this.alarmSeq, why) });
    }
  }

  private onFix(fix: GpsFix): void {
    this.stats.fixes++;
    this.lastFixMono = this.o.clock.monoMs();
    if (this.noFix) {
      this.noFix = false;
      this.push('gps-status', TrafficClass.TRAFFIC_CLASS_ALARM, { alarm: noFixAlarm(this.o.id, false, this.alarmSeq, '') });
    }
    // One reading per receiver second (a 5 Hz receiver would otherwise send five).
    const second = Math.floor(fix.utcSeconds);
    if (second === this.lastEmittedSecond) return;
    this.lastEmittedSecond = second;
    let eta;
    if (this.eta) {
      if (fix.speedMps !== undefined) this.eta.addSpeed(fix.timeMs ?? this.o.clock.monoMs(), fix.speedMps);
      eta = this.eta.eta(fix.position);
    }
    this.stats.emitted++;
    this.push('gps', TrafficClass.TRAFFIC_CLASS_VITALS, { vitals: fixPayload(this.o.id, fix, eta) });
  }

  private push(stream: string, trafficClass: TrafficClass, payload: ReadingPayload): void {
    this.emit('reading', { stream, trafficClass, durable: true, captureTimeNs: this.o.clock.nowNs(), payload });
  }
}

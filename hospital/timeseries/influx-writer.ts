import { InfluxDB, setLogger, type Point } from '@influxdata/influxdb-client';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Clock } from '../../protocols/index.js';
import type { HospitalConfig } from '../config.js';
import type { FramesReader } from '../vitals/frames-reader.js';
import { cursorKey, type VitalsDb } from '../vitals/vitals-db.js';
import { pointsOfVitals } from './influx-points.js';
import type { TimeseriesWriter } from './timeseries.js';

/** Where points go. The real one is InfluxDB v2's write API (influxSink); tests may fake it. */
export interface PointSink {
  /** Resolves once the TSDB confirmed every point (HTTP 204); rejects otherwise, nothing half-known. */
  write(points: readonly Point[]): Promise<void>;
}

/** Error code logged and counted when a write fails (the writer retries; nothing is dropped). */
export const TSDB_WRITE_FAILED = 'TM_ERR_TSDB_WRITE';

/**
 * InfluxDB v2 line-protocol writes through @influxdata/influxdb-client. The client's own retry
 * buffer is off (maxRetries 0): it holds lines in memory and drops the oldest when full, while the
 * writer below retries from records.db and loses nothing.
 */
export function influxSink(cfg: NonNullable<HospitalConfig['influx']>, log: Logger): PointSink {
  // batchSize above ours: the client never sends a part of a batch by itself; flush() sends it whole.
  // The client logs through a module-global logger (console by default): ours instead, no tokens.
  setLogger({ error: (message) => log.debug({ message }, 'influx client'), warn: (message) => log.debug({ message }, 'influx client') });
  const api = new InfluxDB({ url: cfg.url, token: cfg.token, timeout: cfg.timeoutMs })
    .getWriteApi(cfg.org, cfg.bucket, 'ms', { batchSize: cfg.batchPoints + 1, flushInterval: 0, maxRetries: 0, maxBufferLines: 1, gzipThreshold: 4096 });
  return {
    async write(points) {
      api.writePoints([...points]);
      await api.flush();
    },
  };
}

export interface InfluxWriterOptions {
  readonly reader: FramesReader;
  readonly db: VitalsDb;
  readonly sink: PointSink;
  readonly log: Logger;
  readonly clock: Clock;
  /** The hub's metrics registry. */
  readonly registry: Registry;
  /** The site a gateway serves (a tag on every point). */
  readonly siteOf: (gatewayId: string) => string;
  /** Most points per write request. Default 5000. */
  readonly batchPoints?: number;
  /** With nothing to write, look again after this, ms (a stored frame wakes the writer sooner). Default 1000. */
  readonly idleMs?: number;
  /** First retry delay after a failed write, ms; doubled per failure. Default 500. */
  readonly retryInitialMs?: number;
  /** Longest retry delay, ms. Default 30 000. */
  readonly retryMaxMs?: number;
}

/** Frames read from one stream per round at most: one busy stream does not starve the others. */
const FRAMES_PER_STREAM = 1000;

/**
 * Writes every valid numeric stored in records.db to the TSDB (influx-points.ts schema), exactly
 * once as seen from the TSDB, whatever the TSDB does.
 *
 * It follows the store, not the uplink: a per-stream cursor (vitals.db `tsdb_cursor`, the last seq
 * the TSDB confirmed) and the stream's cumulative ack (frames up to it are stored without a gap)
 * bound what each round reads. A round is one write of at most `batchPoints` points; the cursor
 * moves only after the TSDB answered 204, in one transaction. If the TSDB is down the same range
 * is retried with exponential backoff (`retryInitialMs`·2^n up to `retryMaxMs`), the backlog waits
 * in records.db (back-pressure costs no memory: one batch is held at a time), and after a hub
 * restart the writer resumes from the cursor. A crash between the TSDB's 204 and the cursor's
 * commit rewrites that batch: same series and timestamps, so the TSDB overwrites, never doubles.
 *
 * Metrics: telemed_tsdb_points_written_total, telemed_tsdb_write_errors_total,
 * telemed_tsdb_lag_frames (stored frames the cursor has not passed), telemed_tsdb_lag_seconds
 * (age of the oldest unwritten frame's capture time).
 */
export class InfluxTimeseriesWriter implements TimeseriesWriter {
  private readonly cursors: Map<string, number>;
  private closing = false;
  private wake: (() => void) | null = null;
  private kicked = false;
  private failures = 0;
  private readonly loop: Promise<void>;
  private readonly m;
  private readonly batchPoints: number;
  private readonly idleMs: number;
  private readonly retryInitialMs: number;
  private readonly retryMaxMs: number;

  constructor(private readonly opts: InfluxWriterOptions) {
    this.batchPoints = opts.batchPoints ?? 5000;
    this.idleMs = opts.idleMs ?? 1000;
    this.retryInitialMs = opts.retryInitialMs ?? 500;
    this.retryMaxMs = opts.retryMaxMs ?? 30_000;
    this.cursors = opts.db.cursors();
    const registers = [opts.registry];
    this.m = {
      written: new Counter({ name: 'telemed_tsdb_points_written_total', help: 'Points the TSDB confirmed', registers }),
      errors: new Counter({ name: 'telemed_tsdb_write_errors_total', help: 'Failed TSDB writes (retried from records.db)', registers }),
      lagFrames: new Gauge({ name: 'telemed_tsdb_lag_frames', help: 'Stored frames the TSDB writer has not passed yet', registers }),
      lagSeconds: new Gauge({ name: 'telemed_tsdb_lag_seconds', help: 'Age of the capture time of the oldest frame not yet written, s', registers }),
    };
    this.loop = this.run();
  }

  /** A vitals frame was stored: look now instead of at the next idle tick. Never blocks. */
  writeVitals(): void {
    this.kicked = true;
    if (this.failures === 0) this.wake?.();
  }

  /** Points confirmed so far and write failures (for tests and /metrics). */
  async stats(): Promise<{ written: number; errors: number; lagFrames: number }> {
    const v = async (c: Counter | Gauge): Promise<number> => (await c.get()).values[0]?.value ?? 0;
    return { written: await v(this.m.written), errors: await v(this.m.errors), lagFrames: await v(this.m.lagFrames) };
  }

  /** Stops after the write in flight (its cursor is kept if it succeeds; otherwise it is retried at the next start). */
  async close(): Promise<void> {
    this.closing = true;
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.closing) {
      let delay: number;
      try {
        delay = await this.round();
      } catch (err) {
        // A store read failing is our fault, not the TSDB's: say so and try again later.
        this.opts.log.error({ err }, 'time-series writer round failed');
        delay = this.idleMs;
      }
      if (delay > 0 && !this.closing) await this.sleep(delay);
    }
  }

  /** One read + write; returns how long to wait before the next (0: go on at once). */
  private async round(): Promise<number> {
    this.kicked = false;
    const { points, moved, oldestNs, lag, advanced, more } = this.collect();
    this.m.lagFrames.set(lag);
    this.m.lagSeconds.set(oldestNs === null ? 0 : Math.max(0, (this.opts.clock.nowNs() - oldestNs) / 1e9));
    if (moved.size === 0) return this.kicked ? 0 : this.idleMs;
    if (points.length > 0) {
      try {
        await this.opts.sink.write(points);
      } catch (err) {
        this.failures += 1;
        this.m.errors.inc();
        const wait = Math.min(this.retryMaxMs, this.retryInitialMs * 2 ** Math.min(this.failures - 1, 30));
        // First failure and then every tenth: an outage is one story in the log, not a flood.
        if (this.failures === 1 || this.failures % 10 === 0) {
          this.opts.log.warn({ code: TSDB_WRITE_FAILED, failures: this.failures, retryInMs: wait, points: points.length, err: { message: (err as Error).message } },
            'time-series write failed; retrying from records.db');
        }
        return wait;
      }
      this.m.written.inc(points.length);
    }
    this.opts.db.saveCursors(moved);
    for (const [k, seq] of moved) this.cursors.set(k, seq);
    this.m.lagFrames.set(lag - advanced);
    if (lag === advanced) this.m.lagSeconds.set(0);
    if (this.failures > 0) this.opts.log.info({ failures: this.failures }, 'time-series writes resumed');
    this.failures = 0;
    return more ? 0 : this.kicked ? 0 : this.idleMs;
  }

  private collect(): { points: Point[]; moved: Map<string, number>; oldestNs: number | null; lag: number; advanced: number; more: boolean } {
    const points: Point[] = [];
    const moved = new Map<string, number>();
    let oldestNs: number | null = null;
    let lag = 0;
    let advanced = 0;
    let more = false;
    for (const mark of this.opts.reader.marks()) {
      const k = cursorKey(mark.gatewayId, mark.streamId);
      const from = this.cursors.get(k) ?? 0;
      if (mark.ackedSeq <= from) continue;
      lag += mark.ackedSeq - from;
      if (points.length >= this.batchPoints) { more = true; continue; }
      const frames = this.opts.reader.framesAfter(mark.gatewayId, mark.streamId, 'vitals', from, mark.ackedSeq, FRAMES_PER_STREAM);
      const site = this.opts.siteOf(mark.gatewayId);
      let last = from;
      for (const f of frames) {
        if (f.env !== null) {
          const pts = pointsOfVitals({ gatewayId: mark.gatewayId, site, captureTimeNs: f.captureTimeNs }, f.env);
          // A frame's points go in one batch whole; the batch may pass the bound by one frame.
          if (points.length > 0 && points.length + pts.length > this.batchPoints) { more = true; break; }
          points.push(...pts);
          if (pts.length > 0 && (oldestNs === null || f.captureTimeNs < oldestNs)) oldestNs = f.captureTimeNs;
        }
        last = f.seq;
      }
      if (last > from) { moved.set(k, last); advanced += last - from; }
      if (last < mark.ackedSeq) more = true;
    }
    return { points, moved, oldestNs, lag, advanced, more };
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done(): void { clearTimeout(t); resolve(); }
      this.wake = () => { this.wake = null; done(); };
    });
  }
}

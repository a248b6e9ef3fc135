import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Point } from '@influxdata/influxdb-client';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { encodeEnvelope, systemClock, type EnvelopeInit } from '../../protocols/index.js';
import { SqliteRecordsStore } from '../store/sqlite-store.js';
import { tempDir, type TempDir } from '../test-support.js';
import { FramesReader } from '../vitals/frames-reader.js';
import { VitalsDb } from '../vitals/vitals-db.js';
import { InfluxTimeseriesWriter, type PointSink } from './influx-writer.js';

const LIMITS = { maxFrameBytes: 1 << 20, maxIdLength: 128, maxRepeated: 65_536 };
const T0 = 1_790_000_000_000;

function env(seq: number, stream = 'vitals/m1'): EnvelopeInit {
  return {
    header: { gatewayId: 'amb-1', streamId: stream, seq, trafficClass: 3, durable: true, captureTimeNs: (T0 + seq * 1000) * 1e6 },
    vitals: {
      deviceId: 'm1', patientRef: 'P-1',
      numerics: [
        { code: 'MDC_ECG_HEART_RATE', value: 70 + seq, unit: '/min', valid: true },
        { code: 'MDC_PULS_OXIM_SAT_O2', value: 97, unit: '%', valid: true },
        { code: 'MDC_RESP_RATE', value: Number.NaN, unit: '/min', valid: true }, // not finite: not a point
        { code: 'MDC_TEMP_BODY', value: 37, unit: 'Cel', valid: false },
      ],
    },
  };
}

/** Records what it is given; fails while `down`. */
class FakeSink implements PointSink {
  readonly writes: string[][] = [];
  attempts = 0;
  down = false;
  write(points: readonly Point[]): Promise<void> {
    this.attempts += 1;
    if (this.down) return Promise.reject(new Error('connect ECONNREFUSED'));
    this.writes.push(points.map((p) => p.toLineProtocol() ?? ''));
    return Promise.resolve();
  }
  get lines(): string[] { return this.writes.flat(); }
}

describe('InfluxTimeseriesWriter', () => {
  let dir: TempDir;
  let store: SqliteRecordsStore;
  let reader: FramesReader;
  let db: VitalsDb;
  const writers: InfluxTimeseriesWriter[] = [];

  async function put(...seqs: number[]): Promise<void> {
    await store.storeFrames(seqs.map((seq) => ({
      gatewayId: 'amb-1', streamId: 'vitals/m1', seq, trafficClass: 3, captureTimeNs: (T0 + seq * 1000) * 1e6, receivedAtNs: 0, payloadKind: 'vitals', raw: encodeEnvelope(env(seq)),
    })));
  }
  function writer(sink: PointSink, extra: { batchPoints?: number } = {}): InfluxTimeseriesWriter {
    const w = new InfluxTimeseriesWriter({
      reader, db, sink, log: pino({ level: 'silent' }), clock: systemClock, registry: new Registry(), siteOf: () => 'base-1',
      idleMs: 10, retryInitialMs: 50, retryMaxMs: 400, ...extra,
    });
    writers.push(w);
    return w;
  }
  async function until(cond: () => boolean): Promise<void> {
    const deadline = Date.now() + 5000;
    while (!cond()) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  beforeEach(() => {
    dir = tempDir();
    store = new SqliteRecordsStore(dir.path);
    reader = new FramesReader(dir.path, LIMITS);
    db = new VitalsDb(dir.path);
  });
  afterEach(async () => {
    vi.useRealTimers();
    for (const w of writers.splice(0)) await w.close();
    reader.close();
    db.close();
    await store.close();
    dir.remove();
  });

  it('writes each valid finite numeric once, in line protocol, and resumes from its cursor after a restart', async () => {
    await put(1, 2);
    const sink = new FakeSink();
    const w = writer(sink);
    await until(() => sink.lines.length === 4);
    expect(sink.lines[0]).toBe(`vitals,ambulance=amb-1,code=MDC_ECG_HEART_RATE,device=m1,encounter=${sink.lines[0]?.match(/encounter=([^,]+)/)?.[1] ?? ''},site=base-1,unit=/min value=71 ${T0 + 1000}`);
    expect(sink.lines.join('\n')).not.toContain('P-1');
    expect(sink.lines.some((l) => l.includes('MDC_TEMP_BODY') || l.includes('MDC_RESP_RATE'))).toBe(false);
    await w.close();
    await put(3);
    const again = new FakeSink();
    writer(again);
    await until(() => again.lines.length === 2);
    await new Promise((r) => setTimeout(r, 50));
    expect(again.lines.map((l) => l.split(' ').at(-1))).toEqual([`${T0 + 3000}`, `${T0 + 3000}`]);
    expect(db.cursors().get('amb-1\u0000vitals/m1')).toBe(3);
  });

  it('waits at a gap: frames stored past it are written once the gap is filled', async () => {
    await put(1, 3);
    const sink = new FakeSink();
    writer(sink);
    await until(() => sink.lines.length === 2);
    await new Promise((r) => setTimeout(r, 50));
    expect(sink.lines).toHaveLength(2);
    await put(2);
    await until(() => sink.lines.length === 6);
    expect(db.cursors().get('amb-1\u0000vitals/m1')).toBe(3);
  });

  it('keeps each write within batchPoints (a frame is never split)', async () => {
    await put(1, 2, 3, 4, 5);
    const sink = new FakeSink();
    writer(sink, { batchPoints: 3 });
    await until(() => sink.lines.length === 10);
    expect(sink.writes.every((w) => w.length <= 3)).toBe(true);
    expect(sink.writes).toHaveLength(5);
  });

  it('while the TSDB is down: the cursor stays, retries back off (50, 100, 200, 400, 400 ms), nothing is dropped', async () => {
    await put(1, 2, 3);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const sink = new FakeSink();
    sink.down = true;
    const w = writer(sink);
    await vi.advanceTimersByTimeAsync(0);
    expect(sink.attempts).toBe(1);
    const seen: number[] = [];
    for (const step of [49, 1, 99, 1, 199, 1, 399, 1, 399, 1]) {
      await vi.advanceTimersByTimeAsync(step);
      seen.push(sink.attempts);
    }
    expect(seen).toEqual([1, 2, 2, 3, 3, 4, 4, 5, 5, 6]);
    expect(db.cursors().size).toBe(0);
    expect((await w.stats()).errors).toBe(6);
    expect((await w.stats()).lagFrames).toBe(3);
    sink.down = false;
    await vi.advanceTimersByTimeAsync(400);
    expect(sink.lines).toHaveLength(6);
    expect((await w.stats())).toMatchObject({ written: 6, lagFrames: 0 });
    expect(db.cursors().get('amb-1\u0000vitals/m1')).toBe(3);
  });
});

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Clock } from '../../protocols/index.js';
import type { AccessPolicy } from '../auth/access.js';
import type { HospitalConfig } from '../config.js';
import type { HospitalMetrics } from '../metrics.js';
import { influxSink, InfluxTimeseriesWriter } from '../timeseries/influx-writer.js';
import { NoopTimeseriesWriter, type TimeseriesWriter } from '../timeseries/timeseries.js';
import { FramesReader } from './frames-reader.js';
import { VitalsDb } from './vitals-db.js';

/** What the vitals features share: read access to records.db, their own vitals.db, the TSDB writer. */
export interface VitalsServices {
  readonly reader: FramesReader | null;
  readonly db: VitalsDb | null;
  readonly timeseries: TimeseriesWriter;
  close(): Promise<void>;
}

/**
 * Opens the vitals features over the hub's records.db. Without a records.db file in `dataDir` (a
 * hub built on an injected store without one) they are off: routes answer 503
 * TM_ERR_VITALS_UNAVAILABLE and no time series are written. `timeseries` overrides the writer.
 */
export function openVitals(config: HospitalConfig, deps: { metrics: HospitalMetrics; access: AccessPolicy; clock: Clock; log: Logger; timeseries?: TimeseriesWriter | undefined }): VitalsServices {
  const log = deps.log.child({ component: 'timeseries' });
  const readable = config.dataDir !== ':memory:' && existsSync(join(config.dataDir, 'records.db'));
  const reader = readable ? new FramesReader(config.dataDir, config.limits) : null;
  const db = readable ? new VitalsDb(config.dataDir) : null;
  let timeseries = deps.timeseries;
  if (timeseries === undefined) {
    const influx = config.influx;
    timeseries = influx !== null && reader !== null && db !== null
      ? new InfluxTimeseriesWriter({
        reader, db, sink: influxSink(influx, log), log, clock: deps.clock, registry: deps.metrics.registry,
        siteOf: (g) => deps.access.siteOf(g) ?? g,
        batchPoints: influx.batchPoints, idleMs: influx.idleMs, retryInitialMs: influx.retryInitialMs, retryMaxMs: influx.retryMaxMs,
      })
      : new NoopTimeseriesWriter(log, influx);
    if (influx !== null && reader !== null) log.info({ url: influx.url, bucket: influx.bucket }, 'writing vitals to InfluxDB from records.db');
  }
  const ts = timeseries;
  return {
    reader, db, timeseries: ts,
    async close() {
      await ts.close();
      reader?.close();
      db?.close();
    },
  };
}

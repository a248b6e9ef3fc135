import type { Logger } from 'pino';
import type { DecodedEnvelope } from '../../protocols/index.js';
import type { HospitalConfig } from '../config.js';

/**
 * Where numerics go for trending (InfluxDB v2, DESIGN.md §6; influx-writer.ts). The uplink calls
 * `writeVitals` for every stored vitals frame; the InfluxDB writer only takes it as a wake-up and
 * reads the frames back from records.db (nothing is queued in memory, so nothing can be dropped).
 */
export interface TimeseriesWriter {
  /** A vitals frame was stored. Must not block or throw. */
  writeVitals(gatewayId: string, env: DecodedEnvelope): void;
  /** Write what is queued and release resources. */
  close(): Promise<void>;
}

/** Used when no InfluxDB is configured: says so once at start, then does nothing. */
export class NoopTimeseriesWriter implements TimeseriesWriter {
  constructor(log: Logger, influx: HospitalConfig['influx']) {
    if (influx === null) log.info('no InfluxDB configured; time series are not written');
    else log.warn({ url: influx.url }, 'InfluxDB configured but no writer was built (records.db not readable); time series are not written');
  }
  writeVitals(): void { /* intentionally nothing */ }
  async close(): Promise<void> { /* nothing to release */ }
}

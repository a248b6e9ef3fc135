import type { Logger } from 'pino';
import type { DecodedEnvelope } from '../../protocols/index.js';
import type { HospitalConfig } from '../config.js';

/**
 * Where numerics go for trending (InfluxDB v2 later, DESIGN.md §6). The uplink hands over every
 * stored vitals frame; an implementation batches and writes in the background.
 */
export interface TimeseriesWriter {
  /** Queue one stored vitals frame. Must not block or throw; bounded queue, drops oldest. */
  writeVitals(gatewayId: string, env: DecodedEnvelope): void;
  /** Write what is queued and release resources. */
  close(): Promise<void>;
}

/** Used when no InfluxDB is configured: says so once at start, then does nothing. */
export class NoopTimeseriesWriter implements TimeseriesWriter {
  constructor(log: Logger, influx: HospitalConfig['influx']) {
    if (influx === null) log.info('no InfluxDB configured; time series are not written');
    else log.warn({ url: influx.url }, 'InfluxDB configured but this hub has no writer yet; time series are not written');
  }
  writeVitals(): void { /* intentionally nothing */ }
  async close(): Promise<void> { /* nothing to release */ }
}

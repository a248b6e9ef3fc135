import { Gauge, type Registry } from 'prom-client';
import type { VitalsPipeline } from './pipeline.js';

/**
 * The vitals pipeline's counters on the gateway's registry. Read at scrape time (collect), so the
 * hot path only bumps plain numbers. Monotonic, hence `_total`; gauges because prom-client counters
 * cannot be set from a collect callback.
 */
export function registerVitalsMetrics(registry: Registry, pipeline: VitalsPipeline): void {
  const e = pipeline.engine.counts;
  const p = pipeline.counts;
  new Gauge({
    name: 'telemed_gateway_alarm_transitions_total',
    help: 'Alarm episode transitions sent to the hub, by transition (raised, cleared, acknowledged)',
    labelNames: ['transition'],
    registers: [registry],
    collect() {
      this.set({ transition: 'raised' }, e.raised);
      this.set({ transition: 'cleared' }, e.cleared);
      this.set({ transition: 'acknowledged' }, e.acknowledged);
    },
  });
  new Gauge({
    name: 'telemed_gateway_alarm_events_total',
    help: 'Alarm engine events: monitor alarms merged into an edge episode (deduplicated), numerics in another unit than their limit (unit_mismatch), acknowledgements for unknown alarm ids (unknown_ack)',
    labelNames: ['event'],
    registers: [registry],
    collect() {
      this.set({ event: 'deduplicated' }, e.deduplicated);
      this.set({ event: 'unit_mismatch' }, e.unitMismatch);
      this.set({ event: 'unknown_ack' }, e.unknownAcks);
    },
  });
  new Gauge({
    name: 'telemed_gateway_alarm_store_errors_total',
    help: 'Alarm episode store (alarms.db) problems, by code: unusable at start and moved aside (TM_ERR_ALARM_STORE_CORRUPT), a transition not written (TM_ERR_ALARM_STORE_WRITE), a stored row skipped (TM_ERR_ALARM_STORE_ROW)',
    labelNames: ['code'],
    registers: [registry],
    collect() {
      for (const [code, n] of Object.entries(pipeline.alarmStoreProblems)) this.set({ code }, n);
    },
  });
  new Gauge({
    name: 'telemed_gateway_alarms_restored',
    help: 'Active alarm episodes continued from the alarm store at this start',
    registers: [registry],
    collect() {
      this.set(e.restored);
    },
  });
  new Gauge({
    name: 'telemed_gateway_alarms_active',
    help: 'Alarm episodes active now',
    registers: [registry],
    collect() {
      this.set(pipeline.engine.activeCount);
    },
  });
  new Gauge({
    name: 'telemed_gateway_vitals_readings_total',
    help: 'Readings through the vitals pipeline, by kind (numerics, waveform chunks, recorded frames made, pipeline frames refused by a full outbox)',
    labelNames: ['kind'],
    registers: [registry],
    collect() {
      this.set({ kind: 'numerics' }, p.numerics);
      this.set({ kind: 'waveform_chunks' }, p.waveformChunks);
      this.set({ kind: 'recorded_frames' }, p.recordedFrames);
      this.set({ kind: 'refused' }, p.refused);
    },
  });
}

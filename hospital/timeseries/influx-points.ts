import { Point } from '@influxdata/influxdb-client';
import type { DecodedEnvelope } from '../../protocols/index.js';
import { encounterId } from '../vitals/encounter.js';
import { nsToMs } from '../vitals/time.js';

/**
 * The time-series schema (hospital/README.md "Time series"). One point per valid numeric:
 *
 *   vitals,ambulance=<gateway id>,site=<site>,encounter=<encounter id>,device=<device id>,code=<MDC REFID>,unit=<UCUM> value=<float> <capture ms>
 *
 * - `ambulance`: the gateway id (the vehicle); `site`: the site it serves (clinic isolation).
 * - `encounter`: vitals/encounter.ts (hash of gateway and patient_ref; the patient_ref itself is
 *   never written).
 * - time: the numeric's own `time_ns` when set, else the frame's capture time, on the gateway's
 *   clock (GPS-disciplined on the ambulance), in ms. Same series + same ms = the same point: a
 *   rewrite after a crash or an ambiguous failure overwrites, it never doubles (InfluxDB semantics;
 *   VictoriaMetrics with -dedup.minScrapeInterval=1ms does the same).
 * - A numeric with `valid = false` (probe off, sentinel, "not available") or a non-finite value is
 *   not a measurement and is not written; it stays in records.db.
 *
 * Positions go to `position` (same tags but code/unit; fields lat, lon, speed_mps, heading_deg).
 */
export const MEASUREMENT = 'vitals';
export const POSITION_MEASUREMENT = 'position';

export interface FrameContext {
  readonly gatewayId: string;
  readonly site: string;
  /** Frame capture time, Unix ns. */
  readonly captureTimeNs: number;
}

const ms = nsToMs;

/** The points of one stored vitals frame (possibly none). */
export function pointsOfVitals(ctx: FrameContext, env: DecodedEnvelope): Point[] {
  const v = env.vitals;
  if (v == null) return [];
  const encounter = encounterId(ctx.gatewayId, v.patientRef ?? '');
  const device = v.deviceId ?? '';
  const out: Point[] = [];
  for (const n of v.numerics ?? []) {
    const value = n.value ?? Number.NaN;
    if (n.valid !== true || !Number.isFinite(value) || (n.code ?? '') === '') continue;
    const t = Number(n.timeNs ?? 0) > 0 ? Number(n.timeNs) : ctx.captureTimeNs;
    out.push(new Point(MEASUREMENT)
      .tag('ambulance', ctx.gatewayId).tag('site', ctx.site).tag('encounter', encounter).tag('device', device)
      .tag('code', n.code ?? '').tag('unit', n.unit ?? '')
      .floatField('value', value).timestamp(ms(t)));
  }
  const p = v.position;
  if (p != null && Number.isFinite(p.latitudeDeg) && Number.isFinite(p.longitudeDeg) && (p.latitudeDeg !== 0 || p.longitudeDeg !== 0)) {
    const pt = new Point(POSITION_MEASUREMENT)
      .tag('ambulance', ctx.gatewayId).tag('site', ctx.site).tag('encounter', encounter).tag('device', device)
      .floatField('lat', p.latitudeDeg ?? 0).floatField('lon', p.longitudeDeg ?? 0).timestamp(ms(ctx.captureTimeNs));
    if (Number.isFinite(p.speedMps)) pt.floatField('speed_mps', p.speedMps ?? 0);
    if (Number.isFinite(p.headingDeg)) pt.floatField('heading_deg', p.headingDeg ?? 0);
    out.push(pt);
  }
  return out;
}

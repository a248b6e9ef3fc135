// PCD-01 / PCD-04 content -> our readings' payloads. Pure: no clock (times come in), no I/O.
//
//   ORU^R01 group (OBR) -> one VitalsNumerics: every OBX whose MDC code is a parameter of
//     protocols/vitals (HR, PR, SpO2, NIBP, IBP, RR, Temp, EtCO2), value converted to the
//     parameter's UCUM unit; "not available" (sentinel, status X/N/..., non-number, unknown unit,
//     implausible value) is kept as `valid: false` with value 0, never as a number.
//   ORU^R01 NA rows (waveform samples) -> one WaveformChunk per row, sample rate from the row's
//     MDC_ATTR_SAMP_RATE facet (<metric path>.1), samples scaled to 1/1000 of the unit.
//   ORU^R40 group -> one Alarm (readAlarm), state from the event phase / alarm state.
import { telemed } from '../../protocols/index.js';
import type { PcdGroup, PcdMessage, PcdObservation } from '../../protocols/hl7v2/index.js';
import { observationTime, readAlarm } from '../../protocols/hl7v2/index.js';
import { REFID_ALIASES, VITAL_CODES, toCanonical, vitalByMdc, type VitalCode } from '../../protocols/vitals/index.js';
import { Hl7DeviceErrorCode } from './errors.js';

const v1 = telemed.v1;

/** Waveform units seen in PCD-01 NA rows, MDC unit code -> UCUM (beyond protocols/vitals' table). */
const WAVE_UNITS: Readonly<Record<number, string>> = { 266418: 'mV', 266419: 'uV', 262688: '%', 266016: 'mm[Hg]', 265987: 'kPa' };
/** Waveform samples are sint32 counts of 1/1000 of the unit (µV for mV, 0.001 % for pleth). */
export const WAVE_SCALE = 0.001;

/** A numeric we could not take as a number, with why (counted by the receiver). */
export interface MappingIssue {
  readonly code: string;
  readonly refid: string;
}

export interface MappedNumerics {
  readonly deviceId: string;
  readonly numerics: telemed.v1.INumeric[];
}

/** A device id we can put in a stream name: [A-Za-z0-9._-], at most 64 characters. */
export function safeId(raw: string): string {
  const s = raw.trim().replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 64);
  return s === '' ? 'unknown' : s;
}

/**
 * The monitor a group comes from: the first OBX-18 EUI-64 in the group, else an EUI-64 among
 * MSH-3's components (Draeger: "0000000000000001^EUI-64"), else MSH-3's namespace id.
 */
export function monitorId(g: PcdGroup | undefined, m: PcdMessage): string {
  const eui = g?.observations.find((o) => o.eui64 !== undefined)?.eui64;
  if (eui !== undefined) return eui;
  const parts = m.sendingApplication.split('^').map((p) => p.trim());
  const hex = parts.find((p) => /^[0-9A-Fa-f]{16}$/.test(p));
  return safeId(hex !== undefined ? hex.toUpperCase() : parts[0] ?? '');
}

function vitalOf(o: PcdObservation): VitalCode | undefined {
  if (o.mdcCode !== undefined) {
    const byCode = vitalByMdc(o.mdcCode);
    if (byCode) return byCode;
  }
  const alias = o.refid !== undefined ? REFID_ALIASES[o.refid] : undefined;
  return alias !== undefined ? vitalByMdc(alias) : undefined;
}

function timeNs(o: PcdObservation, g: PcdGroup, m: PcdMessage): number {
  const t = observationTime(o, g, m);
  return t === undefined ? 0 : t.ms * 1e6;
}

/** The numerics of one OBR group; undefined when the group has none of our parameters. */
export function groupNumerics(g: PcdGroup, m: PcdMessage, issues: MappingIssue[]): MappedNumerics | undefined {
  const numerics: telemed.v1.INumeric[] = [];
  for (const o of g.observations) {
    const code = vitalOf(o);
    // NA / NR rows are waveforms and ranges (the t5 pleth reuses SpO2's code 150456), not numerics.
    if (!code || o.valueType === 'NA' || o.valueType === 'NR') continue;
    const base = { code: code.refid, unit: code.ucum, label: code.parameter, timeNs: timeNs(o, g, m) };
    const v = o.value;
    if (v.kind !== 'number') {
      // Status X/N/..., sentinels, non-numbers, and empty rows: "not available", never a number.
      numerics.push({ ...base, value: 0, valid: false });
      continue;
    }
    const units = o.units;
    const canonical = units === undefined ? undefined : toCanonical(code, v.value, units.mdc !== undefined ? { mdc: units.mdc } : units.ucum !== undefined ? { ucum: units.ucum } : {});
    if (canonical === undefined) {
      issues.push({ code: Hl7DeviceErrorCode.BAD_UNIT, refid: code.refid });
      numerics.push({ ...base, value: 0, valid: false });
      continue;
    }
    if (canonical < code.range[0] || canonical > code.range[1]) {
      issues.push({ code: Hl7DeviceErrorCode.OUT_OF_RANGE, refid: code.refid });
      numerics.push({ ...base, value: 0, valid: false });
      continue;
    }
    numerics.push({ ...base, value: canonical, valid: true });
  }
  return numerics.length === 0 ? undefined : { deviceId: monitorId(g, m), numerics };
}

export interface MappedWave {
  readonly deviceId: string;
  readonly channel: string;
  readonly code: string;
  readonly sampleRateHz: number;
  readonly samples: number[];
  readonly unit: string;
  readonly timeNs: number;
}

function samplingRate(g: PcdGroup, row: PcdObservation): number | undefined {
  const path = row.containment.path;
  if (!path) return undefined;
  const facet = `${path.join('.')}.`;
  for (const o of g.observations) {
    if (o.refid !== 'MDC_ATTR_SAMP_RATE' || !o.containment.raw.startsWith(facet) || o.value.kind !== 'number') continue;
    if (o.value.value > 0 && o.value.value <= 100_000) return o.value.value;
  }
  return undefined;
}

/** NA rows of a group with a sample rate: one waveform each. Rows without a rate are skipped. */
export function groupWaves(g: PcdGroup, m: PcdMessage): MappedWave[] {
  const out: MappedWave[] = [];
  for (const o of g.observations) {
    if (o.valueType !== 'NA' || o.value.kind !== 'numbers' || o.refid === undefined) continue;
    const rate = samplingRate(g, o);
    if (rate === undefined) continue;
    const unit = o.units?.mdc !== undefined ? WAVE_UNITS[o.units.mdc] ?? '' : o.units?.ucum ?? '';
    out.push({
      deviceId: monitorId(g, m),
      channel: o.refid.replace(/^MDC_/, ''),
      code: o.refid,
      sampleRateHz: rate,
      samples: o.value.values.map((x) => Math.round(x / WAVE_SCALE)),
      unit,
      timeNs: timeNs(o, g, m),
    });
  }
  return out;
}

const MDC_EVT_ACTIVE = 196614;

/** The REFID of the vital parameter an alert source names (by REFID or MDC code), if it is one. */
function sourceParameter(source: string | undefined): string | undefined {
  if (source === undefined) return undefined;
  const s = source.trim();
  if (/^\d+$/.test(s)) return vitalByMdc(Number(s))?.refid;
  return VITAL_CODES.some((c) => c.refid === s) ? s : undefined;
}

const PRIORITY: Readonly<Record<string, telemed.v1.AlarmPriority>> = {
  PH: v1.AlarmPriority.ALARM_PRIORITY_HIGH, PM: v1.AlarmPriority.ALARM_PRIORITY_MEDIUM, PL: v1.AlarmPriority.ALARM_PRIORITY_LOW,
};

/** The alarm of one ORU^R40 group, or undefined when it names no event. */
export function groupAlarm(g: PcdGroup, m: PcdMessage): telemed.v1.IAlarm | undefined {
  const a = readAlarm(g);
  // MDC_EVT_ACTIVE is the IHE ACM watchdog ("the sender is alive", Draeger PCD04_watchdog), not an alarm.
  if (!a || a.eventCode === MDC_EVT_ACTIVE) return undefined;
  const deviceId = monitorId(g, m);
  const phase = (a.phase ?? '').trim().toLowerCase();
  const state = (a.state ?? '').trim().toLowerCase();
  // PCD-04: phase start/continue/update with state active|latched = the alarm stands; phase end
  // or state inactive = it has ended.
  const ended = phase === 'end' || phase === 'stop' || state === 'inactive';
  const event = a.eventRefid ?? (a.eventCode !== undefined ? String(a.eventCode) : 'MDC_EVT_UNKNOWN');
  // A limit or probe alarm names its parameter in MDC_ATTR_ALERT_SOURCE: `code` is then
  // "<parameter REFID>/<event REFID>" (docs/CONTRACTS.md), so the edge alarm engine can merge it
  // with its own episode for that parameter.
  const source = sourceParameter(a.source);
  const code = source !== undefined ? `${source}/${event}` : event;
  return {
    // Stable over the alarm's start and end, so the alarm engine can pair them.
    alarmId: `${deviceId}:${code}:${a.containment}`,
    deviceId,
    kind: a.type === 'ST' ? v1.AlarmKind.ALARM_KIND_TECHNICAL : a.type === 'SP' ? v1.AlarmKind.ALARM_KIND_PHYSIOLOGICAL : v1.AlarmKind.ALARM_KIND_UNSPECIFIED,
    priority: PRIORITY[a.priority ?? ''] ?? v1.AlarmPriority.ALARM_PRIORITY_UNSPECIFIED,
    state: ended ? v1.AlarmState.ALARM_STATE_CLEARED : v1.AlarmState.ALARM_STATE_ACTIVE,
    code,
    text: a.eventText ?? a.eventRefid ?? event,
  };
}

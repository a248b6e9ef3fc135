import { telemed } from '../../protocols/index.js';
import { primaryCode, toCanonical, vitalByMdc } from '../../protocols/vitals/index.js';
import { VitalsErrorCode } from './errors.js';
import type { AlarmMsg, NumericsMsg, WaveformMsg } from './schema.js';

// Validated monitor messages → the payloads of Readings. Pure.

/**
 * Values monitors and their bridges send for "no value": IEEE 11073-20601 FLOAT NaN / NRes / ±INF
 * and reserved (0x007FFFFF, 0x00800000, 0x007FFFFE, 0x00800002, 0x00800001 as 24-bit mantissas),
 * the SFLOAT equivalents (0x07FF, 0x0800, 0x07FE, 0x0802, 0x0801 as 12-bit mantissas) and the
 * vendor conventions -999 / -9999 / -100 (IHE PCD examples). Any of them means "not available".
 */
export const SENTINELS: ReadonlySet<number> = new Set([
  8_388_607, -8_388_608, 8_388_606, -8_388_606, -8_388_607,
  2047, -2048, 2046, -2046, -2047,
  -999, -9999, -100,
]);

/** Waveform units we pass on (UCUM). A channel in any other unit is refused, not guessed. */
export const WAVE_UNITS: ReadonlySet<string> = new Set(['mV', 'uV', 'mm[Hg]', 'kPa', '%', '1', '{arb\'U}']);

/** REFIDs of the waveform codes we know, for monitors that send only the number (ECG leads: partition 2,
 * 256 + lead code of IEEE 11073-10101 A.7.1.1; the others as in the RTMMS Rosetta). */
const WAVE_REFIDS: Readonly<Record<number, string>> = {
  131329: 'MDC_ECG_ELEC_POTL_I', 131330: 'MDC_ECG_ELEC_POTL_II', 131389: 'MDC_ECG_ELEC_POTL_III',
  150452: 'MDC_PULS_OXIM_PLETH', 151724: 'MDC_AWAY_CO2', 150032: 'MDC_PRESS_BLD_ART',
};

export interface NumericsResult {
  readonly vitals: telemed.v1.IVitalsNumerics;
  /** Numerics left out, each with the reason. */
  readonly dropped: readonly { code: VitalsErrorCode; mdc: number }[];
  /** Numerics sent with valid: false (no value, a sentinel, or outside the plausible range). */
  readonly invalid: number;
}

/** `toNs` maps the monitor's Unix ms to the gateway's Unix ns (clock offset applied). */
export function numericsToVitals(deviceId: string, msg: NumericsMsg, toNs: (monitorMs: number) => number): NumericsResult {
  const out: telemed.v1.INumeric[] = [];
  const dropped: { code: VitalsErrorCode; mdc: number }[] = [];
  let invalid = 0;
  for (const n of msg.numerics) {
    // The MDC code is authoritative; a refid that disagrees is ignored (README.md "Payloads").
    const row = vitalByMdc(n.code);
    if (row === undefined) {
      dropped.push({ code: VitalsErrorCode.UNKNOWN_CODE, mdc: n.code });
      continue;
    }
    const ours = primaryCode(row.parameter);
    const base: telemed.v1.INumeric = { code: ours.refid, unit: ours.ucum, label: n.label ?? row.parameter };
    if (n.t !== undefined && n.t !== msg.t) base.timeNs = toNs(n.t);
    const raw = n.value;
    if (raw === null || raw === 'NaN' || !Number.isFinite(raw) || SENTINELS.has(raw)) {
      invalid += 1;
      out.push({ ...base, valid: false });
      continue;
    }
    const value = toCanonical(row, raw, { ucum: n.unit });
    if (value === undefined) {
      dropped.push({ code: VitalsErrorCode.BAD_UNIT, mdc: n.code });
      continue;
    }
    if (value < row.range[0] || value > row.range[1]) {
      invalid += 1;
      out.push({ ...base, valid: false });
      continue;
    }
    out.push({ ...base, value, valid: true });
  }
  return { vitals: { deviceId, numerics: out }, dropped, invalid };
}

/** Waveform payload, or the reason it is refused. */
export function waveformToChunk(deviceId: string, channel: string, msg: WaveformMsg): telemed.v1.IWaveformChunk | VitalsErrorCode {
  if (!WAVE_UNITS.has(msg.unit)) return VitalsErrorCode.BAD_UNIT;
  return {
    deviceId, channel, code: msg.refid ?? WAVE_REFIDS[msg.code] ?? String(msg.code), sampleRateHz: msg.rateHz,
    firstSampleIndex: msg.first, samples: msg.samples, scale: msg.scale, unit: msg.unit,
  };
}

const { AlarmKind, AlarmPriority, AlarmState } = telemed.v1;

/**
 * The monitor's alarm as the wire Alarm. `code` is `<parameter REFID>/<event REFID>` when the
 * alarm names its numeric (`source`), e.g. "MDC_PULS_OXIM_SAT_O2/MDC_EVT_LO", so the edge alarm
 * engine can match it to its own limit; otherwise the event REFID alone. The id is prefixed with
 * the monitor's boot so a rebooted monitor reusing ids does not clear an older episode.
 */
export function alarmToWire(deviceId: string, msg: AlarmMsg): telemed.v1.IAlarm {
  const a = msg.alarm;
  const param = a.source === undefined ? undefined : vitalByMdc(a.source);
  const wire: telemed.v1.IAlarm = {
    alarmId: `${deviceId}:b${msg.boot}:${a.id}`,
    deviceId,
    kind: a.kind === 'technical' ? AlarmKind.ALARM_KIND_TECHNICAL : AlarmKind.ALARM_KIND_PHYSIOLOGICAL,
    priority: a.priority === 'high' ? AlarmPriority.ALARM_PRIORITY_HIGH : a.priority === 'medium' ? AlarmPriority.ALARM_PRIORITY_MEDIUM : AlarmPriority.ALARM_PRIORITY_LOW,
    state: a.state === 'active' ? AlarmState.ALARM_STATE_ACTIVE : AlarmState.ALARM_STATE_CLEARED,
    code: param === undefined ? a.code : `${primaryCode(param.parameter).refid}/${a.code}`,
    text: a.text,
  };
  if (typeof a.value === 'number' && Number.isFinite(a.value) && !SENTINELS.has(a.value)) wire.value = a.value;
  if (a.unit !== undefined) wire.unit = a.unit;
  return wire;
}

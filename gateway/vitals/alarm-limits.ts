import { telemed } from '../../protocols/index.js';
import { VITAL_CODES } from '../../protocols/vitals/index.js';

/** Alarm priority as configured (IEC 60601-1-8: low, medium, high). */
export type AlarmPriorityName = 'low' | 'medium' | 'high';

/**
 * One parameter's alarm limits (config `vitals.alarms.limits`, docs/CONTRACTS.md). A numeric whose
 * `code` matches is compared; one in another unit is not (counted as `unitMismatch`).
 */
export interface AlarmLimit {
  /** IEEE 11073-10101 reference id of the numeric, e.g. "MDC_PULS_OXIM_SAT_O2". */
  readonly code: string;
  /** Short label shown in the alarm text, e.g. "SpO2". */
  readonly label: string;
  /** UCUM unit the limits are in, e.g. "%", "/min", "mm[Hg]", "Cel". */
  readonly unit: string;
  /** Alarm when the value is below this; null: no low limit. */
  readonly low: number | null;
  /** Alarm when the value is above this; null: no high limit. */
  readonly high: number | null;
  readonly lowPriority: AlarmPriorityName;
  readonly highPriority: AlarmPriorityName;
  /** An active alarm clears only once the value is back past the limit by this much (unit of the limit). */
  readonly hysteresis: number;
  /** The condition must hold this long before the alarm is raised, ms; absent: `vitals.alarms.delayMs`. */
  readonly delayMs?: number | undefined;
}

/**
 * Adult defaults, in the range bedside monitors ship with (e.g. HR 50–120 /min, SpO2 < 90 %). A
 * deployment sets its own in the config; these exist so a gateway with no limits configured still
 * alarms on the obvious. SpO2 waits longer (10 s): pulse oximeters average over several seconds and
 * motion in a moving ambulance makes short dips that are not desaturations.
 */
export const ADULT_LIMITS: readonly AlarmLimit[] = Object.freeze(([
  { code: 'MDC_ECG_HEART_RATE', label: 'HR', unit: '/min', low: 50, high: 120, lowPriority: 'medium', highPriority: 'medium', hysteresis: 5 },
  { code: 'MDC_PULS_OXIM_SAT_O2', label: 'SpO2', unit: '%', low: 90, high: null, lowPriority: 'high', highPriority: 'medium', hysteresis: 2, delayMs: 10_000 },
  { code: 'MDC_PRESS_BLD_NONINV_SYS', label: 'NIBP sys', unit: 'mm[Hg]', low: 90, high: 160, lowPriority: 'high', highPriority: 'medium', hysteresis: 5 },
  { code: 'MDC_PRESS_BLD_ART_ABP_SYS', label: 'ABP sys', unit: 'mm[Hg]', low: 90, high: 160, lowPriority: 'high', highPriority: 'medium', hysteresis: 5 },
  { code: 'MDC_RESP_RATE', label: 'RR', unit: '/min', low: 8, high: 30, lowPriority: 'high', highPriority: 'medium', hysteresis: 2 },
  { code: 'MDC_TEMP_BODY', label: 'Temp', unit: 'Cel', low: 35, high: 39, lowPriority: 'low', highPriority: 'low', hysteresis: 0.2 },
  { code: 'MDC_AWAY_CO2_ET', label: 'EtCO2', unit: 'mm[Hg]', low: 30, high: 50, lowPriority: 'medium', highPriority: 'medium', hysteresis: 2 },
] satisfies AlarmLimit[]).map((l): AlarmLimit => Object.freeze(l)));

const { AlarmPriority } = telemed.v1;

export function priorityToWire(p: AlarmPriorityName): telemed.v1.AlarmPriority {
  return p === 'high' ? AlarmPriority.ALARM_PRIORITY_HIGH : p === 'medium' ? AlarmPriority.ALARM_PRIORITY_MEDIUM : AlarmPriority.ALARM_PRIORITY_LOW;
}

export function priorityFromWire(p: telemed.v1.AlarmPriority | null | undefined): AlarmPriorityName {
  return p === AlarmPriority.ALARM_PRIORITY_HIGH ? 'high' : p === AlarmPriority.ALARM_PRIORITY_MEDIUM ? 'medium' : 'low';
}

export const PRIORITY_RANK: Readonly<Record<AlarmPriorityName, number>> = { low: 1, medium: 2, high: 3 };

/** Which side of a parameter a condition is on; `invalid` is the technical "probe off / no valid value". */
export type ConditionSide = 'high' | 'low' | 'invalid';

// Our own TM_ALARM_* codes that name a parameter (the synthetic device's, and what drivers may use).
const OWN_CODES: Readonly<Record<string, readonly [string, ConditionSide]>> = {
  TM_ALARM_SPO2_LOW: ['MDC_PULS_OXIM_SAT_O2', 'low'],
  TM_ALARM_HR_HIGH: ['MDC_ECG_HEART_RATE', 'high'],
  TM_ALARM_HR_LOW: ['MDC_ECG_HEART_RATE', 'low'],
  TM_ALARM_RR_HIGH: ['MDC_RESP_RATE', 'high'],
  TM_ALARM_RR_LOW: ['MDC_RESP_RATE', 'low'],
  TM_ALARM_SPO2_PROBE_OFF: ['MDC_PULS_OXIM_SAT_O2', 'invalid'],
};

/**
 * The edge condition a monitor's own alarm stands for, so the two are one episode (de-duplicated).
 * A monitor alarm names its parameter and event in `code` as `<parameter MDC id>/<event MDC id>`
 * (any of `/ | ^ :` or a space between), e.g. "MDC_PULS_OXIM_SAT_O2/MDC_EVT_LO" (IEEE 11073-10101
 * events MDC_EVT_HI, MDC_EVT_LO; a sensor/lead/probe disconnection or MDC_EVT_INOP is `invalid`),
 * or uses one of our TM_ALARM_* codes. Null when the alarm is not one the edge evaluates (it is
 * then passed through as an episode of its own).
 */
/**
 * Limits by every REFID that names the same parameter (protocols/vitals: e.g. arterial systolic is
 * MDC_PRESS_BLD_ART_SYS from one monitor and MDC_PRESS_BLD_ART_ABP_SYS from another; end-tidal CO2
 * MDC_CONC_AWAY_CO2_ET or MDC_AWAY_CO2_ET). A limit configured for a REFID itself wins over one
 * reached through an alias. The limit keeps its configured `code`, so both spellings are one condition.
 */
export function limitsByCode(limits: readonly AlarmLimit[]): Map<string, AlarmLimit> {
  const map = new Map<string, AlarmLimit>(limits.map((l) => [l.code, l]));
  for (const l of limits) {
    const param = VITAL_CODES.find((c) => c.refid === l.code)?.parameter;
    if (param === undefined) continue;
    for (const c of VITAL_CODES) if (c.parameter === param && !map.has(c.refid)) map.set(c.refid, l);
  }
  return map;
}

export function deviceAlarmCondition(code: string, limits: ReadonlyMap<string, AlarmLimit>): { code: string; side: ConditionSide } | null {
  const own = OWN_CODES[code];
  if (own) return { code: own[0], side: own[1] };
  const parts = code.split(/[/|^: ]+/);
  const param = parts.find((p) => limits.has(p));
  if (param === undefined) return null;
  const canonical = limits.get(param)!.code;
  for (const p of parts) {
    if (p === param) continue;
    if (/^MDC_EVT_(HI|.*_HI)$/.test(p) || p.endsWith('_HIGH')) return { code: canonical, side: 'high' };
    if (/^MDC_EVT_(LO|.*_LO)$/.test(p) || p.endsWith('_LOW')) return { code: canonical, side: 'low' };
    if (/DISCONN|PROBE|SENSOR|LEAD_OFF|INOP|INVALID/.test(p)) return { code: canonical, side: 'invalid' };
  }
  return null;
}

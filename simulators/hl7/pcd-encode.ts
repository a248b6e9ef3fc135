// IHE PCD-01 ORU^R01 and PCD-04 ORU^R40 (HL7 2.6) from the scenario engine's output. Pure.
// Layout as in IHE PCD TF-2 Appendix E: MSH, PID, PV1, then OBR + OBX rows; the MDS row first,
// then one row per metric with OBX-4 containment <MDS>.<VMD>.<Channel>.<Metric>, OBX-6 in UCUM,
// OBX-11 F (or X with an empty OBX-5 when the monitor shows no value), OBX-14 the measurement
// time, OBX-18 the monitor's EUI-64.
import { DEFAULT_DELIMITERS, escapeValue } from '../../protocols/hl7v2/index.js';
import { VITAL_CODES, primaryCode } from '../../protocols/vitals/index.js';
import type { MonitorAlarm, NumericsFrame, WaveformBlock } from '../vitals/index.js';

export interface MonitorIdentity {
  /** 16 hex digits. */
  readonly eui64: string;
  /** MSH-3 namespace id. */
  readonly application: string;
  readonly facility: string;
  /** PID-3: an opaque encounter reference (never a name). */
  readonly patientRef: string;
}

/** HL7 DTM with milliseconds and the UTC offset, e.g. 20261206080000.123+0000. */
export function dtm(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}+0000`;
}

const esc = (s: string): string => escapeValue(s, DEFAULT_DELIMITERS);

function num(v: number, decimals = 2): string {
  return String(Number(v.toFixed(decimals)));
}

function header(id: MonitorIdentity, controlId: string, timeMs: number, trigger: 'R01' | 'R40'): string[] {
  const profile = trigger === 'R01' ? 'IHE_PCD_ORU_R01^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO' : 'IHE_PCD_ACM_001^IHE PCD^1.3.6.1.4.1.19376.1.6.4.4.1^ISO';
  return [
    `MSH|^~\\&|${esc(id.application)}^${id.eui64}^EUI-64|${esc(id.facility)}|TELEMED_GW|AMBULANCE|${dtm(timeMs)}||ORU^${trigger}^ORU_${trigger}|${esc(controlId)}|P|2.6|||NE|AL||UNICODE UTF-8|EN^English^ISO639||${profile}`,
    `PID|||${esc(id.patientRef)}^^^TELEMED^AN`,
    'PV1||E|AMBULANCE',
  ];
}

function equipment(id: MonitorIdentity): string {
  return `${id.eui64}^^${id.eui64}^EUI-64`;
}

/** One ORU^R01 with the numerics of one tick (and, when given, a WAVEFORM group with the blocks). */
export function oruR01(id: MonitorIdentity, controlId: string, startMs: number, frame: NumericsFrame | undefined, waves: readonly WaveformBlock[] = []): string {
  const t = startMs + (frame?.tMs ?? waves[0]?.tMs ?? 0);
  const lines = header(id, controlId, t, 'R01');
  let set = 0;
  if (frame) {
    lines.push(`OBR|1|${esc(controlId)}^${esc(id.application)}|${esc(controlId)}^${esc(id.application)}|182777000^monitoring of patient^SCT|||${dtm(t)}`);
    lines.push(`OBX|${++set}||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|1.0.0.0|||||||X|||||||${equipment(id)}`);
    frame.numerics.forEach((n, i) => {
      const value = n.value === null ? '' : num(n.value);
      const status = n.value === null ? 'X' : 'F';
      lines.push(`OBX|${++set}|NM|${n.mdc}^${n.refid}^MDC|1.1.1.${i + 1}|${value}|${esc(n.ucum)}^${esc(n.ucum)}^UCUM|||||${status}|||${dtm(t)}||||${equipment(id)}`);
    });
  }
  if (waves.length > 0) {
    const w0 = startMs + waves[0]!.tMs;
    lines.push(`OBR|2|${esc(controlId)}-W^${esc(id.application)}|${esc(controlId)}-W^${esc(id.application)}|WAVEFORM^waveform^L|||${dtm(w0)}`);
    waves.forEach((w, i) => {
      const path = `1.2.${i + 1}.1`;
      const values = w.samples.map((s) => num(s * w.scale, 4)).join('^');
      lines.push(`OBX|${++set}|NA|${w.mdc}^${w.refid}^MDC|${path}|${values}|${esc(w.ucum)}^${esc(w.ucum)}^UCUM|||||F|||${dtm(startMs + w.tMs)}||||${equipment(id)}`);
      lines.push(`OBX|${++set}|NM|0^MDC_ATTR_SAMP_RATE^MDC|${path}.1|${w.rateHz}|264608^MDC_DIM_PER_SEC^MDC|||||F`);
    });
  }
  return lines.join('\r');
}

const PRIORITY = { high: 'PH', medium: 'PM', low: 'PL' } as const;

/** Metric number of an alarm's OBX-4: the parameter's row in protocols/vitals, or 90+ per other event. */
function alarmSlot(a: MonitorAlarm): number {
  if (a.parameter !== undefined) return 1 + VITAL_CODES.findIndex((c) => c.parameter === a.parameter);
  const others = ['MDC_EVT_ECG_V_TACH', 'MDC_EVT_ECG_V_FIB', 'MDC_EVT_ECG_ASYSTOLE', 'MDC_EVT_SENSOR_DISCONN'];
  const i = others.indexOf(a.code);
  return 90 + (i < 0 ? others.length : i);
}

/** One ORU^R40 for an alarm starting (state active) or ending (cleared). */
export function oruR40(id: MonitorIdentity, controlId: string, startMs: number, a: MonitorAlarm): string {
  const t = startMs + a.tMs;
  const active = a.state === 'active';
  const event = `${a.mdc ?? 0}^${esc(a.code)}^MDC`;
  const lines = header(id, controlId, t, 'R40');
  // OBX-4 names the metric the alarm is about (one path per parameter), so two alarms of one
  // event code (HR high, RR high) stay apart and an alarm's start and end share it.
  const path = `1.1.1.${alarmSlot(a)}`;
  lines.push(`OBR|1|${esc(a.alarmId)}^${esc(id.application)}|${esc(controlId)}^${esc(id.application)}|196616^MDC_EVT_ALARM^MDC|||${dtm(t)}`);
  lines.push(`OBX|1|CWE|196616^MDC_EVT_ALARM^MDC|${path}.1|${event}^^^^^^${esc(a.text)}|||${PRIORITY[a.priority]}~${a.kind === 'technical' ? 'ST' : 'SP'}|||F|||${dtm(t)}||||${equipment(id)}`);
  lines.push(`OBX|2|ST|68481^MDC_ATTR_EVENT_PHASE^MDC|${path}.2|${active ? 'start' : 'end'}||||||F`);
  lines.push(`OBX|3|ST|68482^MDC_ATTR_ALARM_STATE^MDC|${path}.3|${active ? 'active' : 'inactive'}||||||F`);
  lines.push(`OBX|4|ST|68484^MDC_ATTR_ALARM_PRIORITY^MDC|${path}.4|${PRIORITY[a.priority]}||||||F`);
  lines.push(`OBX|5|ST|68485^MDC_ATTR_ALERT_TYPE^MDC|${path}.5|${a.kind === 'technical' ? 'ST' : 'SP'}||||||F`);
  if (a.parameter !== undefined) {
    const src = primaryCode(a.parameter);
    lines.push(`OBX|6|CWE|68480^MDC_ATTR_ALERT_SOURCE^MDC|${path}.6|${src.mdc}^${src.refid}^MDC||||||F`);
  }
  return lines.join('\r');
}

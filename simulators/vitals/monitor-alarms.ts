import type { VitalParameter } from '../../protocols/vitals/index.js';
import type { AlarmPriorityName, MonitorAlarm, Rhythm, ScenarioNumeric } from './scenario-types.js';

// The alarms a bedside/transport monitor raises by itself with its factory default limits. They
// are the monitor's, sent to the gateway as monitor alarms; the gateway's own alarm engine
// evaluates its configured limits independently.

interface Limit {
  readonly parameter: VitalParameter;
  readonly low?: number;
  readonly high?: number;
  /** Back inside the limit by this much before the alarm clears (no flapping on noise). */
  readonly hysteresis: number;
  readonly priority: AlarmPriorityName;
  readonly label: string;
}

/** Factory-default adult limits, typical of transport monitors. */
export const MONITOR_LIMITS: readonly Limit[] = [
  { parameter: 'HR', low: 45, high: 120, hysteresis: 5, priority: 'medium', label: 'HR' },
  { parameter: 'SPO2', low: 90, hysteresis: 2, priority: 'high', label: 'SpO2' },
  { parameter: 'IBP_SYS', low: 90, high: 180, hysteresis: 5, priority: 'medium', label: 'ART sys' },
  { parameter: 'NIBP_SYS', low: 90, high: 180, hysteresis: 5, priority: 'medium', label: 'NIBP sys' },
  { parameter: 'RR', low: 6, high: 30, hysteresis: 2, priority: 'medium', label: 'RR' },
  { parameter: 'TEMP', high: 38.5, hysteresis: 0.2, priority: 'low', label: 'Temp' },
  { parameter: 'ETCO2', low: 25, high: 50, hysteresis: 2, priority: 'low', label: 'EtCO2' },
];

const RHYTHM_ALARMS: Partial<Record<Rhythm, { code: string; text: string }>> = {
  vt: { code: 'MDC_EVT_ECG_V_TACH', text: 'VTach' },
  vf: { code: 'MDC_EVT_ECG_V_FIB', text: 'VFib/VTach' },
  asystole: { code: 'MDC_EVT_ECG_ASYSTOLE', text: 'Asystole' },
};

/** An arrhythmia is announced after it has lasted this long, as monitors confirm before alarming. */
export const ARRHYTHMIA_CONFIRM_MS = 4000;

interface Active { readonly alarmId: string; readonly side: 'low' | 'high' }

/** Limit, arrhythmia and probe alarms with hysteresis; state forgotten on reboot(). */
export class MonitorAlarms {
  private seq = 0;
  private readonly limits = new Map<VitalParameter, Active>();
  private rhythm: { rhythm: Rhythm; sinceMs: number; alarmId: string | null } = { rhythm: 'sinus', sinceMs: 0, alarmId: null };
  private probeAlarm: string | null = null;

  private nextId(code: string, parameter?: string): string {
    this.seq += 1;
    return `${code}${parameter === undefined ? '' : `-${parameter}`}-${this.seq}`;
  }

  /** A rebooted monitor starts with no alarms (it announces again what still holds). */
  reboot(tMs: number, rhythm: Rhythm): void {
    this.limits.clear();
    this.rhythm = { rhythm, sinceMs: tMs, alarmId: null };
    this.probeAlarm = null;
  }

  /** Limit alarms for one tick's numerics; a missing or null value leaves its alarm as it is. */
  evaluate(tMs: number, numerics: readonly ScenarioNumeric[], out: MonitorAlarm[]): void {
    const arrhythmia = this.rhythm.alarmId !== null;
    for (const lim of MONITOR_LIMITS) {
      const n = numerics.find((x) => x.parameter === lim.parameter);
      if (n === undefined || n.value === null) continue;
      // An arrhythmia alarm supersedes HR limit alarms (the rhythm is the news, not the rate).
      if (lim.parameter === 'HR' && arrhythmia) continue;
      const v = n.value;
      const active = this.limits.get(lim.parameter);
      const code = (side: 'low' | 'high'): string => (side === 'low' ? 'MDC_EVT_LO' : 'MDC_EVT_HI');
      if (active === undefined) {
        const side = lim.low !== undefined && v < lim.low ? 'low' : lim.high !== undefined && v > lim.high ? 'high' : null;
        if (side === null) continue;
        const alarmId = this.nextId(code(side), lim.parameter);
        this.limits.set(lim.parameter, { alarmId, side });
        out.push(this.limitAlarm(tMs, alarmId, code(side), lim, side, 'active', v, n.ucum));
      } else {
        const back = active.side === 'low' ? v >= lim.low! + lim.hysteresis : v <= lim.high! - lim.hysteresis;
        if (!back) continue;
        this.limits.delete(lim.parameter);
        out.push(this.limitAlarm(tMs, active.alarmId, code(active.side), lim, active.side, 'cleared', v, n.ucum));
      }
    }
  }

  private limitAlarm(tMs: number, alarmId: string, code: string, lim: Limit, side: 'low' | 'high', state: 'active' | 'cleared', value: number, ucum: string): MonitorAlarm {
    const bound = side === 'low' ? lim.low! : lim.high!;
    return {
      tMs, alarmId, code, parameter: lim.parameter, kind: 'physiological', priority: lim.priority, state,
      text: `${lim.label} ${side === 'low' ? '<' : '>'} ${bound}`, value, ucum,
    };
  }

  /** Arrhythmia alarms: raised once a rhythm has held ARRHYTHMIA_CONFIRM_MS, the previous one cleared. */
  rhythmTick(tMs: number, rhythm: Rhythm, out: MonitorAlarm[]): void {
    if (rhythm !== this.rhythm.rhythm) {
      this.rhythm = { rhythm, sinceMs: tMs, alarmId: this.rhythm.alarmId };
    }
    const def = RHYTHM_ALARMS[rhythm];
    const confirmed = tMs - this.rhythm.sinceMs >= ARRHYTHMIA_CONFIRM_MS;
    const current = this.rhythm.alarmId;
    if (!confirmed) return;
    const wanted = def?.code ?? null;
    if (current !== null && (wanted === null || !current.startsWith(`${wanted}-`))) {
      out.push({ tMs, alarmId: current, code: current.replace(/-\d+$/, ''), kind: 'physiological', priority: 'high', state: 'cleared', text: 'rhythm alarm ended' });
      this.rhythm = { ...this.rhythm, alarmId: null };
    }
    if (def !== undefined && this.rhythm.alarmId === null) {
      const alarmId = this.nextId(def.code);
      this.rhythm = { ...this.rhythm, alarmId };
      out.push({ tMs, alarmId, code: def.code, kind: 'physiological', priority: 'high', state: 'active', text: def.text });
    }
  }

  /** The SpO2 sensor's technical alarm. */
  probe(tMs: number, off: boolean, out: MonitorAlarm[]): void {
    const base = { tMs, code: 'MDC_EVT_SENSOR_DISCONN', mdc: 196916, parameter: 'SPO2' as const, kind: 'technical' as const, priority: 'medium' as const };
    if (off && this.probeAlarm === null) {
      this.probeAlarm = this.nextId(base.code, 'SPO2');
      out.push({ ...base, alarmId: this.probeAlarm, state: 'active', text: 'SpO2 probe off' });
    } else if (!off && this.probeAlarm !== null) {
      out.push({ ...base, alarmId: this.probeAlarm, state: 'cleared', text: 'SpO2 probe on' });
      this.probeAlarm = null;
    }
  }
}

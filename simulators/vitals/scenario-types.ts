import type { VitalParameter } from '../../protocols/vitals/index.js';

/** The clinical scenarios every vital-sign monitor simulator (MQTT, HL7 PCD-01) can play. */
export const SCENARIOS = ['stable', 'sepsis', 'hypoxia', 'vt-arrest', 'probe-off', 'monitor-reboot'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export function isScenarioName(s: string): s is ScenarioName {
  return (SCENARIOS as readonly string[]).includes(s);
}

/** The rhythm the ECG shows; vf and asystole are cardiac arrest (no pulse, no pleth). */
export type Rhythm = 'sinus' | 'vt' | 'vf' | 'asystole';

export interface ScenarioOptions {
  readonly scenario: ScenarioName;
  /** Same seed, same calls to advance() → same output, whatever the step sizes. */
  readonly seed: number;
  /**
   * Scenario time runs this many times faster than the waveforms' time (trends, event times and
   * the reboot's silence shrink; sample rates do not). Default 1. A demo may use 5 to see a
   * 10-minute deterioration in 2 minutes.
   */
  readonly speed?: number;
  /** Interval of the automatic NIBP cuff, scenario seconds. Default 180 (a cycle at 5 s, then every 3 min). */
  readonly nibpIntervalS?: number;
}

/** One numeric as the monitor shows it. `value: null` = the monitor has no valid value ("---"). */
export interface ScenarioNumeric {
  readonly parameter: VitalParameter;
  /** IEEE 11073-10101 context-free code (protocols/vitals VITAL_CODES, the code we send). */
  readonly mdc: number;
  readonly refid: string;
  /** UCUM unit of `value`. */
  readonly ucum: string;
  /** What the monitor's screen calls it. */
  readonly label: string;
  readonly value: number | null;
}

/** The numerics of one 1 Hz tick. NIBP rows are present only on ticks where a cuff cycle ends. */
export interface NumericsFrame {
  /** Milliseconds since the scenario started (monitor time; the caller maps it to a clock). */
  readonly tMs: number;
  readonly numerics: readonly ScenarioNumeric[];
}

export type WaveChannel = 'ECG_II' | 'PLETH' | 'CO2';

/** Consecutive samples of one channel. Physical value = sample × scale, in `ucum`. */
export interface WaveformBlock {
  readonly channel: WaveChannel;
  readonly mdc: number;
  readonly refid: string;
  readonly rateHz: number;
  /** Index of samples[0] since the monitor booted (restarts at 0 after a reboot). */
  readonly firstSampleIndex: number;
  /** Scenario ms of samples[0]. */
  readonly tMs: number;
  readonly ucum: string;
  readonly scale: number;
  /** Integer counts. */
  readonly samples: readonly number[];
}

export type AlarmPriorityName = 'low' | 'medium' | 'high';

/** An alarm the monitor itself raises or clears (limit, arrhythmia or technical). */
export interface MonitorAlarm {
  readonly tMs: number;
  /** Stable for the alarm's life: the active and the cleared message carry the same id. */
  readonly alarmId: string;
  /** MDC event REFID, e.g. MDC_EVT_LO, MDC_EVT_ECG_V_TACH, MDC_EVT_SENSOR_DISCONN. */
  readonly code: string;
  /** Context-free MDC code of the event where we know it (196916 for MDC_EVT_SENSOR_DISCONN). */
  readonly mdc?: number;
  /** The parameter a limit alarm is about. */
  readonly parameter?: VitalParameter;
  readonly kind: 'physiological' | 'technical';
  readonly priority: AlarmPriorityName;
  readonly state: 'active' | 'cleared';
  readonly text: string;
  readonly value?: number;
  readonly ucum?: string;
}

export type TechnicalEventKind = 'probe-off' | 'probe-on' | 'reboot-start' | 'reboot-end';

export interface TechnicalEvent {
  readonly tMs: number;
  readonly kind: TechnicalEventKind;
}

/** Everything the monitor produced in [fromMs, toMs). */
export interface ScenarioStep {
  readonly fromMs: number;
  readonly toMs: number;
  /** Whether the monitor is up at toMs (false during a reboot: it sends nothing). */
  readonly online: boolean;
  /** Boots so far (1 at start, 2 after one reboot): a simulator changes its session on a change. */
  readonly bootCount: number;
  readonly numerics: readonly NumericsFrame[];
  readonly waveforms: readonly WaveformBlock[];
  readonly alarms: readonly MonitorAlarm[];
  readonly events: readonly TechnicalEvent[];
}

/** The patient and monitor at one scenario time: what the trajectories say, before noise. */
export interface PhysState {
  readonly rhythm: Rhythm;
  /** Heart rate the ECG shows, /min (0 in asystole). */
  readonly hr: number;
  readonly spo2: number;
  /** Arterial pressure, mm[Hg]. */
  readonly sys: number;
  readonly dia: number;
  readonly rr: number;
  readonly temp: number;
  readonly etco2: number;
  /** Pulse strength 0..1 (pleth amplitude; 0 = no pulse). */
  readonly perfusion: number;
  readonly probeOff: boolean;
  readonly online: boolean;
}

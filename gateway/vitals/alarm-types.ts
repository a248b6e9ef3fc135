import type { Clock, telemed } from '../../protocols/index.js';
import type { AlarmLimit, AlarmPriorityName } from './alarm-limits.js';
import type { AlarmStore, StoredEpisode } from './alarm-store.js';
import type { AlarmStoreError } from './errors.js';

// The alarm engine's settings, page view and counters (alarms.ts re-exports them).

/** Engine settings (config `vitals.alarms`), all durations in ms. */
export interface AlarmEngineOptions {
  readonly limits: readonly AlarmLimit[];
  /** Default time a limit violation must hold before the alarm is raised. */
  readonly delayMs: number;
  /** Time an invalid value (probe off, sentinel) must persist before the technical alarm. */
  readonly technicalDelayMs: number;
  /** A device that sent data and then nothing for this long raises TM_ALARM_NO_DATA. */
  readonly noDataMs: number;
  readonly clock: Clock;
  /** Every transition (raised, cleared, acknowledged) of an episode, as the wire Alarm. */
  readonly emit: (deviceId: string, alarm: telemed.v1.IAlarm, captureTimeNs: number) => void;
  /** Called after any transition (the page's alarm list changed). */
  readonly changed?: () => void;
  /**
   * Where every transition is written before it is sent (alarm-store.ts); none: memory only. A
   * failed write is counted (`storeErrors`), reported through `storeError`, and the engine goes on.
   */
  readonly store?: AlarmStore;
  /** Episodes loaded from the store at start (active ones are continued, cleared ones listed). */
  readonly restored?: readonly StoredEpisode[];
  /** The configured devices: a restored active episode of another device is cleared on the first tick. */
  readonly devices?: ReadonlySet<string>;
  readonly storeError?: (err: AlarmStoreError) => void;
}

/** One alarm episode as the local page shows it (`/live` `alarms`, docs/CONTRACTS.md). */
export interface AlarmView {
  alarmId: string;
  deviceId: string;
  kind: 'physiological' | 'technical';
  priority: AlarmPriorityName;
  state: 'active' | 'cleared';
  code: string;
  text: string;
  value: number | null;
  unit: string;
  /** Unix ms. */
  raisedAtMs: number;
  clearedAtMs: number | null;
  /** Who acknowledged it (the clinician's user name at the hospital) and when (Unix ms). */
  acknowledged: { by: string; atMs: number } | null;
  /** Where it was detected: `edge` (our limits), `monitor` (the device's own alarm) or both. */
  sources: ('edge' | 'monitor')[];
}

/** Counters for /metrics and tests. */
export interface AlarmEngineCounts {
  raised: number;
  cleared: number;
  acknowledged: number;
  /** Monitor alarms merged into an episode the edge already had (and edge trips into the monitor's). */
  deduplicated: number;
  /** Numerics not compared because their unit differs from the limit's. */
  unitMismatch: number;
  /** Acknowledgements for alarm ids this process does not know. */
  unknownAcks: number;
  /** Episodes continued from the store at start (active then). */
  restored: number;
  /** Transitions the store could not write (they hold in memory only). */
  storeErrors: number;
}

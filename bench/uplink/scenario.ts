import { CLASS_NAMES, type ClassName } from '../../protocols/index.js';

export type ScenarioName = 'saturated-cell' | 'tunnel';
export type RunName = 'telemed' | 'fifo' | 'mosquitto';
export const RUN_NAMES: readonly RunName[] = ['telemed', 'fifo', 'mosquitto'];

/**
 * The offered traffic of issue 3 item 6. Rates per second unless said; sizes in bytes of
 * payload data (the envelope adds its header).
 */
export interface TrafficSpec {
  /** CONTROL frames per second, each way (arm telemetry up, arm commands down). Default 100. */
  readonly controlHz: number;
  /** An ALARM burst of `alarmBurst` frames every `alarmEveryS` seconds. Defaults 5 and 5. */
  readonly alarmBurst: number;
  readonly alarmEveryS: number;
  /** Vital-sign monitors, one VITALS frame each per second. Default 5. */
  readonly monitors: number;
  /** Live ECG streams at 500 Hz, one WAVEFORM chunk per 40 ms. Default 2. */
  readonly waveformStreams: number;
  /** Ultrasound VIDEO frames per second and bytes per frame. Defaults 20 and 40 000. */
  readonly videoFps: number;
  readonly videoBytes: number;
  /** A 10 s 18-lead ECG record (BULK) every `recordEveryS` seconds of `recordBytes`. Defaults 2 s, 180 000 B. */
  readonly recordEveryS: number;
  readonly recordBytes: number;
  /** BULK backlog present at the start, bytes. Default 50 MB (0 in "tunnel": the outage makes the backlog). */
  readonly backlogBytes: number;
  /** Chunk size of BULK objects as the device hands them over, bytes. Default 16 KiB. */
  readonly bulkChunkBytes: number;
}

export interface Scenario {
  readonly name: ScenarioName;
  /** simulators/link profile name. */
  readonly profile: string;
  readonly warmupS: number;
  /** Measured seconds (tunnel: the outage lasts this long, with half of it up on each side... see timeline). */
  readonly durationS: number;
  /** Outage inside the measured window: start and length, seconds from its start; null for none. */
  readonly outage: { readonly atS: number; readonly lengthS: number } | null;
  /** Seconds after the measured window in which nothing new is offered and in-flight frames land. */
  readonly drainS: number;
  readonly traffic: TrafficSpec;
}

export const DEFAULT_TRAFFIC: TrafficSpec = {
  controlHz: 100, alarmBurst: 5, alarmEveryS: 5, monitors: 5, waveformStreams: 2, videoFps: 20, videoBytes: 40_000,
  recordEveryS: 2, recordBytes: 180_000, backlogBytes: 50_000_000, bulkChunkBytes: 16 * 1024,
};

/**
 * Timelines. saturated-cell: warm-up, then `durationS` measured. tunnel: `durationS / 2` up, an
 * outage of `durationS` (60 s by default, as the issue asks), then `durationS` up so the backlog
 * can drain while it is measured.
 */
export function buildScenario(name: ScenarioName, durationS: number, warmupS: number, backlogMb: number | null = null): Scenario {
  const backlog = backlogMb === null ? {} : { backlogBytes: Math.round(backlogMb * 1e6) };
  if (name === 'saturated-cell') {
    return { name, profile: 'saturated-cell', warmupS, durationS, outage: null, drainS: 5, traffic: { ...DEFAULT_TRAFFIC, ...backlog } };
  }
  return {
    name, profile: 'saturated-cell', warmupS, durationS: durationS * 2.5,
    outage: { atS: durationS / 2, lengthS: durationS }, drainS: 5,
    traffic: { ...DEFAULT_TRAFFIC, backlogBytes: 0, ...backlog },
  };
}

export type Direction = 'up' | 'down';

/** Class index on the IPC wire (compact records). */
export function classIndex(c: ClassName): number {
  return CLASS_NAMES.indexOf(c);
}

import { CLASS_NAMES, type ClassName } from '../../protocols/index.js';
import type { LinkProfile } from '../../simulators/link/index.js';

/**
 * Scenarios: the two of issue 3 plus issue 14's matrix. `trace:PROFILE` runs the saturated-cell
 * traffic on a link profile whose uplink replays a Mahimahi capacity trace.
 */
export type ScenarioName = 'saturated-cell' | 'tunnel' | 'handover' | 'rate-step' | 'competing-flow' | `trace:${string}`;
export const FIXED_SCENARIOS: readonly ScenarioName[] = ['saturated-cell', 'tunnel', 'handover', 'rate-step', 'competing-flow'];

/**
 * Peers (bench/uplink/README.md states each configuration):
 * - `telemed`: the product (class scheduler, deadline drops, adaptive pacer);
 * - `strict`: telemed's scheduler with strict priority and deadline drops, no pacer (ablation);
 * - `shaped`: the same with a fixed token bucket at 0.95x the cell's nominal rate (the known-rate
 *   shaper the adaptive pacer must beat on a varying cell);
 * - `fifo`: telemed with one FIFO queue, unpaced;
 * - `mqtt-fair`: Mosquitto bridges as a competent engineer deploys them (three connections);
 * - `mosquitto`: one Mosquitto bridge connection ("naive MQTT").
 */
export type RunName = 'telemed' | 'strict' | 'shaped' | 'fifo' | 'mqtt-fair' | 'mosquitto';
export const RUN_NAMES: readonly RunName[] = ['telemed', 'strict', 'shaped', 'fifo', 'mqtt-fair', 'mosquitto'];
/** The runs of `bench:uplink` when `--runs` is not given (issue 3's three-way comparison). */
export const DEFAULT_RUNS: readonly RunName[] = ['telemed', 'fifo', 'mosquitto'];
export const isMqttRun = (r: RunName): boolean => r === 'mosquitto' || r === 'mqtt-fair';

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
  /** A profile not in profiles.json (bench:matrix --trace FILE); wins over `profile`. */
  readonly linkProfile?: LinkProfile;
  /** A greedy TCP upload through the same emulator (its own bottleneck shared), for the whole run. */
  readonly competingFlow: boolean;
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
  const steady = (profile: string, competingFlow = false): Scenario =>
    ({ name, profile, competingFlow, warmupS, durationS, outage: null, drainS: 5, traffic: { ...DEFAULT_TRAFFIC, ...backlog } });
  switch (name) {
    case 'saturated-cell': return steady('saturated-cell');
    case 'handover': return steady('handover');
    case 'rate-step': return steady('rate-steps');
    case 'competing-flow': return steady('saturated-cell', true);
    case 'tunnel':
      return {
        name, profile: 'saturated-cell', competingFlow: false, warmupS, durationS: durationS * 2.5,
        outage: { atS: durationS / 2, lengthS: durationS }, drainS: 5,
        traffic: { ...DEFAULT_TRAFFIC, backlogBytes: 0, ...backlog },
      };
    default:
      if (name.startsWith('trace:') && name.length > 'trace:'.length) return steady(name.slice('trace:'.length));
      throw new Error(`unknown scenario "${name}" (${FIXED_SCENARIOS.join(', ')}, or trace:PROFILE)`);
  }
}

export type Direction = 'up' | 'down';

/** Class index on the IPC wire (compact records). */
export function classIndex(c: ClassName): number {
  return CLASS_NAMES.indexOf(c);
}

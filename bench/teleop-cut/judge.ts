/*
 * Pure judging and statistics of bench:teleop-cut (no I/O, no clocks): the seeded RNG for the cut
 * moments, quantiles, and the verdicts of the link-cut and force-spike trials. Unit-tested in
 * judge.test.ts; the benchmark (../teleop-cut.ts) only measures and hands the trials here.
 */
import { mulberry32, type Rng } from '../../protocols/random.js';

/** The cut moments come from the project's one seeded generator (protocols/random.ts): the same seed, the same moments. */
export const seededRandom: (seed: number) => Rng = mulberry32;

/** Nearest-rank quantile (q in [0, 1]) of `values`; null when empty. Never interpolates a value nobody measured. */
export function quantile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(q * s.length));
  return s[Math.min(rank, s.length) - 1] ?? null;
}

export interface Percentiles {
  readonly n: number;
  readonly p50: number | null;
  readonly p95: number | null;
  readonly p99: number | null;
  readonly max: number | null;
}

export function percentiles(values: readonly number[]): Percentiles {
  const r = (v: number | null): number | null => (v === null ? null : Math.round(v * 1000) / 1000);
  return { n: values.length, p50: r(quantile(values, 0.5)), p95: r(quantile(values, 0.95)), p99: r(quantile(values, 0.99)), max: r(quantile(values, 1)) };
}

/** A motion frame (Jog / MoveTo / Home) the simulated arm received, on the simulator's clock. */
export interface MotionAtArm {
  readonly atMs: number;
  /** Which operator phase the command came from (by its twist marker): see README "Markers". */
  readonly marker: 'drive' | 'outage' | 'fresh' | 'other';
}

/** One link-cut trial as measured; times on the simulator's clock (performance.now, ms). */
export interface CutTrial {
  readonly trial: number;
  /** When the emulator stopped delivering in both directions. */
  readonly cutAtMs: number;
  /**
   * The arm was executing a jog at the cut (its commanded motion). If not (e.g. the supervisor had
   * already stopped it on a telemetry loss), the trial is void: there was no motion to hold.
   */
  readonly joggingAtCut: boolean;
  /** The cut's offset into the drive phase (the random moment), ms after the first fresh jog reached the arm. */
  readonly cutOffsetMs: number;
  /** The first Hold (or Stop) frame the arm received after the cut; null = none within the wait. */
  readonly holdAtMs: number | null;
  /** When the emulator delivered again. */
  readonly restoreAtMs: number;
  /** When the arm received the first jog of the next fresh command after the restore; null = never. */
  readonly resumeAtMs: number | null;
  /** Motion frames the arm received after the cut, until the next trial's cut (or the end of the run). */
  readonly motionAfterCut: readonly MotionAtArm[];
  /** Diagnosis, not judged: when the gateway's supervisor tripped (deadman / jog expiry, from its audit), same clock. */
  readonly gatewayHoldAtMs?: number | null;
}

export interface CutTrialVerdict {
  readonly trial: number;
  /** Not judged: the arm was not jogging at the cut. Reported, never counted as passed. */
  readonly void: boolean;
  readonly cutOffsetMs: number;
  readonly holdLatencyMs: number | null;
  readonly passed: boolean;
  /** Motion frames in (cut, hold]: commands that had passed the emulator before the cut (legitimate). */
  readonly inFlightAtCut: number;
  /** Motion frames after the hold that were not a fresh command: stale, replayed or issued during the outage. */
  readonly staleExecuted: readonly MotionAtArm[];
  readonly resumed: boolean;
  readonly why: string | null;
}

/**
 * A trial passes when the arm received a hold within `boundMs` of the cut, nothing but a fresh
 * command moved it after that hold, and a fresh command did resume it after the restore.
 */
export function judgeCutTrial(t: CutTrial, boundMs: number): CutTrialVerdict {
  const hold = t.holdAtMs === null ? null : t.holdAtMs - t.cutAtMs;
  const afterHold = t.holdAtMs === null ? t.motionAfterCut : t.motionAfterCut.filter((m) => m.atMs > t.holdAtMs!);
  const stale = afterHold.filter((m) => m.marker !== 'fresh' || m.atMs < t.restoreAtMs);
  const inFlight = t.holdAtMs === null ? 0 : t.motionAfterCut.filter((m) => m.atMs <= t.holdAtMs!).length;
  const why: string[] = [];
  if (hold === null) why.push('no hold reached the arm');
  else if (hold > boundMs) why.push(`hold ${hold.toFixed(1)} ms after the cut > ${boundMs} ms`);
  if (stale.length > 0) why.push(`${stale.length} stale motion command(s) executed after the hold`);
  if (t.resumeAtMs === null) why.push('no fresh command resumed the arm after the restore');
  if (!t.joggingAtCut) why.unshift('void: the arm was not jogging at the cut');
  return {
    trial: t.trial, void: !t.joggingAtCut, cutOffsetMs: round(t.cutOffsetMs), holdLatencyMs: hold === null ? null : round(hold),
    passed: why.length === 0, inFlightAtCut: inFlight, staleExecuted: stale, resumed: t.resumeAtMs !== null,
    why: why.length === 0 ? null : why.join('; '),
  };
}

export interface CutSummary {
  /** Judged trials (the arm jogging at the cut). */
  readonly trials: number;
  readonly passed: number;
  /** Trials where the arm was not jogging at the cut, with why: not judged, not in `trials`. */
  readonly void: readonly CutTrialVerdict[];
  readonly boundMs: number;
  readonly holdLatencyMs: Percentiles;
  /** Restore → the first fresh jog at the arm (the supervisor drivable again), ms. */
  readonly resumeAfterRestoreMs: Percentiles;
  /** Slowest holds first (failed trials before them), at most `worstN`. */
  readonly worst: readonly CutTrialVerdict[];
  readonly staleExecuted: number;
  readonly inFlightAtCut: { readonly total: number; readonly maxPerTrial: number };
  readonly failures: readonly CutTrialVerdict[];
  /** Where the hold latency went: cut → the supervisor's trip, and the trip → the Hold at the arm (serial path, event loop). */
  readonly diagnosis: { readonly cutToGatewayTripMs: Percentiles; readonly gatewayTripToArmMs: Percentiles };
  readonly met: boolean;
}

/** Differences b − a over the trials where both are known. */
function spans<T>(xs: readonly T[], a: (x: T) => number | null | undefined, b: (x: T) => number | null | undefined): Percentiles {
  return percentiles(xs.flatMap((x) => { const u = a(x); const v = b(x); return u == null || v == null ? [] : [v - u]; }));
}

/** Met only with every trial passed (the target is 100 of 100) and at least `minTrials` trials. */
export function summariseCuts(all: readonly CutTrial[], boundMs: number, minTrials: number, worstN = 5): CutSummary {
  const judged = all.map((t) => judgeCutTrial(t, boundMs));
  const voids = judged.filter((x) => x.void);
  const trials = all.filter((t) => t.joggingAtCut);
  const v = judged.filter((x) => !x.void);
  const lat = v.flatMap((x) => (x.holdLatencyMs === null ? [] : [x.holdLatencyMs]));
  const worst = [...v].sort((a, b) => Number(a.passed) - Number(b.passed) || (b.holdLatencyMs ?? Infinity) - (a.holdLatencyMs ?? Infinity)).slice(0, worstN);
  const passed = v.filter((x) => x.passed).length;
  const resume = trials.flatMap((t) => (t.resumeAtMs === null ? [] : [t.resumeAtMs - t.restoreAtMs]));
  return {
    trials: v.length, passed, void: voids, boundMs, holdLatencyMs: percentiles(lat), resumeAfterRestoreMs: percentiles(resume), worst,
    staleExecuted: v.reduce((s, x) => s + x.staleExecuted.length, 0),
    inFlightAtCut: { total: v.reduce((s, x) => s + x.inFlightAtCut, 0), maxPerTrial: v.reduce((m, x) => Math.max(m, x.inFlightAtCut), 0) },
    failures: v.filter((x) => !x.passed),
    diagnosis: { cutToGatewayTripMs: spans(trials, (t) => t.cutAtMs, (t) => t.gatewayHoldAtMs), gatewayTripToArmMs: spans(trials, (t) => t.gatewayHoldAtMs, (t) => t.holdAtMs) },
    met: v.length >= minTrials && passed === v.length,
  };
}

/** One force-spike trial; times on the simulator's clock, ms. */
export interface SpikeTrial {
  readonly trial: number;
  /** When the spike was injected into the simulator. */
  readonly injectedAtMs: number;
  /** The first telemetry sample the arm sent with the force above the cap; null = none. */
  readonly firstOverCapSampleAtMs: number | null;
  /** The first MoveTo (the retract) the arm received after the injection. */
  readonly retractAtMs: number | null;
  /** The first telemetry sample at or below the contact-free force after the retract began. */
  readonly contactFreeSampleAtMs: number | null;
  /** The first Hold the arm received after the retract. */
  readonly holdAtMs: number | null;
  /** The retract moved the probe up (z after > z before). */
  readonly retractedUp: boolean;
  /** Contact force when the spike was injected, N (in contact: > 0). */
  readonly forceBeforeN: number;
  /** Diagnosis, not judged: the supervisor's state in the last telemetry the operator had before the spike. */
  readonly stateBefore?: string;
  /** Diagnosis, not judged: when the supervisor tripped FORCE_CAP and CONTACT_FREE (its audit), same clock. */
  readonly gatewayRetractAtMs?: number | null;
  readonly gatewayHoldAtMs?: number | null;
}

export interface SpikeVerdict {
  readonly trial: number;
  /** Over-cap sample → retract at the arm, ms and periods. */
  readonly retractReactionMs: number | null;
  /** Contact-free sample → hold at the arm, ms. */
  readonly holdReactionMs: number | null;
  /** Injection → retract at the arm, in telemetry periods. */
  readonly retractPeriods: number | null;
  /** Injection → hold at the arm, in telemetry periods (includes the travel out of contact). */
  readonly holdPeriods: number | null;
  readonly passed: boolean;
  readonly why: string | null;
}

/**
 * "Retract and hold within one telemetry period": each reaction comes before the next sample
 * after the one that called for it: the retract within one period of the first sample over the
 * cap, the hold within one period of the first contact-free sample. The time from injection to the
 * hold also contains the travel out of contact (physics, not reaction) and is reported, not judged.
 */
export function judgeSpikeTrial(t: SpikeTrial, periodMs: number): SpikeVerdict {
  const d = (a: number | null, b: number | null): number | null => (a === null || b === null ? null : round(b - a));
  const retract = d(t.firstOverCapSampleAtMs, t.retractAtMs);
  const hold = d(t.contactFreeSampleAtMs, t.holdAtMs);
  const per = (v: number | null): number | null => (v === null ? null : round(v / periodMs));
  const why: string[] = [];
  if (t.forceBeforeN <= 0) why.push('the probe was not in contact when the spike came');
  if (t.firstOverCapSampleAtMs === null) why.push('no telemetry sample showed the spike');
  if (retract === null) why.push('no retract reached the arm');
  else if (retract > periodMs) why.push(`retract ${retract} ms after the over-cap sample > ${periodMs} ms`);
  else if (!t.retractedUp) why.push('the retract did not move the probe up');
  if (hold === null) why.push('no hold after contact-free');
  else if (hold > periodMs) why.push(`hold ${hold} ms after the contact-free sample > ${periodMs} ms`);
  return {
    trial: t.trial, retractReactionMs: retract, holdReactionMs: hold,
    retractPeriods: per(d(t.injectedAtMs, t.retractAtMs)), holdPeriods: per(d(t.injectedAtMs, t.holdAtMs)),
    passed: why.length === 0, why: why.length === 0 ? null : why.join('; '),
  };
}

export interface SpikeSummary {
  readonly trials: number;
  readonly passed: number;
  readonly telemetryPeriodMs: number;
  readonly retractReactionMs: Percentiles;
  readonly holdReactionMs: Percentiles;
  readonly injectionToRetractPeriods: Percentiles;
  readonly injectionToHoldPeriods: Percentiles;
  /**
   * Where each reaction went: the sample (taken at the arm) → the supervisor's trip at the gateway
   * (arm → serial → driver → supervisor), and the trip → the command at the arm (driver → serial → arm).
   */
  readonly diagnosis: {
    readonly overCapSampleToGatewayMs: Percentiles; readonly gatewayRetractToArmMs: Percentiles;
    readonly contactFreeSampleToGatewayMs: Percentiles; readonly gatewayHoldToArmMs: Percentiles;
  };
  readonly failures: readonly SpikeVerdict[];
  readonly met: boolean;
}

export function summariseSpikes(trials: readonly SpikeTrial[], periodMs: number, minTrials: number): SpikeSummary {
  const v = trials.map((t) => judgeSpikeTrial(t, periodMs));
  const pick = (f: (x: SpikeVerdict) => number | null): number[] => v.flatMap((x) => { const n = f(x); return n === null ? [] : [n]; });
  const passed = v.filter((x) => x.passed).length;
  return {
    trials: v.length, passed, telemetryPeriodMs: periodMs,
    retractReactionMs: percentiles(pick((x) => x.retractReactionMs)), holdReactionMs: percentiles(pick((x) => x.holdReactionMs)),
    injectionToRetractPeriods: percentiles(pick((x) => x.retractPeriods)), injectionToHoldPeriods: percentiles(pick((x) => x.holdPeriods)),
    diagnosis: {
      overCapSampleToGatewayMs: spans(trials, (t) => t.firstOverCapSampleAtMs, (t) => t.gatewayRetractAtMs),
      gatewayRetractToArmMs: spans(trials, (t) => t.gatewayRetractAtMs, (t) => t.retractAtMs),
      contactFreeSampleToGatewayMs: spans(trials, (t) => t.contactFreeSampleAtMs, (t) => t.gatewayHoldAtMs),
      gatewayHoldToArmMs: spans(trials, (t) => t.gatewayHoldAtMs, (t) => t.holdAtMs),
    },
    failures: v.filter((x) => !x.passed), met: v.length >= minTrials && passed === v.length,
  };
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}

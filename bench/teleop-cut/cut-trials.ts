// The link-cut trials of bench:teleop-cut (issue 11, target 2): the operator jogs, the link
// emulator is cut at a random moment, the bench waits for the arm to receive a hold, restores the
// link, and the operator's next (fresh) jog must resume the arm; nothing else may move it.
import type { CutTrial, MotionAtArm } from './judge.js';
import { Operator, type TwistMsg } from './operator.js';
import { until, type Rig } from './rig.js';
import type { TappedFrame } from './arm-tap.js';
import { sleep } from '../uplink/clock.js';

export interface CutOptions {
  readonly trials: number;
  /** How long each cut lasts, ms (> survival time + budget, so every command sent during it is stale when it returns). */
  readonly outageMs: number;
  /** The cut comes this long after the drive reached the arm, plus a random part of `cutSpreadMs`. */
  readonly minDriveMs: number;
  readonly cutSpreadMs: number;
  /** Jog speed, mm/s. */
  readonly speedMmS: number;
  readonly random: () => number;
  readonly log: (line: string) => void;
}

/**
 * Markers (README "Markers"): in trial k the operator drives along x with sign s = ±1 ("drive"),
 * jogs along +y while the link is down ("outage"), then, after the restore, along x with −s
 * ("fresh", which is trial k+1's drive). So the simulator's own view of each motion frame tells
 * which phase's command the supervisor let through.
 */
function markerOf(m: TappedFrame['message'], s: number): MotionAtArm['marker'] | null {
  if (m.type === 'Jog') {
    const v = m.linearMmS;
    if (Math.abs(v.y) > 1e-9) return 'outage';
    if (v.x * s > 0) return 'drive';
    if (v.x * s < 0) return 'fresh';
    return 'other';
  }
  if (m.type === 'MoveTo' || m.type === 'Home') return 'other';
  return null;
}

/**
 * Runs until `o.trials` trials had the arm jogging at the cut (void ones, where something had
 * already stopped it, are kept and reported but do not count), at most 2 × `o.trials` cuts.
 */
export async function runCutTrials(rig: Rig, op: Operator, o: CutOptions): Promise<CutTrial[]> {
  const { tap, link } = rig;
  const twist = (s: number): TwistMsg => ({ vx: s * o.speedMmS, vy: 0, vz: 0 });
  // Every host frame the arm received, in order (trimmed per trial).
  let frames: TappedFrame[] = [];
  const off = tap.on((f) => { if (f.dir === 'in') frames.push(f); });
  const out: CutTrial[] = [];
  const firstJog = (since: number, s: number): TappedFrame | undefined =>
    frames.find((f) => f.atMs > since && f.message.type === 'Jog' && markerOf(f.message, s) === 'drive');
  try {
    let s = 1;
    op.set({ kind: 'jog', twist: twist(s) });
    await until(() => firstJog(-Infinity, s) !== undefined, 5000, 'the first jog to reach the arm');
    let driveAt = firstJog(-Infinity, s)!.atMs;
    for (let k = 0; out.filter((t) => t.joggingAtCut).length < o.trials && k < 2 * o.trials; k++) {
      const offset = o.minDriveMs + o.random() * o.cutSpreadMs;
      const wait = driveAt + offset - tap.now();
      if (wait > 0) await sleep(wait);
      link.setOutage(true);
      const cutAt = tap.now();
      const joggingAtCut = rig.sim.kin.motion.kind === 'jog';
      // The previous trial's window (its cut up to this cut) is complete now.
      assignMotion(out, frames, -s, cutAt);
      frames = frames.filter((f) => f.atMs >= cutAt);
      op.set({ kind: 'jog', twist: { vx: 0, vy: o.speedMmS, vz: 0 } });
      const isHold = (f: TappedFrame): boolean => f.atMs > cutAt && (f.message.type === 'Hold' || f.message.type === 'Stop');
      // Commands sent in the last 100 ms of the outage would be young enough (and issued after the
      // hold) when the link returns: fresh by the rules. The operator lets go of the key for those,
      // so every "outage" jog is stale on arrival and must be refused.
      await sleep(Math.max(0, cutAt + o.outageMs - 100 - tap.now()));
      op.set({ kind: 'heartbeat' });
      await sleep(Math.max(0, cutAt + o.outageMs - tap.now()));
      const holdFrame = frames.find(isHold);
      link.setOutage(false);
      const restoreAt = tap.now();
      s = -s;
      op.set({ kind: 'jog', twist: twist(s) });
      let resumeAt: number | null = null;
      try {
        await until(() => firstJog(restoreAt, s) !== undefined, 3000, 'a fresh jog to reach the arm after the restore');
        resumeAt = firstJog(restoreAt, s)!.atMs;
      } catch (err) {
        o.log(`trial ${k}: ${(err as Error).message}`);
      }
      out.push({
        trial: k, cutAtMs: cutAt, joggingAtCut, cutOffsetMs: cutAt - driveAt, holdAtMs: holdFrame?.atMs ?? null, restoreAtMs: restoreAt, resumeAtMs: resumeAt,
        motionAfterCut: [],
      });
      driveAt = resumeAt ?? tap.now();
      if (!joggingAtCut) o.log(`trial ${k}: void, the arm was not jogging at the cut (supervisor state in the operator's last telemetry: ${lastState(rig)})`);
      if ((k + 1) % 10 === 0) o.log(`cut trials: ${k + 1} (${out.filter((t) => t.joggingAtCut).length} judged of ${o.trials})`);
    }
    // The last trial's window runs on for a moment after its resume: a late stale frame would show here.
    await sleep(300);
    assignMotion(out, frames, -s, Infinity);
  } finally {
    off();
    op.set({ kind: 'heartbeat' });
  }
  return out;
}

function lastState(rig: Rig): string {
  const v = rig.browser.messages.findLast((m) => m.type === 'telemetry')?.['safetyState'];
  return typeof v === 'string' ? v : '?';
}

/** The last trial's motion frames: every one after its cut and before `endMs` (the next cut); `s` is its drive sign. */
function assignMotion(out: CutTrial[], frames: readonly TappedFrame[], s: number, endMs: number): void {
  const t = out[out.length - 1];
  if (t === undefined) return;
  const motion = frames.flatMap((f) => {
    if (f.atMs <= t.cutAtMs || f.atMs >= endMs) return [];
    const marker = markerOf(f.message, s);
    return marker === null ? [] : [{ atMs: f.atMs, marker }];
  });
  out[out.length - 1] = { ...t, motionAfterCut: motion };
}

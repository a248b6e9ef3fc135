// The force-spike trials of bench:teleop-cut (issue 11, target 3): the probe rests on the phantom,
// the simulator adds a force spike above the exam's cap, and the arm must get the retract within
// one telemetry period of the first sample over the cap and the hold within one period of the
// first contact-free sample.
import type { SpikeTrial } from './judge.js';
import type { Operator } from './operator.js';
import { until, type Rig } from './rig.js';
import type { TappedFrame } from './arm-tap.js';
import { sleep } from '../uplink/clock.js';

export interface SpikeOptions {
  readonly trials: number;
  readonly capN: number;
  /** Added to the contact force, N: with the contact force it is above the cap, below the arm's own 45 N limit. */
  readonly spikeN: number;
  readonly spikeMs: number;
  /** Contact force to reach before the spike, N (below the cap). */
  readonly contactN: number;
  readonly contactFreeN: number;
  readonly random: () => number;
  readonly log: (line: string) => void;
}

export async function runSpikeTrials(rig: Rig, op: Operator, o: SpikeOptions): Promise<SpikeTrial[]> {
  const { sim, tap, browser } = rig;
  const safetyState = (): string => {
    const v = browser.messages.findLast((m) => m.type === 'telemetry')?.['safetyState'];
    return typeof v === 'string' ? v : '';
  };
  let frames: TappedFrame[] = [];
  const off = tap.on((f) => frames.push(f));
  const out: SpikeTrial[] = [];
  try {
    for (let k = 0; k < o.trials; k++) {
      // Just above the skin (a teleport saves seconds of jogging down after each 30 mm retract),
      // then a fresh jog down into contact, then the key let go: heartbeats, the arm holds in contact.
      const x = -40 + (k % 5) * 10;
      const y = 10;
      op.set({ kind: 'heartbeat' });
      await sleep(150);
      // Drivable again (a telemetry loss on a loaded machine faults the arm until telemetry is back).
      try {
        await until(() => ['leased', 'holding', 'active'].includes(safetyState()), 3000, 'a drivable supervisor state');
      } catch (err) {
        o.log(`spike trial ${k}: ${(err as Error).message} (state ${safetyState()})`);
      }
      sim.kin.position = { x, y, z: sim.phantom.surfaceZ(x, y) + 0.5 };
      op.set({ kind: 'jog', twist: { vx: 0, vy: 0, vz: -10 } });
      await until(() => sim.forceN() >= o.contactN, 5000, `contact ≥ ${o.contactN} N (force ${sim.forceN().toFixed(2)} N)`);
      op.set({ kind: 'heartbeat' });
      // The jog expires (≤ survival time) and the arm holds in contact; then a random moment.
      await sleep(150 + o.random() * 50);
      const forceBefore = sim.forceN();
      const stateBefore = safetyState();
      const zBefore = sim.kin.position.z;
      frames = [];
      const injectedAt = tap.now();
      sim.forceSpike(o.spikeN, o.spikeMs);
      const after = (pred: (f: TappedFrame) => boolean, since: number): TappedFrame | undefined => frames.find((f) => f.atMs >= since && pred(f));
      const retract = (): TappedFrame | undefined => after((f) => f.dir === 'in' && f.message.type === 'MoveTo', injectedAt);
      const hold = (): TappedFrame | undefined => {
        const r = retract();
        return r === undefined ? undefined : after((f) => f.dir === 'in' && (f.message.type === 'Hold' || f.message.type === 'Stop'), r.atMs);
      };
      try {
        await until(() => hold() !== undefined, 3000, 'the retract and the hold to reach the arm');
      } catch (err) {
        o.log(`spike trial ${k}: ${(err as Error).message}`);
      }
      const r = retract();
      const overCap = after((f) => f.dir === 'out' && f.message.type === 'Telemetry' && f.message.forceN > o.capN, injectedAt);
      const free = r === undefined ? undefined : after((f) => f.dir === 'out' && f.message.type === 'Telemetry' && f.message.forceN <= o.contactFreeN, r.atMs);
      const target = r?.message.type === 'MoveTo' ? r.message.positionMm.z : null;
      out.push({
        trial: k, injectedAtMs: injectedAt, firstOverCapSampleAtMs: overCap?.atMs ?? null, retractAtMs: r?.atMs ?? null,
        contactFreeSampleAtMs: free?.atMs ?? null, holdAtMs: hold()?.atMs ?? null,
        retractedUp: target !== null && target > zBefore, forceBeforeN: forceBefore, stateBefore,
      });
      if ((k + 1) % 5 === 0) o.log(`spike trials: ${k + 1}/${o.trials}`);
    }
  } finally {
    off();
    op.set({ kind: 'heartbeat' });
  }
  return out;
}

// Issue 11 target 3 with fake time (exact values; bench/teleop-cut measures it on the real stack):
// the probe rests on the couch in contact below the cap, a 40 ms force spike above the cap comes at
// a random moment. The retract (straight up) goes out in the first telemetry sample that shows the
// spike, so within one telemetry period of its onset; the hold goes out in the first sample that is
// contact-free again. supervisor.test.ts has the spike from free air and a jog into the couch;
// this adds contact, random onsets and the hold. 20 seeded trials, ~0.1 s.
import { describe, expect, it } from 'vitest';
import { harness } from './test-support.js';

describe('force spike above the cap while in contact (fake time, exact)', () => {
  it('retracts in the first sample showing the spike (≤ one telemetry period after onset) and holds in the first contact-free sample', () => {
    let seed = 5;
    const random = (): number => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed / 2 ** 31; };
    for (let trial = 0; trial < 20; trial++) {
      // Couch surface at z = 100, 1 N/mm: 3 mm deep = 3 N, below the lease's 20 N cap.
      const h = harness({}, { x: 0, y: 0, z: 97 });
      const period = h.cfg.telemetryPeriodMs;
      h.grant();
      expect(h.sup.command(h.cmd('heartbeat')).decision).toBe('accepted');
      const onset = 30 + random() * 50;
      h.timers.advance(onset);
      expect(h.sup.state).toBe('leased');
      h.arm.spikeN = 25;
      h.timers.setTimeout(() => { h.arm.spikeN = 0; }, 40);
      // Heartbeats every 40 ms meanwhile: the operator is still there, the retract still wins.
      const beat = h.timers.setInterval(() => h.sup.command(h.cmd('heartbeat')), 40);
      h.timers.advance(400);
      h.timers.clearInterval(beat);
      // Samples come every `period` ms from t = 0: the first at or after the onset shows the spike.
      const firstSpiked = Math.ceil(onset / period) * period;
      const retract = h.arm.calls.find((c) => c.op === 'moveTo');
      expect(retract?.atMs, `trial ${trial}`).toBe(firstSpiked);
      expect(retract!.atMs - onset).toBeLessThanOrEqual(period);
      expect(retract!.target!.position.z).toBe(97 + h.cfg.retractMm);
      // Up at 50 mm/s from z = 97: 0.5 N or less from z = 99.5, 50 ms after the retract began,
      // and the spike must be over (onset + 40): the first sample then is the hold.
      const freeFrom = Math.max(firstSpiked + ((99.5 - 97) / h.cfg.retractSpeedMmS) * 1000, onset + 40);
      const hold = h.arm.calls.find((c) => c.op === 'hold' && c.atMs > retract!.atMs);
      expect(hold?.atMs, `trial ${trial}`).toBe(Math.ceil(freeFrom / period - 1e-9) * period);
      expect(h.sup.state).toBe('holding');
      expect(h.audit.records.map((r) => r.reason).filter((r) => r?.startsWith('TM_SAFETY_'))).toEqual(['TM_SAFETY_FORCE_CAP', 'TM_SAFETY_CONTACT_FREE']);
    }
  });
});

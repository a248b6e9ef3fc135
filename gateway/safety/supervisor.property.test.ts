import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { insideBox, norm, sub } from './limits.js';
import { harness } from './test-support.js';
import type { OperatorCommand, Twist } from './types.js';

type Ev =
  | { t: 'jog'; twist: Twist }
  | { t: 'move'; x: number; y: number; z: number; speed: number }
  | { t: 'heartbeat' | 'hold' | 'stop' | 'home' | 'estop' | 'clear' | 'replay' | 'regrant' | 'spikeOn' | 'spikeOff' | 'wrongLease' }
  | { t: 'delayed'; ageMs: number; twist: Twist }
  /** An operator holding a key: the same jog n times, every periodMs. */
  | { t: 'burst'; twist: Twist; n: number; periodMs: number };

const vec = (m: number) => fc.record({ x: fc.double({ min: -m, max: m, noNaN: true }), y: fc.double({ min: -m, max: m, noNaN: true }), z: fc.double({ min: -m, max: m, noNaN: true }) });
const twist = fc.record({ linear: vec(150), angular: vec(90) });
const ev: fc.Arbitrary<Ev> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ t: fc.constant('jog' as const), twist }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('move' as const), x: fc.integer({ min: -400, max: 400 }), y: fc.integer({ min: -300, max: 300 }), z: fc.integer({ min: 0, max: 450 }), speed: fc.integer({ min: 0, max: 300 }) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constantFrom('heartbeat' as const, 'hold' as const, 'stop' as const, 'home' as const, 'replay' as const, 'wrongLease' as const) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constantFrom('estop' as const, 'clear' as const, 'regrant' as const, 'spikeOn' as const, 'spikeOff' as const) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('burst' as const), twist, n: fc.integer({ min: 1, max: 150 }), periodMs: fc.integer({ min: 5, max: 110 }) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('delayed' as const), ageMs: fc.integer({ min: 0, max: 150 }), twist }) },
);
const scenario = fc.record({
  offsetMs: fc.integer({ min: -500, max: 500 }),
  start: fc.record({ x: fc.integer({ min: -300, max: 300 }), y: fc.integer({ min: -200, max: 200 }), z: fc.integer({ min: 100, max: 350 }) }),
  events: fc.array(fc.tuple(fc.integer({ min: 0, max: 160 }), ev), { minLength: 1, maxLength: 60 }),
});

describe('SafetySupervisor properties (any command sequence and timing)', () => {
  it('never moves without a valid command younger than the survival time, never too fast or too sharply, never outside the box, never while e-stopped', () => {
    fc.assert(
      fc.property(scenario, ({ offsetMs, start, events }) => {
        const h = harness({}, start);
        h.offsetMs = offsetMs;
        const { cfg, sup, arm, timers } = h;
        const lim = cfg.limits;
        let lastValidAtMs = -Infinity;
        let leaseNo = 1;
        let leaseId = 'L1';
        const sent: OperatorCommand[] = [];
        const problems: string[] = [];
        let prevJog = { x: 0, y: 0, z: 0 };
        let checkedCalls = 0;
        /** Indices of jog calls the audit log says were slowed for a wall. */
        const wallClampedCalls = new Set<number>();

        const checkCalls = (): void => {
          for (; checkedCalls < arm.calls.length; checkedCalls++) {
            const c = arm.calls[checkedCalls]!;
            if (c.op === 'jog') {
              const v = c.twist!.linear;
              if (norm(v) > lim.maxSpeedMmS + 1e-9) problems.push(`jog ${norm(v)} mm/s at ${c.atMs}`);
              if (norm(c.twist!.angular) > lim.maxAngularDegS + 1e-9) problems.push(`angular ${norm(c.twist!.angular)} at ${c.atMs}`);
              // [R6] Every change of commanded velocity is within accel × one control period, except
              // slowing down for a wall [R7] (braking is always allowed): then no axis speeds up.
              const step = norm(sub(v, prevJog));
              const maxStep = ((lim.maxAccelMmS2 * cfg.controlPeriodMs) / 1000) * (1 + 1e-9);
              const wallClamped = wallClampedCalls.has(checkedCalls);
              const axisUp = (['x', 'y', 'z'] as const).some((k) => Math.abs(v[k]) > Math.abs(prevJog[k]) + maxStep);
              if (wallClamped ? axisUp : step > maxStep) problems.push(`jog step ${step} at ${c.atMs}${wallClamped ? ' (wall)' : ''}`);
              prevJog = v;
            } else {
              prevJog = { x: 0, y: 0, z: 0 };
            }
            if ((c.op === 'moveTo' || c.op === 'home') && c.speedMmS! > lim.maxSpeedMmS) problems.push(`move at ${c.speedMmS} mm/s`);
          }
        };
        const checkNow = (): void => {
          checkCalls();
          const s = arm.sample();
          if (!insideBox(s.pose.position, cfg.workspace, 1e-6)) problems.push(`outside the box at ${timers.now}: ${JSON.stringify(s.pose.position)}`);
          if (sup.state === 'estopped' && arm.moving) problems.push(`moving while e-stopped at ${timers.now}`);
          // Retraction after a force trip is the supervisor's own motion, not the operator's.
          if (arm.moving && sup.state !== 'retracting' && timers.now - lastValidAtMs > cfg.survivalMs) {
            problems.push(`moving at ${timers.now}, last valid command at ${lastValidAtMs}`);
          }
        };
        // Every millisecond, after the telemetry sample of that millisecond and before any timer set later.
        timers.setInterval(checkNow, 1);
        h.grant();

        const send = (c: OperatorCommand): void => {
          sent.push(c);
          const estoppedBefore = sup.state === 'estopped';
          const callsBefore = arm.calls.length;
          const d = sup.command(c);
          const rec = h.audit.records.at(-1);
          if (arm.calls.length > callsBefore && rec && `${rec.reason} ${String(rec.detail.alsoClamped)}`.includes('TM_SAFETY_WORKSPACE_CLAMPED')) wallClampedCalls.add(arm.calls.length - 1);
          if (d.decision !== 'rejected' && c.kind !== 'estop') lastValidAtMs = timers.now;
          if (estoppedBefore && arm.calls.slice(callsBefore).some((x) => x.op !== 'stop')) problems.push('actuator told to move while e-stopped');
          checkNow();
        };
        for (const [dt, e] of events) {
          timers.advance(dt);
          const base = { leaseId, operatorId: 'op-1' };
          switch (e.t) {
            case 'jog': send(h.cmd('jog', { ...base, twist: e.twist })); break;
            case 'move': send(h.cmd('move', { ...base, target: { position: { x: e.x, y: e.y, z: e.z }, orientation: { w: 1, x: 0, y: 0, z: 0 } }, maxSpeedMmS: e.speed })); break;
            case 'burst':
              for (let i = 0; i < e.n; i++) {
                send(h.cmd('jog', { ...base, twist: e.twist }));
                timers.advance(e.periodMs);
              }
              break;
            case 'delayed': send(h.cmd('jog', { ...base, twist: e.twist, issuedAtNs: h.hubNs() - e.ageMs * 1e6 })); break;
            case 'replay': if (sent.length > 0) send({ ...sent[(sent.length * 7) % sent.length]! }); break;
            case 'wrongLease': send(h.cmd('jog', { leaseId: 'other', operatorId: 'op-9', twist: { linear: { x: 10, y: 0, z: 0 }, angular: { x: 0, y: 0, z: 0 } } })); break;
            case 'estop': sup.estop('clinic-page'); break;
            case 'clear': sup.clearEstop('clinic-page'); break;
            case 'spikeOn': arm.spikeN = 30; break;
            case 'spikeOff': arm.spikeN = 0; break;
            case 'regrant':
              sup.lease({ action: 'release', leaseId, operatorId: 'op-1', expiresAtNs: 0, maxForceN: 0, issuedAtNs: h.hubNs() });
              leaseId = `L${++leaseNo}`;
              h.grant(600_000, leaseId);
              break;
            default: send(h.cmd(e.t, base));
          }
          checkNow();
        }
        timers.advance(500);
        checkNow();
        expect(problems).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });
});

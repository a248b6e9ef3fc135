import { describe, expect, it } from 'vitest';
import { verifyChain } from './audit-record.js';
import { SafetySupervisor } from './supervisor.js';
import { harness } from './test-support.js';

const jogX = { linear: { x: 1, y: 0, z: 0 }, angular: { x: 0, y: 0, z: 0 } };
const lastOp = (h: ReturnType<typeof harness>): string | undefined => h.arm.calls[h.arm.calls.length - 1]?.op;

describe('deadman [R4] (fake time, exact)', () => {
  it('holds exactly survivalMs after the last valid command, not a millisecond earlier', () => {
    const h = harness();
    h.grant();
    h.timers.advance(7);
    expect(h.sup.command(h.cmd('jog', { twist: jogX })).decision).toBe('accepted');
    h.timers.advance(99);
    expect(h.sup.state).toBe('active');
    expect(lastOp(h)).toBe('jog');
    h.timers.advance(1);
    expect(h.sup.state).toBe('holding');
    expect(h.arm.calls.find((c) => c.op === 'hold')?.atMs).toBe(107);
    expect(h.audit.records.filter((r) => r.reason === 'TM_SAFETY_DEADMAN').map((r) => r.atNs)).toHaveLength(1);
  });

  it('heartbeats keep a lease alive; when they stop, the hold comes exactly survivalMs after the last one', () => {
    const h = harness();
    h.grant();
    for (let i = 0; i < 10; i++) {
      expect(h.sup.command(h.cmd('heartbeat')).decision).toBe('accepted');
      h.timers.advance(60);
    }
    expect(h.sup.state).toBe('leased');
    // Last heartbeat at 540: hold at 640.
    h.timers.advance(39);
    expect(h.sup.state).toBe('leased');
    h.timers.advance(1);
    expect(h.sup.state).toBe('holding');
    expect(h.arm.calls.find((c) => c.op === 'hold')?.atMs).toBe(640);
  });

  it('a jog is not kept going by heartbeats alone: it stops survivalMs after the last jog', () => {
    const h = harness();
    h.grant();
    h.sup.command(h.cmd('jog', { twist: jogX }));
    for (let t = 0; t < 4; t++) { h.timers.advance(40); h.sup.command(h.cmd('heartbeat')); }
    // jog at 0, heartbeats at 40, 80, 120, 160: the jog expires at 100, the lease stays.
    expect(h.arm.calls.find((c) => c.op === 'hold')?.atMs).toBe(100);
    expect(h.sup.state).toBe('leased');
    expect(h.audit.records.some((r) => r.reason === 'TM_SAFETY_JOG_EXPIRED')).toBe(true);
  });

  it('a released key (jog → hold → heartbeats every 40 ms) is an operator hold: no deadman, no stale trip reason; silence still trips it', () => {
    const h = harness();
    h.grant();
    // An earlier trip: the operator went silent once (deadman at 100).
    h.sup.command(h.cmd('jog', { twist: jogX }));
    h.timers.advance(100);
    expect(h.sup.snapshot()).toMatchObject({ state: 'holding', lastReason: 'TM_SAFETY_DEADMAN' });
    // The key pressed again (fresh jogs), then released: the console sends one hold, then heartbeats.
    for (let i = 0; i < 5; i++) { h.timers.advance(40); h.sup.command(h.cmd('jog', { twist: jogX })); }
    h.timers.advance(40);
    expect(h.sup.command(h.cmd('hold')).decision).toBe('accepted');
    const trips = h.sup.stats.trips['TM_SAFETY_DEADMAN'];
    for (let i = 0; i < 25; i++) { h.timers.advance(40); expect(h.sup.command(h.cmd('heartbeat')).decision).toBe('accepted'); }
    expect(h.sup.stats.trips['TM_SAFETY_DEADMAN']).toBe(trips);
    // The state the operator chose, and no reason left over from the earlier trip.
    expect(h.sup.snapshot()).toMatchObject({ state: 'leased', lastReason: null });
    // Heartbeats stop (the page closed): the deadman still holds the arm exactly survivalMs later.
    const lastBeat = h.timers.now;
    h.timers.advance(99);
    expect(h.sup.state).toBe('leased');
    h.timers.advance(1);
    expect(h.sup.snapshot()).toMatchObject({ state: 'holding', lastReason: 'TM_SAFETY_DEADMAN' });
    expect(h.arm.calls.filter((c) => c.op === 'hold').at(-1)?.atMs).toBe(lastBeat + 100);
  });

  it('resuming after the hold needs a command issued after it: a delayed or replayed one is refused', () => {
    const h = harness();
    h.grant();
    h.sup.command(h.cmd('jog', { twist: jogX }));
    h.timers.advance(100);
    expect(h.sup.state).toBe('holding');
    h.timers.advance(5);
    // Issued at 95 (before the hold at 100), arrives at 105: young enough, but stale.
    const delayed = h.cmd('jog', { twist: jogX, issuedAtNs: h.hubNs(95) });
    expect(h.sup.command(delayed)).toMatchObject({ decision: 'rejected', reason: 'TM_ERR_ARM_STALE_AFTER_HOLD' });
    // A heartbeat issued after the hold is accepted but does not move the arm.
    expect(h.sup.command(h.cmd('heartbeat')).decision).toBe('accepted');
    expect(h.sup.state).toBe('holding');
    const fresh = h.cmd('jog', { twist: jogX });
    expect(h.sup.command(fresh).decision).toBe('accepted');
    expect(h.sup.state).toBe('active');
    expect(h.sup.command({ ...fresh })).toMatchObject({ decision: 'rejected', reason: 'TM_ERR_ARM_REPLAY' });
  });
});

describe('command age [R2] and replay [R3]', () => {
  it('accepts a command exactly at its budget and rejects it a microsecond later, with the hub offset applied', () => {
    const h = harness();
    h.offsetMs = 37.5; // the hub's clock runs 37.5 ms ahead of ours
    h.grant();
    h.timers.advance(200);
    expect(h.sup.command(h.cmd('heartbeat', { issuedAtNs: h.hubNs() - 50e6 })).decision).toBe('accepted');
    expect(h.sup.command(h.cmd('heartbeat', { issuedAtNs: h.hubNs() - 50e6 - 1e3 }))).toMatchObject({ decision: 'rejected', reason: 'TM_ERR_ARM_COMMAND_TOO_OLD' });
    h.timers.advance(200);
    // A header budget of 80 ms is honoured; 500 ms is capped at maxBudgetMs (100).
    expect(h.sup.command(h.cmd('heartbeat', { issuedAtNs: h.hubNs() - 79e6, budgetMs: 80 })).decision).toBe('accepted');
    expect(h.sup.command(h.cmd('heartbeat', { issuedAtNs: h.hubNs() - 101e6, budgetMs: 500 })).reason).toBe('TM_ERR_ARM_COMMAND_TOO_OLD');
    expect(h.sup.command(h.cmd('heartbeat', { issuedAtNs: h.hubNs() + 21e6 })).reason).toBe('TM_ERR_ARM_COMMAND_FROM_FUTURE');
  });

  it('without a clock-sync estimate nothing is accepted', () => {
    const h = harness();
    h.grant();
    h.offsetMs = null;
    expect(h.sup.command(h.cmd('jog', { twist: jogX })).reason).toBe('TM_ERR_ARM_NO_CLOCK_SYNC');
    expect(h.arm.calls).toEqual([]);
  });

  it('rejects a repeated or lower command id and an out-of-order issue time', () => {
    const h = harness();
    h.grant();
    const a = h.cmd('heartbeat', { commandId: 10 });
    expect(h.sup.command(a).decision).toBe('accepted');
    expect(h.sup.command(a).reason).toBe('TM_ERR_ARM_REPLAY');
    expect(h.sup.command(h.cmd('heartbeat', { commandId: 9 })).reason).toBe('TM_ERR_ARM_REPLAY');
    expect(h.sup.command(h.cmd('heartbeat', { commandId: 11, issuedAtNs: a.issuedAtNs - 1000 })).reason).toBe('TM_ERR_ARM_REPLAY');
    expect(h.sup.command(h.cmd('heartbeat', { commandId: 2 ** 60 })).reason).toBe('TM_ERR_ARM_BAD_COMMAND');
  });
});

describe('lease [R1] [R8]', () => {
  it('rejects commands without the current lease or from another operator, and audits each', () => {
    const h = harness();
    expect(h.sup.command(h.cmd('heartbeat')).reason).toBe('TM_ERR_ARM_NO_LEASE');
    h.grant();
    expect(h.sup.command(h.cmd('heartbeat', { leaseId: 'L0' })).reason).toBe('TM_ERR_ARM_NO_LEASE');
    expect(h.sup.command(h.cmd('heartbeat', { operatorId: 'op-2' })).reason).toBe('TM_ERR_ARM_WRONG_OPERATOR');
    const rejected = h.audit.records.filter((r) => r.decision === 'rejected');
    expect(rejected.map((r) => r.reason)).toEqual(['TM_ERR_ARM_NO_LEASE', 'TM_ERR_ARM_NO_LEASE', 'TM_ERR_ARM_WRONG_OPERATOR']);
  });

  it('expires exactly at its expiry time: the arm holds and the state is idle', () => {
    const h = harness();
    h.grant(5000);
    h.sup.command(h.cmd('jog', { twist: jogX }));
    for (let t = 0; t < 4990; t += 20) { h.timers.advance(20); h.sup.command(h.cmd('jog', { twist: jogX })); }
    // 250 steps of 20 ms: now = 5000; the expiry fired at exactly 5000, before the jog sent at 5000 (refused).
    expect(h.timers.now).toBe(5000);
    expect(h.audit.records.at(-1)).toMatchObject({ what: 'jog', decision: 'rejected', reason: 'TM_ERR_ARM_NO_LEASE' });
    expect(h.audit.records.find((r) => r.reason === 'TM_SAFETY_LEASE_EXPIRED')?.atNs).toBe(h.hubNs(5000) - (h.offsetMs ?? 0) * 1e6);
    expect(h.sup.state).toBe('idle');
    expect(h.arm.moving).toBe(false);
  });

  it('refuses a second grant while a lease is held; a hand-over must name the current lease and holds the arm', () => {
    const h = harness();
    h.grant();
    h.sup.command(h.cmd('jog', { twist: jogX }));
    const at = h.hubNs();
    expect(h.sup.lease({ action: 'grant', leaseId: 'L2', operatorId: 'op-2', expiresAtNs: at + 60e9, maxForceN: 20, issuedAtNs: at }).reason).toBe('TM_ERR_ARM_LEASE_BUSY');
    expect(h.sup.lease({ action: 'handover', leaseId: 'L2', operatorId: 'op-2', previousLeaseId: 'L9', expiresAtNs: at + 60e9, maxForceN: 20, issuedAtNs: at }).reason).toBe('TM_ERR_ARM_BAD_LEASE');
    expect(h.sup.lease({ action: 'handover', leaseId: 'L2', operatorId: 'op-2', previousLeaseId: 'L1', expiresAtNs: at + 60e9, maxForceN: 20, issuedAtNs: at }).decision).toBe('accepted');
    expect(lastOp(h)).toBe('hold');
    expect(h.sup.state).toBe('holding');
    expect(h.sup.command(h.cmd('heartbeat')).reason).toBe('TM_ERR_ARM_NO_LEASE');
    h.timers.advance(1);
    expect(h.sup.command(h.cmd('jog', { twist: jogX, leaseId: 'L2', operatorId: 'op-2' })).decision).toBe('accepted');
    // The old lease id can never be granted again (a replayed grant).
    h.sup.lease({ action: 'release', leaseId: 'L2', operatorId: 'op-2', expiresAtNs: at + 60e9, maxForceN: 20, issuedAtNs: at });
    expect(h.sup.lease({ action: 'grant', leaseId: 'L1', operatorId: 'op-1', expiresAtNs: at + 60e9, maxForceN: 20, issuedAtNs: at }).reason).toBe('TM_ERR_ARM_BAD_LEASE');
  });
});

describe('contact force [R5]', () => {
  it('retracts in the same telemetry sample that shows the force over the cap, then holds when contact-free', () => {
    const h = harness({}, { x: 0, y: 0, z: 105 });
    h.grant();
    // Jog down into the couch (surface at z = 100, 1 N/mm, cap 20 N) at 20 mm/s, refreshed every 20 ms.
    const down = { linear: { x: 0, y: 0, z: -20 }, angular: { x: 0, y: 0, z: 0 } };
    let tripAt: number | undefined;
    for (let i = 0; i < 200 && tripAt === undefined; i++) {
      h.sup.command(h.cmd('jog', { twist: down }));
      h.timers.advance(20);
      tripAt = h.audit.records.find((r) => r.reason === 'TM_SAFETY_FORCE_CAP')?.atNs;
    }
    expect(tripAt).toBeDefined();
    const tripMs = (tripAt! - 1_800_000_000_000_000_000) / 1e6;
    expect(tripMs % h.cfg.telemetryPeriodMs).toBe(0);
    const retract = h.arm.calls.find((c) => c.op === 'moveTo');
    expect(retract?.atMs).toBe(tripMs);
    expect(retract?.target?.position.z).toBeGreaterThan(100);
    expect(h.sup.state).toBe('retracting');
    expect(h.sup.command(h.cmd('jog', { twist: down })).reason).toBe('TM_ERR_ARM_RETRACTING');
    h.timers.advance(1000);
    expect(h.sup.state).toBe('holding');
    expect(h.arm.position.z).toBeGreaterThan(99.999);
  });

  it('a force spike retracts within one telemetry period of its onset', () => {
    const h = harness();
    h.grant();
    h.timers.advance(3);
    h.arm.spikeN = 35;
    h.timers.advance(10);
    const retract = h.arm.calls.find((c) => c.op === 'moveTo');
    expect(retract?.atMs).toBe(10);
    expect(retract!.atMs - 3).toBeLessThanOrEqual(h.cfg.telemetryPeriodMs);
  });
});

describe('limits [R6] [R7]', () => {
  it('clamps move speed and refuses targets outside the box', () => {
    const h = harness();
    h.grant();
    const target = { position: { x: 10, y: 10, z: 200 }, orientation: { w: 1, x: 0, y: 0, z: 0 } };
    expect(h.sup.command(h.cmd('move', { target, maxSpeedMmS: 500 }))).toMatchObject({ decision: 'clamped', reason: 'TM_SAFETY_SPEED_CLAMPED' });
    expect(h.arm.calls.at(-1)?.speedMmS).toBe(50);
    const outside = { ...target, position: { x: 10, y: 10, z: 10 } };
    expect(h.sup.command(h.cmd('move', { target: outside })).reason).toBe('TM_ERR_ARM_OUTSIDE_WORKSPACE');
    expect(h.sup.command(h.cmd('move', { target: { ...target, orientation: { w: 2, x: 0, y: 0, z: 0 } } })).reason).toBe('TM_ERR_ARM_BAD_COMMAND');
  });

  it('ramps a jog from rest at the acceleration limit and slows it near a wall', () => {
    const h = harness();
    h.grant();
    const fast = { linear: { x: 0, y: 0, z: 100 }, angular: { x: 0, y: 0, z: 0 } };
    expect(h.sup.command(h.cmd('jog', { twist: fast })).decision).toBe('clamped');
    // From rest, one control period (20 ms) at 250 mm/s²: 5 mm/s.
    expect(h.arm.calls.at(-1)?.twist?.linear.z).toBeCloseTo(5, 9);
    for (let i = 0; i < 200; i++) { h.timers.advance(20); h.sup.command(h.cmd('jog', { twist: fast })); }
    expect(h.arm.position.z).toBeLessThanOrEqual(350);
    expect(h.audit.records.some((r) => r.reason === 'TM_SAFETY_WORKSPACE_CLAMPED' || String(r.detail.alsoClamped).includes('TM_SAFETY_WORKSPACE_CLAMPED'))).toBe(true);
    // Still moving up when the box is near, but slower than the limit: it can stop inside.
    expect(h.arm.position.z).toBeGreaterThan(340);
  });
});

describe('e-stop [R9]', () => {
  it('overrides everything and is cleared only locally; resuming needs a command issued after the clear', () => {
    const h = harness();
    h.grant();
    h.sup.command(h.cmd('jog', { twist: jogX }));
    h.sup.estop('clinic-page');
    expect(lastOp(h)).toBe('stop');
    expect(h.sup.command(h.cmd('jog', { twist: jogX })).reason).toBe('TM_ERR_ARM_ESTOPPED');
    expect(h.sup.clearEstop('operator').reason).toBe('TM_ERR_ARM_ESTOP_LOCAL_ONLY');
    expect(h.sup.state).toBe('estopped');
    h.timers.advance(5);
    const early = h.cmd('jog', { twist: jogX });
    h.timers.advance(5);
    expect(h.sup.clearEstop('clinic-page').state).toBe('holding');
    h.timers.advance(1);
    expect(h.sup.command(early).reason).toBe('TM_ERR_ARM_STALE_AFTER_HOLD');
    expect(h.sup.command(h.cmd('jog', { twist: jogX })).decision).toBe('accepted');
  });

  it("the arm's own input e-stops it, and the clear is refused while the input is pressed", () => {
    const h = harness();
    h.grant();
    h.arm.estopInput = true;
    h.timers.advance(10);
    expect(h.sup.state).toBe('estopped');
    expect(h.sup.clearEstop('arm-input').reason).toBe('TM_ERR_ARM_ESTOP_INPUT_ACTIVE');
    h.arm.estopInput = false;
    h.timers.advance(10);
    expect(h.sup.clearEstop('arm-input').decision).toBe('accepted');
  });

  it('an operator e-stop request is honoured even without a lease', () => {
    const h = harness();
    expect(h.sup.command(h.cmd('estop', { leaseId: 'x', operatorId: 'y' })).state).toBe('estopped');
  });
});

describe('faults [R10]', () => {
  it('telemetry lost → faulted exactly telemetryTimeoutMs after the last sample; back → holding', () => {
    const h = harness();
    h.grant();
    h.timers.advance(30); // samples at 10, 20, 30
    h.stopTelemetry();
    h.timers.advance(49);
    expect(h.sup.state).toBe('leased');
    h.timers.advance(1);
    expect(h.sup.state).toBe('faulted');
    expect(h.sup.command(h.cmd('heartbeat')).reason).toBe('TM_ERR_ARM_FAULTED');
    h.sup.telemetry(h.arm.sample());
    expect(h.sup.state).toBe('holding');
  });

  it('refuses motion before the first telemetry sample (pose and force unknown)', () => {
    const h = harness();
    h.stopTelemetry();
    const blind = new SafetySupervisor(h.cfg, { clock: { nowNs: () => h.hubNs(), monoMs: () => h.timers.now }, timers: h.timers, hubOffsetMs: () => 0, actuator: h.arm, audit: h.audit });
    blind.lease({ action: 'grant', leaseId: 'B1', operatorId: 'op-1', expiresAtNs: h.hubNs() + 60e9, maxForceN: 20, issuedAtNs: h.hubNs() });
    expect(blind.command(h.cmd('jog', { leaseId: 'B1', twist: jogX })).reason).toBe('TM_ERR_ARM_NO_TELEMETRY');
    expect(blind.command(h.cmd('heartbeat', { leaseId: 'B1' })).decision).toBe('accepted');
    blind.telemetry(h.arm.sample());
    expect(blind.command(h.cmd('jog', { leaseId: 'B1', twist: jogX })).decision).toBe('accepted');
    blind.close();
  });

  it('an arm fault stops the arm and needs a local reset once the arm reports none', () => {
    const h = harness();
    h.grant();
    h.arm.fault = 'stall';
    h.timers.advance(10);
    expect(h.sup.state).toBe('faulted');
    expect(h.sup.resetFault('clinic-page').reason).toBe('TM_ERR_ARM_FAULTED');
    h.arm.fault = null;
    h.timers.advance(10);
    expect(h.sup.resetFault('operator').reason).toBe('TM_ERR_ARM_ESTOP_LOCAL_ONLY');
    expect(h.sup.resetFault('clinic-page').state).toBe('holding');
  });
});

describe('audit', () => {
  it('records every command with its decision, in a verifiable chain', () => {
    const h = harness();
    h.grant();
    h.sup.command(h.cmd('jog', { twist: jogX }));
    h.sup.command(h.cmd('heartbeat', { leaseId: 'nope' }));
    h.timers.advance(200);
    const commands = h.audit.records.filter((r) => r.kind === 'command');
    expect(commands.map((r) => [r.what, r.decision])).toEqual([['jog', 'accepted'], ['heartbeat', 'rejected']]);
    const text = h.audit.records.map((r) => JSON.stringify(r)).join('\n');
    expect(verifyChain(text)).toMatchObject({ ok: true, records: h.audit.records.length });
  });
});

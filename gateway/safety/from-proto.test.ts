import { describe, expect, it } from 'vitest';
import { decodeEnvelope, encodeEnvelope } from '../../protocols/wire/codec.js';
import { sampleEnvelope } from '../../protocols/wire/fixtures.js';
import { telemed } from '../../protocols/wire/proto.js';
import { commandFromProto, leaseFromProto, poseFromProto, quatFromRpy } from './from-proto.js';
import { validQuat } from './limits.js';

describe('from-proto', () => {
  it('maps a decoded ArmCommand with the header budget, twist and quaternion', () => {
    const env = decodeEnvelope(encodeEnvelope(sampleEnvelope('armCommand')));
    const c = commandFromProto(env.armCommand!, env.header?.budgetMs);
    expect(c).toMatchObject({ commandId: 1_000_001, leaseId: 'lease-1', operatorId: 'op-1', kind: 'move', budgetMs: 250, maxSpeedMmS: 25.5, maxForceN: 7.25 });
    expect(c?.target?.orientation).toEqual({ w: 0.5, x: -0.5, y: 0.5, z: 0.5 });
    expect(c?.twist?.angular.z).toBe(5.75);
  });

  it('maps a decoded ArmLease hand-over', () => {
    const env = decodeEnvelope(encodeEnvelope(sampleEnvelope('armLease')));
    expect(leaseFromProto(env.armLease!)).toMatchObject({ action: 'handover', leaseId: 'lease-2', previousLeaseId: 'lease-1', maxForceN: 18.5 });
  });

  it('refuses unknown kinds and actions, and blanks over-long ids', () => {
    expect(commandFromProto({ kind: 99 as telemed.v1.ArmCommandKind }, 0)).toBeNull();
    expect(leaseFromProto({ action: 0 })).toBeNull();
    expect(commandFromProto({ kind: telemed.v1.ArmCommandKind.ARM_COMMAND_KIND_HEARTBEAT, leaseId: 'x'.repeat(65) }, 0)?.leaseId).toBe('');
  });

  it('falls back to roll/pitch/yaw when no quaternion is set', () => {
    const p = poseFromProto({ xMm: 1, rollDeg: 0, pitchDeg: 0, yawDeg: 90 });
    expect(p.orientation.w).toBeCloseTo(Math.SQRT1_2, 12);
    expect(p.orientation.z).toBeCloseTo(Math.SQRT1_2, 12);
    expect(validQuat(quatFromRpy(33, -12, 171))).toBe(true);
  });
});

// fast-check arbitraries for arm messages (tests of the codec, the framer and the driver).
import fc from 'fast-check';
import { ARM_STATUS_NAMES, type AnyArmMessage, type ArmMessage, type HostMessage } from './messages.js';

const f32 = fc.float({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 });
const pos = fc.float({ noNaN: true, noDefaultInfinity: true, min: Math.fround(0.001), max: 1e4 });
const v3 = fc.record({ x: f32, y: f32, z: f32 });
const q4 = fc.record({ w: f32, x: f32, y: f32, z: f32 });
const u16 = fc.integer({ min: 0, max: 0xffff });

export const arbArmMessage: fc.Arbitrary<ArmMessage> = fc.oneof(
  fc.record({
    type: fc.constant('Telemetry' as const), armTimeUs: fc.nat({ max: 0xffffffff }), status: fc.constantFrom(...ARM_STATUS_NAMES),
    estopInput: fc.boolean(), homed: fc.boolean(), lastCommandSeq: u16, positionMm: v3, orientation: q4, forceN: f32, faultCode: u16,
    joints: fc.array(fc.record({ positionDeg: f32, velocityDegS: f32 }), { maxLength: 8 }),
  }),
  fc.record({ type: fc.constant('Ack' as const), commandSeq: u16, result: fc.integer({ min: 0, max: 255 }), code: u16 }),
  fc.record({ type: fc.constant('Fault' as const), code: u16, text: fc.string({ maxLength: 20 }) }),
  fc.record({
    type: fc.constant('DeviceInfo' as const), model: fc.string({ maxLength: 16 }), serial: fc.string({ maxLength: 16 }), firmware: fc.string({ maxLength: 8 }),
    telemetryHz: fc.integer({ min: 1, max: 1000 }), maxSpeedMmS: pos, maxForceN: pos, jointCount: fc.integer({ min: 0, max: 8 }),
  }),
);

export const arbHostMessage: fc.Arbitrary<HostMessage> = fc.oneof(
  fc.record({ type: fc.constant('MoveTo' as const), positionMm: v3, orientation: q4, speedMmS: f32, accelMmS2: f32 }),
  fc.record({ type: fc.constant('Jog' as const), linearMmS: v3, angularDegS: v3, accelMmS2: f32, validMs: u16 }),
  fc.record({ type: fc.constant('Home' as const), speedMmS: f32, accelMmS2: f32 }),
  fc.constantFrom<HostMessage>({ type: 'RequestInfo' }, { type: 'Hold' }, { type: 'Stop' }, { type: 'Heartbeat' }, { type: 'ResetFault' }),
);

export const arbAnyArmMessage: fc.Arbitrary<AnyArmMessage> = fc.oneof(arbArmMessage, arbHostMessage);

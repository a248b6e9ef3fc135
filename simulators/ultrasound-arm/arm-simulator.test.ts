import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ArmFrameDecoder, encodeArmFrame, type ArmMessage, type HostMessage } from '../../protocols/ultrasound-arm/index.js';
import { ArmSimulator } from './arm-simulator.js';

type Telemetry = Extract<ArmMessage, { type: 'Telemetry' }>;

function rig(hz = 100) {
  let toHost: ((d: Uint8Array) => void) | null = null;
  let toArm: ((d: Uint8Array) => void) | null = null;
  const got: ArmMessage[] = [];
  const decoder = new ArmFrameDecoder({ onFrame: (f) => got.push(f.message as ArmMessage) });
  toHost = (d) => decoder.push(d);
  const sim = new ArmSimulator({ wire: { write: (d) => { toHost?.(d); return Promise.resolve(); }, onData: (l) => { toArm = l; } }, telemetryHz: hz, now: () => Date.now() });
  let seq = 0;
  const send = (m: HostMessage): void => toArm!(encodeArmFrame(seq++, m));
  const telemetry = (): Telemetry[] => got.filter((m): m is Telemetry => m.type === 'Telemetry');
  return { sim, send, got, telemetry };
}

const jogZ = (vz: number, validMs = 100): HostMessage => ({ type: 'Jog', linearMmS: { x: 0, y: 0, z: vz }, angularDegS: { x: 0, y: 0, z: 0 }, accelMmS2: 10_000, validMs });

describe('ArmSimulator (fake time)', () => {
  beforeEach(() => { vi.useFakeTimers(); });
  afterEach(() => { vi.useRealTimers(); });

  it('answers RequestInfo and streams telemetry at its rate', async () => {
    const r = rig(200);
    r.sim.start();
    r.send({ type: 'RequestInfo' });
    await vi.advanceTimersByTimeAsync(1000);
    expect(r.got.find((m) => m.type === 'DeviceInfo')).toMatchObject({ telemetryHz: 200, jointCount: 6 });
    expect(r.telemetry().length).toBeGreaterThanOrEqual(199);
    expect(r.telemetry()[0]!.joints).toHaveLength(6);
    r.sim.stop();
  });

  it('keeps its own speed and acceleration limits whatever the host asks, and stops a jog after validMs', async () => {
    const r = rig(100);
    r.sim.start();
    for (let i = 0; i < 40; i++) { r.send(jogZ(-1000)); await vi.advanceTimersByTimeAsync(20); }
    await vi.advanceTimersByTimeAsync(400);
    const t = r.telemetry();
    const speeds = t.slice(1).map((s, i) => Math.abs(s.positionMm.z - t[i]!.positionMm.z) / 0.01);
    expect(Math.max(...speeds)).toBeLessThanOrEqual(100 + 1e-6);
    const steps = speeds.slice(1).map((v, i) => Math.abs(v - speeds[i]!) / 0.01);
    // 500 mm/s² jog limit, 1000 mm/s² braking; float32 positions (~15 µm at 300 mm) add a little noise.
    expect(Math.max(...steps)).toBeLessThanOrEqual(1000 * 1.05);
    // From rest at 500 mm/s²: at most 5 mm/s more per 10 ms tick (one tick of slack for the phase).
    speeds.slice(0, 10).forEach((v, i) => expect(v).toBeLessThanOrEqual(5 * (i + 2) + 0.01));
    // The last jog was sent at 780 ms with validMs 100: still by 1000 ms.
    expect(['idle', 'holding']).toContain(t.at(-1)!.status);
    expect(speeds.at(-1)).toBeLessThan(1e-3);
    r.sim.stop();
  });

  it('presses on the phantom like a spring, adds an injected spike, and faults on its hard force limit', async () => {
    const r = rig(100);
    r.sim.start();
    const skin = r.sim.phantom.surfaceZ(0, 0);
    r.send({ type: 'MoveTo', positionMm: { x: 0, y: 0, z: skin - 20 }, orientation: { w: 1, x: 0, y: 0, z: 0 }, speedMmS: 50, accelMmS2: 500 });
    for (let i = 0; i < 50; i++) { r.send({ type: 'Heartbeat' }); await vi.advanceTimersByTimeAsync(100); }
    const pressed = r.telemetry().at(-1)!;
    expect(pressed.forceN).toBeCloseTo(0.6 * 20, 1);
    r.sim.forceSpike(20, 100);
    await vi.advanceTimersByTimeAsync(10);
    expect(r.telemetry().at(-1)!.forceN).toBeCloseTo(0.6 * 20 + 20, 1);
    r.sim.forceSpike(60, 100);
    await vi.advanceTimersByTimeAsync(20);
    expect(r.got.some((m) => m.type === 'Fault' && m.code === 2)).toBe(true);
    r.sim.stop();
  });

  it('holds and reports linkLost when the host is silent for 250 ms; an e-stop input refuses motion until reset', async () => {
    const r = rig(100);
    r.sim.start();
    r.send(jogZ(20, 1000));
    await vi.advanceTimersByTimeAsync(240);
    expect(r.telemetry().at(-1)!.faultCode).toBe(0);
    await vi.advanceTimersByTimeAsync(30);
    expect(r.telemetry().at(-1)!.faultCode).toBe(3);
    r.sim.setEstopInput(true);
    await vi.advanceTimersByTimeAsync(20);
    expect(r.telemetry().at(-1)).toMatchObject({ status: 'estopped', estopInput: true });
    r.send({ type: 'Home', speedMmS: 10, accelMmS2: 100 });
    r.send({ type: 'ResetFault' });
    await vi.advanceTimersByTimeAsync(10);
    const acks = r.got.filter((m) => m.type === 'Ack');
    // The jog's Ack (ok), then Home and ResetFault refused while the button is pressed.
    expect(acks.map((a) => a.type === 'Ack' && a.result)).toEqual([0, 1, 1]);
    r.sim.setEstopInput(false);
    r.send({ type: 'ResetFault' });
    await vi.advanceTimersByTimeAsync(10);
    expect(r.telemetry().at(-1)!.status).not.toBe('estopped');
    r.sim.stop();
  });

  it('a stalled arm faults "stall" after 200 ms of commanded motion', async () => {
    const r = rig(100);
    r.sim.start();
    r.sim.setStall(true);
    for (let i = 0; i < 15; i++) { r.send(jogZ(20)); await vi.advanceTimersByTimeAsync(20); }
    expect(r.got.some((m) => m.type === 'Fault' && m.code === 1)).toBe(true);
    r.sim.stop();
  });
});

import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../protocols/index.js';
import { ArmSimulator } from '../../simulators/ultrasound-arm/arm-simulator.js';
import { startSimulatedArm, until, type SimulatedArm } from '../../test/helpers/arm-rig.js';
import { ArmDriver, type ArmTelemetry } from './arm-driver.js';
import { transportForUrl } from './transport.js';

const log = pino({ level: 'silent' });


describe('ArmDriver against the arm simulator over a real socat pty', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  /** The simulated arm (its pair, sim and restart: a new cable and a rebooted arm at the same paths) and a driver on it. */
  async function rig(): Promise<{ arm: SimulatedArm; pair: SimulatedArm['pair']; sim: ArmSimulator; driver: ArmDriver; last: () => ArmTelemetry | null; restart(): Promise<void> }> {
    const arm = await startSimulatedArm({ prefix: 'tm-arm-pty-' });
    cleanup.push(() => arm.close());
    const hostPath = arm.hostPath;
    const driver = new ArmDriver({ id: 'arm-1', url: hostPath, transport: transportForUrl(hostPath), clock: systemClock, logger: log, watchdogMs: 150 });
    let last: ArmTelemetry | null = null;
    driver.on('telemetry', (t) => { last = t; });
    const ac = new AbortController();
    driver.start(ac.signal);
    cleanup.push(() => driver.close());
    return { arm, get pair() { return arm.pair; }, get sim() { return arm.sim; }, driver, last: () => last, restart: () => arm.restart() };
  }

  it('identifies the arm, streams telemetry, jogs it and holds it', async () => {
    const r = await rig();
    await until(() => r.driver.linkState === 'streaming' && r.last() !== null, 5000, 'streaming');
    expect(r.driver.deviceInfo).toMatchObject({ telemetryHz: 100, jointCount: 6 });
    const z0 = r.last()!.pose.position.z;
    const stopAt = Date.now() + 500;
    while (Date.now() < stopAt) {
      r.driver.jog({ linear: { x: 0, y: 0, z: -40 }, angular: { x: 0, y: 0, z: 0 } }, { accelMmS2: 400 });
      await new Promise((res) => setTimeout(res, 20));
    }
    r.driver.hold();
    await until(() => r.last()!.status !== 'moving', 2000, 'hold');
    const z1 = r.last()!.pose.position.z;
    expect(z0 - z1).toBeGreaterThan(5);
    expect(r.last()!.joints).toHaveLength(6);
    expect(r.driver.stats.frameErrors).toEqual({});
  });

  it('the arm stops a jog by itself when the host goes silent (validMs), and the driver reports it', async () => {
    const r = await rig();
    await until(() => r.driver.linkState === 'streaming' && r.last() !== null, 5000, 'streaming');
    r.driver.jog({ linear: { x: 30, y: 0, z: 0 }, angular: { x: 0, y: 0, z: 0 } }, { accelMmS2: 400 });
    await new Promise((res) => setTimeout(res, 400));
    expect(r.last()!.status).not.toBe('moving');
  });

  it('reconnects after the cable is pulled and after a silent arm (watchdog)', async () => {
    const r = await rig();
    await until(() => r.driver.linkState === 'streaming', 5000, 'streaming');
    await r.pair.kill();
    await until(() => r.driver.linkState === 'reconnecting' || r.driver.linkState === 'opening', 3000, 'the unplug to be seen');
    await r.restart();
    await until(() => r.driver.linkState === 'streaming', 8000, 'streaming again');
    const resets = r.driver.stats.watchdogResets;
    r.sim.loseLink(600);
    await until(() => r.driver.stats.watchdogResets > resets, 3000, 'the watchdog');
    await until(() => r.driver.linkState === 'streaming', 8000, 'streaming after the silence');
    expect(r.driver.stats.reconnects).toBeGreaterThanOrEqual(2);
  });
});

describe('ArmDriver over TCP (tcp://127.0.0.1:PORT) against the simulator as an arm controller', () => {
  it('identifies, streams and moves the arm, and reconnects when the controller restarts', async () => {
    const { listenTcpWire } = await import('../../simulators/ultrasound-arm/wires.js');
    let wire = await listenTcpWire('127.0.0.1', 0);
    const port = wire.port;
    let sim = new ArmSimulator({ wire, telemetryHz: 250 });
    sim.start();
    const url = `tcp://127.0.0.1:${port}`;
    const driver = new ArmDriver({ id: 'arm-tcp', url, transport: transportForUrl(url), clock: systemClock, logger: log });
    let last: ArmTelemetry | null = null;
    driver.on('telemetry', (t) => { last = t; });
    driver.start(new AbortController().signal);
    try {
      await until(() => driver.linkState === 'streaming' && last !== null, 5000, 'streaming over TCP');
      expect(driver.deviceInfo?.telemetryHz).toBe(250);
      driver.moveTo({ position: { x: 20, y: 0, z: 300 }, orientation: { w: 1, x: 0, y: 0, z: 0 } }, { speedMmS: 50, accelMmS2: 500 });
      await until(() => Math.abs(last!.pose.position.x - 20) < 0.01, 3000, 'the move');
      sim.stop();
      await wire.close();
      await until(() => driver.linkState !== 'streaming', 3000, 'the controller going away');
      wire = await listenTcpWire('127.0.0.1', port);
      sim = new ArmSimulator({ wire, telemetryHz: 250 });
      sim.start();
      await until(() => driver.linkState === 'streaming', 8000, 'streaming after the restart');
    } finally {
      await driver.close();
      sim.stop();
      await wire.close();
    }
  });
});

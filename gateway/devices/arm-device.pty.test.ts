// The gateway's `ultrasound-arm` device end to end in real time: the real arm simulator on a socat
// pty, the real driver and supervisor, built by the DeviceManager from a config entry, commands fed
// as encoded → decoded envelopes the way the uplink session emits 'downlink', and the local API
// (with its guard) for the clinic's e-stop. One rig for the file (~5 s).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrafficClass, decodeEnvelope, encodeEnvelope, systemClock, telemed, type DecodedEnvelope, type EnvelopeInit } from '../../protocols/index.js';
import { startSimulatedArm, TEST_ARM_WORKSPACE, until, type SimulatedArm } from '../../test/helpers/arm-rig.js';
import { buildGatewayApi } from '../app.js';
import { createArmApi } from '../arm/api.js';
import { loadGatewayConfig } from '../config.js';
import { GatewayMetrics } from '../metrics.js';
import { verifyChain, type AuditRecord } from '../safety/index.js';
import type { BuildFrameInput } from '../uplink/streams.js';
import type { ArmDevice } from './arm-device.js';
import { DeviceManager } from './manager.js';

const v1 = telemed.v1;
const logger = pino({ level: 'silent' });
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('ultrasound-arm device: downlink → supervisor → driver → arm simulator (socat pty), telemetry and audit up, local e-stop', () => {
  const frames: BuildFrameInput[] = [];
  let rig: SimulatedArm;
  let sim: SimulatedArm['sim'];
  let devices: DeviceManager;
  let arm: ArmDevice;
  let app: FastifyInstance;
  let token: string;
  let seq = 0;
  let commandId = 0;
  const stop = new AbortController();

  /** An envelope as the hub's teleop relay builds it, through the real codec (encode, decode, validate). */
  const downlink = (payload: Pick<EnvelopeInit, 'armCommand' | 'armLease'>, header: Partial<telemed.v1.IHeader> = {}): DecodedEnvelope =>
    decodeEnvelope(encodeEnvelope({
      header: { gatewayId: 'gw-clinic-1', streamId: payload.armLease ? 'arm-1/lease' : 'arm-1/cmd', seq: ++seq, captureTimeNs: systemClock.nowNs(), trafficClass: TrafficClass.TRAFFIC_CLASS_CONTROL, durable: false, ...header },
      ...payload,
    }));
  const jog = (vx: number, extra: Partial<telemed.v1.IArmCommand> = {}): DecodedEnvelope => downlink({
    armCommand: { commandId: ++commandId, leaseId: 'L1', operatorId: 'op-1', kind: v1.ArmCommandKind.ARM_COMMAND_KIND_JOG, issuedAtNs: systemClock.nowNs(), twist: { vxMmS: vx }, ...extra },
  });
  const api = (method: 'GET' | 'POST', url: string, headers: Record<string, string> = {}) =>
    app.inject({ method, url, headers: { 'x-telemed-token': token, ...headers } });
  const of = (stream: string): BuildFrameInput[] => frames.filter((f) => f.streamId === stream);

  beforeAll(async () => {
    rig = await startSimulatedArm({ prefix: 'tm-arm-device-' });
    sim = rig.sim;
    // The config path the gateway takes: the entry is validated by the gateway's schema, the
    // DeviceManager's default factory builds the device. The telemetry timeout is widened to 200
    // ms (shared 2-core test machine; the exact 50 ms trip is a fake-time test in gateway/safety).
    const config = loadGatewayConfig({
      gatewayId: 'gw-clinic-1', dataDir: rig.dir, hub: { url: 'ws://127.0.0.1:1/uplink', credential: 'c' }, dashboardsDir: '/nonexistent/telemed-site',
      devices: [{ kind: 'ultrasound-arm', id: 'arm-1', arm: { url: rig.hostPath, uplinkHz: 25, telemetryTimeoutMs: 200, workspace: TEST_ARM_WORKSPACE } }],
    });
    devices = new DeviceManager(config.devices, (f) => frames.push(f), {
      clock: systemClock, logger, arm: { dataDir: config.dataDir, gatewayId: config.gatewayId, hubOffsetMs: () => 0 },
    });
    arm = devices.arms()[0]!;
    await devices.start(stop.signal);
    app = await buildGatewayApi(config, {
      logger, metrics: new GatewayMetrics(() => 0), status: () => ({}) as never, onLinkChange: () => () => undefined, arm: createArmApi(() => devices.arms()),
    });
    token = (await app.inject('/api/token')).json<{ token: string }>().token;
    await until(() => arm.state === 'running' && arm.status().forceN !== null, 5000, 'the arm streaming', 2);
  }, 20_000);

  afterAll(async () => {
    await app?.close();
    await devices?.stop();
    stop.abort();
    await rig?.close();
  });

  it('a lease and jogs from the downlink move the arm; silence for 100 ms holds it', async () => {
    const now = systemClock.nowNs();
    const grant = arm.onDownlink(downlink({ armLease: { leaseId: 'L1', operatorId: 'op-1', armId: 'arm-1', action: v1.ArmLeaseAction.ARM_LEASE_ACTION_GRANT, expiresAtNs: now + 600e9, maxForceN: 10, issuedAtNs: now } }));
    expect(grant).toMatchObject({ decision: 'accepted', state: 'leased' });
    const x0 = sim.kin.position.x;
    let last = 0;
    for (let i = 0; i < 15; i++) {
      if (i > 0) await sleep(20);
      expect(arm.onDownlink(jog(30))?.decision).not.toBe('rejected');
      last = performance.now();
    }
    expect(arm.supervisor.state).toBe('active');
    await until(() => arm.supervisor.state === 'holding', 1000, 'the deadman hold', 2);
    const after = performance.now() - last;
    expect(after).toBeGreaterThanOrEqual(99);
    expect(after).toBeLessThan(100 + 60); // timer lateness on a loaded machine is the only slack
    await until(() => !sim.kin.moving, 1000, 'the simulated arm to stop', 2);
    expect(sim.kin.position.x - x0).toBeGreaterThan(3);
    expect(arm.status()).toMatchObject({ state: 'holding', operatorId: 'op-1', leaseId: 'L1', lastReason: 'TM_SAFETY_DEADMAN' });
  });

  it('refuses, counts and audits a command for another gateway, of the wrong class, replayed or too old', () => {
    const before = arm.status().auditSeq;
    expect(arm.onDownlink(jog(10))?.decision).not.toBe('rejected'); // the control: a fresh jog from the holder resumes
    expect(arm.onDownlink(downlink({ armCommand: { commandId: ++commandId, leaseId: 'L1', operatorId: 'op-1', kind: v1.ArmCommandKind.ARM_COMMAND_KIND_HEARTBEAT, issuedAtNs: systemClock.nowNs() } }, { gatewayId: 'gw-other' }))?.reason).toBe('TM_ERR_ARM_WRONG_GATEWAY');
    expect(arm.onDownlink(downlink({ armCommand: { commandId: ++commandId, leaseId: 'L1', operatorId: 'op-1', kind: v1.ArmCommandKind.ARM_COMMAND_KIND_HOLD, issuedAtNs: systemClock.nowNs() } }, { trafficClass: TrafficClass.TRAFFIC_CLASS_BULK }))?.reason).toBe('TM_ERR_ARM_WRONG_CLASS');
    expect(arm.onDownlink(jog(10, { commandId: 1 }))?.reason).toBe('TM_ERR_ARM_REPLAY');
    expect(arm.onDownlink(jog(10, { issuedAtNs: systemClock.nowNs() - 80e6 }))?.reason).toBe('TM_ERR_ARM_COMMAND_TOO_OLD');
    expect(arm.onDownlink(jog(10, { operatorId: 'op-intruder' }))?.reason).toBe('TM_ERR_ARM_WRONG_OPERATOR');
    // A lease on the command stream (where a jog could supersede it in a CONTROL queue) is not one.
    expect(arm.onDownlink(downlink({ armLease: { leaseId: 'L9', operatorId: 'op-1', armId: 'arm-1', action: v1.ArmLeaseAction.ARM_LEASE_ACTION_GRANT, expiresAtNs: systemClock.nowNs() + 600e9, issuedAtNs: systemClock.nowNs() } }, { streamId: 'arm-1/cmd' }))).toBeNull();
    // Another arm's stream is not ours at all.
    expect(arm.onDownlink(downlink({ armCommand: { commandId: ++commandId, leaseId: 'L1', operatorId: 'op-1', kind: v1.ArmCommandKind.ARM_COMMAND_KIND_HOLD, issuedAtNs: systemClock.nowNs() } }, { streamId: 'arm-2/cmd' }))).toBeNull();
    expect(arm.status().downlinkRefused).toMatchObject({ TM_ERR_ARM_WRONG_GATEWAY: 1, TM_ERR_ARM_WRONG_CLASS: 1 });
    const audit = of('arm-1/audit').map((f) => JSON.parse(f.payload.armAudit!.recordJson!) as AuditRecord).filter((r) => r.seq > before);
    expect(audit.filter((r) => r.decision === 'rejected').map((r) => r.reason)).toEqual(expect.arrayContaining([
      'TM_ERR_ARM_WRONG_GATEWAY', 'TM_ERR_ARM_WRONG_CLASS', 'TM_ERR_ARM_REPLAY', 'TM_ERR_ARM_COMMAND_TOO_OLD', 'TM_ERR_ARM_WRONG_OPERATOR',
    ]));
  });

  it('telemetry goes up as realtime CONTROL ArmTelemetry on arm-1/telemetry at the configured 25 Hz, not the arm\'s 100 Hz', async () => {
    const start = of('arm-1/telemetry').length;
    await until(() => of('arm-1/telemetry').length >= start + 26, 3000, 'telemetry frames', 2);
    const win = of('arm-1/telemetry').slice(start, start + 26);
    const spanS = (win[25]!.captureTimeNs - win[0]!.captureTimeNs) / 1e9;
    const hz = 25 / spanS;
    expect(hz).toBeGreaterThan(20);
    expect(hz).toBeLessThan(27);
    for (const f of win) {
      expect(f).toMatchObject({ trafficClass: TrafficClass.TRAFFIC_CLASS_CONTROL, durable: false });
      expect(f.payload.armTelemetry).toMatchObject({ armId: 'arm-1', leaseId: 'L1', operatorId: 'op-1', forceCapN: 10 });
    }
    // It is a valid wire frame (the hub's decoder validates it).
    const env = decodeEnvelope(encodeEnvelope({ header: { gatewayId: 'gw-clinic-1', streamId: win[0]!.streamId, seq: 1, captureTimeNs: win[0]!.captureTimeNs, trafficClass: win[0]!.trafficClass, durable: false }, ...win[0]!.payload }));
    expect(env.payload).toBe('armTelemetry');
    expect(env.armTelemetry?.pose?.zMm).toBeGreaterThan(60);
  });

  it('the clinic e-stop (local API) stops the arm; no remote command clears it; a cross-site page cannot clear it; the local clear does', async () => {
    arm.onDownlink(jog(25));
    await until(() => sim.kin.moving, 1000, 'moving', 2);
    const res = await api('POST', '/api/arm/arm-1/estop');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ arm: { state: 'estopped', estopSources: ['clinic-page'] } });
    await until(() => !sim.kin.moving, 1000, 'the simulated arm to stop', 2);
    // From the link: motion, hold, release, a new grant: all refused, still e-stopped.
    expect(arm.onDownlink(jog(25))?.reason).toBe('TM_ERR_ARM_ESTOPPED');
    for (const kind of [v1.ArmCommandKind.ARM_COMMAND_KIND_HOME, v1.ArmCommandKind.ARM_COMMAND_KIND_HOLD, v1.ArmCommandKind.ARM_COMMAND_KIND_RELEASE]) {
      expect(arm.onDownlink(downlink({ armCommand: { commandId: ++commandId, leaseId: 'L1', operatorId: 'op-1', kind, issuedAtNs: systemClock.nowNs() } }))?.decision).toBe('rejected');
    }
    expect(arm.supervisor.state).toBe('estopped');
    // The attacker's side: a cross-site page (CSRF), a page with no token, a rebinding Host.
    const evil = await app.inject({ method: 'POST', url: '/api/arm/arm-1/estop/clear', headers: { origin: 'https://evil.example', 'x-telemed-token': token } });
    expect(evil.statusCode).toBe(403);
    expect(evil.json()).toMatchObject({ code: 'TM_ERR_ORIGIN_NOT_ALLOWED' });
    const fetchMeta = await app.inject({ method: 'POST', url: '/api/arm/arm-1/estop/clear', headers: { 'sec-fetch-site': 'cross-site', 'x-telemed-token': token } });
    expect(fetchMeta.json()).toMatchObject({ code: 'TM_ERR_ORIGIN_NOT_ALLOWED' });
    const noToken = await app.inject({ method: 'POST', url: '/api/arm/arm-1/estop/clear' });
    expect(noToken.json()).toMatchObject({ code: 'TM_ERR_API_TOKEN_REQUIRED' });
    const rebinding = await app.inject({ method: 'POST', url: '/api/arm/arm-1/estop/clear', headers: { host: 'attacker.example:8080', 'x-telemed-token': token } });
    expect(rebinding.json()).toMatchObject({ code: 'TM_ERR_HOST_NOT_ALLOWED' });
    expect(arm.supervisor.state).toBe('estopped');
    expect((await api('POST', '/api/arm/arm-9/estop/clear')).statusCode).toBe(404);
    // The clinic's own page clears it: holding, and only a command issued after the clear moves it.
    const clear = await api('POST', '/api/arm/arm-1/estop/clear');
    expect(clear.statusCode).toBe(200);
    expect(clear.json()).toMatchObject({ arm: { state: 'holding' } });
    expect((await api('GET', '/api/arm/arm-1')).json()).toMatchObject({ arm: { id: 'arm-1', state: 'holding', operatorId: 'op-1', link: 'streaming', forceCapN: 10 } });
    expect(arm.onDownlink(jog(20))?.state).toBe('active');
    await until(() => sim.kin.moving, 1000, 'moving again', 2);
    await until(() => arm.supervisor.state === 'holding', 1000, 'deadman after the last jog', 2);
  });

  it('every audit record is mirrored as a durable VITALS frame on arm-1/audit, in seq order, byte-equal to the hash-chained file', () => {
    const mirrored = of('arm-1/audit');
    expect(mirrored.length).toBeGreaterThan(20);
    for (const f of mirrored) expect(f).toMatchObject({ trafficClass: TrafficClass.TRAFFIC_CLASS_VITALS, durable: true });
    expect(mirrored.map((f) => Number(f.payload.armAudit!.seq))).toEqual(mirrored.map((_f, i) => i + 1));
    const file = readFileSync(join(rig.dir, 'arm-audit-arm-1.jsonl'), 'utf8');
    expect(verifyChain(file)).toMatchObject({ ok: true, records: mirrored.length });
    expect(mirrored.map((f) => f.payload.armAudit!.recordJson).join('\n') + '\n').toBe(file);
    const kinds = mirrored.map((f) => JSON.parse(f.payload.armAudit!.recordJson!) as AuditRecord);
    expect(kinds.some((r) => r.kind === 'estop' && r.what === 'clinic-page')).toBe(true);
    expect(kinds.some((r) => r.reason === 'TM_SAFETY_DEADMAN')).toBe(true);
  });

  // Last: it leaves the device refusing commands for good. A found bug: the write error escaped
  // into the uplink's downlink handler and took the whole gateway process down.
  it('an audit log that can no longer be written stops the arm and refuses every command (TM_ERR_AUDIT_IO); nothing throws', async () => {
    await until(() => arm.supervisor.state === 'holding', 1000, 'holding', 2);
    expect(arm.onDownlink(jog(20))?.state).toBe('active');
    await until(() => sim.kin.moving, 1000, 'moving', 2);
    const mirroredBefore = of('arm-1/audit').length;
    // The disk goes away under the log (as a full or failed disk would): its descriptor is closed.
    (arm as unknown as { deps: { audit: { close(): void } } }).deps.audit.close();
    expect(() => arm.onDownlink(jog(20))).not.toThrow();
    await until(() => !sim.kin.moving, 1000, 'the arm stopped', 2);
    for (const env of [jog(20), downlink({ armLease: { leaseId: 'L2', operatorId: 'op-2', armId: 'arm-1' } })]) {
      expect(arm.onDownlink(env)).toMatchObject({ decision: 'rejected', reason: 'TM_ERR_AUDIT_IO' });
    }
    expect(sim.kin.moving).toBe(false);
    expect(arm.status()).toMatchObject({ auditFailures: expect.any(Number), downlinkRefused: { TM_ERR_AUDIT_IO: 2 } });
    expect(arm.status().auditFailures).toBeGreaterThanOrEqual(3);
    // The local e-stop still acts (and still does not throw); nothing unchained went up to the hub.
    expect((await api('POST', '/api/arm/arm-1/estop')).statusCode).toBe(200);
    expect(arm.supervisor.state).toBe('estopped');
    expect(of('arm-1/audit').length).toBe(mirroredBefore);
  });
});

import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainRecord, type AuditEntry, type AuditRecord } from '../../gateway/safety/audit-record.js';
import { telemed, type DecodedEnvelope } from '../../protocols/index.js';
import { FakeGateway } from '../test-support.js';
import { metricValue, startTeleopHub, TeleopBrowser, type TeleopHub } from './test-support.js';

const A = telemed.v1.ArmLeaseAction;
const K = telemed.v1.ArmCommandKind;

/**
 * The hub's teleop path end to end on a real hub (loopback, port 0) with a fake gateway speaking
 * the uplink protocol: lease over REST → ArmLease on the downlink, browser command over /teleop →
 * stamped ArmCommand, ArmTelemetry → the browser with the round trip, audit frames → the mirror.
 * One hub for the file; ~2 s.
 */
describe('teleop (hub side)', () => {
  let t: TeleopHub;
  let gw: FakeGateway;
  const browsers: TeleopBrowser[] = [];

  const post = (user: keyof TeleopHub['tokens'], url: string, payload: Record<string, unknown> = {}) =>
    t.hub.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${t.tokens[user]}` }, payload });
  const get = (user: keyof TeleopHub['tokens'], url: string) => t.hub.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${t.tokens[user]}` } });
  async function browser(user: keyof TeleopHub['tokens']): Promise<TeleopBrowser> {
    const b = await TeleopBrowser.open(t.hub, t.tokens[user]);
    browsers.push(b);
    await b.next((m) => m.type === 'hello');
    return b;
  }
  /** The next ArmLease / ArmCommand the gateway receives. */
  const nextLease = (): Promise<DecodedEnvelope> => gw.next('armLease');
  const nextCommand = (): Promise<DecodedEnvelope> => gw.next('armCommand');

  beforeAll(async () => {
    t = await startTeleopHub();
    gw = await FakeGateway.connect(t.hub.url);
    gw.hello();
    expect((await gw.next('helloAck')).helloAck?.accepted).toBe(true);
  });
  afterAll(async () => {
    for (const b of browsers) b.ws.terminate();
    gw.ws.terminate();
    await t.close();
  });

  it('grants a lease (GRANT on <armId>/lease, CONTROL); a busy arm answers 409 naming the holder; the list shows it', async () => {
    const res = await post('dr.li', '/api/teleop/sessions', { gatewayId: 'clinic-1', armId: 'arm-1', maxForceN: 15 });
    expect(res.statusCode).toBe(201);
    const lease = res.json<{ lease: { id: string; holder: string; state: string; expiresAt: string } }>().lease;
    expect(lease).toMatchObject({ holder: 'dr.li', state: 'active' });
    const env = await nextLease();
    expect(env.header).toMatchObject({ streamId: 'arm-1/lease', trafficClass: 1, durable: false });
    expect(env.armLease).toMatchObject({ leaseId: lease.id, operatorId: 'dr.li', action: A.ARM_LEASE_ACTION_GRANT, armId: 'arm-1', maxForceN: 15 });
    const expiresMs = Number(env.armLease?.expiresAtNs) / 1e6;
    expect(expiresMs - Date.now()).toBeGreaterThan(9 * 60_000);
    expect(expiresMs - Date.now()).toBeLessThanOrEqual(10 * 60_000);

    const busy = await post('dr.ma', '/api/teleop/sessions', { gatewayId: 'clinic-1', armId: 'arm-1' });
    expect(busy.statusCode).toBe(409);
    expect(busy.json()).toMatchObject({ code: 'TM_ERR_TELEOP_ARM_BUSY', holder: 'dr.li' });
    const list = await get('it.admin', '/api/teleop/sessions');
    expect(list.json<{ sessions: { id: string }[] }>().sessions.map((s) => s.id)).toEqual([lease.id]);
    await post('dr.li', `/api/teleop/sessions/${lease.id}/release`);
    expect((await nextLease()).armLease?.action).toBe(A.ARM_LEASE_ACTION_RELEASE);
  });

  it('relays a browser jog as a stamped ArmCommand; the telemetry echo comes back with the round trip; ping answers pong', async () => {
    const lease = (await post('dr.li', '/api/teleop/sessions', { gatewayId: 'clinic-1', armId: 'arm-1' })).json<{ lease: { id: string } }>().lease;
    await nextLease();
    const b = await browser('dr.li');
    const sentAtMs = 1234.5;
    const before = Date.now() * 1e6;
    b.send({ type: 'jog', leaseId: lease.id, seq: 7, sentAtMs, twist: { vx: 10, vy: 0, vz: -2 } });
    const env = await nextCommand();
    expect(env.header).toMatchObject({ gatewayId: 'clinic-1', streamId: 'arm-1/cmd', trafficClass: 1, durable: false });
    const cmd = env.armCommand;
    expect(cmd).toMatchObject({ leaseId: lease.id, operatorId: 'dr.li', kind: K.ARM_COMMAND_KIND_JOG, twist: { vxMmS: 10, vzMmS: -2 } });
    expect(Number(cmd?.commandId)).toBe(1);
    // Stamped with the hub's clock on arrival, ns.
    expect(Number(cmd?.issuedAtNs)).toBeGreaterThanOrEqual(before - 1e6);
    expect(Number(cmd?.issuedAtNs)).toBeLessThanOrEqual(Date.now() * 1e6 + 1e6);
    b.send({ type: 'heartbeat', leaseId: lease.id, seq: 8 });
    expect(Number((await nextCommand()).armCommand?.commandId)).toBe(2);

    gw.send({
      header: { gatewayId: 'clinic-1', streamId: 'arm-1/telemetry', seq: 1, trafficClass: 1, durable: false, captureTimeNs: gw.nowNs() },
      armTelemetry: { armId: 'arm-1', forceN: 3.5, forceCapN: 15, state: 2, lastCommandId: 2, leaseId: lease.id, operatorId: 'dr.li', safetyState: 'active', pose: { xMm: 1, yMm: 2, zMm: 3, qw: 1 } },
    });
    const rtt = await b.next((m) => m.type === 'rtt');
    expect(rtt).toMatchObject({ commandId: 2, seq: 8 });
    expect(rtt['hubMs']).toBeGreaterThanOrEqual(0);
    expect(rtt['hubMs']).toBeLessThan(3000);
    const tel = await b.next((m) => m.type === 'telemetry');
    expect(tel).toMatchObject({ gatewayId: 'clinic-1', armId: 'arm-1', forceN: 3.5, forceCapN: 15, state: 'ARM_STATE_MOVING', safetyState: 'active', lastCommandId: 2, pose: { x: 1, y: 2, z: 3, qw: 1 } });
    b.send({ type: 'ping', seq: 99, sentAtMs });
    expect(await b.next((m) => m.type === 'pong')).toMatchObject({ seq: 99, sentAtMs });
    expect(await metricValue(t.hub, 'telemed_teleop_relayed_total{what="command"}')).toBe(2);

    // Telemetry of an arm nobody holds a lease on, or on the wrong stream, reaches no browser.
    const seen = b.messages.filter((m) => m.type === 'telemetry').length;
    gw.send({ header: { gatewayId: 'clinic-1', streamId: 'arm-9/telemetry', trafficClass: 1 }, armTelemetry: { armId: 'arm-9', forceN: 1 } });
    gw.send({ header: { gatewayId: 'clinic-1', streamId: 'elsewhere', trafficClass: 1 }, armTelemetry: { armId: 'arm-1', forceN: 2 } });
    b.send({ type: 'ping', seq: 100 });
    await b.next((m) => m.type === 'pong' && m['seq'] === 100);
    expect(b.messages.filter((m) => m.type === 'telemetry')).toHaveLength(seen);
    await post('dr.li', `/api/teleop/sessions/${lease.id}/release`);
    await nextLease();
  });

  it('hands over (HANDOVER naming the previous lease); the old holder\'s socket hears it and its commands are refused', async () => {
    const lease = (await post('dr.li', '/api/teleop/sessions', { gatewayId: 'clinic-1', armId: 'arm-1' })).json<{ lease: { id: string } }>().lease;
    await nextLease();
    const li = await browser('dr.li');
    const ma = await browser('dr.ma');
    li.send({ type: 'hold', leaseId: lease.id, seq: 1 });
    await nextCommand();
    const bad = await post('dr.li', `/api/teleop/sessions/${lease.id}/handover`, { to: 'dr.far' });
    expect([bad.statusCode, bad.json<{ code: string }>().code]).toEqual([400, 'TM_ERR_TELEOP_BAD_HANDOVER']);
    const res = await post('dr.li', `/api/teleop/sessions/${lease.id}/handover`, { to: 'dr.ma' });
    expect(res.statusCode).toBe(200);
    const next = res.json<{ lease: { id: string; holder: string; previousLeaseId: string } }>().lease;
    expect(next).toMatchObject({ holder: 'dr.ma', previousLeaseId: lease.id });
    const env = await nextLease();
    expect(env.armLease).toMatchObject({ action: A.ARM_LEASE_ACTION_HANDOVER, leaseId: next.id, previousLeaseId: lease.id, operatorId: 'dr.ma' });
    expect(await li.next((m) => m.type === 'lease')).toMatchObject({ lease: { id: lease.id, state: 'handed-over' } });
    expect(await ma.next((m) => m.type === 'lease')).toMatchObject({ lease: { id: next.id, holder: 'dr.ma', state: 'active' } });
    li.send({ type: 'jog', leaseId: lease.id, seq: 2, twist: { vx: 1, vy: 0, vz: 0 } });
    expect(await li.errorFor(2)).toMatchObject({ code: 'TM_ERR_TELEOP_LEASE_ENDED' });
    ma.send({ type: 'jog', leaseId: next.id, seq: 3, twist: { vx: 1, vy: 0, vz: 0 } });
    // The new lease counts its command ids from 1 again.
    expect((await nextCommand()).armCommand).toMatchObject({ leaseId: next.id, operatorId: 'dr.ma' });
    const rel = await post('dr.ma', `/api/teleop/sessions/${next.id}/release`);
    expect(rel.json()).toMatchObject({ lease: { state: 'released' }, downlink: 'sent' });
    await nextLease();
  });

  it('a socket open before the lease watches the arm from the grant on, before its first command', async () => {
    const ma = await browser('dr.ma');
    const lease = (await post('dr.ma', '/api/teleop/sessions', { gatewayId: 'clinic-1', armId: 'arm-2' })).json<{ lease: { id: string } }>().lease;
    await nextLease();
    expect(await ma.next((m) => m.type === 'lease')).toMatchObject({ lease: { id: lease.id, armId: 'arm-2', state: 'active' } });
    gw.send({ header: { gatewayId: 'clinic-1', streamId: 'arm-2/telemetry', trafficClass: 1 }, armTelemetry: { armId: 'arm-2', forceN: 7.25 } });
    expect(await ma.next((m) => m.type === 'telemetry' && m['armId'] === 'arm-2')).toMatchObject({ forceN: 7.25, lastCommandId: 0 });
    await post('dr.ma', `/api/teleop/sessions/${lease.id}/release`);
    await nextLease();
  });

  it('relays reassembled ultrasound images as binary TMI1 messages to the lease holder\'s sockets only', async () => {
    const lease = (await post('dr.li', '/api/teleop/sessions', { gatewayId: 'clinic-1', armId: 'arm-1' })).json<{ lease: { id: string } }>().lease;
    await nextLease();
    const li = await browser('dr.li');
    const ma = await browser('dr.ma'); // same site, a specialist, but not the holder
    const far = await browser('dr.far'); // a specialist of another clinic
    const jpeg = await sharp(Buffer.alloc(64 * 48, 90), { raw: { width: 64, height: 48, channels: 1 } }).jpeg({ quality: 60 }).toBuffer();
    const part = (frameId: number, offset: number, data: Uint8Array, last: boolean, armId = 'arm-1') => gw.send({
      header: { gatewayId: 'clinic-1', streamId: `${armId}/ultrasound`, seq: frameId, trafficClass: telemed.v1.TrafficClass.TRAFFIC_CLASS_VIDEO, captureTimeNs: gw.nowNs() },
      ultrasound: { frameId, width: 64, height: 48, encoding: telemed.v1.ImageEncoding.IMAGE_ENCODING_JPEG, quality: 60, data, depthMm: 80, gainDb: 3, totalSize: jpeg.length, offset, last },
    });
    // In two parts, the second first: reassembled at the hub.
    const cut = Math.floor(jpeg.length / 2);
    part(1, cut, jpeg.subarray(cut), true);
    part(1, 0, jpeg.subarray(0, cut), false);
    const img = await li.next((m) => m.type === 'image');
    expect(img).toMatchObject({ gatewayId: 'clinic-1', armId: 'arm-1', leaseId: lease.id, frameId: 1, width: 64, height: 48, quality: 60, depthMm: 80, gainDb: 3, bytes: jpeg.length });
    expect(Buffer.compare(img['jpeg'] as Buffer, jpeg)).toBe(0);
    expect(Math.abs((img['captureTimeMs'] as number) - Date.now())).toBeLessThan(5000);
    // An arm nobody holds: no image anywhere.
    part(1, 0, jpeg, true, 'arm-7');
    li.send({ type: 'ping', seq: 501 });
    ma.send({ type: 'ping', seq: 502 });
    far.send({ type: 'ping', seq: 503 });
    await li.next((m) => m.type === 'pong' && m['seq'] === 501);
    await ma.next((m) => m.type === 'pong' && m['seq'] === 502);
    await far.next((m) => m.type === 'pong' && m['seq'] === 503);
    expect(li.messages.filter((m) => m.type === 'image')).toHaveLength(1);
    expect(ma.messages.filter((m) => m.type === 'image')).toHaveLength(0);
    expect(far.messages.filter((m) => m.type === 'image')).toHaveLength(0);
    // Every socket that got it is dr.li's (the earlier tests' dr.li sockets bound to the new lease too).
    const got = browsers.filter((x) => x.messages.some((m) => m.type === 'image'));
    expect(got.map((x) => x.messages.find((m) => m.type === 'hello')?.['username'])).toEqual(got.map(() => 'dr.li'));
    expect(await metricValue(t.hub, 'telemed_teleop_relayed_total{what="image"}')).toBe(got.length);
    expect(await metricValue(t.hub, 'telemed_hub_images_total')).toBe(2);
    await post('dr.li', `/api/teleop/sessions/${lease.id}/release`);
    await nextLease();
  });

  it('an offline gateway answers 503 with a code, and no lease is kept', async () => {
    const res = await post('dr.far', '/api/teleop/sessions', { gatewayId: 'clinic-2', armId: 'arm-1' });
    expect([res.statusCode, res.json<{ code: string }>().code]).toEqual([503, 'TM_ERR_TELEOP_GATEWAY_OFFLINE']);
    const list = await get('dr.far', '/api/teleop/sessions');
    expect(list.json<{ sessions: unknown[] }>().sessions).toEqual([]);
  });

  it('mirrors the durable <armId>/audit frames into arm_audit with the chain checked; admin and the site\'s specialists read it', async () => {
    const entry = (what: string): AuditEntry => ({
      atNs: Date.now() * 1e6, armId: 'arm-1', kind: 'command', decision: 'rejected', reason: 'TM_ERR_ARM_COMMAND_TOO_OLD', state: 'leased',
      leaseId: 'L1', operatorId: 'dr.li', commandId: '5', what, detail: { ageMs: 63.2, budgetMs: 50 },
    });
    const r1 = chainRecord(null, entry('jog'));
    const r2 = chainRecord(r1, entry('move'));
    const forged: AuditRecord = { ...chainRecord(r2, entry('home')), what: 'hold' }; // edited after hashing
    const frame = (seq: number, rec: AuditRecord) => ({
      header: { gatewayId: 'clinic-1', streamId: 'arm-1/audit', seq, trafficClass: 3, durable: true, captureTimeNs: gw.nowNs() },
      armAudit: { armId: 'arm-1', seq: rec.seq, recordJson: JSON.stringify(rec) },
    });
    gw.send(frame(1, r1));
    gw.send(frame(2, r2));
    gw.send(frame(3, forged));
    const deadline = Date.now() + 3000;
    let records: { seq: number; chain: string; what: string; reason: string }[] = [];
    while (Date.now() < deadline) {
      records = (await get('it.admin', '/api/teleop/audit?gatewayId=clinic-1&armId=arm-1')).json<{ records: typeof records }>().records;
      if (records.length >= 3) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(records.map((r) => [r.seq, r.chain, r.what])).toEqual([[1, 'ok', 'jog'], [2, 'ok', 'move'], [3, 'bad-hash', 'hold']]);
    expect(records[0]?.reason).toBe('TM_ERR_ARM_COMMAND_TOO_OLD');
    const li = await get('dr.li', '/api/teleop/audit?gatewayId=clinic-1&armId=arm-1&after=2');
    expect(li.json<{ records: { seq: number }[] }>().records.map((r) => r.seq)).toEqual([3]);
    expect((await get('dr.li', '/api/teleop/audit/arms')).json()).toEqual({ arms: [{ gatewayId: 'clinic-1', armId: 'arm-1', records: 3, lastSeq: 3 }] });
  });
});

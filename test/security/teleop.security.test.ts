// Attack suite, issue 11 item 5 / issue 12 item 7: the hub's teleoperation from the attacker's side.
// A real hub on a loopback port (in process, port 0) and a fake clinic gateway speaking the real
// uplink protocol over a real WebSocket; the attackers use the same REST and /teleop socket a
// browser does. Every case asserts the refusal, its stable code, that it was counted
// (telemed_teleop_refused_total{code}), and that nothing reached the arm. ~3 s.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { telemed, type DecodedEnvelope } from '../../protocols/index.js';
import { FakeGateway } from '../../hospital/test-support.js';
import { metricValue, startTeleopHub, TELEOP_PASSWORDS, TeleopBrowser, type TeleopHub, type TeleopUser } from '../../hospital/teleop/test-support.js';

const refused = (code: string): string => `telemed_teleop_refused_total{code="${code}"}`;

describe('security: teleop (leases, /teleop, the audit mirror)', () => {
  let t: TeleopHub;
  let gw: FakeGateway;
  let leaseId: string;
  const browsers: TeleopBrowser[] = [];

  const req = (method: 'GET' | 'POST', user: TeleopUser | null, url: string, payload?: Record<string, unknown>) => t.hub.app.inject({
    method, url, headers: user === null ? {} : { authorization: `Bearer ${t.tokens[user]}` }, ...(payload === undefined ? {} : { payload }),
  });
  async function open(user: TeleopUser): Promise<TeleopBrowser> {
    const b = await TeleopBrowser.open(t.hub, t.tokens[user]);
    browsers.push(b);
    await b.next((m) => m.type === 'hello');
    return b;
  }
  /** ArmCommands the gateway got so far (after letting in-flight frames land via a ping round trip). */
  async function commandsAtGateway(b: TeleopBrowser, seq: number): Promise<DecodedEnvelope[]> {
    b.send({ type: 'ping', seq });
    await b.next((m) => m.type === 'pong' && m['seq'] === seq);
    await new Promise((r) => setImmediate(r));
    return gw.received.filter((e) => e.payload === 'armCommand');
  }
  async function expectRefusedOpen(p: Promise<unknown>, status: number, code: string): Promise<void> {
    const err = await p.then(() => null, (e: unknown) => e as { status: number; body: string });
    expect(err).not.toBeNull();
    expect(err?.status).toBe(status);
    expect((JSON.parse(err?.body ?? '{}') as { code?: string }).code).toBe(code);
  }

  beforeAll(async () => {
    t = await startTeleopHub();
    gw = await FakeGateway.connect(t.hub.url);
    gw.hello();
    expect((await gw.next('helloAck')).helloAck?.accepted).toBe(true);
    const res = await req('POST', 'dr.li', '/api/teleop/sessions', { gatewayId: 'clinic-1', armId: 'arm-1' });
    expect(res.statusCode).toBe(201);
    leaseId = res.json<{ lease: { id: string } }>().lease.id;
    await gw.next('armLease');
  });
  afterAll(async () => {
    for (const b of browsers) b.ws.terminate();
    gw.ws.terminate();
    await t.close();
  });

  it('a clinician account can neither lease, open /teleop, nor read the arm audit', async () => {
    const lease = await req('POST', 'nurse.wu', '/api/teleop/sessions', { gatewayId: 'clinic-1', armId: 'arm-2' });
    expect([lease.statusCode, lease.json<{ code: string }>().code]).toEqual([403, 'TM_ERR_FORBIDDEN']);
    const audit = await req('GET', 'nurse.wu', '/api/teleop/audit?gatewayId=clinic-1&armId=arm-1');
    expect([audit.statusCode, audit.json<{ code: string }>().code]).toEqual([403, 'TM_ERR_FORBIDDEN']);
    await expectRefusedOpen(TeleopBrowser.open(t.hub, t.tokens['nurse.wu']), 403, 'TM_ERR_FORBIDDEN');
    expect(await metricValue(t.hub, refused('TM_ERR_FORBIDDEN'))).toBeGreaterThanOrEqual(3);
    expect(gw.received.filter((e) => e.payload === 'armLease')).toHaveLength(1);
  });

  it('a specialist not enrolled for the clinic is answered like an unknown gateway, and sees none of its leases or audit', async () => {
    const other = await req('POST', 'dr.far', '/api/teleop/sessions', { gatewayId: 'clinic-1', armId: 'arm-2' });
    const unknown = await req('POST', 'dr.far', '/api/teleop/sessions', { gatewayId: 'no-such-gateway', armId: 'arm-2' });
    expect([other.statusCode, other.json<{ code: string }>().code]).toEqual([404, 'TM_ERR_TELEOP_GATEWAY_NOT_FOUND']);
    expect(other.json()).toEqual(unknown.json());
    const audit = await req('GET', 'dr.far', '/api/teleop/audit?gatewayId=clinic-1&armId=arm-1');
    expect([audit.statusCode, audit.json<{ code: string }>().code]).toEqual([404, 'TM_ERR_TELEOP_GATEWAY_NOT_FOUND']);
    expect((await req('GET', 'dr.far', '/api/teleop/sessions')).json()).toEqual({ sessions: [] });
    // Nor can they take over or end the lease by its id.
    for (const action of ['release', 'renew']) {
      const r = await req('POST', 'dr.far', `/api/teleop/sessions/${leaseId}/${action}`, {});
      expect([r.statusCode, r.json<{ code: string }>().code]).toEqual([404, 'TM_ERR_TELEOP_LEASE_NOT_FOUND']);
    }
    const b = await open('dr.far');
    b.send({ type: 'jog', leaseId, gatewayId: 'clinic-1', armId: 'arm-1', seq: 1, twist: { vx: 50, vy: 0, vz: 0 } });
    expect(await b.errorFor(1)).toMatchObject({ code: 'TM_ERR_TELEOP_NO_LEASE' });
    expect(await commandsAtGateway(b, 2)).toHaveLength(0);
    expect(await metricValue(t.hub, refused('TM_ERR_TELEOP_GATEWAY_NOT_FOUND'))).toBe(3);
    expect(t.logs.text()).toContain('TM_ERR_SITE_FORBIDDEN');
  });

  it('a command without the lease (another specialist\'s lease id, a made-up one, none) never reaches the arm', async () => {
    const ma = await open('dr.ma');
    ma.send({ type: 'jog', leaseId, seq: 1, twist: { vx: 50, vy: 0, vz: 0 } });
    ma.send({ type: 'estop', leaseId: 'made-up-lease-id', seq: 2 });
    ma.send({ type: 'home', seq: 3 });
    expect(await ma.errorFor(1)).toMatchObject({ code: 'TM_ERR_TELEOP_NO_LEASE' });
    expect(await ma.errorFor(2)).toMatchObject({ code: 'TM_ERR_TELEOP_NO_LEASE' });
    expect(await ma.errorFor(3)).toMatchObject({ code: 'TM_ERR_TELEOP_BAD_MESSAGE' });
    const ho = await req('POST', 'dr.ma', `/api/teleop/sessions/${leaseId}/handover`, { to: 'dr.ma' });
    expect([ho.statusCode, ho.json<{ code: string }>().code]).toEqual([404, 'TM_ERR_TELEOP_LEASE_NOT_FOUND']);
    expect(await commandsAtGateway(ma, 4)).toHaveLength(0);
    expect(await metricValue(t.hub, refused('TM_ERR_TELEOP_NO_LEASE'))).toBeGreaterThanOrEqual(3);
  });

  it('a command naming another gateway\'s (or another) arm under a valid lease is refused', async () => {
    const li = await open('dr.li');
    li.send({ type: 'jog', leaseId, gatewayId: 'clinic-2', armId: 'arm-1', seq: 1, twist: { vx: 5, vy: 0, vz: 0 } });
    li.send({ type: 'move', leaseId, gatewayId: 'clinic-1', armId: 'arm-2', seq: 2, target: { x: 0, y: 0, z: 100, qw: 1, qx: 0, qy: 0, qz: 0 } });
    expect(await li.errorFor(1)).toMatchObject({ code: 'TM_ERR_TELEOP_WRONG_ARM' });
    expect(await li.errorFor(2)).toMatchObject({ code: 'TM_ERR_TELEOP_WRONG_ARM' });
    expect(await commandsAtGateway(li, 3)).toHaveLength(0);
    expect(await metricValue(t.hub, refused('TM_ERR_TELEOP_WRONG_ARM'))).toBe(2);
    // The same lease, its own arm: relayed (the refusals above were not a broken relay).
    li.send({ type: 'hold', leaseId, gatewayId: 'clinic-1', armId: 'arm-1', seq: 4 });
    const env = await gw.next('armCommand');
    expect(env.armCommand).toMatchObject({ leaseId, operatorId: 'dr.li', kind: telemed.v1.ArmCommandKind.ARM_COMMAND_KIND_HOLD });
  });

  it('the holder cannot hand the lease to a specialist of another clinic, a clinician or an unknown name; the candidate list shows neither', async () => {
    await open('dr.far'); // online, but enrolled for clinic-2 only
    const handovers = (): number => gw.received.filter((e) => e.armLease?.action === telemed.v1.ArmLeaseAction.ARM_LEASE_ACTION_HANDOVER).length;
    const before = await metricValue(t.hub, refused('TM_ERR_TELEOP_BAD_HANDOVER'));
    const bodies: unknown[] = [];
    for (const to of ['dr.far', 'nurse.wu', 'no.such.user', 'it.admin']) {
      const r = await req('POST', 'dr.li', `/api/teleop/sessions/${leaseId}/handover`, { to });
      expect([to, r.statusCode, r.json<{ code: string }>().code]).toEqual([to, 400, 'TM_ERR_TELEOP_BAD_HANDOVER']);
      bodies.push(r.json());
    }
    // One answer for all four: it does not tell which usernames exist or where they work.
    expect(new Set(bodies.map((b) => JSON.stringify(b))).size).toBe(1);
    expect(await metricValue(t.hub, refused('TM_ERR_TELEOP_BAD_HANDOVER'))).toBe(before + 4);
    await commandsAtGateway(browsers[0]!, 900);
    expect(handovers()).toBe(0);
    expect((await req('GET', 'it.admin', '/api/teleop/sessions')).json()).toMatchObject({ sessions: [{ id: leaseId, holder: 'dr.li' }] });
    // The candidates (online specialists of the clinic): dr.ma, never dr.far; only the holder may ask.
    const c = await req('GET', 'dr.li', `/api/teleop/sessions/${leaseId}/candidates`);
    expect(c.json()).toEqual({ candidates: ['dr.ma'] });
    for (const who of ['dr.far', 'dr.ma'] as const) {
      const r = await req('GET', who, `/api/teleop/sessions/${leaseId}/candidates`);
      expect([r.statusCode, r.json<{ code: string }>().code]).toEqual([404, 'TM_ERR_TELEOP_LEASE_NOT_FOUND']);
    }
    const nurse = await req('GET', 'nurse.wu', `/api/teleop/sessions/${leaseId}/candidates`);
    expect([nurse.statusCode, nurse.json<{ code: string }>().code]).toEqual([403, 'TM_ERR_FORBIDDEN']);
  });

  it('a replayed ticket, no ticket, a garbage ticket and a session token in the URL are all refused before the upgrade', async () => {
    const res = await t.hub.app.inject({ method: 'POST', url: '/api/live-ticket', headers: { authorization: `Bearer ${t.tokens['dr.li']}` } });
    const ticket = res.json<{ ticket: string }>().ticket;
    browsers.push(await TeleopBrowser.openWithTicket(t.hub, ticket));
    const before = await metricValue(t.hub, refused('TM_ERR_TICKET_INVALID'));
    await expectRefusedOpen(TeleopBrowser.openWithTicket(t.hub, ticket), 401, 'TM_ERR_TICKET_INVALID');
    await expectRefusedOpen(TeleopBrowser.openWithTicket(t.hub, ''), 401, 'TM_ERR_TICKET_INVALID');
    await expectRefusedOpen(TeleopBrowser.openWithTicket(t.hub, 'x'.repeat(500)), 401, 'TM_ERR_TICKET_INVALID');
    await expectRefusedOpen(TeleopBrowser.openWithTicket(t.hub, t.tokens['dr.li']), 401, 'TM_ERR_TICKET_INVALID');
    expect(await metricValue(t.hub, refused('TM_ERR_TICKET_INVALID'))).toBe(before + 4);
    const anon = await req('POST', null, '/api/teleop/sessions', { gatewayId: 'clinic-1', armId: 'arm-2' });
    expect([anon.statusCode, anon.json<{ code: string }>().code]).toEqual([401, 'TM_ERR_UNAUTHENTICATED']);
    expect(await metricValue(t.hub, refused('TM_ERR_UNAUTHENTICATED'))).toBe(1);
  });

  it('logging out closes the holder\'s sockets (4403) and revokes the lease at the gateway; no secret reaches the log', async () => {
    const li = await open('dr.li');
    const revokesBefore = gw.received.filter((e) => e.armLease?.action === telemed.v1.ArmLeaseAction.ARM_LEASE_ACTION_REVOKE).length;
    await req('POST', 'dr.li', '/api/logout', {});
    expect((await li.closed).code).toBe(4403);
    const revoke = await gw.next('armLease');
    expect(revoke.armLease).toMatchObject({ leaseId, action: telemed.v1.ArmLeaseAction.ARM_LEASE_ACTION_REVOKE });
    expect(revokesBefore).toBe(0);
    expect((await req('GET', 'it.admin', '/api/teleop/sessions')).json()).toEqual({ sessions: [] });
    const text = t.logs.text();
    for (const secret of [...Object.values(TELEOP_PASSWORDS), ...Object.values(t.tokens)]) expect(text).not.toContain(secret);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadHospitalConfig, type HospitalConfig } from '../config.js';
import { startHospital, type RunningHospital } from '../main.js';
import { memoryLogger, PASSWORDS, tempDir, testConfig, type TempDir } from '../test-support.js';

/** Issue 12, item 8: sessions end for real, logins are throttled, no session token in URLs. */
describe('sessions', () => {
  let dir: TempDir | undefined;
  let hub: RunningHospital | undefined;
  const open: WebSocket[] = [];
  afterEach(async () => {
    for (const ws of open.splice(0)) ws.terminate();
    await hub?.close();
    hub = undefined;
    dir?.remove();
  });

  async function start(extra: Record<string, unknown> = {}, base?: HospitalConfig): Promise<RunningHospital> {
    dir ??= tempDir();
    const cfg = base ?? await testConfig(dir.path, { auth: { liveRecheckMs: 50 }, ...extra });
    hub = await startHospital(cfg, { logger: memoryLogger().logger });
    return hub;
  }
  const login = async (h: RunningHospital, username: keyof typeof PASSWORDS, password: string = PASSWORDS[username]) =>
    h.app.inject({ method: 'POST', url: '/api/login', payload: { username, password }, remoteAddress: '127.0.0.9' });
  const tokenOf = async (h: RunningHospital, u: keyof typeof PASSWORDS) => (await login(h, u)).json<{ token: string }>().token;
  async function liveSocket(h: RunningHospital, token: string): Promise<{ ws: WebSocket; closed: Promise<{ code: number; reason: string }> }> {
    const { ticket } = (await h.app.inject({ method: 'POST', url: '/api/live-ticket', headers: { authorization: `Bearer ${token}` } })).json<{ ticket: string }>();
    const ws = new WebSocket(`${h.url.replace('http', 'ws')}/live?ticket=${ticket}`);
    open.push(ws);
    const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
    return { ws, closed };
  }
  const upgradeStatus = (url: string) => new Promise<number>((resolve) => {
    const ws = new WebSocket(url);
    ws.on('error', () => { /* refused */ });
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('open', () => { ws.terminate(); resolve(101); });
  });

  it('closes /live sockets at logout (4403 TM_ERR_SESSION_ENDED); other sessions stay', async () => {
    const h = await start();
    const t1 = await tokenOf(h, 'nurse.wu');
    const t2 = await tokenOf(h, 'nurse.wu');
    const a = await liveSocket(h, t1);
    const b = await liveSocket(h, t2);
    expect((await h.app.inject({ method: 'POST', url: '/api/logout', headers: { authorization: `Bearer ${t1}` } })).statusCode).toBe(204);
    expect(await a.closed).toEqual({ code: 4403, reason: 'TM_ERR_SESSION_ENDED' });
    expect(b.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('closes /live sockets when the session expires', async () => {
    const h = await start({ sessionTtlMs: 1000 });
    const s = await liveSocket(h, await tokenOf(h, 'nurse.wu'));
    const t0 = Date.now();
    expect((await s.closed).code).toBe(4403);
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it('ends a demoted user\'s sessions and sockets at once, and a removed user\'s at the next start', async () => {
    let h = await start();
    const token = await tokenOf(h, 'dr.li');
    const s = await liveSocket(h, token);
    // dr.li demoted to clinician in the current user table: the specialist session is void now.
    h.app.hospital.sessions.directory.replace(h.app.hospital.config.users.map((u) => (u.username === 'dr.li' ? { ...u, role: 'clinician' as const } : u)));
    expect((await h.app.inject({ url: '/api/ecg/worklist', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(401);
    expect((await s.closed).code).toBe(4403);
    expect((await login(h, 'dr.li')).json<{ user: { role: string } }>().user.role).toBe('clinician');

    // Removed from the config: after a restart the old token and the password are both refused.
    const nurseToken = await tokenOf(h, 'nurse.wu');
    expect((await h.app.inject({ url: '/api/me', headers: { authorization: `Bearer ${nurseToken}` } })).statusCode).toBe(200);
    const cfg = h.app.hospital.config;
    await h.close();
    h = await start({}, loadHospitalConfig({ ...structuredClone(cfg), users: cfg.users.filter((u) => u.username !== 'nurse.wu') }));
    expect((await h.app.inject({ url: '/api/me', headers: { authorization: `Bearer ${nurseToken}` } })).statusCode).toBe(401);
    expect((await login(h, 'nurse.wu')).statusCode).toBe(401);
  });

  it('throttles wrong passwords per user and per address: a burst does not leave the right password working', async () => {
    const h = await start();
    const codes = await Promise.all(Array.from({ length: 30 }, () => login(h, 'dr.li', 'wrong').then((r) => r.statusCode)));
    expect(codes.filter((c) => c === 401).length).toBeLessThanOrEqual(5 + 2); // the free ones (plus any in flight together)
    expect(codes.filter((c) => c === 429).length).toBeGreaterThanOrEqual(23);
    const right = await login(h, 'dr.li');
    expect(right.statusCode).toBe(429);
    expect(right.json()).toMatchObject({ code: 'TM_ERR_LOGIN_THROTTLED' });
    expect(Number(right.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // Another user from another address is not held back by dr.li's lock.
    const other = await h.app.inject({ method: 'POST', url: '/api/login', payload: { username: 'it.admin', password: PASSWORDS['it.admin'] }, remoteAddress: '127.0.0.10' });
    expect(other.statusCode).toBe(200);
    // The guessing address is held back for every username.
    expect((await login(h, 'it.admin')).statusCode).toBe(429);
    expect(await h.app.hospital.metrics.registry.getSingleMetricAsString('telemed_login_refused_total')).toMatch(/TM_ERR_LOGIN_THROTTLED"} (2[3-9]|3\d)/);
  });

  it('opens /live only with a fresh single-use ticket, never with the session token in the URL', async () => {
    const h = await start({ auth: { liveTicketTtlMs: 200, liveRecheckMs: 50 } });
    const token = await tokenOf(h, 'nurse.wu');
    const base = `${h.url.replace('http', 'ws')}/live`;
    expect(await upgradeStatus(`${base}?token=${token}`)).toBe(401);
    const issue = async () => (await h.app.inject({ method: 'POST', url: '/api/live-ticket', headers: { authorization: `Bearer ${token}` } })).json<{ ticket: string }>().ticket;
    const once = await issue();
    expect(await upgradeStatus(`${base}?ticket=${once}`)).toBe(101);
    expect(await upgradeStatus(`${base}?ticket=${once}`)).toBe(401);
    const late = await issue();
    await new Promise((r) => setTimeout(r, 300));
    expect(await upgradeStatus(`${base}?ticket=${late}`)).toBe(401);
    expect((await h.app.inject({ method: 'POST', url: '/api/live-ticket' })).statusCode).toBe(401);
  });
});

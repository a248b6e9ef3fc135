import type { FastifyInstance } from 'fastify';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildHospital } from './app.js';
import { memoryLogger, PASSWORDS, tempDir, testConfig, type TempDir } from './test-support.js';

async function login(app: FastifyInstance, username: keyof typeof PASSWORDS): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/api/login', payload: { username, password: PASSWORDS[username] } });
  expect(res.statusCode).toBe(200);
  return (res.json<{ token: string }>()).token;
}

describe('hub HTTP API', () => {
  let dir: TempDir;
  let app: FastifyInstance;
  beforeEach(async () => {
    dir = tempDir();
    app = await buildHospital(await testConfig(dir.path), { logger: memoryLogger().logger });
  });
  afterEach(async () => { await app.close(); dir.remove(); });

  it('is not listening after build', () => {
    expect(app.server.listening).toBe(false);
  });

  it('logs in with the right password and answers /api/me', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/login', payload: { username: 'dr.li', password: PASSWORDS['dr.li'] } });
    expect(res.statusCode).toBe(200);
    const body = res.json<{ token: string; user: unknown }>();
    expect(body.user).toEqual({ username: 'dr.li', role: 'specialist' });
    expect(body.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const me = await app.inject({ url: '/api/me', headers: { authorization: `Bearer ${body.token}` } });
    expect(me.json()).toEqual({ username: 'dr.li', role: 'specialist' });
  });

  it('refuses a wrong password and an unknown user alike', async () => {
    for (const payload of [{ username: 'dr.li', password: 'nope' }, { username: 'ghost', password: 'nope' }]) {
      const res = await app.inject({ method: 'POST', url: '/api/login', payload });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ code: 'TM_ERR_LOGIN_FAILED' });
    }
    const bad = await app.inject({ method: 'POST', url: '/api/login', payload: { user: 'x' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'TM_ERR_BAD_REQUEST' });
  });

  it('requires a session for /api routes, and logout ends it', async () => {
    expect((await app.inject({ url: '/api/me' })).statusCode).toBe(401);
    expect((await app.inject({ url: '/api/me', headers: { authorization: 'Bearer not-a-token' } })).json()).toMatchObject({ code: 'TM_ERR_UNAUTHENTICATED' });
    const token = await login(app, 'nurse.wu');
    const auth = { authorization: `Bearer ${token}` };
    expect((await app.inject({ url: '/api/gateways', headers: auth })).json()).toMatchObject([{ id: 'clinic-1', connected: false, framesReceived: 0 }]);
    expect((await app.inject({ method: 'POST', url: '/api/logout', headers: auth })).statusCode).toBe(204);
    expect((await app.inject({ url: '/api/me', headers: auth })).statusCode).toBe(401);
  });

  it('requireRole admits only the listed roles', async () => {
    const { requireRole } = await import('./auth/require-role.js');
    const dir2 = tempDir();
    const app2 = await buildHospital(await testConfig(dir2.path), { logger: memoryLogger().logger });
    try {
      // Routes are added before ready in real plugins; a fresh instance lets this test add one.
      const { default: Fastify } = await import('fastify');
      const probe = Fastify();
      probe.decorateRequest('authUser', null);
      probe.get('/admin-only', { preHandler: requireRole(app2.hospital.sessions, 'admin') }, (req) => ({ user: req.authUser?.username }));
      await probe.ready();
      const admin = await login(app2, 'it.admin');
      const clinician = await login(app2, 'nurse.wu');
      expect((await probe.inject({ url: '/admin-only', headers: { authorization: `Bearer ${admin}` } })).json()).toEqual({ user: 'it.admin' });
      const denied = await probe.inject({ url: '/admin-only', headers: { authorization: `Bearer ${clinician}` } });
      expect(denied.statusCode).toBe(403);
      expect(denied.json()).toMatchObject({ code: 'TM_ERR_FORBIDDEN' });
      await probe.close();
    } finally {
      await app2.close();
      dir2.remove();
    }
  });

  it('expires sessions after the TTL', async () => {
    let nowNs = Date.now() * 1e6;
    const clock = { nowNs: () => nowNs, monoMs: () => nowNs / 1e6 };
    const dir2 = tempDir();
    const app2 = await buildHospital(await testConfig(dir2.path, { sessionTtlMs: 60_000 }), { logger: memoryLogger().logger, clock });
    try {
      const token = await login(app2, 'dr.li');
      nowNs += 59_000 * 1e6;
      expect((await app2.inject({ url: '/api/me', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200);
      nowNs += 2_000 * 1e6;
      expect((await app2.inject({ url: '/api/me', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(401);
    } finally {
      await app2.close();
      dir2.remove();
    }
  });

  it('GET /healthz answers ok with uptime and connected gateways', async () => {
    const res = await app.inject({ url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ok', gatewaysConnected: 0 });
    expect(typeof res.json<{ uptimeS: unknown }>().uptimeS).toBe('number');
  });

  it('GET /metrics exposes the hub metrics in Prometheus text', async () => {
    const res = await app.inject({ url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    const remote = await app.inject({ url: '/metrics', remoteAddress: '10.1.2.3' });
    expect(remote.statusCode).toBe(403);
    for (const name of ['telemed_frame_latency_seconds', 'telemed_frames_total', 'telemed_frames_dropped_total', 'telemed_frames_duplicate_total',
      'telemed_gateways_connected', 'telemed_gateway_auth_failures_total', 'telemed_live_clients', 'telemed_live_dropped_total']) {
      expect(res.body).toContain(`# TYPE ${name} `);
    }
  });

  it('answers / with 503 and a build hint when the console is not built', async () => {
    const res = await app.inject({ url: '/' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ code: 'TM_ERR_DASHBOARDS_NOT_BUILT' });
    expect(res.body).toContain('npm run build');
    expect((await app.inject({ url: '/nope' })).json()).toMatchObject({ code: 'TM_ERR_NOT_FOUND' });
  });

  it('serves the console when it is built', async () => {
    const dist = join(dir.path, 'console');
    mkdirSync(dist);
    writeFileSync(join(dist, 'index.html'), '<!doctype html><title>console</title>');
    const app2 = await buildHospital(await testConfig(join(dir.path, 'second'), { dashboardsDir: dist }), { logger: memoryLogger().logger });
    try {
      const res = await app2.inject({ url: '/' });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('<title>console</title>');
    } finally {
      await app2.close();
    }
  });
});

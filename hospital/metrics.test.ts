import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildHospital } from './app.js';
import { memoryLogger, tempDir, testConfig, type TempDir } from './test-support.js';

/**
 * Issue 12, item 15: "/metrics is loopback only" judged by the socket address is defeated by a
 * reverse proxy on the same host (it connects from 127.0.0.1). The old hub served such requests.
 */
describe('GET /metrics access', () => {
  let dir: TempDir;
  let app: FastifyInstance;
  const TOKEN = 'metrics-token-0123456789';
  afterEach(async () => { await app.close(); dir.remove(); });
  async function build(metrics: Record<string, unknown> = {}): Promise<FastifyInstance> {
    dir = tempDir();
    app = await buildHospital(await testConfig(dir.path, { metrics }), { logger: memoryLogger().logger });
    return app;
  }

  it('without a token: a loopback peer gets it, a request through a proxy on the same host does not', async () => {
    const a = await build();
    expect((await a.inject({ url: '/metrics', remoteAddress: '127.0.0.1' })).statusCode).toBe(200);
    for (const headers of [{ 'x-forwarded-for': '203.0.113.9' }, { forwarded: 'for=203.0.113.9' }]) {
      const res = await a.inject({ url: '/metrics', remoteAddress: '127.0.0.1', headers });
      expect([res.statusCode, res.json<{ code: string }>().code]).toEqual([403, 'TM_ERR_FORBIDDEN']);
    }
    expect((await a.inject({ url: '/metrics', remoteAddress: '198.51.100.7' })).statusCode).toBe(403);
  });

  it('with metrics.token: only the bearer gets it, from any address; the token is never logged', async () => {
    dir = tempDir();
    const mem = memoryLogger();
    app = await buildHospital(await testConfig(dir.path, { metrics: { token: TOKEN } }), { logger: mem.logger });
    expect((await app.inject({ url: '/metrics', remoteAddress: '127.0.0.1' })).statusCode).toBe(401);
    expect((await app.inject({ url: '/metrics', headers: { authorization: 'Bearer wrong-token-0000000000' } })).json()).toMatchObject({ code: 'TM_ERR_UNAUTHENTICATED' });
    const ok = await app.inject({ url: '/metrics', remoteAddress: '198.51.100.7', headers: { authorization: `Bearer ${TOKEN}`, 'x-forwarded-for': '203.0.113.9' } });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain('telemed_frames_total');
    expect(mem.text()).toContain('metrics request without the metrics token refused');
    expect(mem.text()).not.toContain(TOKEN);
  });
});

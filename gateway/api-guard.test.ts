import { afterEach, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import WebSocket from 'ws';
import { systemClock } from '../protocols/index.js';
import { buildGatewayApi } from './app.js';
import { API_UNSAFE_BIND, loadGatewayConfig } from './config.js';
import { GatewayMetrics } from './metrics.js';
import { buildStatus } from './status.js';
import { Uplink } from './uplink/uplink.js';

/**
 * Issue 12, item 9: the clinic PC's local API against other origins. On the old gateway a page of
 * any site could POST discard/send and open /live (browsers send Origin; nothing checked it), and
 * a rebinding DNS name pointing at 127.0.0.1 could read everything.
 */
const TOKEN = 'install-token-0123456789abcdef';
let app: FastifyInstance | undefined;
const lines: string[] = [];
afterEach(async () => { await app?.close(); app = undefined; lines.length = 0; });

async function build(api: Record<string, unknown> = {}): Promise<FastifyInstance> {
  const config = loadGatewayConfig({ gatewayId: 'clinic-7', hub: { url: 'ws://127.0.0.1:1/uplink', credential: 'c' }, dashboardsDir: '/nonexistent/telemed-site', api: { token: TOKEN, ...api } });
  const logger = pino({ level: 'info' }, new Writable({ write(c: Buffer, _e, cb) { lines.push(c.toString()); cb(); } }));
  const metrics = new GatewayMetrics(() => 0);
  const uplink = new Uplink(config, { clock: systemClock, logger, hooks: metrics.hooks() });
  app = await buildGatewayApi(config, {
    logger, metrics, status: () => buildStatus(config, uplink, () => []), onLinkChange: () => () => undefined,
    ecg: { routes: (a) => { a.post('/api/ecg/records/:id/discard', () => ({ ok: true })); return Promise.resolve(); }, onChange: () => () => undefined },
  });
  return app;
}

describe('gateway local API guard', () => {
  it('refuses a cross-site POST (CSRF) and a POST without the install token; the page\'s own request passes', async () => {
    const a = await build();
    const url = '/api/ecg/records/r1/discard';
    const cross = await a.inject({ method: 'POST', url, headers: { host: '127.0.0.1:8090', origin: 'https://evil.example', 'x-telemed-token': TOKEN } });
    expect([cross.statusCode, cross.json<{ code: string }>().code]).toEqual([403, 'TM_ERR_ORIGIN_NOT_ALLOWED']);
    const fetchMeta = await a.inject({ method: 'POST', url, headers: { host: '127.0.0.1:8090', 'sec-fetch-site': 'cross-site', 'x-telemed-token': TOKEN } });
    expect(fetchMeta.statusCode).toBe(403);
    // A simple form POST from another site may carry no Origin (old browsers, some redirects): the token stops it.
    const noToken = await a.inject({ method: 'POST', url, headers: { host: '127.0.0.1:8090' } });
    expect([noToken.statusCode, noToken.json<{ code: string }>().code]).toEqual([403, 'TM_ERR_API_TOKEN_REQUIRED']);
    const wrong = await a.inject({ method: 'POST', url, headers: { host: '127.0.0.1:8090', 'x-telemed-token': 'x'.repeat(30) } });
    expect(wrong.statusCode).toBe(403);
    // The page: same origin, token read from /api/token.
    const t = (await a.inject({ url: '/api/token', headers: { host: '127.0.0.1:8090' } })).json<{ token: string; header: string }>();
    expect(t).toEqual({ token: TOKEN, header: 'x-telemed-token' });
    const ok = await a.inject({ method: 'POST', url, headers: { host: '127.0.0.1:8090', origin: 'http://127.0.0.1:8090', [t.header]: t.token } });
    expect(ok.statusCode).toBe(200);
    const refusals = lines.filter((l) => l.includes('local API request refused'));
    expect(refusals.length).toBe(4);
    expect(refusals.join('')).not.toContain(TOKEN);
  });

  it('refuses a rebinding Host (evil name resolving to 127.0.0.1) on every route, /api/token included', async () => {
    const a = await build();
    for (const url of ['/api/status', '/api/token', '/healthz', '/']) {
      const res = await a.inject({ url, headers: { host: 'rebind.evil.example:8090' } });
      expect([url, res.statusCode, res.json<{ code: string }>().code]).toEqual([url, 403, 'TM_ERR_HOST_NOT_ALLOWED']);
    }
    // A configured clinic-PC name is allowed.
    await app?.close();
    const b = await build({ allowedHosts: ['clinic-pc.local'] });
    expect((await b.inject({ url: '/api/status', headers: { host: 'clinic-pc.local:8090' } })).statusCode).toBe(200);
  });

  it('refuses a cross-origin WebSocket to /live before the upgrade; the page\'s origin connects', async () => {
    const a = await build();
    await a.listen({ host: '127.0.0.1', port: 0 });
    const port = (a.server.address() as AddressInfo).port;
    const attempt = (origin: string) => new Promise<number>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/live`, { origin });
      ws.on('error', () => undefined);
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('open', () => { ws.terminate(); resolve(101); });
    });
    expect(await attempt('https://evil.example')).toBe(403);
    expect(await attempt(`http://127.0.0.1:${port}`)).toBe(101);
  });

  it('will not listen off loopback without auth (TM_ERR_CONFIG naming TM_ERR_API_UNSAFE_BIND); remoteAuth needs the token on reads too', async () => {
    const base = { gatewayId: 'g', hub: { url: 'ws://127.0.0.1:1/uplink', credential: 'c' } };
    expect(() => loadGatewayConfig({ ...base, host: '0.0.0.0' })).toThrow(new RegExp(API_UNSAFE_BIND));
    expect(() => loadGatewayConfig({ ...base, host: '0.0.0.0', api: { remoteAuth: true } })).toThrow(/api\.remoteAuth needs a configured token/);
    // Issue 12 item 6: the local API has no TLS, so off loopback it also needs allowInsecure (a TLS proxy in front).
    expect(() => loadGatewayConfig({ ...base, host: '0.0.0.0', api: { remoteAuth: true, token: TOKEN } })).toThrow(/TM_ERR_INSECURE_BIND/);
    expect(loadGatewayConfig({ ...base, host: '0.0.0.0', api: { remoteAuth: true, token: TOKEN, allowInsecure: true } }).api.remoteAuth).toBe(true);
    const a = await build({ remoteAuth: true });
    expect((await a.inject({ url: '/api/status', headers: { host: '127.0.0.1' } })).statusCode).toBe(403);
    expect((await a.inject({ url: '/api/token', headers: { host: '127.0.0.1', 'x-telemed-token': TOKEN } })).statusCode).toBe(403);
    expect((await a.inject({ url: '/api/status', headers: { host: '127.0.0.1', 'x-telemed-token': TOKEN } })).statusCode).toBe(200);
  });
});

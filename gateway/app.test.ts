import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { systemClock, TrafficClass } from '../protocols/index.js';
import { buildGatewayApi, defaultDashboardsDir } from './app.js';
import { loadGatewayConfig } from './config.js';
import { GatewayMetrics } from './metrics.js';
import { buildStatus } from './status.js';
import { Uplink } from './uplink/uplink.js';

const logger = pino({ level: 'silent' });
let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function build(extra: Record<string, unknown> = {}): Promise<{ app: FastifyInstance; uplink: Uplink }> {
  const config = loadGatewayConfig({ gatewayId: 'amb-7', siteKind: 'ambulance', siteName: 'Ambulance 7', hub: { url: 'ws://127.0.0.1:1/uplink', credential: 'c' }, dashboardsDir: '/nonexistent/telemed-site', ...extra });
  let outboxBytes = (): number => 0;
  const metrics = new GatewayMetrics(() => outboxBytes());
  const uplink: Uplink = new Uplink(config, { clock: systemClock, logger, hooks: metrics.hooks() });
  outboxBytes = () => uplink.outbox.bytes;
  app = await buildGatewayApi(config, {
    logger, metrics,
    status: () => buildStatus(config, uplink, () => [{ id: 'cart-1', kind: 'ecg-cart', state: 'running' }]),
    onLinkChange: () => () => undefined,
  });
  return { app, uplink };
}

describe('gateway API', () => {
  it('GET /healthz is 200 and degraded while the hub is unreachable', async () => {
    const { app } = await build();
    const res = await app.inject('/healthz');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'degraded', link: 'idle' });
  });

  it('GET /api/status has the contract shape', async () => {
    const { app, uplink } = await build();
    uplink.publish({ streamId: 'sim-1/vitals', trafficClass: TrafficClass.TRAFFIC_CLASS_VITALS, durable: true, captureTimeNs: 1, payload: { vitals: { numerics: [] } } });
    const body = (await app.inject('/api/status')).json();
    expect(body).toMatchObject({
      gatewayId: 'amb-7', siteKind: 'ambulance', siteName: 'Ambulance 7',
      link: { state: 'idle', connectedAt: null, reconnects: 0, rttMs: null, clockOffsetMs: null },
      devices: [{ id: 'cart-1', kind: 'ecg-cart', state: 'running' }],
    });
    expect(Object.keys(body.classes as object)).toEqual(['control', 'alarm', 'vitals', 'waveform', 'video', 'bulk']);
    expect(body.classes.vitals).toEqual({ sent: 0, dropped: 0, queued: 0, acked: 0 });
  });

  it('GET /metrics exports the gateway metrics, including drops by class and reason', async () => {
    const { app, uplink } = await build();
    uplink.publish({ streamId: 'sim-1/ecg-ii', trafficClass: TrafficClass.TRAFFIC_CLASS_WAVEFORM, durable: false, captureTimeNs: 1, payload: { waveform: { samples: [1, 2] } } });
    uplink.publish({ streamId: 'sim-1/vitals', trafficClass: TrafficClass.TRAFFIC_CLASS_VITALS, durable: true, captureTimeNs: 1, payload: { vitals: { numerics: [] } } });
    const res = await app.inject('/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    const text = res.body;
    expect(text).toContain('telemed_gateway_frames_dropped_total{class="waveform",reason="link_down"} 1');
    expect(text).toMatch(/telemed_gateway_outbox_bytes [1-9]\d*/);
    for (const name of ['telemed_gateway_frames_sent_total', 'telemed_gateway_link_state 0', 'telemed_gateway_reconnects_total 0', 'telemed_gateway_rtt_seconds']) {
      expect(text).toContain(name);
    }
  });

  it('answers 503 with a hint when the clinic page is not built', async () => {
    const { app } = await build();
    const res = await app.inject('/');
    expect(res.statusCode).toBe(503);
    expect(res.body).toContain('run npm run build');
  });

  it('serves the clinic page when it is built', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tm-site-'));
    writeFileSync(join(dir, 'index.html'), '<h1>clinic</h1>');
    const { app } = await build({ dashboardsDir: dir });
    const res = await app.inject('/');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<h1>clinic</h1>');
  });

  it('defaults the page dir to <repo>/dist/dashboards/site', () => {
    expect(defaultDashboardsDir()).toBe(join(process.cwd(), 'dist', 'dashboards', 'site'));
  });
});

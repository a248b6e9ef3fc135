import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import fastifyWebsocket from '@fastify/websocket';
import fastifyStatic from '@fastify/static';
import { apiGuard, installToken } from './api-guard.js';
import { broadcast, type LiveSocket } from './live.js';
import type { Logger } from 'pino';
import type { GatewayConfig } from './config.js';
import type { GatewayMetrics } from './metrics.js';
import type { GatewayStatus } from './status.js';

export interface GatewayApiDeps {
  readonly logger: Logger;
  readonly metrics: GatewayMetrics;
  /** Current status snapshot. */
  readonly status: () => GatewayStatus;
  /** Subscribes to link state changes; returns the unsubscribe function. */
  readonly onLinkChange: (listener: () => void) => () => void;
  /** /live push period, ms. Default 500. */
  readonly livePeriodMs?: number;
  /** Per-install token of the local API; default: api.token or `<dataDir>/api-token` (api-guard.ts). */
  readonly apiToken?: string;
  /** The ECG workflow's routes, and its record changes pushed on /live as `{ type: 'ecg', record }`. */
  readonly ecg?: {
    readonly routes: (app: FastifyInstance) => Promise<void>;
    readonly onChange: (listener: (record: unknown) => void) => () => void;
  };
  /**
   * The vitals pipeline (gateway/vitals): a snapshot sent to each new /live client (and served at
   * GET /api/vitals), then its numerics, waveform and alarm messages as they happen.
   */
  readonly vitals?: {
    readonly snapshot: () => object;
    readonly onLive: (listener: (msg: object) => void) => () => void;
  };
  /** The ultrasound arms (gateway/arm/api.ts): routes, and `{ type: 'arm', arm }` on /live (sent on connect too). */
  readonly arm?: {
    readonly routes: (app: FastifyInstance) => Promise<void>;
    readonly onChange: (listener: (msg: object) => void) => () => void;
    readonly snapshot: () => readonly object[];
  };
}

/** <repo>/dist/dashboards/site, whether this file runs from source or from dist/. */
export function defaultDashboardsDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const up = dirname(here);
  const repo = basename(up) === 'dist' ? dirname(up) : up;
  return join(repo, 'dist', 'dashboards', 'site');
}

/**
 * The gateway's local API and clinic page (docs/CONTRACTS.md "Gateway local API"). Returns a
 * server that is not listening; startGateway() listens.
 */
export async function buildGatewayApi(config: GatewayConfig, deps: GatewayApiDeps): Promise<FastifyInstance> {
  const loggerInstance: FastifyBaseLogger = deps.logger.child({ component: 'api' });
  const app = Fastify({ loggerInstance });
  await app.register(fastifyWebsocket, { options: { perMessageDeflate: false, maxPayload: 4096 } });
  // Host, Origin and install-token checks before every route, the page and /live included.
  apiGuard(config, deps.apiToken ?? installToken(config))(app);

  app.get('/healthz', () => {
    const link = deps.status().link.state;
    // 200 even when the hub is unreachable: the gateway itself is up, just degraded.
    return { status: link === 'ready' ? 'ok' : 'degraded', link };
  });

  app.get('/metrics', async (_req, reply) => {
    const body = await deps.metrics.registry.metrics();
    return reply.type(deps.metrics.registry.contentType).send(body);
  });

  app.get('/api/status', () => deps.status());
  if (deps.vitals) {
    const vitals = deps.vitals;
    app.get('/api/vitals', () => vitals.snapshot());
  }

  registerLive(app, config, deps);
  if (deps.ecg) await app.register(deps.ecg.routes);
  if (deps.arm) await app.register(deps.arm.routes);
  await registerDashboards(app, config);
  return app;
}

function registerLive(app: FastifyInstance, config: GatewayConfig, deps: GatewayApiDeps): void {
  const clients = new Set<LiveSocket>();
  const push = (): void => {
    if (clients.size === 0) return;
    const dropped = broadcast(clients, JSON.stringify({ type: 'status', status: deps.status() }), config.live.maxBufferedBytes);
    if (dropped > 0) app.log.info({ dropped }, 'slow /live clients dropped');
  };
  const timer = setInterval(push, deps.livePeriodMs ?? 500);
  timer.unref();
  const unsubscribe = deps.onLinkChange(push);
  const unsubscribeEcg = deps.ecg?.onChange((record) => {
    if (clients.size === 0) return;
    const dropped = broadcast(clients, JSON.stringify({ type: 'ecg', record }), config.live.maxBufferedBytes);
    if (dropped > 0) app.log.info({ dropped }, 'slow /live clients dropped');
  });
  const unsubscribeArm = deps.arm?.onChange((msg) => {
    if (clients.size === 0) return;
    const dropped = broadcast(clients, JSON.stringify(msg), config.live.maxBufferedBytes);
    if (dropped > 0) app.log.info({ dropped }, 'slow /live clients dropped');
  });
  // Subscribed only while a page is connected, so the vitals hot path builds no page messages
  // otherwise; each is stringified once (waveforms: tens a second).
  let unsubscribeVitals: (() => void) | undefined;
  const vitalsFollow = (): void => {
    if (clients.size > 0 && unsubscribeVitals === undefined) {
      unsubscribeVitals = deps.vitals?.onLive((msg) => {
        const dropped = broadcast(clients, JSON.stringify(msg), config.live.maxBufferedBytes);
        if (dropped > 0) app.log.info({ dropped }, 'slow /live clients dropped');
        if (clients.size === 0) vitalsFollow();
      });
    } else if (clients.size === 0 && unsubscribeVitals !== undefined) {
      unsubscribeVitals();
      unsubscribeVitals = undefined;
    }
  };
  app.addHook('onClose', () => {
    clearInterval(timer);
    unsubscribe();
    unsubscribeEcg?.();
    unsubscribeArm?.();
    unsubscribeVitals?.();
    for (const ws of clients) ws.terminate();
    clients.clear();
  });

  app.get('/live', { websocket: true }, (socket) => {
    clients.add(socket);
    vitalsFollow();
    const gone = (): void => {
      clients.delete(socket);
      vitalsFollow();
    };
    socket.on('close', gone);
    socket.on('error', gone);
    socket.send(JSON.stringify({ type: 'status', status: deps.status() }));
    if (deps.vitals) socket.send(JSON.stringify(deps.vitals.snapshot()));
    for (const arm of deps.arm?.snapshot() ?? []) socket.send(JSON.stringify({ type: 'arm', arm }));
  });
}

async function registerDashboards(app: FastifyInstance, config: GatewayConfig): Promise<void> {
  const dir = resolve(config.dashboardsDir ?? defaultDashboardsDir());
  if (existsSync(dir)) {
    await app.register(fastifyStatic, { root: dir, prefix: '/' });
    return;
  }
  app.log.info({ dir }, 'clinic page not built; run npm run build');
  const notBuilt = { code: 'TM_ERR_DASHBOARDS_NOT_BUILT', message: `clinic page not built (${dir} missing): run npm run build` };
  app.get('/', (_req, reply) => reply.code(503).send(notBuilt));
  app.get('/*', (_req, reply) => reply.code(503).send(notBuilt));
}

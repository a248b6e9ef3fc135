import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import { HospitalErrorCode } from './errors.js';

/** Drop reasons used in `telemed_frames_dropped_total{reason}`. */
export type DropReason = 'decode' | 'text' | 'overflow' | 'unknown-payload' | 'gateway-mismatch';

/** The hub's Prometheus metrics, on their own registry (never the global one). */
export interface HospitalMetrics {
  readonly registry: Registry;
  /** One-way latency hub receive − (capture + clock offset), seconds, label `class`. */
  readonly frameLatency: Histogram<'class'>;
  readonly frames: Counter<'class'>;
  readonly framesDropped: Counter<'class' | 'reason'>;
  readonly framesDuplicate: Counter<'class'>;
  readonly gatewaysConnected: Gauge;
  readonly gatewayAuthFailures: Counter;
  readonly liveClients: Gauge;
  readonly liveDropped: Counter;
}

/** Buckets from 1 ms (a LAN control frame) to 120 s (the BULK budget), roughly ×2 apart. */
export const LATENCY_BUCKETS_S: readonly number[] = [
  0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120,
];

export function createMetrics(): HospitalMetrics {
  const registry = new Registry();
  const registers = [registry];
  return {
    registry,
    frameLatency: new Histogram({
      name: 'telemed_frame_latency_seconds', help: 'One-way frame latency, gateway capture to hub receive, clock-offset corrected',
      labelNames: ['class'], buckets: [...LATENCY_BUCKETS_S], registers,
    }),
    frames: new Counter({ name: 'telemed_frames_total', help: 'Data frames received from gateways', labelNames: ['class'], registers }),
    framesDropped: new Counter({ name: 'telemed_frames_dropped_total', help: 'Frames dropped by the hub', labelNames: ['class', 'reason'], registers }),
    framesDuplicate: new Counter({ name: 'telemed_frames_duplicate_total', help: 'Durable frames received again after being stored', labelNames: ['class'], registers }),
    gatewaysConnected: new Gauge({ name: 'telemed_gateways_connected', help: 'Gateways with an authenticated uplink session', registers }),
    gatewayAuthFailures: new Counter({ name: 'telemed_gateway_auth_failures_total', help: 'Refused gateway Hellos', registers }),
    liveClients: new Gauge({ name: 'telemed_live_clients', help: 'Open /live dashboard sockets', registers }),
    liveDropped: new Counter({ name: 'telemed_live_dropped_total', help: '/live sockets closed for being too slow', registers }),
  };
}

/** True for 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopback(ip: string): boolean {
  const v4 = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  return v4.startsWith('127.') || ip === '::1';
}

/**
 * GET /metrics: Prometheus text of the hub's own registry. Loopback only (docs/CONTRACTS.md): a
 * remote scraper goes through a local agent or proxy, so fleet figures are not public.
 */
export function metricsPlugin(metrics: HospitalMetrics) {
  return function metricsRoutes(app: FastifyInstance): Promise<void> {
    app.get('/metrics', async (req, reply) => {
      if (!isLoopback(req.socket.remoteAddress ?? '')) {
        req.log.info('metrics request from outside loopback refused');
        return reply.code(403).send({ code: HospitalErrorCode.FORBIDDEN, message: '/metrics is served on loopback only' });
      }
      const text = await metrics.registry.metrics();
      return reply.type(metrics.registry.contentType).send(text);
    });
    return Promise.resolve();
  };
}

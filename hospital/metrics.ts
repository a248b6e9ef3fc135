import { createHash, timingSafeEqual } from 'node:crypto';
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
  /** /uplink sockets refused before authentication, label `reason` (a TM_ERR_* code). */
  readonly uplinkRefused: Counter<'reason'>;
  /** Gateway Hellos waiting for, or in, a credential check. */
  readonly helloChecks: Gauge<'state'>;
  /** Logins refused, label `reason` (TM_ERR_LOGIN_FAILED or TM_ERR_LOGIN_THROTTLED). */
  readonly loginRefused: Counter<'reason'>;
  /** Streams found behind a gateway's Hello (TM_ERR_HUB_ROLLBACK), label `direction` (uplink|downlink). */
  readonly hubRollbacks: Counter<'direction'>;
  /** Durable frames stored as rejected and acked (TM_ERR_FRAME_REJECTED), label `code` (the wire error). */
  readonly framesRejected: Counter<'code'>;
  /** Failed TLS handshakes and untrusted client certificates, label `reason` (tls.ts TlsFailureReason). */
  readonly tlsFailures: Counter<'reason'>;
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
    hubRollbacks: new Counter({ name: 'telemed_hub_rollbacks_total', help: 'Streams whose hub state was found behind a gateway (restored backup, lost WAL)', labelNames: ['direction'], registers }),
    framesRejected: new Counter({ name: 'telemed_frames_rejected_total', help: 'Durable frames kept as rejected (body past the wire limits) and acked', labelNames: ['code'], registers }),
    uplinkRefused: new Counter({ name: 'telemed_uplink_refused_total', help: '/uplink sockets refused before authentication', labelNames: ['reason'], registers }),
    helloChecks: new Gauge({ name: 'telemed_hello_checks', help: 'Gateway Hellos in or waiting for a credential check', labelNames: ['state'], registers }),
    loginRefused: new Counter({ name: 'telemed_login_refused_total', help: 'Console logins refused', labelNames: ['reason'], registers }),
    tlsFailures: new Counter({ name: 'telemed_tls_failures_total', help: 'TLS handshakes that failed, or presented a client certificate the CA does not vouch for', labelNames: ['reason'], registers }),
  };
}

/** True for 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopback(ip: string): boolean {
  const v4 = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  return v4.startsWith('127.') || ip === '::1';
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/**
 * GET /metrics: Prometheus text of the hub's own registry (docs/CONTRACTS.md). With `token` set,
 * only `Authorization: Bearer TOKEN` gets it, from anywhere (compared in constant time). Without,
 * only a loopback peer that is not a proxy: a reverse proxy on the same host connects from
 * loopback too, but it adds Forwarded / X-Forwarded-For (RFC 7239), and such requests are refused.
 */
export function metricsPlugin(metrics: HospitalMetrics, token: string | null = null) {
  const want = token === null ? null : digest(token);
  return function metricsRoutes(app: FastifyInstance): Promise<void> {
    app.get('/metrics', async (req, reply) => {
      if (want !== null) {
        const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
        if (m?.[1] === undefined || !timingSafeEqual(digest(m[1]), want)) {
          req.log.info({ code: HospitalErrorCode.UNAUTHENTICATED }, 'metrics request without the metrics token refused');
          return reply.code(401).send({ code: HospitalErrorCode.UNAUTHENTICATED, message: '/metrics needs Authorization: Bearer <metrics.token>' });
        }
      } else if (!isLoopback(req.socket.remoteAddress ?? '') || req.headers.forwarded !== undefined || req.headers['x-forwarded-for'] !== undefined) {
        req.log.info({ code: HospitalErrorCode.FORBIDDEN }, 'metrics request from outside loopback or through a proxy refused');
        return reply.code(403).send({ code: HospitalErrorCode.FORBIDDEN, message: '/metrics is served to loopback peers only, never through a proxy; set metrics.token to scrape from elsewhere' });
      }
      const text = await metrics.registry.metrics();
      return reply.type(metrics.registry.contentType).send(text);
    });
    return Promise.resolve();
  };
}

import { randomBytes } from 'node:crypto';
import fastifyWebsocket from '@fastify/websocket';
import type { IncomingMessage, ServerResponse } from 'node:http';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type RawServerDefault } from 'fastify';
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../protocols/index.js';
import { AccessPolicy } from './auth/access.js';
import { LiveTickets } from './auth/live-tickets.js';
import { LoginThrottle } from './auth/login-throttle.js';
import { hashSecret } from './auth/password.js';
import { authPlugin } from './auth/plugin.js';
import { SessionManager, UserDirectory } from './auth/sessions.js';
import type { HospitalConfig } from './config.js';
import { ecgExportPlugin } from './ecg/export-plugin.js';
import { ecgPlugin } from './ecg/plugin.js';
import { createEcgReading } from './ecg/reading-plugin.js';
import { HospitalErrorCode } from './errors.js';
import { healthPlugin } from './health.js';
import { LiveHub } from './live/live-hub.js';
import { livePlugin } from './live/plugin.js';
import { hospitalLogger } from './logger.js';
import { createMetrics, metricsPlugin, type HospitalMetrics } from './metrics.js';
import { securityHeaders } from './security-headers.js';
import { staticPlugin, resolveDashboardsDir } from './static.js';
import { teleopPlugin } from './teleop/plugin.js';
import type { RecordsStore } from './store/records-store.js';
import { SqliteRecordsStore } from './store/sqlite-store.js';
import { hubTlsOptions, watchTlsFailures } from './tls.js';
import type { TimeseriesWriter } from './timeseries/timeseries.js';
import { uplinkPlugin } from './uplink/plugin.js';
import { GatewayRegistry } from './uplink/registry.js';
import { ambulancePlugin } from './vitals/ambulance-plugin.js';
import { fhirPlugin } from './vitals/fhir-plugin.js';
import { openVitals } from './vitals/services.js';

/** Injected collaborators of the hub; every one has a production default. */
export interface HospitalDeps {
  /** Parent logger; the hub logs through a redacting child of it. Default: a new pino. */
  readonly logger?: Logger;
  /** Default: systemClock. */
  readonly clock?: Clock;
  /** Default: SqliteRecordsStore in `config.dataDir`. Closed by the hub either way. */
  readonly store?: RecordsStore;
  /** Default: the InfluxDB writer when `config.influx` is set (timeseries/influx-writer.ts), else the no-op one. */
  readonly timeseries?: TimeseriesWriter;
}

/** Shared infrastructure of a built hub, for the process entry, tests and later plugins. */
export interface HospitalServices {
  readonly config: HospitalConfig;
  readonly store: RecordsStore;
  readonly registry: GatewayRegistry;
  readonly live: LiveHub;
  readonly metrics: HospitalMetrics;
  readonly sessions: SessionManager;
  /** Clinic isolation: the one access check every route serving gateway data calls. */
  readonly access: AccessPolicy;
  readonly clock: Clock;
}

declare module 'fastify' {
  interface FastifyInstance {
    hospital: HospitalServices;
  }
}

/** Builds the hub (docs/CONTRACTS.md). The returned server is ready but NOT listening. */
export async function buildHospital(config: HospitalConfig, deps: HospitalDeps = {}): Promise<FastifyInstance> {
  const log = hospitalLogger(deps.logger);
  const clock = deps.clock ?? systemClock;
  const store = deps.store ?? new SqliteRecordsStore(config.dataDir);
  const metrics = createMetrics();
  const registry = new GatewayRegistry(config.gateways.map((g) => g.id), metrics, clock, log.child({ component: 'registry' }), config.live.gatewayUpdateMs,
    { outbox: store.downlink, maxFrameBytes: config.limits.maxFrameBytes });
  const access = new AccessPolicy(config.gateways);
  // Trends, FHIR and the InfluxDB writer read records.db back (hospital/vitals, hospital/timeseries).
  const vitals = openVitals(config, { metrics, access, clock, log, timeseries: deps.timeseries });
  const timeseries = vitals.timeseries;
  const live = new LiveHub(config.live.maxBufferedBytes, config.live.maxClients, metrics, log.child({ component: 'live' }), access);
  // Unknown users and gateways are checked against this so that a miss costs as much as a hit.
  const dummyHash = await hashSecret(randomBytes(16).toString('hex'));
  const sessions = new SessionManager(store, clock, config.sessionTtlMs, dummyHash, new UserDirectory(config.users));
  const nowMs = (): number => Math.floor(clock.nowNs() / 1e6);
  const tickets = new LiveTickets(config.auth.liveTicketTtlMs, nowMs);
  const throttle = new LoginThrottle(config.auth.throttle, () => clock.monoMs());

  const https = hubTlsOptions(config);
  const app: FastifyInstance = https === null
    ? Fastify<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger>({ loggerInstance: log, return503OnClosing: true })
    // The plugins only see fastify's request/reply API, the same over HTTPS; the raw server type differs.
    : Fastify({ loggerInstance: log, return503OnClosing: true, https }) as unknown as FastifyInstance;
  securityHeaders(app, https !== null);
  if (https !== null) watchTlsFailures(app.server, { counter: metrics.tlsFailures, log: log.child({ component: 'tls' }), monoMs: () => clock.monoMs() });
  app.decorate('hospital', { config, store, registry, live, metrics, sessions, access, clock });
  app.decorateRequest('authUser', null);
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err.validation !== undefined || (err.statusCode !== undefined && err.statusCode < 500)) {
      req.log.info({ code: err.code }, 'bad request');
      return reply.code(err.statusCode ?? 400).send({ code: HospitalErrorCode.BAD_REQUEST, message: err.message });
    }
    req.log.error({ err }, 'request failed');
    return reply.code(500).send({ code: HospitalErrorCode.INTERNAL, message: 'internal error' });
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ code: HospitalErrorCode.NOT_FOUND, message: `no route ${req.method} ${req.url.split('?')[0] ?? ''}` }));
  // Store last: onClose hooks run in registration order, and sessions flush into the store.
  app.addHook('onClose', async () => {
    await vitals.close();
    await store.close();
  });

  // Oversized frames up to twice the limit reach the decoder (counted and skipped); beyond that
  // ws closes the socket (1009) before buffering them.
  await app.register(fastifyWebsocket, { options: { maxPayload: config.limits.maxFrameBytes * 2 + 1024 } });
  await app.register(metricsPlugin(metrics, config.metrics.token));
  await app.register(healthPlugin(registry, clock));
  await app.register(authPlugin({ config, store, sessions, throttle, tickets, metrics, log }));
  await app.register(uplinkPlugin({
    sessions, access,
    ctx: { config, store, registry, metrics, clock, timeseries, dummyHash, log: log.child({ component: 'uplink' }) },
  }));
  await app.register(livePlugin({ hub: live, registry, sessions, tickets, access, recheckMs: config.auth.liveRecheckMs, nowMs }));
  const reading = createEcgReading({ store: store.ecg, registry, live, sessions, access, metrics, clock, ecg: config.ecg, dataDir: config.dataDir, downlink: store.downlink, log: log.child({ component: 'ecg-reading' }) });
  await app.register(ecgPlugin({ store: store.ecg, registry, live, sessions, access, metrics, clock, log: log.child({ component: 'ecg' }), events: reading.events }));
  await app.register(reading.plugin);
  await app.register(ecgExportPlugin({ store: store.ecg, sessions, access, metrics, onRefused: reading.events.refused }));
  await app.register(ambulancePlugin({ reader: vitals.reader, db: vitals.db, registry, live, sessions, access, metrics, clock, log: log.child({ component: 'ambulances' }) }));
  await app.register(fhirPlugin({ reader: vitals.reader, sessions, access, gatewayIds: config.gateways.map((g) => g.id), registry: metrics.registry }));
  await app.register(teleopPlugin({ registry, sessions, tickets, access, audit: store.armAudit, metrics, clock, log: log.child({ component: 'teleop' }), leaseTtlMs: config.teleop.leaseTtlMs, maxBufferedBytes: config.teleop.maxBufferedBytes }));
  await app.register(staticPlugin(resolveDashboardsDir(config.dashboardsDir)));
  await app.ready();
  return app;
}

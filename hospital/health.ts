import type { FastifyInstance } from 'fastify';
import type { Clock } from '../protocols/index.js';
import type { GatewayRegistry } from './uplink/registry.js';

/** GET /healthz (docs/CONTRACTS.md): 503 "starting" until the app is ready, then 200 "ok". */
export function healthPlugin(registry: GatewayRegistry, clock: Clock) {
  return function healthRoutes(app: FastifyInstance): Promise<void> {
    const startedMono = clock.monoMs();
    let ready = false;
    app.addHook('onReady', (done) => { ready = true; done(); });
    app.addHook('preClose', (done) => { ready = false; done(); });
    app.get('/healthz', (_req, reply) => {
      const body = { uptimeS: Math.round((clock.monoMs() - startedMono) / 1000), gatewaysConnected: registry.connectedCount() };
      if (!ready) return reply.code(503).send({ status: 'starting', ...body });
      return reply.send({ status: 'ok', ...body });
    });
    return Promise.resolve();
  };
}

import type { FastifyInstance } from 'fastify';
import type { SessionManager } from '../auth/sessions.js';
import { HospitalErrorCode } from '../errors.js';
import type { GatewayRegistry } from '../uplink/registry.js';
import type { LiveHub } from './live-hub.js';
import { liveMessageFor } from './messages.js';

export interface LivePluginOptions {
  readonly hub: LiveHub;
  readonly registry: GatewayRegistry;
  readonly sessions: SessionManager;
}

/** WS /live?token=TOKEN for dashboards of any role: snapshot, gateway updates, vitals, alarms. */
export function livePlugin(opts: LivePluginOptions) {
  return function liveRoutes(app: FastifyInstance): Promise<void> {
    const { hub, registry, sessions } = opts;
    const offGateway = registry.onGatewayUpdate((gateway) => hub.broadcast({ type: 'gateway', gateway }));
    const offFrame = registry.onFrame((gatewayId, env) => {
      // Building the message costs more than the rest of a realtime frame's path: skip it when
      // no dashboard is watching.
      if (hub.size === 0) return;
      const msg = liveMessageFor(gatewayId, env);
      if (msg !== undefined) hub.broadcast(msg);
    });
    app.addHook('onClose', (_app, done) => {
      offGateway();
      offFrame();
      hub.close();
      done();
    });

    app.get<{ Querystring: { token?: string } }>('/live', {
      websocket: true,
      // Refused before the upgrade, so a browser sees a plain 401 and no socket is opened.
      preValidation: async (req, reply) => {
        const token = typeof req.query.token === 'string' ? req.query.token : '';
        const user = await sessions.authenticate(token);
        if (user === undefined) {
          req.log.info('live socket without a valid session');
          return reply.code(401).send({ code: HospitalErrorCode.UNAUTHENTICATED, message: 'log in first (/live?token=TOKEN)' });
        }
        req.authUser = user;
      },
    }, (socket, req) => {
      if (!hub.add(socket)) {
        req.log.info('too many /live clients; refusing');
        socket.close(1013, 'TM_ERR_TOO_MANY_CLIENTS');
        return;
      }
      socket.on('close', () => hub.remove(socket));
      socket.on('error', (err) => req.log.info({ err }, 'live socket error'));
      // Browsers send nothing we act on; anything they send is ignored.
      hub.send(socket, { type: 'snapshot', gateways: registry.views() });
    });
    return Promise.resolve();
  };
}

import type { FastifyInstance } from 'fastify';
import type { SessionManager } from '../auth/sessions.js';
import { requireRole } from '../auth/require-role.js';
import { UplinkSession, type UplinkContext } from './session.js';

/** The subprotocol a gateway offers (SESSION.md); accepted but not required. */
export const UPLINK_SUBPROTOCOL = 'telemed.v1';

export interface UplinkPluginOptions {
  readonly ctx: UplinkContext;
  readonly sessions: SessionManager;
}

/** WS /uplink for gateways, and GET /api/gateways for dashboards. */
export function uplinkPlugin(opts: UplinkPluginOptions) {
  return function uplinkRoutes(app: FastifyInstance): Promise<void> {
    const { ctx } = opts;
    app.addHook('preClose', (done) => { ctx.registry.close(); done(); });

    app.get('/uplink', { websocket: true }, (socket, req) => {
      req.log.debug('uplink connection');
      new UplinkSession(socket, { ...ctx, log: ctx.log.child({ remote: req.ip }) });
    });

    app.get('/api/gateways', { preHandler: requireRole(opts.sessions) }, () => ctx.registry.views());
    return Promise.resolve();
  };
}

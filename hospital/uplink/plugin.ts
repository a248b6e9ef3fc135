import type { FastifyInstance } from 'fastify';
import type { SessionManager } from '../auth/sessions.js';
import { requireRole } from '../auth/require-role.js';
import { CloseCode, HospitalErrorCode } from '../errors.js';
import { UplinkSession, type UplinkContext } from './session.js';

/** Longest shutdown waits for sessions to store their last frames, ms. */
const SHUTDOWN_DRAIN_MS = 3000;

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
    const sessions = new Set<UplinkSession>();
    app.addHook('preClose', (done) => { ctx.registry.close(); done(); });
    // Sessions store what they already received before the store is closed (root onClose runs
    // after this one); bounded so a stuck peer cannot hold shutdown.
    app.addHook('onClose', async () => {
      for (const s of sessions) s.close(CloseCode.GOING_AWAY, HospitalErrorCode.SHUTTING_DOWN, 'hub shutting down');
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => { timer = setTimeout(resolve, SHUTDOWN_DRAIN_MS); });
      await Promise.race([Promise.all([...sessions].map((s) => s.finished)), timeout]);
      clearTimeout(timer);
    });

    app.get('/uplink', { websocket: true }, (socket, req) => {
      req.log.debug('uplink connection');
      const session = new UplinkSession(socket, { ...ctx, log: ctx.log.child({ remote: req.ip }) });
      sessions.add(session);
      void session.finished.then(() => sessions.delete(session));
    });

    app.get('/api/gateways', { preHandler: requireRole(opts.sessions) }, () => ctx.registry.views());
    return Promise.resolve();
  };
}

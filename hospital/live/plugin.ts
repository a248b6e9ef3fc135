import type { FastifyInstance } from 'fastify';
import type { AccessPolicy } from '../auth/access.js';
import { admitTicket, type LiveTickets } from '../auth/live-tickets.js';
import type { SessionManager, ValidSession } from '../auth/sessions.js';
import { HospitalErrorCode } from '../errors.js';
import type { GatewayRegistry } from '../uplink/registry.js';
import type { LiveHub } from './live-hub.js';
import { liveMessageFor } from './messages.js';

export interface LivePluginOptions {
  readonly hub: LiveHub;
  readonly registry: GatewayRegistry;
  readonly sessions: SessionManager;
  readonly tickets: LiveTickets;
  readonly access: AccessPolicy;
  /** Open sockets are re-checked against the current user table this often, ms. */
  readonly recheckMs: number;
  /** The hub clock, ms (session expiry is on it). */
  readonly nowMs: () => number;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The session a /live ticket was redeemed for (set before the upgrade). */
    liveSession: ValidSession | null;
  }
}

/**
 * WS /live?ticket=T for dashboards of any role: snapshot, gateway updates, vitals, alarms, ECG
 * records, each only for the sites the person may see (auth/access.ts). T comes from
 * POST /api/live-ticket and works once. A socket is closed 4403 TM_ERR_SESSION_ENDED when its
 * session ends: at logout at once, at expiry, and within `recheckMs` of the user being removed or
 * their role changed.
 */
export function livePlugin(opts: LivePluginOptions) {
  return function liveRoutes(app: FastifyInstance): Promise<void> {
    const { hub, registry, sessions, tickets, access } = opts;
    app.decorateRequest('liveSession', null);
    const offGateway = registry.onGatewayUpdate((gateway) => hub.broadcast({ type: 'gateway', gateway }));
    const offFrame = registry.onFrame((gatewayId, env) => {
      // Building the message costs more than the rest of a realtime frame's path: skip it when
      // no dashboard is watching.
      if (hub.size === 0) return;
      const msg = liveMessageFor(gatewayId, env);
      if (msg !== undefined) hub.broadcast(msg);
    });
    const offEnd = sessions.onEnd((tokenHash, why) => hub.endSession(tokenHash, why));
    // Expiry and changes of the user table reach open sockets through this re-check.
    let rechecking = false;
    const recheck = setInterval(() => {
      if (rechecking || hub.size === 0) return;
      rechecking = true;
      const hashes = new Set(hub.clients().map(([, c]) => c.tokenHash));
      void Promise.all([...hashes].map(async (h) => {
        const s = await sessions.check(h);
        // check() ends a revoked or expired session itself (onEnd closes its sockets); a session
        // gone from the store without that (purged) is closed here.
        if (s === undefined) hub.endSession(h, 'gone');
      })).catch((err: unknown) => app.log.error({ err }, '/live session re-check failed')).finally(() => { rechecking = false; });
    }, opts.recheckMs);
    recheck.unref();
    app.addHook('onClose', (_app, done) => {
      clearInterval(recheck);
      offGateway();
      offFrame();
      offEnd();
      hub.close();
      done();
    });

    app.get<{ Querystring: { ticket?: string } }>('/live', {
      websocket: true,
      // Refused before the upgrade, so a browser sees a plain 401 and no socket is opened.
      preValidation: async (req, reply) => {
        const session = await admitTicket(req, reply, tickets, sessions, '/live');
        if (session === undefined) return reply;
        req.authUser = session.user;
        req.liveSession = session;
      },
    }, (socket, req) => {
      const session = req.liveSession;
      if (session === null) { socket.close(1011, HospitalErrorCode.INTERNAL); return; }
      if (!hub.add(socket, { user: session.user, tokenHash: session.tokenHash })) {
        req.log.info('too many /live clients; refusing');
        socket.close(1013, 'TM_ERR_TOO_MANY_CLIENTS');
        return;
      }
      // The session's own end, to the millisecond (the re-check covers revocation).
      const expiry = setTimeout(() => hub.endSession(session.tokenHash, 'expired'), Math.min(2 ** 31 - 1, Math.max(0, session.expiresAtMs - opts.nowMs())));
      expiry.unref();
      socket.on('close', () => { clearTimeout(expiry); hub.remove(socket); });
      socket.on('error', (err) => req.log.info({ err }, 'live socket error'));
      // Browsers send nothing we act on; anything they send is ignored.
      hub.send(socket, { type: 'snapshot', gateways: access.filter(session.user, registry.views(), (g) => g.id) });
    });
    return Promise.resolve();
  };
}

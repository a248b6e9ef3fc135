import type { FastifyInstance } from 'fastify';
import type { AccessPolicy } from '../auth/access.js';
import type { SessionManager } from '../auth/sessions.js';
import { requireRole } from '../auth/require-role.js';
import { CloseCode, HospitalErrorCode } from '../errors.js';
import { HelloGate } from './hello-gate.js';
import { checkPeer } from './peer-cert.js';
import { UplinkSession, type UplinkContext } from './session.js';

/** Longest shutdown waits for sessions to store their last frames, ms. */
const SHUTDOWN_DRAIN_MS = 3000;

/** The subprotocol a gateway offers (SESSION.md); accepted but not required. */
export const UPLINK_SUBPROTOCOL = 'telemed.v1';

export interface UplinkPluginOptions {
  readonly ctx: UplinkContext;
  readonly sessions: SessionManager;
  readonly access: AccessPolicy;
}

/** WS /uplink for gateways, and GET /api/gateways for dashboards (the gateways of the person's sites). */
export function uplinkPlugin(opts: UplinkPluginOptions) {
  return function uplinkRoutes(app: FastifyInstance): Promise<void> {
    const up = opts.ctx.config.uplink;
    const ctx: UplinkContext = { ...opts.ctx, helloGate: new HelloGate(up.maxConcurrentHelloChecks, up.maxQueuedHelloChecks, opts.ctx.metrics.helloChecks) };
    const sessions = new Set<UplinkSession>();
    /** Open sockets per client address (issue 12, item 12): one address cannot hold the hub's sockets. */
    const perAddress = new Map<string, number>();
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
      const address = req.ip;
      const peer = checkPeer(req.raw.socket, opts.ctx.config.tls?.requireClientCert ?? false);
      if (!peer.ok) {
        ctx.metrics.uplinkRefused.inc({ reason: peer.code });
        req.log.info({ code: peer.code, remote: address, reason: peer.reason }, 'uplink connection refused: client certificate');
        // 4401 like a refused credential: the gateway backs off the longest (SESSION.md §1).
        socket.close(CloseCode.AUTH, peer.code);
        setTimeout(() => socket.terminate(), 2000).unref();
        return;
      }
      const open = perAddress.get(address) ?? 0;
      if (open >= up.maxConnectionsPerAddress) {
        ctx.metrics.uplinkRefused.inc({ reason: HospitalErrorCode.TOO_MANY_CONNECTIONS });
        req.log.info({ code: HospitalErrorCode.TOO_MANY_CONNECTIONS, remote: address, open }, 'uplink connection refused');
        // RFC 6455 §7.4: 1013 "Try Again Later". Closed before any session (and any buffer) exists.
        socket.close(CloseCode.TRY_AGAIN_LATER, HospitalErrorCode.TOO_MANY_CONNECTIONS);
        setTimeout(() => socket.terminate(), 2000).unref();
        return;
      }
      perAddress.set(address, open + 1);
      req.log.debug('uplink connection');
      const session = new UplinkSession(socket, { ...ctx, peerGatewayId: peer.gatewayId, log: ctx.log.child({ remote: address }) });
      sessions.add(session);
      void session.finished.then(() => {
        sessions.delete(session);
        const n = (perAddress.get(address) ?? 1) - 1;
        if (n <= 0) perAddress.delete(address); else perAddress.set(address, n);
      });
    });

    app.get('/api/gateways', { preHandler: requireRole(opts.sessions) }, (req) =>
      req.authUser === null ? [] : opts.access.filter(req.authUser, ctx.registry.views(), (g) => g.id));
    return Promise.resolve();
  };
}

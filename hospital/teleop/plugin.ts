import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { Counter } from 'prom-client';
import type { Clock } from '../../protocols/index.js';
import type { AccessPolicy } from '../auth/access.js';
import { admitTicket, type LiveTickets } from '../auth/live-tickets.js';
import { requireRole } from '../auth/require-role.js';
import type { SessionManager, ValidSession } from '../auth/sessions.js';
import { HospitalErrorCode } from '../errors.js';
import type { HospitalMetrics } from '../metrics.js';
import type { GatewayRegistry } from '../uplink/registry.js';
import { attachImageAssembler, ImageAssembler } from '../video/index.js';
import type { ArmAuditStore } from './audit-store.js';
import { TeleopError, TeleopErrorCode } from './errors.js';
import { LeaseBook, leaseView, type Lease } from './lease-book.js';
import { TeleopRelay } from './relay.js';

export interface TeleopPluginOptions {
  readonly registry: GatewayRegistry;
  readonly sessions: SessionManager;
  readonly tickets: LiveTickets;
  readonly access: AccessPolicy;
  readonly audit: ArmAuditStore;
  readonly metrics: HospitalMetrics;
  readonly clock: Clock;
  readonly log: Logger;
  /** Lease lifetime per grant or renewal, ms (≤ 15 min). Default 10 min. */
  readonly leaseTtlMs?: number;
  /** Telemetry is held back (newest wins) above this many unsent bytes in a /teleop socket. Default 64 KiB. */
  readonly maxBufferedBytes?: number;
}

const Id = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._:-]+$' });
const RequestBody = Type.Object({ gatewayId: Id, armId: Id, maxForceN: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 40 })) }, { additionalProperties: false });
const LeaseParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const HandoverBody = Type.Object({ to: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });
const AuditQuery = Type.Object({
  gatewayId: Id, armId: Id,
  after: Type.Integer({ minimum: 0, default: 0 }),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 200 }),
}, { additionalProperties: false });

/** The arm's stream its telemetry comes up on (the gateway names it so). */
export const telemetryStreamId = (armId: string): string => `${armId}/telemetry`;

/**
 * Teleoperation at the hub (issue 11 item 5; hospital/README.md "Teleop"): leases over REST,
 * commands and telemetry over WS /teleop, the arm audit mirror. Specialists only drive, and only
 * arms of gateways at sites they are enrolled for (auth/access.ts); another site's gateway is
 * answered like an unknown one. Every refusal has a code and is counted
 * (`telemed_teleop_refused_total{code}`).
 */
export function teleopPlugin(opts: TeleopPluginOptions) {
  return function teleopRoutes(app: FastifyInstance): Promise<void> {
    const { registry, sessions, tickets, access, audit, clock, log } = opts;
    const registers = [opts.metrics.registry];
    const refusedTotal = new Counter({ name: 'telemed_teleop_refused_total', help: 'Teleop requests, socket opens and socket messages refused, by code', labelNames: ['code'], registers });
    const relayed = new Counter({ name: 'telemed_teleop_relayed_total', help: 'Teleop traffic through the hub: commands relayed, telemetry sent, telemetry replaced by a newer sample (newest wins), images sent, images replaced by a newer one', labelNames: ['what'], registers });
    const leaseEvents = new Counter({ name: 'telemed_teleop_leases_total', help: 'Arm leases by how they started or ended', labelNames: ['event'], registers });
    const nowMs = (): number => Math.floor(clock.nowNs() / 1e6);
    const send = registry.sendToGateway.bind(registry);
    let relay: TeleopRelay | null = null;
    const book = new LeaseBook({
      clock, send, ttlMs: opts.leaseTtlMs ?? 10 * 60_000,
      onEnded: (l: Lease) => { leaseEvents.inc({ event: l.state }); relay?.onLeaseEnded(l); },
    });
    relay = new TeleopRelay({
      book, send, clock, log, maxBufferedBytes: opts.maxBufferedBytes ?? 64 * 1024,
      refused: (code) => refusedTotal.inc({ code }),
      counted: (what) => relayed.inc({ what }),
    });
    const r = relay;
    // Ultrasound images (VIDEO, <armId>/ultrasound) reassembled here and relayed like telemetry.
    const images = new ImageAssembler({ log: log.child({ component: 'images' }), clock, metrics: opts.metrics.registry });
    const offImageFrames = attachImageAssembler(registry, images);
    const offImages = images.onImage((gatewayId, armId, jpeg, meta) => r.onImage(gatewayId, armId, jpeg, meta));

    // Telemetry to the driving sockets; audit records into the mirror (durable frames arrive here once stored).
    const offFrame = registry.onFrame((gatewayId, env) => {
      if (env.payload === 'armTelemetry') {
        if (env.header.streamId === telemetryStreamId(env.armTelemetry?.armId ?? '')) r.onTelemetry(gatewayId, env);
      } else if (env.payload === 'armAudit') {
        try {
          const chain = audit.ingest(gatewayId, env, nowMs());
          if (chain !== null && chain !== 'ok' && chain !== 'unlinked') log.warn({ gatewayId, armId: env.armAudit?.armId, seq: Number(env.armAudit?.seq ?? 0), chain }, 'arm audit record fails the chain check');
        } catch (err) {
          log.error({ err, gatewayId }, 'arm audit mirror failed');
        }
      }
    });
    const mirrored = audit.catchUp(nowMs());
    if (mirrored > 0) log.info({ records: mirrored }, 'arm audit records mirrored from stored frames');
    // A person whose session ends loses their sockets; with none left, their leases are revoked
    // (nobody would be driving, and the arm would sit leased until expiry).
    const offEnd = sessions.onEnd((tokenHash, why) => {
      const users = r.usersOf(tokenHash);
      r.endSession(tokenHash);
      for (const u of users) {
        if (why === 'expired' || r.hasSocketOf(u)) continue;
        for (const l of book.active()) if (l.holder === u) book.release(l.id, u, 'hub');
      }
    });
    const sweep = setInterval(() => book.sweep(), 1000);
    sweep.unref();
    app.addHook('onClose', (_app, done) => {
      clearInterval(sweep);
      offFrame();
      offImageFrames();
      offImages();
      offEnd();
      r.close();
      done();
    });
    // Every refusal of these routes (including requireRole's 401/403 and schema 400s) is counted by its code.
    app.addHook('onSend', (_req, reply, payload, done) => {
      if (reply.statusCode >= 400 && typeof payload === 'string') {
        let code = String(reply.statusCode);
        try {
          const c = (JSON.parse(payload) as { code?: unknown }).code;
          if (typeof c === 'string') code = c;
        } catch { /* not JSON: counted by status */ }
        refusedTotal.inc({ code });
      }
      done(null, payload);
    });

    const specialist = requireRole(sessions, 'specialist');
    const fail = (req: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply => {
      if (!(err instanceof TeleopError)) throw err;
      req.log.info({ code: err.code, username: req.authUser?.username }, 'teleop request refused');
      return reply.code(err.status).send({ code: err.code, message: err.message, ...(err.holder !== undefined ? { holder: err.holder } : {}) });
    };
    const notFound = { code: TeleopErrorCode.GATEWAY_NOT_FOUND, message: 'no such gateway' };

    app.post<{ Body: Static<typeof RequestBody> }>('/api/teleop/sessions', { schema: { body: RequestBody }, preHandler: specialist }, (req, reply) => {
      const { gatewayId, armId, maxForceN } = req.body;
      if (!access.admit(req, reply, gatewayId, notFound)) return reply;
      try {
        const lease = book.request(req.authUser?.username ?? '', gatewayId, armId, maxForceN ?? 0);
        leaseEvents.inc({ event: 'granted' });
        req.log.info({ leaseId: lease.id, gatewayId, armId, username: lease.holder }, 'arm lease granted');
        r.onLeaseGranted(lease);
        return reply.code(201).send({ lease: leaseView(lease) });
      } catch (err) { return fail(req, reply, err); }
    });

    app.get('/api/teleop/sessions', { preHandler: requireRole(sessions, 'specialist', 'admin') }, (req) => {
      const who = req.authUser;
      return { sessions: who === null ? [] : access.filter(who, book.active(), (l) => l.gatewayId).map(leaseView) };
    });

    app.post<{ Params: Static<typeof LeaseParams> }>('/api/teleop/sessions/:id/renew', { schema: { params: LeaseParams }, preHandler: specialist }, (req, reply) => {
      try {
        return { lease: leaseView(book.renew(req.params.id, req.authUser?.username ?? '')) };
      } catch (err) { return fail(req, reply, err); }
    });

    // Whom the holder may hand the lease to right now: specialists enrolled for the arm's site with
    // the teleop page open (a /teleop socket), the holder left out. Another person's lease: 404.
    app.get<{ Params: Static<typeof LeaseParams> }>('/api/teleop/sessions/:id/candidates', { schema: { params: LeaseParams }, preHandler: specialist }, (req, reply) => {
      const by = req.authUser?.username ?? '';
      const l = book.get(req.params.id);
      if (l === undefined || l.holder !== by) return fail(req, reply, new TeleopError(TeleopErrorCode.LEASE_NOT_FOUND, 404, 'no such lease'));
      if (l.state !== 'active') return fail(req, reply, new TeleopError(TeleopErrorCode.LEASE_ENDED, 409, `lease ${l.state}`));
      // Checked against the user table now (as the hand-over itself is), not the socket's login-time copy.
      const candidates = r.onlineUsers().map((u) => sessions.directory.get(u.username))
        .filter((u) => u !== undefined && u.username !== by && u.role === 'specialist' && access.canSeeGateway(u, l.gatewayId))
        .map((u) => u!.username).sort();
      return { candidates };
    });

    app.post<{ Params: Static<typeof LeaseParams>; Body: Static<typeof HandoverBody> }>('/api/teleop/sessions/:id/handover',
      { schema: { params: LeaseParams, body: HandoverBody }, preHandler: specialist }, (req, reply) => {
        const by = req.authUser?.username ?? '';
        try {
          const current = book.get(req.params.id);
          const target = sessions.directory.get(req.body.to);
          // The new holder must be able to take the lease themselves: a specialist of the arm's site.
          if (current !== undefined && current.holder === by && (target === undefined || target.role !== 'specialist' || !access.canSeeGateway(target, current.gatewayId))) {
            throw new TeleopError(TeleopErrorCode.BAD_HANDOVER, 400, 'hand over only to a specialist enrolled for this clinic');
          }
          const next = book.handover(req.params.id, by, req.body.to);
          leaseEvents.inc({ event: 'granted' });
          req.log.info({ leaseId: next.id, previousLeaseId: next.previousLeaseId, from: by, to: next.holder }, 'arm lease handed over');
          r.onLeaseGranted(next);
          return { lease: leaseView(next) };
        } catch (err) { return fail(req, reply, err); }
      });

    app.post<{ Params: Static<typeof LeaseParams> }>('/api/teleop/sessions/:id/release',
      { schema: { params: LeaseParams }, preHandler: requireRole(sessions, 'specialist', 'admin') }, (req, reply) => {
        const who = req.authUser;
        try {
          // An admin ends anyone's lease (REVOKE); a specialist only their own (RELEASE).
          const l = who?.role === 'admin' ? book.get(req.params.id) : undefined;
          const { lease, downlink } = who?.role === 'admin' && l !== undefined
            ? book.release(req.params.id, l.holder, who.username)
            : book.release(req.params.id, who?.username ?? '');
          req.log.info({ leaseId: lease.id, username: who?.username, state: lease.state, downlink }, 'arm lease ended');
          return { lease: leaseView(lease), downlink };
        } catch (err) { return fail(req, reply, err); }
      });

    app.get<{ Querystring: Static<typeof AuditQuery> }>('/api/teleop/audit', { schema: { querystring: AuditQuery }, preHandler: requireRole(sessions, 'specialist', 'admin') }, (req, reply) => {
      const q = req.query;
      if (!access.admit(req, reply, q.gatewayId, notFound)) return reply;
      const records = audit.list(q.gatewayId, q.armId, q.after, q.limit);
      return { records, next: records.length === q.limit ? records.at(-1)?.seq ?? null : null };
    });

    app.get('/api/teleop/audit/arms', { preHandler: requireRole(sessions, 'specialist', 'admin') }, (req) => {
      const who = req.authUser;
      return { arms: who === null ? [] : access.filter(who, audit.arms(), (a) => a.gatewayId) };
    });

    const admitted = new WeakMap<FastifyRequest, ValidSession>();
    app.get<{ Querystring: { ticket?: string } }>('/teleop', {
      websocket: true,
      // Refused before the upgrade: a plain 401/403 with a code, no socket.
      preValidation: async (req, reply) => {
        const session = await admitTicket(req, reply, tickets, sessions, '/teleop');
        if (session === undefined) return reply;
        if (session.user.role !== 'specialist') {
          req.log.info({ code: HospitalErrorCode.FORBIDDEN, username: session.user.username }, 'teleop socket refused: not a specialist');
          return reply.code(403).send({ code: HospitalErrorCode.FORBIDDEN, message: 'needs role specialist' });
        }
        req.authUser = session.user;
        admitted.set(req, session);
      },
    }, (socket, req) => {
      const session = admitted.get(req);
      if (session === undefined) { socket.close(1011, HospitalErrorCode.INTERNAL); return; }
      r.add(socket, session.user, session.tokenHash);
      const expiry = setTimeout(() => r.endSession(session.tokenHash), Math.min(2 ** 31 - 1, Math.max(0, session.expiresAtMs - nowMs())));
      expiry.unref();
      socket.on('message', (data: Buffer, isBinary: boolean) => {
        if (isBinary) r.onMessage(socket, '\u0000binary');
        else r.onMessage(socket, data);
      });
      socket.on('close', () => { clearTimeout(expiry); r.remove(socket); });
      socket.on('error', (err) => req.log.info({ err }, 'teleop socket error'));
    });
    return Promise.resolve();
  };
}

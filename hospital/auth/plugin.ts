import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { Logger } from 'pino';
import type { HospitalConfig } from '../config.js';
import type { HospitalMetrics } from '../metrics.js';
import { HospitalErrorCode } from '../errors.js';
import type { RecordsStore } from '../store/records-store.js';
import type { LiveTickets } from './live-tickets.js';
import type { LoginThrottle } from './login-throttle.js';
import { bearerToken, requireRole } from './require-role.js';
import { hashToken, type SessionManager } from './sessions.js';

const LoginBody = Type.Object({
  username: Type.String({ minLength: 1, maxLength: 64 }),
  password: Type.String({ minLength: 1, maxLength: 1024 }),
}, { additionalProperties: false });

export interface AuthPluginOptions {
  readonly config: HospitalConfig;
  readonly store: RecordsStore;
  readonly sessions: SessionManager;
  readonly throttle: LoginThrottle;
  readonly tickets: LiveTickets;
  readonly metrics: HospitalMetrics;
  readonly log: Logger;
}

/** POST /api/login, POST /api/logout, GET /api/me, POST /api/live-ticket. */
export function authPlugin(opts: AuthPluginOptions) {
  return async function authRoutes(app: FastifyInstance): Promise<void> {
    // Config users are upserted at every start (the store's copy); logins and sessions are checked
    // against the config's table itself (sessions.ts UserDirectory), so a user removed from the
    // config can no longer log in even though the store's row stays.
    for (const u of opts.config.users) await opts.store.upsertUser({ username: u.username, role: u.role, passwordHash: u.passwordHash });
    await opts.sessions.purgeExpired();
    const { throttle } = opts;

    app.post<{ Body: Static<typeof LoginBody> }>('/api/login', {
      schema: { body: LoginBody },
      // Schema failures answer with our stable code rather than fastify's.
      attachValidation: true,
    }, async (req, reply) => {
      if (req.validationError !== undefined) {
        return reply.code(400).send({ code: HospitalErrorCode.BAD_REQUEST, message: 'body must be { username, password }' });
      }
      const { username, password } = req.body;
      const waitMs = throttle.begin(username, req.ip);
      if (waitMs > 0) {
        opts.metrics.loginRefused.inc({ reason: HospitalErrorCode.LOGIN_THROTTLED });
        req.log.info({ code: HospitalErrorCode.LOGIN_THROTTLED, username, retryAfterMs: waitMs }, 'login held back');
        return reply.code(429).header('retry-after', String(Math.ceil(waitMs / 1000)))
          .send({ code: HospitalErrorCode.LOGIN_THROTTLED, message: 'too many failed logins; try again later', retryAfterMs: waitMs });
      }
      const session = await opts.sessions.login(username, password);
      if (session === undefined) {
        opts.metrics.loginRefused.inc({ reason: HospitalErrorCode.LOGIN_FAILED });
        req.log.info({ code: HospitalErrorCode.LOGIN_FAILED, username }, 'login failed');
        return reply.code(401).send({ code: HospitalErrorCode.LOGIN_FAILED, message: 'unknown user or wrong password' });
      }
      throttle.succeeded(username, req.ip);
      req.log.info({ username: session.user.username, role: session.user.role }, 'logged in');
      return { token: session.token, user: { username: session.user.username, role: session.user.role } };
    });

    app.post('/api/logout', { preHandler: requireRole(opts.sessions) }, async (req, reply) => {
      const token = bearerToken(req);
      if (token !== undefined) await opts.sessions.logout(token);
      req.log.info({ username: req.authUser?.username }, 'logged out');
      return reply.code(204).send();
    });

    app.get('/api/me', { preHandler: requireRole(opts.sessions) }, (req) => {
      const u = req.authUser;
      return { username: u?.username, role: u?.role };
    });

    // A single-use ticket for WS /live?ticket=T (live-tickets.ts): no session token in URLs.
    app.post('/api/live-ticket', { preHandler: requireRole(opts.sessions) }, (req) => {
      const token = bearerToken(req) ?? '';
      return opts.tickets.issue(hashToken(token));
    });
  };
}

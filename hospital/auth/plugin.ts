import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { Logger } from 'pino';
import type { HospitalConfig } from '../config.js';
import { HospitalErrorCode } from '../errors.js';
import type { RecordsStore } from '../store/records-store.js';
import { bearerToken, requireRole } from './require-role.js';
import type { SessionManager } from './sessions.js';

const LoginBody = Type.Object({
  username: Type.String({ minLength: 1, maxLength: 64 }),
  password: Type.String({ minLength: 1, maxLength: 1024 }),
}, { additionalProperties: false });

export interface AuthPluginOptions {
  readonly config: HospitalConfig;
  readonly store: RecordsStore;
  readonly sessions: SessionManager;
  readonly log: Logger;
}

/** Users from the config into the store; POST /api/login, POST /api/logout, GET /api/me. */
export function authPlugin(opts: AuthPluginOptions) {
  return async function authRoutes(app: FastifyInstance): Promise<void> {
    // Config users are upserted at every start so a changed password in the config takes effect;
    // users created through the store (later: an admin API) stay.
    for (const u of opts.config.users) await opts.store.upsertUser({ username: u.username, role: u.role, passwordHash: u.passwordHash });
    await opts.sessions.purgeExpired();

    app.post<{ Body: Static<typeof LoginBody> }>('/api/login', {
      schema: { body: LoginBody },
      // Schema failures answer with our stable code rather than fastify's.
      attachValidation: true,
    }, async (req, reply) => {
      if (req.validationError !== undefined) {
        return reply.code(400).send({ code: HospitalErrorCode.BAD_REQUEST, message: 'body must be { username, password }' });
      }
      const session = await opts.sessions.login(req.body.username, req.body.password);
      if (session === undefined) {
        req.log.info({ username: req.body.username }, 'login failed');
        return reply.code(401).send({ code: HospitalErrorCode.LOGIN_FAILED, message: 'unknown user or wrong password' });
      }
      req.log.info({ username: session.user.username, role: session.user.role }, 'logged in');
      return { token: session.token, user: session.user };
    });

    app.post('/api/logout', { preHandler: requireRole(opts.sessions) }, async (req, reply) => {
      const token = bearerToken(req);
      if (token !== undefined) await opts.sessions.logout(token);
      return reply.code(204).send();
    });

    app.get('/api/me', { preHandler: requireRole(opts.sessions) }, (req) => {
      const u = req.authUser;
      return { username: u?.username, role: u?.role };
    });
  };
}

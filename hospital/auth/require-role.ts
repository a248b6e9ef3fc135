import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { Role } from '../config.js';
import { HospitalErrorCode } from '../errors.js';
import { hashToken, type AuthUser, type SessionManager } from './sessions.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `requireRole` once the bearer token is verified; null before. */
    authUser: AuthUser | null;
  }
}

/** The bearer token of `Authorization: Bearer TOKEN`, or undefined. */
export function bearerToken(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  return m?.[1];
}

/**
 * A preHandler that admits requests carrying a valid session token whose role is one of `roles`
 * (any role when empty). 401 TM_ERR_UNAUTHENTICATED / 403 TM_ERR_FORBIDDEN otherwise.
 */
export function requireRole(sessions: SessionManager, ...roles: Role[]): preHandlerAsyncHookHandler {
  return async function checkRole(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const token = bearerToken(req);
    // Re-validated against the current user table on every request (sessions.ts check()).
    const session = token === undefined || token.length > 128 ? undefined : await sessions.check(hashToken(token));
    const user = session?.user;
    if (user === undefined) {
      req.log.info({ url: req.routeOptions.url }, 'request without a valid session');
      return reply.code(401).send({ code: HospitalErrorCode.UNAUTHENTICATED, message: 'log in first (Authorization: Bearer TOKEN)' });
    }
    if (roles.length > 0 && !roles.includes(user.role)) {
      req.log.info({ username: user.username, role: user.role, url: req.routeOptions.url }, 'role not allowed');
      return reply.code(403).send({ code: HospitalErrorCode.FORBIDDEN, message: `needs role ${roles.join(' or ')}` });
    }
    req.authUser = user;
  };
}

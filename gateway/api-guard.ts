import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { GatewayConfig } from './config.js';

/**
 * Stable codes of the local API's guard (issue 12, item 9). A refused request answers 403 with
 * one of these and is logged at info with the code, the method and the path (never the token).
 */
export const ApiGuardCode = {
  /** The Host header names neither loopback nor a configured name (DNS rebinding). */
  HOST_NOT_ALLOWED: 'TM_ERR_HOST_NOT_ALLOWED',
  /** A page of another origin (Origin / Sec-Fetch-Site) asked: CSRF or a cross-site WebSocket. */
  ORIGIN_NOT_ALLOWED: 'TM_ERR_ORIGIN_NOT_ALLOWED',
  /** A state change (or, with api.remoteAuth, any API call) without the per-install token. */
  TOKEN_REQUIRED: 'TM_ERR_API_TOKEN_REQUIRED',
} as const;

/** Header that carries the per-install token. A custom header also forces a CORS preflight we never grant. */
export const TOKEN_HEADER = 'x-telemed-token';
/** WebSocket subprotocol prefix carrying the token when api.remoteAuth is on (browsers cannot set WS headers). */
export const TOKEN_PROTOCOL_PREFIX = 'telemed-token.';

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * The local API's token: `api.token` when configured (required with api.remoteAuth, where the
 * operator hands it to the page), else 32 random bytes made at each start: the page reads it
 * afresh from GET /api/token on every load, so it need not outlive the process.
 */
export function installToken(config: GatewayConfig): string {
  return config.api.token ?? randomBytes(32).toString('base64url');
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();
const SAFE_METHODS = new Set(['GET', 'HEAD']);

/**
 * Guards the clinic PC's local API against pages of other origins (issue 12, item 9):
 * - Host must be a loopback name or one of `api.allowedHosts` (with any port): a rebinding DNS
 *   name that resolves to 127.0.0.1 still sends its own Host and is refused.
 * - An Origin header, when present, must be http(s)://<allowed host>; `Sec-Fetch-Site: cross-site`
 *   is refused too (Fetch Metadata, W3C). Browsers send Origin on every WebSocket handshake and
 *   every POST, so a cross-site WebSocket to /live and a CSRF POST both stop here.
 * - POST and other state changes need `X-Telemed-Token: <per-install token>`. The page reads it
 *   from GET /api/token, which a cross-site page cannot read (no CORS headers are ever sent) and a
 *   rebinding page cannot reach (Host check).
 * - With `api.remoteAuth` (required to bind off loopback) every /api and /live request needs the
 *   token, and /api/token is not served: the operator gives the token to the page.
 */
export function apiGuard(config: GatewayConfig, token: string) {
  const want = digest(token);
  const allowed = new Set([...LOOPBACK_NAMES, ...config.api.allowedHosts.map((h) => h.toLowerCase()), ...(isLoopbackHost(config.host) ? [] : [config.host])]);
  const hostAllowed = (hostHeader: string | undefined): boolean => {
    if (hostHeader === undefined) return false;
    const m = /^(\[[^\]]+\]|[^:]+)(?::\d+)?$/.exec(hostHeader.toLowerCase());
    return m?.[1] !== undefined && allowed.has(m[1]);
  };
  const originAllowed = (origin: string): boolean => {
    try {
      const u = new URL(origin);
      return (u.protocol === 'http:' || u.protocol === 'https:') && hostAllowed(u.host);
    } catch {
      return false;
    }
  };
  const tokenOf = (req: FastifyRequest): string | undefined => {
    const h = req.headers[TOKEN_HEADER];
    if (typeof h === 'string') return h;
    const proto = req.headers['sec-websocket-protocol'];
    const p = typeof proto === 'string' ? proto.split(',').map((s) => s.trim()).find((s) => s.startsWith(TOKEN_PROTOCOL_PREFIX)) : undefined;
    return p?.slice(TOKEN_PROTOCOL_PREFIX.length);
  };
  const tokenOk = (req: FastifyRequest): boolean => {
    const t = tokenOf(req);
    return t !== undefined && timingSafeEqual(digest(t), want);
  };

  return function guard(app: FastifyInstance): void {
    const refuse = (req: FastifyRequest, reply: FastifyReply, code: string, message: string): FastifyReply => {
      req.log.info({ code, method: req.method, path: req.url.split('?')[0] }, 'local API request refused');
      return reply.code(403).send({ code, message });
    };
    app.addHook('onRequest', async (req, reply) => {
      if (!hostAllowed(req.headers.host)) return refuse(req, reply, ApiGuardCode.HOST_NOT_ALLOWED, 'this page is served to loopback (or api.allowedHosts) names only');
      const origin = req.headers.origin;
      if ((origin !== undefined && !originAllowed(origin)) || req.headers['sec-fetch-site'] === 'cross-site') {
        return refuse(req, reply, ApiGuardCode.ORIGIN_NOT_ALLOWED, 'requests from other sites are refused');
      }
      const path = req.url.split('?')[0] ?? '';
      const api = path.startsWith('/api/') || path === '/live';
      const needsToken = !SAFE_METHODS.has(req.method) || (config.api.remoteAuth && api);
      if (needsToken && !tokenOk(req)) return refuse(req, reply, ApiGuardCode.TOKEN_REQUIRED, `send the install token in ${TOKEN_HEADER}`);
      return undefined;
    });
    // The token travels to the page only through this same-origin JSON read.
    app.get('/api/token', (req, reply) => {
      if (config.api.remoteAuth) return refuse(req, reply, ApiGuardCode.TOKEN_REQUIRED, 'api.remoteAuth: the token is given to the page by the operator');
      return reply.header('cache-control', 'no-store').send({ token, header: TOKEN_HEADER });
    });
  };
}

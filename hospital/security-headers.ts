import type { FastifyInstance } from 'fastify';

/**
 * The console's Content-Security-Policy. The built console (dist/dashboards/console) loads only its
 * own module scripts and stylesheets; Preact sets styles through the CSSOM (not blocked by
 * style-src); the favicon is `data:`; /live is a same-origin WebSocket (connect-src 'self' covers
 * ws/wss of the same host, CSP Level 3 §6.1.2); ECG exports download through blob: URLs.
 */
export const CONSOLE_CSP = [
  "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data: blob:", "connect-src 'self'",
  "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
].join('; ');

/** One year: RFC 6797 §11.2 recommends a long max-age once HTTPS is known to work. */
const HSTS = 'max-age=31536000';

/**
 * Security headers on every response of the hub, errors and 404s included (issue 12 item 6).
 * HSTS only over TLS: RFC 6797 §7.2 says a host must not send it over plain HTTP.
 */
export function securityHeaders(app: FastifyInstance, tls: boolean): void {
  app.addHook('onSend', (_req, reply, payload, done) => {
    void reply.header('content-security-policy', CONSOLE_CSP);
    void reply.header('x-content-type-options', 'nosniff');
    void reply.header('referrer-policy', 'no-referrer');
    void reply.header('x-frame-options', 'DENY');
    if (tls) void reply.header('strict-transport-security', HSTS);
    done(null, payload);
  });
}

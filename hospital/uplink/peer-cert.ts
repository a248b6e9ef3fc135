import type { Socket } from 'node:net';
import { TLSSocket, type PeerCertificate } from 'node:tls';
import { UplinkErrorCode } from './errors.js';

/** The URI SAN `telemed pki gateway` writes (hospital/pki/certs.ts gatewayUri). */
const GATEWAY_URI = /^urn:telemed:gateway:([A-Za-z0-9._-]{1,64})$/;
/** RFC 5280 §4.2.1.12 id-kp-clientAuth. */
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

/**
 * Who the TLS layer says this /uplink peer is. `gatewayId` null: a plain (loopback) connection, or
 * TLS without a required client certificate; the Hello's credential alone decides then.
 */
export type PeerVerdict =
  | { readonly ok: true; readonly gatewayId: string | null }
  | { readonly ok: false; readonly code: UplinkErrorCode; readonly reason: string };

/** `subjectaltname` as Node prints it: `URI:urn:..., DNS:x, IP Address:1.2.3.4`. */
function uriSans(cert: PeerCertificate): string[] {
  const text = cert.subjectaltname ?? '';
  return text.split(', ').filter((s) => s.startsWith('URI:')).map((s) => s.slice(4));
}

/** A certificate's gateway id: its urn:telemed:gateway URI SAN, else its CN; null if none or they disagree. */
export function certGatewayId(cert: PeerCertificate): string | null {
  const fromUri = uriSans(cert).map((u) => GATEWAY_URI.exec(u)?.[1]).filter((v): v is string => v !== undefined);
  const cnRaw: unknown = cert.subject.CN;
  const cn = typeof cnRaw === 'string' ? cnRaw : null;
  if (fromUri.length > 1) return null;
  const uri = fromUri[0] ?? null;
  if (uri !== null && cn !== null && uri !== cn) return null;
  return uri ?? cn;
}

/**
 * Mutual TLS on /uplink (issue 12 item 6). The server asks every client for a certificate but lets
 * the handshake finish without one (the console's browsers have none), so the refusal happens here
 * with a stable code, counted and logged, instead of as an anonymous handshake failure.
 */
export function checkPeer(socket: Socket, requireClientCert: boolean): PeerVerdict {
  if (!(socket instanceof TLSSocket)) return { ok: true, gatewayId: null };
  const cert = socket.getPeerCertificate();
  const present = Object.keys(cert).length > 0;
  if (!present) {
    return requireClientCert
      ? { ok: false, code: UplinkErrorCode.CLIENT_CERT_REQUIRED, reason: 'a gateway client certificate is required (telemed pki gateway)' }
      : { ok: true, gatewayId: null };
  }
  if (!socket.authorized) {
    return { ok: false, code: UplinkErrorCode.CLIENT_CERT_UNTRUSTED, reason: `client certificate refused: ${String(socket.authorizationError)}` };
  }
  if (cert.ext_key_usage !== undefined && !cert.ext_key_usage.includes(CLIENT_AUTH)) {
    return { ok: false, code: UplinkErrorCode.CLIENT_CERT_UNTRUSTED, reason: 'client certificate is not for clientAuth' };
  }
  const gatewayId = certGatewayId(cert);
  if (gatewayId === null) return { ok: false, code: UplinkErrorCode.CLIENT_CERT_UNTRUSTED, reason: 'client certificate names no single gateway id' };
  return { ok: true, gatewayId };
}

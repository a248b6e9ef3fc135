import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { createSecureContext } from 'node:tls';
import type { Logger } from 'pino';
import WebSocket from 'ws';
import { GatewayError, GatewayErrorCode } from '../errors.js';

/** The PEMs of `hub.tls`, read and checked once at start. */
export interface HubTls {
  /** The enrolment CA: the only one trusted for the hub's certificate (pinning; no system store). */
  readonly ca: Buffer;
  readonly cert: Buffer;
  readonly key: Buffer;
}

function read(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new GatewayError(GatewayErrorCode.TLS_FILE, `cannot read hub.tls.${what} (${path}): ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
}

/**
 * Reads `hub.tls` and checks the files make a usable TLS context (PEM parses, key matches cert),
 * so a bad file stops the gateway at start with TM_ERR_TLS_FILE instead of failing every reconnect.
 */
export function loadHubTls(tls: { readonly ca: string; readonly cert: string; readonly key: string } | null): HubTls | null {
  if (tls === null) return null;
  const out = { ca: read(tls.ca, 'ca'), cert: read(tls.cert, 'cert'), key: read(tls.key, 'key') };
  try {
    createSecureContext(out);
  } catch (err) {
    throw new GatewayError(GatewayErrorCode.TLS_FILE, `hub.tls files are not a usable certificate, key and CA (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err });
  }
  return out;
}

/** Opens the uplink WebSocket; with `tls`, the hub must present a certificate of `tls.ca` naming the URL's host. */
export function openHubSocket(url: string, protocol: string, opts: { handshakeTimeout: number; maxPayload: number; tls: HubTls | null }): WebSocket {
  const tls = opts.tls === null ? {} : {
    ca: opts.tls.ca, cert: opts.tls.cert, key: opts.tls.key,
    // Explicit though it is Node's default: a hub certificate that does not verify ends the attempt.
    rejectUnauthorized: true, minVersion: 'TLSv1.2' as const,
  };
  const ws = new WebSocket(url, protocol, { perMessageDeflate: false, handshakeTimeout: opts.handshakeTimeout, maxPayload: opts.maxPayload, ...tls });
  // Small frames must not wait for Nagle: CONTROL has a 50 ms budget.
  ws.on('upgrade', (res: IncomingMessage) => res.socket.setNoDelay(true));
  return ws;
}

/** OpenSSL / Node verification codes meaning "the hub's certificate is not one we trust". */
const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'CERT_SIGNATURE_FAILURE', 'CERT_REVOKED', 'CERT_UNTRUSTED',
  'CERT_REJECTED', 'INVALID_PURPOSE', 'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** Sockets corked until the next tick (a WeakSet: a closed socket needs no cleanup). */
const corked = new WeakSet<object>();

/**
 * Messages sent in the same tick leave in one socket write: the TCP socket is corked on the first
 * send and uncorked on nextTick, after the writer's loop.
 */
export function corkUntilNextTick(ws: WebSocket): void {
  // ws keeps its net.Socket private; cork/uncork are plain stream.Writable calls on it.
  const sock = (ws as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
  if (sock === undefined || corked.has(sock)) return;
  corked.add(sock);
  sock.cork();
  process.nextTick(() => {
    corked.delete(sock);
    sock.uncork();
  });
}

/** A socket error's stable code: the hub certificate refused, the TLS handshake failed, or null (an ordinary link error). */
export function tlsErrorCode(err: Error): GatewayErrorCode | null {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  if (UNTRUSTED.has(code)) return GatewayErrorCode.HUB_CERT_UNTRUSTED;
  if (code === 'EPROTO' || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_')) return GatewayErrorCode.TLS_HANDSHAKE;
  return null;
}

/**
 * Uplink socket errors: TLS ones are counted every time and logged at warn once per code per
 * reconnect storm (until a HelloAck), so a hub with the wrong certificate does not flood the log
 * while the existing backoff retries; other errors stay at debug (the close handler reconnects).
 */
export class LinkErrorLog {
  private readonly seen = new Set<string>();
  constructor(private readonly log: Logger, private readonly count: (code: GatewayErrorCode) => void = () => undefined) {}

  report(err: Error): void {
    const code = tlsErrorCode(err);
    if (code === null) {
      this.log.debug({ err: err.message }, 'uplink socket error');
      return;
    }
    this.count(code);
    if (this.seen.has(code)) return;
    this.seen.add(code);
    this.log.warn({ code, cause: (err as NodeJS.ErrnoException).code, err: err.message }, code === GatewayErrorCode.HUB_CERT_UNTRUSTED
      ? 'hub certificate does not verify against the pinned CA (hub.tls.ca); retrying with backoff'
      : 'TLS handshake with the hub failed; retrying with backoff');
  }

  /** The link came up: the next failure is news again. */
  connected(): void {
    this.seen.clear();
  }
}

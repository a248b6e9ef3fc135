import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { HospitalConfig } from './config.js';
import { HospitalError, HospitalErrorCode } from './errors.js';

/** What node:https takes for the hub: the PEMs of config.tls, read once at build. */
export interface HubTlsOptions {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly ca: Buffer;
  /** Ask every client for a certificate (gateways present one; browsers are asked and may decline). */
  readonly requestCert: true;
  /** The handshake completes without a good certificate; /uplink then refuses with a code (uplink/peer-cert.ts). */
  readonly rejectUnauthorized: false;
  /** TLS 1.2 is the oldest a gateway or browser in service needs; 1.0/1.1 are deprecated (RFC 8996). */
  readonly minVersion: 'TLSv1.2';
}

function read(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new HospitalError(HospitalErrorCode.TLS_FILE, `cannot read tls.${what} (${path}): ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
}

/** The https options of `config.tls`, or null for plain HTTP. Throws TM_ERR_TLS_FILE naming the file. */
export function hubTlsOptions(config: HospitalConfig): HubTlsOptions | null {
  const tls = config.tls;
  if (tls === null) return null;
  return { cert: read(tls.cert, 'cert'), key: read(tls.key, 'key'), ca: read(tls.ca, 'ca'), requestCert: true, rejectUnauthorized: false, minVersion: 'TLSv1.2' };
}

/**
 * Bounded `reason` of `telemed_tls_failures_total` (docs/CONTRACTS.md). A handshake the hub lets
 * finish without a client certificate is not a failure here (browsers have none; /uplink refuses
 * it with TM_ERR_CLIENT_CERT_REQUIRED and counts it in telemed_uplink_refused_total).
 */
export type TlsFailureReason =
  | 'plaintext' | 'hub-cert-refused' | 'client-cert-untrusted' | 'protocol-version' | 'no-shared-cipher' | 'timeout' | 'reset' | 'other';

/** OpenSSL / Node error codes of a failed server handshake, to a reason. */
export function tlsFailureReason(code: string | undefined): TlsFailureReason {
  switch (code) {
    // Plain HTTP (or a ws:// client) on the TLS port: OpenSSL 3 says "http request", older "wrong version number".
    case 'ERR_SSL_HTTP_REQUEST': case 'ERR_SSL_HTTPS_PROXY_REQUEST': case 'ERR_SSL_WRONG_VERSION_NUMBER': return 'plaintext';
    // The client's alert: it does not trust the hub's certificate (it has not pinned the hub's CA).
    case 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA': case 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE':
    case 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN': case 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED': return 'hub-cert-refused';
    case 'ERR_SSL_UNSUPPORTED_PROTOCOL': case 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION': case 'ERR_SSL_UNKNOWN_PROTOCOL': return 'protocol-version';
    case 'ERR_SSL_NO_SHARED_CIPHER': case 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE': return 'no-shared-cipher';
    case 'ERR_TLS_HANDSHAKE_TIMEOUT': return 'timeout';
    // The client hung up mid-handshake; a Node client that does not trust the hub's certificate
    // checks it after the handshake and hangs up like this, without an alert.
    case 'ECONNRESET': case 'EPIPE': return 'reset';
    default: return 'other';
  }
}

/** Code in the log line of a failed handshake (the gateway logs its own side with the same code). */
export const TLS_HANDSHAKE_FAILED = 'TM_ERR_TLS_HANDSHAKE';

/** What watchTlsFailures needs: the counter, a logger and a monotonic clock (ms). */
export interface TlsFailureDeps {
  readonly counter: { inc(labels: { reason: TlsFailureReason }): void };
  readonly log: { warn(obj: object, msg: string): void };
  readonly monoMs: () => number;
  /** Least time between two log lines for one address, ms. Default 60 000. */
  readonly logEveryMs?: number;
  /** Addresses remembered for the log limit; past it the oldest are forgotten. Default 4096. */
  readonly maxAddresses?: number;
}

/** The events watchTlsFailures listens to (a node:https or node:tls server). */
interface TlsServerLike {
  on(event: 'tlsClientError', fn: (err: NodeJS.ErrnoException, socket: TLSSocket) => void): unknown;
  on(event: 'secureConnection', fn: (socket: TLSSocket) => void): unknown;
  on(event: 'connection', fn: (socket: Socket) => void): unknown;
}

/**
 * Counts failed TLS handshakes on the hub's HTTPS server (a plain-text client, a client that does
 * not trust the hub's CA, an old protocol, a stalled handshake) and completed ones presenting a
 * client certificate the CA does not vouch for. Each failure is counted; a log line goes out at most
 * once per address per `logEveryMs`, saying how many were held back, so a scanner cannot flood the
 * log. The address is logged, never certificate contents.
 */
export function watchTlsFailures(server: TlsServerLike, deps: TlsFailureDeps): void {
  const every = deps.logEveryMs ?? 60_000;
  const max = deps.maxAddresses ?? 4096;
  // Insertion order = first-seen order; an address logged again is moved to the end.
  const last = new Map<string, { atMs: number; held: number }>();
  const record = (reason: TlsFailureReason, address: string, detail: string | undefined): void => {
    deps.counter.inc({ reason });
    const now = deps.monoMs();
    const prev = last.get(address);
    if (prev !== undefined && now - prev.atMs < every) { prev.held++; return; }
    last.delete(address);
    last.set(address, { atMs: now, held: 0 });
    if (last.size > max) last.delete(last.keys().next().value as string);
    deps.log.warn({ code: TLS_HANDSHAKE_FAILED, reason, address, detail, heldBack: prev?.held ?? 0 }, 'TLS handshake failed');
  };
  // After a reset the TLS socket has lost its handle and no longer knows its peer, so the address is
  // taken when the TCP connection arrives, keyed by that socket (Node's `_parent` of the TLS socket).
  const peers = new WeakMap<object, string>();
  server.on('connection', (socket) => { if (socket.remoteAddress !== undefined) peers.set(socket, socket.remoteAddress); });
  const peerAddress = (socket: TLSSocket): string => {
    const parent = (socket as TLSSocket & { _parent?: object | null })._parent;
    return socket.remoteAddress ?? (parent == null ? undefined : peers.get(parent)) ?? 'unknown';
  };
  server.on('tlsClientError', (err, socket) => record(tlsFailureReason(err.code), peerAddress(socket), err.code));
  server.on('secureConnection', (socket) => {
    if (socket.authorized || Object.keys(socket.getPeerCertificate()).length === 0) return;
    record('client-cert-untrusted', peerAddress(socket), String(socket.authorizationError));
  });
}

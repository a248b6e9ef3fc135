import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { tlsFailureReason, watchTlsFailures, type TlsFailureReason } from './tls.js';

/** A fake https server: the two events watchTlsFailures listens to, fired by hand. */
function harness(opts: { maxAddresses?: number } = {}) {
  const server = new EventEmitter();
  const counts = new Map<TlsFailureReason, number>();
  const lines: Record<string, unknown>[] = [];
  let now = 0;
  watchTlsFailures(server, {
    counter: { inc: ({ reason }) => counts.set(reason, (counts.get(reason) ?? 0) + 1) },
    log: { warn: (obj) => lines.push(obj as Record<string, unknown>) },
    monoMs: () => now, ...opts,
  });
  const fail = (code: string, address: string): void => {
    server.emit('tlsClientError', Object.assign(new Error(code), { code }), { remoteAddress: address });
  };
  return { server, counts, lines, fail, advance: (ms: number) => { now += ms; } };
}

describe('TLS failure counting', () => {
  it('maps OpenSSL codes to a bounded reason, unknown ones to "other"', () => {
    expect(tlsFailureReason('ERR_SSL_HTTP_REQUEST')).toBe('plaintext');
    expect(tlsFailureReason('ERR_SSL_WRONG_VERSION_NUMBER')).toBe('plaintext');
    expect(tlsFailureReason('ERR_SSL_TLSV1_ALERT_UNKNOWN_CA')).toBe('hub-cert-refused');
    expect(tlsFailureReason('ERR_SSL_UNSUPPORTED_PROTOCOL')).toBe('protocol-version');
    expect(tlsFailureReason('ERR_SSL_NO_SHARED_CIPHER')).toBe('no-shared-cipher');
    expect(tlsFailureReason('ERR_TLS_HANDSHAKE_TIMEOUT')).toBe('timeout');
    expect(tlsFailureReason('ECONNRESET')).toBe('reset');
    expect(tlsFailureReason('ERR_SSL_SOMETHING_NEW')).toBe('other');
    expect(tlsFailureReason(undefined)).toBe('other');
  });

  it('counts every failure but logs an address at most once a minute, with the number held back', () => {
    const h = harness();
    for (let i = 0; i < 100; i++) h.fail('ERR_SSL_HTTP_REQUEST', '10.0.0.9');
    h.fail('ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', '10.0.0.7');
    expect(h.counts.get('plaintext')).toBe(100);
    expect(h.counts.get('hub-cert-refused')).toBe(1);
    expect(h.lines.map((l) => [l['address'], l['reason'], l['heldBack']])).toEqual([['10.0.0.9', 'plaintext', 0], ['10.0.0.7', 'hub-cert-refused', 0]]);
    h.advance(59_999);
    h.fail('ERR_SSL_HTTP_REQUEST', '10.0.0.9');
    expect(h.lines).toHaveLength(2);
    h.advance(1);
    h.fail('ERR_SSL_HTTP_REQUEST', '10.0.0.9');
    expect(h.lines).toHaveLength(3);
    expect(h.lines[2]).toMatchObject({ code: 'TM_ERR_TLS_HANDSHAKE', address: '10.0.0.9', heldBack: 100 });
  });

  it('forgets the oldest addresses past maxAddresses (memory stays bounded under a spoofed-source scan)', () => {
    const h = harness({ maxAddresses: 2 });
    h.fail('ECONNRESET', 'a');
    h.fail('ECONNRESET', 'b');
    h.fail('ECONNRESET', 'c');
    h.fail('ECONNRESET', 'a');
    expect(h.lines.map((l) => l['address'])).toEqual(['a', 'b', 'c', 'a']);
    h.fail('ECONNRESET', 'c');
    expect(h.lines).toHaveLength(4);
  });

  it('counts a completed handshake presenting an untrusted client certificate; none at all is not a failure', () => {
    const h = harness();
    const socket = (authorized: boolean, cert: object) => ({ authorized, authorizationError: authorized ? null : 'SELF_SIGNED_CERT_IN_CHAIN', remoteAddress: '10.0.0.5', getPeerCertificate: () => cert });
    h.server.emit('secureConnection', socket(false, {}));
    h.server.emit('secureConnection', socket(true, { subject: {} }));
    expect(h.counts.size).toBe(0);
    h.server.emit('secureConnection', socket(false, { subject: {} }));
    expect(h.counts.get('client-cert-untrusted')).toBe(1);
    expect(h.lines[0]).toMatchObject({ reason: 'client-cert-untrusted', detail: 'SELF_SIGNED_CERT_IN_CHAIN' });
  });
});

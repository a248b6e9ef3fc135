import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { GatewayErrorCode } from '../errors.js';
import { LinkErrorLog, loadHubTls, tlsErrorCode } from './hub-socket.js';

const err = (code: string): Error => Object.assign(new Error(code), { code });

describe('hub socket TLS errors', () => {
  it('classifies verification failures, handshake failures and ordinary link errors', () => {
    expect(tlsErrorCode(err('SELF_SIGNED_CERT_IN_CHAIN'))).toBe(GatewayErrorCode.HUB_CERT_UNTRUSTED);
    expect(tlsErrorCode(err('ERR_TLS_CERT_ALTNAME_INVALID'))).toBe(GatewayErrorCode.HUB_CERT_UNTRUSTED);
    expect(tlsErrorCode(err('CERT_HAS_EXPIRED'))).toBe(GatewayErrorCode.HUB_CERT_UNTRUSTED);
    expect(tlsErrorCode(err('EPROTO'))).toBe(GatewayErrorCode.TLS_HANDSHAKE);
    expect(tlsErrorCode(err('ECONNREFUSED'))).toBeNull();
  });

  it('counts every TLS failure but warns once per code until the link comes up', () => {
    const lines: string[] = [];
    const log = pino({ level: 'debug' }, { write: (l: string) => { lines.push(l); } });
    const counted: string[] = [];
    const errors = new LinkErrorLog(log, (c) => counted.push(c));
    for (let i = 0; i < 5; i++) errors.report(err('DEPTH_ZERO_SELF_SIGNED_CERT'));
    errors.report(err('ECONNREFUSED'));
    expect(counted).toEqual(Array(5).fill(GatewayErrorCode.HUB_CERT_UNTRUSTED));
    expect(lines.filter((l) => l.includes('"level":40'))).toHaveLength(1);
    errors.connected();
    errors.report(err('DEPTH_ZERO_SELF_SIGNED_CERT'));
    expect(lines.filter((l) => l.includes('"level":40'))).toHaveLength(2);
  });

  it('loadHubTls: TM_ERR_TLS_FILE for a missing file and for files that are not PEM', () => {
    const d = mkdtempSync(join(tmpdir(), 'telemed-hub-tls-'));
    expect(() => loadHubTls({ ca: join(d, 'none.pem'), cert: join(d, 'none.pem'), key: join(d, 'none.key') })).toThrow(expect.objectContaining({ code: GatewayErrorCode.TLS_FILE }));
    for (const f of ['ca.pem', 'c.pem', 'k.pem']) writeFileSync(join(d, f), 'not a pem');
    expect(() => loadHubTls({ ca: join(d, 'ca.pem'), cert: join(d, 'c.pem'), key: join(d, 'k.pem') })).toThrow(expect.objectContaining({ code: GatewayErrorCode.TLS_FILE }));
    expect(loadHubTls(null)).toBeNull();
  });
});

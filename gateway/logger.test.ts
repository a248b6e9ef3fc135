import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { createGatewayLogger } from './logger.js';

describe('gateway logger', () => {
  it('redacts credentials and patient identifiers', () => {
    const lines: string[] = [];
    const sink = new Writable({ write(chunk: Buffer, _e, cb) { lines.push(chunk.toString()); cb(); } });
    const log = createGatewayLogger({}, sink).child({ gatewayId: 'g' });
    log.info({ credential: 'pw-123', hello: { credential: 'pw-456' }, vitals: { patientRef: 'P-0042' }, alarm: { patient_ref: 'P-0043' } }, 'x');
    const out = lines.join('');
    for (const secret of ['pw-123', 'pw-456', 'P-0042', 'P-0043']) expect(out).not.toContain(secret);
    expect(out).toContain('[redacted]');
    expect(out).toContain('"gatewayId":"g"');
  });
});

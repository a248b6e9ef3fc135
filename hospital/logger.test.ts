import { describe, expect, it } from 'vitest';
import { buildHospital } from './app.js';
import { hospitalLogger } from './logger.js';
import { memoryLogger, PASSWORDS, tempDir, testConfig } from './test-support.js';

describe('log redaction', () => {
  it('never writes a credential, password, token or patient reference', () => {
    const mem = memoryLogger();
    const log = hospitalLogger(mem.logger);
    log.info({ patientRef: 'PATIENT-4711', credential: 'gw-secret-1', hello: { credential: 'gw-secret-2' } }, 'hello');
    log.info({ frame: { vitals: { patientRef: 'PATIENT-4712' } }, token: 'tok-123', password: 'pw-123' }, 'nested');
    log.info({ req: { method: 'GET', url: '/live?token=tok-456', headers: { authorization: 'Bearer tok-789' } } }, 'request');
    const out = mem.text();
    for (const secret of ['PATIENT-4711', 'PATIENT-4712', 'gw-secret-1', 'gw-secret-2', 'tok-123', 'pw-123', 'tok-456', 'tok-789']) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain('[Redacted]');
    expect(out).toContain('/live?[Redacted]');
  });

  it('keeps passwords and tokens out of the hub request logs', async () => {
    const dir = tempDir();
    const mem = memoryLogger();
    const app = await buildHospital(await testConfig(dir.path), { logger: mem.logger });
    try {
      const res = await app.inject({ method: 'POST', url: '/api/login', payload: { username: 'dr.li', password: PASSWORDS['dr.li'] } });
      const { token } = res.json<{ token: string }>();
      await app.inject({ url: '/api/me', headers: { authorization: `Bearer ${token}` } });
      await app.inject({ url: `/live?token=${token}` });
      await app.inject({ method: 'POST', url: '/api/login', payload: { username: 'dr.li', password: 'wrong-pw-SENTINEL' } });
      const out = mem.text();
      expect(out.match(/no InfluxDB configured/g)).toHaveLength(1);
      expect(out).toContain('logged in');
      expect(out).toContain('login failed');
      expect(out).not.toContain(PASSWORDS['dr.li']);
      expect(out).not.toContain('wrong-pw-SENTINEL');
      expect(out).not.toContain(token);
    } finally {
      await app.close();
      dir.remove();
    }
  });
});

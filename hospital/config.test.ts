import { describe, expect, it } from 'vitest';
import { loadHospitalConfig } from './config.js';
import { isTelemedError } from '../protocols/index.js';

const HASH = 'scrypt$16384$8$1$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaA==';

describe('loadHospitalConfig', () => {
  it('fills every default from an empty object', () => {
    const c = loadHospitalConfig({});
    expect(c).toMatchObject({
      host: '127.0.0.1', port: 8080, dataDir: './.data/hospital', gateways: [], users: [], sessionTtlMs: 43_200_000,
      influx: null, limits: { maxFrameBytes: 1_048_576 }, live: { maxBufferedBytes: 1_048_576, gatewayUpdateMs: 500 },
      uplink: { helloTimeoutMs: 5000, pingIntervalMs: 1000, ackDelayMs: 10, ackMaxFrames: 64 }, dashboardsDir: null,
    });
  });

  it('returns a deep-frozen object and does not touch the input', () => {
    const raw = { gateways: [{ id: 'g1', secretHash: HASH }] };
    const c = loadHospitalConfig(raw);
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.gateways[0])).toBe(true);
    expect(Object.isFrozen(c.limits)).toBe(true);
    expect(raw).toEqual({ gateways: [{ id: 'g1', secretHash: HASH }] });
  });

  it('lists every problem in one TM_ERR_CONFIG error', () => {
    let caught: unknown;
    try {
      loadHospitalConfig({ port: 70000, sessionTtlMs: 'long', users: [{ username: 'a', role: 'janitor', passwordHash: 'plain' }], bogus: 1 });
    } catch (err) { caught = err; }
    expect(isTelemedError(caught) && caught.code).toBe('TM_ERR_CONFIG');
    const msg = (caught as Error).message;
    for (const part of ['/port', '/sessionTtlMs', '/users/0/role', '/users/0/passwordHash', 'bogus']) expect(msg).toContain(part);
  });

  it('rejects duplicate gateway ids and usernames', () => {
    expect(() => loadHospitalConfig({ gateways: [{ id: 'g', secretHash: HASH }, { id: 'g', secretHash: HASH }] })).toThrow(/duplicate gateway id "g"/);
    expect(() => loadHospitalConfig({ users: [{ username: 'u', role: 'admin', passwordHash: HASH }, { username: 'u', role: 'clinician', passwordHash: HASH }] })).toThrow(/duplicate username "u"/);
  });

  it('accepts an influx target', () => {
    const c = loadHospitalConfig({ influx: { url: 'http://127.0.0.1:8428', token: 't', org: 'o', bucket: 'b' } });
    expect(c.influx?.bucket).toBe('b');
  });
});

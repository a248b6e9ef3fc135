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

  it('validates clinic membership: non-admins name known sites, "*" only for specialists and admins', () => {
    const gateways = [{ id: 'g1', site: 'village-a', secretHash: HASH }, { id: 'g2', secretHash: HASH }];
    const ok = loadHospitalConfig({ gateways, users: [
      { username: 'n', role: 'clinician', sites: ['village-a'], passwordHash: HASH },
      { username: 's', role: 'specialist', sites: ['g2', 'village-a'], passwordHash: HASH },
      { username: 'w', role: 'specialist', sites: ['*'], passwordHash: HASH },
      { username: 'a', role: 'admin', passwordHash: HASH },
    ] });
    expect(ok.users[0]?.sites).toEqual(['village-a']);
    let caught: unknown;
    try {
      loadHospitalConfig({ gateways, users: [
        { username: 'n', role: 'clinician', passwordHash: HASH },
        { username: 'm', role: 'clinician', sites: ['*'], passwordHash: HASH },
        { username: 's', role: 'specialist', sites: ['village-z'], passwordHash: HASH },
        { username: 'a', role: 'admin', sites: ['village-a'], passwordHash: HASH },
      ] });
    } catch (err) { caught = err; }
    expect(isTelemedError(caught) && caught.code).toBe('TM_ERR_CONFIG');
    const msg = (caught as Error).message;
    expect(() => loadHospitalConfig({ gateways, users: [{ username: 'b', role: 'specialist', sites: ['bad site!'], passwordHash: HASH }] })).toThrow(/\/users\/0\/sites\/0/);
    for (const part of ['/users/0/sites: a clinician needs', '/users/1/sites: "*"', '/users/2/sites: no gateway serves site "village-z"', '/users/3/sites: an admin']) expect(msg).toContain(part);
  });

  it('takes a metrics token of 16+ characters and the pre-auth uplink limits', () => {
    expect(() => loadHospitalConfig({ metrics: { token: 'short' } })).toThrow(/\/metrics\/token/);
    const c = loadHospitalConfig({ metrics: { token: 'a-long-metrics-token' } });
    expect(c.metrics.token).toBe('a-long-metrics-token');
    expect(c.uplink).toMatchObject({ maxConnectionsPerAddress: 16, maxConcurrentHelloChecks: 2, maxQueuedHelloChecks: 16 });
    expect(c.auth.throttle).toMatchObject({ freeFailures: 5, baseLockMs: 1000 });
    expect(c.ecg).toMatchObject({ claimTimeoutMs: 1_800_000, relayRetryMs: 10_000 });
  });
});

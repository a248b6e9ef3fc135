import { describe, expect, it } from 'vitest';
import { telemed, type Clock, type EnvelopeInit } from '../../protocols/index.js';
import { loadHospitalConfig } from '../config.js';
import type { DownlinkResult } from '../uplink/registry.js';
import { LeaseBook, type Lease } from './lease-book.js';

const A = telemed.v1.ArmLeaseAction;

function setup(result: () => DownlinkResult = () => 'sent') {
  const c = { t: 1_000_000 };
  const clock: Clock = { nowNs: () => c.t * 1e6, monoMs: () => c.t };
  const sent: { gatewayId: string; env: EnvelopeInit }[] = [];
  const ended: Lease[] = [];
  const book = new LeaseBook({ clock, ttlMs: 600_000, send: (gatewayId, env) => { sent.push({ gatewayId, env }); return result(); }, onEnded: (l) => ended.push({ ...l }) });
  return { c, book, sent, ended };
}

describe('LeaseBook', () => {
  it('grants one lease per arm and sends GRANT on <armId>/lease (not the command stream) as CONTROL with the expiry on the hub clock', () => {
    const { book, sent } = setup();
    const l = book.request('dr.li', 'clinic-1', 'arm-1', 12);
    expect(l.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(sent).toHaveLength(1);
    const env = sent[0]?.env;
    expect(env?.header).toMatchObject({ gatewayId: 'clinic-1', streamId: 'arm-1/lease', trafficClass: 1, durable: false });
    expect(env?.armLease).toMatchObject({ leaseId: l.id, operatorId: 'dr.li', action: A.ARM_LEASE_ACTION_GRANT, armId: 'arm-1', maxForceN: 12, previousLeaseId: '' });
    expect(env?.armLease?.expiresAtNs).toBe((1_000_000 + 600_000) * 1e6);
    // A busy arm names its holder; another arm of the same gateway is free.
    expect(() => book.request('dr.ma', 'clinic-1', 'arm-1')).toThrow(expect.objectContaining({ code: 'TM_ERR_TELEOP_ARM_BUSY', status: 409, holder: 'dr.li' }));
    expect(book.request('dr.ma', 'clinic-1', 'arm-2').holder).toBe('dr.ma');
  });

  it('an offline gateway or a full downlink leaves no lease behind', () => {
    let res: DownlinkResult = 'not-connected';
    const { book } = setup(() => res);
    expect(() => book.request('dr.li', 'clinic-1', 'arm-1')).toThrow(expect.objectContaining({ code: 'TM_ERR_TELEOP_GATEWAY_OFFLINE', status: 503 }));
    res = 'backpressure';
    expect(() => book.request('dr.li', 'clinic-1', 'arm-1')).toThrow(expect.objectContaining({ code: 'TM_ERR_TELEOP_DOWNLINK_BUSY' }));
    expect(book.current('clinic-1', 'arm-1')).toBeUndefined();
    res = 'sent';
    expect(book.request('dr.li', 'clinic-1', 'arm-1').state).toBe('active');
  });

  it('expires at exactly its time; renewal moves the expiry with the same id (GRANT again)', () => {
    const { c, book, sent, ended } = setup();
    const l = book.request('dr.li', 'clinic-1', 'arm-1');
    c.t += 599_999;
    expect(book.current('clinic-1', 'arm-1')?.id).toBe(l.id);
    const renewed = book.renew(l.id, 'dr.li');
    expect(renewed.id).toBe(l.id);
    expect(sent[1]?.env.armLease).toMatchObject({ leaseId: l.id, action: A.ARM_LEASE_ACTION_GRANT, expiresAtNs: (c.t + 600_000) * 1e6 });
    c.t += 600_000;
    book.sweep();
    expect(book.current('clinic-1', 'arm-1')).toBeUndefined();
    expect(book.get(l.id)?.state).toBe('expired');
    expect(ended.map((e) => e.state)).toEqual(['expired']);
    expect(() => book.renew(l.id, 'dr.li')).toThrow(expect.objectContaining({ code: 'TM_ERR_TELEOP_LEASE_ENDED' }));
  });

  it('hand-over names the previous lease; the old one ends; only the holder hands over or releases', () => {
    const { book, sent } = setup();
    const l = book.request('dr.li', 'clinic-1', 'arm-1');
    expect(() => book.handover(l.id, 'dr.ma', 'dr.ma')).toThrow(expect.objectContaining({ code: 'TM_ERR_TELEOP_LEASE_NOT_FOUND' }));
    expect(() => book.handover(l.id, 'dr.li', 'dr.li')).toThrow(expect.objectContaining({ code: 'TM_ERR_TELEOP_BAD_HANDOVER' }));
    const next = book.handover(l.id, 'dr.li', 'dr.ma');
    expect(next.id).not.toBe(l.id);
    expect(sent.at(-1)?.env.armLease).toMatchObject({ leaseId: next.id, operatorId: 'dr.ma', action: A.ARM_LEASE_ACTION_HANDOVER, previousLeaseId: l.id });
    expect(book.get(l.id)?.state).toBe('handed-over');
    expect(book.current('clinic-1', 'arm-1')?.holder).toBe('dr.ma');
    expect(() => book.release(next.id, 'dr.li')).toThrow(expect.objectContaining({ code: 'TM_ERR_TELEOP_LEASE_NOT_FOUND' }));
    const { lease, downlink } = book.release(next.id, 'dr.ma');
    expect([lease.state, downlink]).toEqual(['released', 'sent']);
    expect(sent.at(-1)?.env.armLease).toMatchObject({ leaseId: next.id, action: A.ARM_LEASE_ACTION_RELEASE });
    expect(book.request('dr.li', 'clinic-1', 'arm-1').state).toBe('active');
  });

  it('a release is recorded even when the gateway is offline; a revoke says REVOKE', () => {
    let res: DownlinkResult = 'sent';
    const { book, sent } = setup(() => res);
    const l = book.request('dr.li', 'clinic-1', 'arm-1');
    res = 'not-connected';
    expect(book.release(l.id, 'dr.li')).toMatchObject({ downlink: 'not-connected', lease: { state: 'released' } });
    res = 'sent';
    const m = book.request('dr.li', 'clinic-1', 'arm-1');
    expect(book.release(m.id, 'dr.li', 'it.admin').lease.state).toBe('revoked');
    expect(sent.at(-1)?.env.armLease?.action).toBe(A.ARM_LEASE_ACTION_REVOKE);
  });

  it('command ids grow per lease from 1', () => {
    const { book } = setup();
    const l = book.request('dr.li', 'clinic-1', 'arm-1');
    expect([book.nextCommandId(l), book.nextCommandId(l), book.nextCommandId(l)]).toEqual([1, 2, 3]);
  });

  it('refuses a lifetime the gateway would refuse (> 15 min)', () => {
    const clock: Clock = { nowNs: () => 0, monoMs: () => 0 };
    expect(() => new LeaseBook({ clock, ttlMs: 15 * 60_000 + 1, send: () => 'sent' })).toThrow(RangeError);
  });
});

describe('teleop config', () => {
  it('defaults to 10 min leases and a 64 KiB telemetry bound, and refuses a lease longer than the gateway takes', () => {
    expect(loadHospitalConfig({}).teleop).toEqual({ leaseTtlMs: 600_000, maxBufferedBytes: 65_536 });
    expect(() => loadHospitalConfig({ teleop: { leaseTtlMs: 16 * 60_000 } })).toThrow(/teleop\/leaseTtlMs/);
  });
});

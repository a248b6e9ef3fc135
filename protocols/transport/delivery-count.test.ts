import { describe, expect, it } from 'vitest';
import { DeliveryCount } from './delivery-count.js';

describe('DeliveryCount (SESSION.md §2, §2b)', () => {
  it('counts every message, Acks too, until acks_uncounted is agreed', () => {
    const d = new DeliveryCount();
    expect(d.counts(true)).toBe(true);
    expect(d.counts(false)).toBe(true);
    d.acksUncounted = true;
    expect(d.counts(true)).toBe(false);
    expect(d.counts(false)).toBe(true);
  });

  it('reports bytes and the last arrival once, then has nothing unreported until more arrive', () => {
    const d = new DeliveryCount();
    expect(d.unreported).toBe(false);
    d.add(100, 5_000);
    d.add(40, 7_000);
    expect(d.unreported).toBe(true);
    expect(d.report()).toEqual({ receiveTimeNs: 7_000, bytesReceived: 140 });
    expect(d.unreported).toBe(false);
    d.add(1, 9_000);
    expect(d.unreported).toBe(true);
    expect(d.report()).toEqual({ receiveTimeNs: 9_000, bytesReceived: 141 });
  });

  it('starts a new connection from zero with the old rule', () => {
    const d = new DeliveryCount();
    d.acksUncounted = true;
    d.add(10, 1);
    d.report();
    d.reset();
    expect(d).toMatchObject({ bytesReceived: 0, lastRxNs: 0, acksUncounted: false });
    expect(d.unreported).toBe(false);
    expect(d.counts(true)).toBe(true);
  });
});

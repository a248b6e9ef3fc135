import { describe, expect, it } from 'vitest';
import { LinkErrorCode } from './errors.js';
import { eventsUntil } from './events.js';
import { getProfile, parseProfile, profileNames, queueLimitBytes } from './profile.js';

describe('profiles.json', () => {
  it('defines the documented profiles and every one validates', () => {
    expect(profileNames()).toEqual(expect.arrayContaining(['lan', 'urban-5g', 'rural-5g', 'congested-cell', 'tunnel', 'handover', 'saturated-cell']));
    for (const n of profileNames()) expect(getProfile(n).description.length).toBeGreaterThan(20);
  });

  it('saturated-cell is 10 Mbit/s up, 20 Mbit/s down, 20±2 ms, 250 ms queue', () => {
    const p = getProfile('saturated-cell');
    expect(p.up).toMatchObject({ rateBps: 10_000_000, delayMs: 20, jitterMs: 2, queueMs: 250 });
    expect(p.down).toMatchObject({ rateBps: 20_000_000, delayMs: 20, jitterMs: 2, queueMs: 250 });
    expect(queueLimitBytes(p.up)).toBe(312_500);
  });

  it('lan has no impairment and no events', () => {
    const p = getProfile('lan');
    expect(p.up).toMatchObject({ delayMs: 0, jitterMs: 0, rateBps: 0 });
    expect(p.events).toEqual({});
  });

  it('an unknown name fails with a stable code listing the known ones', () => {
    expect(() => getProfile('6g')).toThrow(expect.objectContaining({ code: LinkErrorCode.PROFILE_UNKNOWN, message: expect.stringContaining('urban-5g') }));
  });

  it('an invalid profile fails with one error listing every problem', () => {
    let err: unknown;
    try {
      parseProfile({ description: 'x', up: { delayMs: -1, jitterMs: 0, rateBps: 1000 }, down: { delayMs: 1, jitterMs: 0, rateBps: 0, speed: 3 }, events: { stall: { everyMs: [5, 1], durationMs: [1, 2], direction: 'sideways' } } }, 'bad');
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: LinkErrorCode.PROFILE_INVALID });
    const msg = (err as Error).message;
    for (const part of ['up.delayMs', 'queueMs or queueBytes', 'down.speed: unknown field', 'events.stall.everyMs', 'events.stall.direction']) {
      expect(msg).toContain(part);
    }
  });
});

describe('event schedule', () => {
  const p = parseProfile({
    description: 'all kinds',
    up: { delayMs: 0, jitterMs: 0, rateBps: 0 },
    down: { delayMs: 0, jitterMs: 0, rateBps: 0 },
    events: {
      stall: { everyMs: [1000, 5000], durationMs: [50, 500], direction: 'both' },
      outage: { everyMs: [10000, 30000], durationMs: [500, 2000], refuseNew: false },
      flap: { upMs: 20000, downMs: 5000, refuseNew: false },
      disconnect: { atMs: [7000, 3000], everyMs: [15000, 25000] },
      handover: { everyMs: [8000, 12000], outageMs: [100, 300], refuseNew: true },
    },
  });

  it('same seed gives the same schedule; another seed another one', () => {
    const a = eventsUntil(p, 42, 120_000);
    const b = eventsUntil(p, 42, 120_000);
    const c = eventsUntil(p, 43, 120_000);
    console.log(`[link] seed 42: ${a.length} events in 120 s, first: ${JSON.stringify(a.slice(0, 3))}`);
    expect(a).toEqual(b);
    expect(c).not.toEqual(a);
    expect(a.length).toBeGreaterThan(20);
  });

  it('is time-ordered, draws within the ranges, and flaps on its period', () => {
    const ev = eventsUntil(p, 7, 100_000);
    for (let i = 1; i < ev.length; i++) expect(ev[i]?.atMs).toBeGreaterThanOrEqual(ev[i - 1]?.atMs ?? 0);
    for (const e of ev) {
      if (e.kind === 'stall') expect(e.durationMs).toBeGreaterThanOrEqual(50);
      if (e.kind === 'stall') expect(e.durationMs).toBeLessThanOrEqual(500);
      if (e.kind === 'handover') expect(e.refuseNew).toBe(true);
    }
    const flaps = ev.filter((e) => e.kind === 'outage' && e.durationMs === 5000).map((e) => e.atMs);
    expect(flaps.slice(0, 3)).toEqual([20000, 45000, 70000]);
    expect(ev.filter((e) => e.kind === 'disconnect').map((e) => e.atMs).slice(0, 2)).toEqual([3000, 7000]);
  });
});

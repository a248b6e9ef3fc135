import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../protocols/random.js';
import { backoffDelayMs, nextLinkState } from './link-state.js';

describe('nextLinkState', () => {
  it('walks the happy path and the failure paths', () => {
    expect(nextLinkState('idle', 'start')).toBe('connecting');
    expect(nextLinkState('connecting', 'open')).toBe('authenticating');
    expect(nextLinkState('authenticating', 'accepted')).toBe('ready');
    expect(nextLinkState('ready', 'lost')).toBe('backoff');
    expect(nextLinkState('backoff', 'retry')).toBe('connecting');
    expect(nextLinkState('authenticating', 'refused')).toBe('refused');
    expect(nextLinkState('refused', 'lost')).toBe('refused');
    expect(nextLinkState('refused', 'retry')).toBe('connecting');
  });

  it('ignores events that make no sense in a state, and closed is final', () => {
    expect(nextLinkState('ready', 'accepted')).toBeUndefined();
    expect(nextLinkState('idle', 'lost')).toBeUndefined();
    for (const e of ['start', 'open', 'accepted', 'refused', 'lost', 'retry', 'stop'] as const) {
      expect(nextLinkState('closed', e)).toBeUndefined();
    }
  });
});

describe('backoffDelayMs', () => {
  const policy = { initialMs: 250, maxMs: 10_000, jitter: 0.5 };

  it('doubles up to the cap without jitter', () => {
    const delays = Array.from({ length: 8 }, (_, i) => backoffDelayMs(i, { ...policy, jitter: 0 }, () => 0.9));
    expect(delays).toEqual([250, 500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
  });

  it('takes off a seeded random fraction up to `jitter`', () => {
    const r = mulberry32(42);
    const expected = mulberry32(42);
    const delays = Array.from({ length: 6 }, (_, i) => backoffDelayMs(i, policy, r));
    const bases = [250, 500, 1000, 2000, 4000, 8000];
    expect(delays).toEqual(bases.map((b) => Math.round(b * (1 - 0.5 * expected()))));
    delays.forEach((d, i) => {
      expect(d).toBeGreaterThanOrEqual((bases[i] ?? 0) / 2);
      expect(d).toBeLessThanOrEqual(bases[i] ?? 0);
    });
  });

  it('is reproducible for a seed', () => {
    const a = mulberry32(7);
    const b = mulberry32(7);
    expect(Array.from({ length: 5 }, () => a())).toEqual(Array.from({ length: 5 }, () => b()));
  });
});

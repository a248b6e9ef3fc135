import { describe, expect, it } from 'vitest';
import { cpuTimes, stealShare } from './steal.js';

describe('CPU steal share', () => {
  it('reads the cpu line of /proc/stat and gives the stolen share between two readings', () => {
    const a = cpuTimes(() => 'cpu  100 0 50 800 10 0 0 40 0 0\ncpu0 1 2 3\n');
    const b = cpuTimes(() => 'cpu  160 0 70 900 10 0 0 100 0 0\ncpu0 1 2 3\n');
    expect(a).toEqual({ steal: 40, total: 1000 });
    expect(stealShare(a, b)).toBeCloseTo(60 / 240, 6);
    expect(cpuTimes(() => 'garbage')).toBeNull();
    expect(stealShare(null, b)).toBeNull();
  });
});

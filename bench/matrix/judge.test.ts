import { describe, expect, it } from 'vitest';
import { cell, judgeUplink, spread, strongestPeer } from './judge.js';
import type { RunSummary } from './summarise.js';

const run = (peer: string, p99: number | 'inf', onTime: number, util: number, backlog = true, p98: number | 'inf' = p99, attainable = 1): RunSummary => ({
  peer, floorMs: 23.2,
  control: {
    offered: 100, delivered: 99, notDelivered: 1, onTimeRatio: onTime, p99OfferedMs: p99,
    excessOverFloorMs: p99 === 'inf' ? 'inf' : p99 - 23.2, excess98OverFloorMs: p98 === 'inf' ? 'inf' : p98 - 23.2, aoiP99Ms: 40,
    attainableOnTimeRatio: attainable,
  },
  alarm: { offered: 10, delivered: 10, notDelivered: 0, onTimeRatio: 1, p99OfferedMs: 40, afterReturnMs: null },
  vitals: { offered: 10, delivered: 10, notDelivered: 0, onTimeRatio: 1, p99OfferedMs: 40 },
  durableLost: 0, durableDuplicated: 0, utilisation: util, goodputUtilisation: util, drainOverFloor: null, backlogThroughout: backlog, excluded: 0,
});

describe('bench:matrix judge', () => {
  it('takes the middle run and sorts inf above every number', () => {
    expect(spread([30, 'inf', 25]).median).toBe(30);
    expect(spread([30, 'inf', 'inf']).median).toBe('inf');
    expect(spread<number>([]).median).toBeNull();
  });

  it('judges telemed against the strongest peer and fails a miss', () => {
    const cells = [
      cell('telemed', [run('telemed', 26, 0.995, 0.9), run('telemed', 27, 0.994, 0.91), run('telemed', 40, 0.99, 0.9)]),
      cell('shaped', [run('shaped', 40, 0.98, 0.93)]),
      cell('fifo', [run('fifo', 'inf', 0, 1)]),
    ];
    expect(strongestPeer(cells)?.peer).toBe('shaped');
    const v = judgeUplink('saturated-cell', cells, false);
    const by = (t: string) => v.find((x) => x.target.startsWith(t));
    expect(by('CONTROL p99 over offered')?.pass).toBe(true); // median excess 3.8 ms
    expect(by('CONTROL excess vs strongest')?.value).toBe('4.4x'); // 16.8 / 3.8
    expect(by('CONTROL excess vs strongest')?.pass).toBe(false);
    expect(by('CONTROL on time vs strongest')?.pass).toBe(true);
    expect(v.every((x) => x.gating)).toBe(true);
  });

  it('judges utilisation only while a backlog stood, and gates --quick on its listed scenarios only', () => {
    const fast = [cell('telemed', [run('telemed', 30, 1, 0.1, false)])];
    expect(judgeUplink('trace:5g-mmwave-static', fast, false).some((x) => x.target.startsWith('utilisation'))).toBe(false);
    const quick = judgeUplink('trace:5g-mmwave-static', [cell('telemed', [run('telemed', 'inf', 0.5, 0.1, false)])], true);
    expect(quick.some((x) => !x.pass)).toBe(true);
    expect(quick.every((x) => !x.gating)).toBe(true);
    expect(judgeUplink('saturated-cell', fast, true).every((x) => x.gating)).toBe(true);
  });

  it('--quick judges the p98 tail (2x the p99\'s miss, as its 98 % on-time target) and does not gate the tunnel drain', () => {
    // 1 % of CONTROL superseded: p99 over offered is inf, the p98 is 30 ms (6.8 over the floor).
    const oneInHundred = [cell('telemed', [run('telemed', 'inf', 0.99, 0.92, true, 30)])];
    const quick = judgeUplink('saturated-cell', oneInHundred, true);
    const tail = quick.find((x) => x.target.startsWith('CONTROL p98 over offered'));
    expect(tail).toMatchObject({ pass: true, gating: true });
    expect(Number(tail?.value)).toBeCloseTo(6.8, 6);
    // The full run keeps the p99: the same run misses it there.
    expect(judgeUplink('saturated-cell', oneInHundred, false).find((x) => x.target.startsWith('CONTROL p99 over offered'))?.pass).toBe(false);
    // 3 % late: the p98 is inf and the quick gate fails.
    expect(judgeUplink('saturated-cell', [cell('telemed', [run('telemed', 'inf', 0.97, 0.92, true, 'inf')])], true)
      .filter((x) => x.gating && !x.pass).map((x) => x.target)).toEqual(['CONTROL on time / offered', 'CONTROL p98 over offered - floor']);
    const slowDrain = { ...run('telemed', 30, 1, 0.9), drainOverFloor: 3.9 };
    const drain = judgeUplink('tunnel', [cell('telemed', [slowDrain])], true).find((x) => x.target === 'tunnel drain / floor');
    expect(drain).toMatchObject({ pass: false, gating: false });
    expect(judgeUplink('tunnel', [cell('telemed', [slowDrain])], false).find((x) => x.target === 'tunnel drain / floor')?.gating).toBe(true);
  });

  it('says where the cell itself puts the on-time target out of reach, and still calls it a miss', () => {
    const gappy = [cell('telemed', [run('telemed', 'inf', 0.05, 0.9, true, 'inf', 0.62594), run('telemed', 'inf', 0.04, 0.9, true, 'inf', 0.63)])];
    const on = judgeUplink('trace:att-lte-driving', gappy, false).find((x) => x.target === 'CONTROL on time / offered');
    expect(on?.limit).toBe('>= 0.99; no sender above 0.63 on this cell');
    expect(on?.pass).toBe(false);
    const open = judgeUplink('saturated-cell', [cell('telemed', [run('telemed', 26, 0.995, 0.9)])], false).find((x) => x.target === 'CONTROL on time / offered');
    expect(open?.limit).toBe('>= 0.99');
  });
});

import { describe, expect, it } from 'vitest';
import { commandStats, imageStats, judge, lateDuringStalls, machineStalls, quantile } from './analyse.js';

const W = { fromMs: 1000, toMs: 2000 };

describe('bench:teleop analysis', () => {
  it('quantile is nearest-rank over the sorted values, null when empty', () => {
    const v = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(quantile(v, 0.5)).toBe(51);
    expect(quantile(v, 0.99)).toBe(100);
    expect(quantile([], 0.5)).toBeNull();
  });

  it('counts sent / delivered / dropped / stale over measured kinds in the window; p99 over sent is inf with drops', () => {
    const sent = [
      { seq: 1, kind: 'jog', sentMs: 900 }, // before the window: not counted
      { seq: 2, kind: 'jog', sentMs: 1000 },
      { seq: 3, kind: 'heartbeat', sentMs: 1010 },
      { seq: 4, kind: 'hold', sentMs: 1020 },
      { seq: 5, kind: 'jog', sentMs: 1030 }, // never executed
      { seq: 6, kind: 'jog', sentMs: 1040 }, // executed 60 ms late: stale
    ];
    const exec = [{ seq: 1, execMs: 915 }, { seq: 2, execMs: 1014 }, { seq: 2, execMs: 1500 }, { seq: 4, execMs: 1032 }, { seq: 6, execMs: 1100 }, { seq: 99, execMs: 1200 }];
    const s = commandStats(sent, exec, W, 50);
    expect(s).toMatchObject({ sent: 4, delivered: 3, dropped: 1, staleExecuted: 1, heartbeatsSent: 1, p50Ms: 14, maxMs: 60, p99OverSentMs: 'inf' });
    expect(commandStats(sent, exec, W, 50, 20).late).toEqual([{ atS: 0.03, ms: null }, { atS: 0.04, ms: 60 }]);
    const noDrop = commandStats(sent.filter((x) => x.seq !== 5), exec, W, 50);
    expect(noDrop.p99OverSentMs).toBe(60);
    expect(noDrop.staleExecuted).toBe(1);
  });

  it('images: captured in the window vs distinct delivered captures, latency from capture, fps per window second', () => {
    const captures = [950, 1000, 1066, 1133, 1200];
    const recv = [
      { frameId: 1, captureMs: 1000, recvMs: 1040 },
      { frameId: 1, captureMs: 1000, recvMs: 1090 }, // a duplicate counts once
      { frameId: 3, captureMs: 1133, recvMs: 1283 },
      { frameId: 0, captureMs: 950, recvMs: 1001 }, // captured before the window
    ];
    const s = imageStats(captures, recv, W);
    expect(s).toMatchObject({ captured: 4, delivered: 2, dropped: 2, p50Ms: 150, maxMs: 150, fps: 2 });
  });

  it('judges the three targets; a peer that executed nothing cannot pass the stale target', () => {
    const cmd = commandStats([{ seq: 1, kind: 'jog', sentMs: 1000 }], [{ seq: 1, execMs: 1021 }], W, 50);
    const img = imageStats([1000], [{ frameId: 1, captureMs: 1000, recvMs: 1150 }], W);
    expect(judge('telemed', cmd, img, 12).map((v) => v.pass)).toEqual([true, true, true]);
    const slow = commandStats([{ seq: 1, kind: 'jog', sentMs: 1000 }], [{ seq: 1, execMs: 1022.5 }], W, 50);
    const late = imageStats([1000], [{ frameId: 1, captureMs: 1000, recvMs: 1151 }], W);
    expect(judge('fifo', slow, late, 12).map((v) => v.pass)).toEqual([false, false, true]);
    const none = commandStats([], [], W, 50);
    expect(judge('x', none, img, 12).map((v) => v.pass)).toEqual([false, true, false]);
  });
});

describe('machine-wide stalls', () => {
  it('are where the bystander and a process on the path stalled at once; late commands in flight then are counted', () => {
    const arm = [[1000, 40], [1500, 10], [3000, 50]];
    const hub = [[1020, 30]];
    const edge = [[2000, 80], [3040, 30]];
    const spans = machineStalls(arm, [hub, edge]);
    expect(spans).toEqual([{ fromMs: 1020, toMs: 1040 }, { fromMs: 3040, toMs: 3050 }]);
    const late = [{ atS: 0.01, ms: 25 }, { atS: 1.0, ms: 30 }, { atS: 2.0, ms: null }];
    // 1010-1035 overlaps 1020-1040; 2000-2030 overlaps nothing machine-wide (the edge alone); 3000-3050 overlaps 3040-3050.
    expect(lateDuringStalls(late, { fromMs: 1000, toMs: 4000 }, spans, 50)).toBe(2);
  });
});

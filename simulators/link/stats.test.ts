import { describe, expect, it } from 'vitest';
import { copyDirStats, emptyDirStats, histAdd, histQuantile } from './stats.js';

describe('link stats histograms', () => {
  it('quantiles over the counts between two snapshots, as bucket upper edges', () => {
    const s = emptyDirStats();
    for (let i = 0; i < 98; i++) histAdd(s.queueDelayHist, 0.4, 1);
    histAdd(s.queueDelayHist, 12.5, 1);
    histAdd(s.queueDelayHist, 5000, 1); // clamped into the last bucket
    expect(histQuantile(s.queueDelayHist, null, 0.5, 1)).toBe(1);
    expect(histQuantile(s.queueDelayHist, null, 0.98, 1)).toBe(13);
    expect(histQuantile(s.queueDelayHist, null, 0.99, 1)).toBe(1000);
    const before = copyDirStats(s);
    for (let i = 0; i < 10; i++) histAdd(s.latenessHist, 0.6, 0.25);
    histAdd(s.queueDelayHist, 30.2, 1);
    // Only what came after the snapshot counts; the snapshot is a copy, not shared.
    expect(histQuantile(s.queueDelayHist, before.queueDelayHist, 0.5, 1)).toBe(31);
    expect(histQuantile(s.latenessHist, before.latenessHist, 0.5, 0.25)).toBe(0.75);
    expect(histQuantile(before.latenessHist, null, 0.5, 0.25)).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import { cellAt, cellSampleRange, computeLayout, rhythmLeadIndex, rowHeightMm } from './layout.js';

const LEADS_18 = ['I', 'II', 'III', 'aVR', 'aVL', 'aVF', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6', 'V7', 'V8', 'V9', 'V3R', 'V4R', 'V5R'];
const PAPER = { speedMmPerS: 25, gainMmPerMv: 10 };

describe('computeLayout', () => {
  it('18 leads: 3×4 standard rows, V7–V9 and V3R–V5R rows, then a full-length lead II rhythm strip', () => {
    const l = computeLayout(LEADS_18, 10, PAPER);
    expect(l.kind).toBe('standard');
    const rows = (r: number) => l.cells.filter((c) => c.row === r).map((c) => c.lead);
    expect(rows(0)).toEqual(['I', 'aVR', 'V1', 'V4']);
    expect(rows(1)).toEqual(['II', 'aVL', 'V2', 'V5']);
    expect(rows(2)).toEqual(['III', 'aVF', 'V3', 'V6']);
    expect(rows(3)).toEqual(['V7', 'V8', 'V9']);
    expect(rows(4)).toEqual(['V3R', 'V4R', 'V5R']);
    const strip = l.cells.filter((c) => c.row === 5);
    expect(strip).toHaveLength(1);
    expect(strip[0]).toMatchObject({ lead: 'II', index: 1, rhythm: true, startS: 0, endS: 10, widthMm: 250 });
    // Each label is on the lead it names, every trace of the 18 is there, columns are 2.5 s = 62.5 mm.
    for (const c of l.cells) expect(LEADS_18[c.index]).toBe(c.lead);
    expect(new Set(l.cells.map((c) => c.lead)).size).toBe(18);
    const v4 = l.cells.find((c) => c.lead === 'V4');
    expect(v4).toMatchObject({ col: 3, startS: 7.5, endS: 10, widthMm: 62.5 });
    expect(v4!.xMm).toBeCloseTo(l.traceXMm + 187.5, 9);
    expect(l.rowBaselinesMm).toHaveLength(6);
    expect(l.widthMm).toBeCloseTo(l.traceXMm + 250 + 5, 9);
    expect(l.heightMm).toBe(5 + 6 * 35 + 5);
  });

  it('12 leads (any order): the 3×4 layout without the extra rows', () => {
    const twelve = ['V6', 'V5', 'V4', 'V3', 'V2', 'V1', 'aVF', 'aVL', 'aVR', 'III', 'II', 'I'];
    const l = computeLayout(twelve, 10, PAPER);
    expect(Math.max(...l.cells.map((c) => c.row))).toBe(3);
    expect(l.cells.find((c) => c.lead === 'I')?.index).toBe(11);
    expect(l.cells.at(-1)).toMatchObject({ lead: 'II', rhythm: true, index: 10 });
  });

  it('doubles the paper at 50 mm/s and grows rows with gain', () => {
    const l = computeLayout(LEADS_18, 10, { speedMmPerS: 50, gainMmPerMv: 20 });
    expect(l.cells.at(-1)?.widthMm).toBe(500);
    expect(l.rowHeightMm).toBe(70);
    expect(rowHeightMm(5)).toBe(20);
  });

  it('two non-standard leads (MIT-BIH MLII/V5): one full-length row each, no rhythm strip', () => {
    const l = computeLayout(['MLII', 'V5'], 30, PAPER);
    expect(l.kind).toBe('per-lead');
    expect(l.cells.map((c) => [c.lead, c.row, c.widthMm])).toEqual([['MLII', 0, 750], ['V5', 1, 750]]);
    expect(rhythmLeadIndex(['MLII', 'V5'])).toBe(0);
    expect(rhythmLeadIndex([])).toBe(-1);
    expect(computeLayout([], 10, PAPER).cells).toEqual([]);
  });

  it('keeps leads outside the standard set in extra rows', () => {
    const l = computeLayout([...LEADS_18.slice(0, 12), 'X', 'Y'], 10, PAPER);
    expect(l.cells.filter((c) => c.lead === 'X' || c.lead === 'Y').map((c) => c.row)).toEqual([3, 3]);
  });

  it('finds the trace under a point and its sample range', () => {
    const l = computeLayout(LEADS_18, 10, PAPER);
    const avl = l.cells.find((c) => c.lead === 'aVL')!;
    expect(cellAt(l, avl.xMm + 1, avl.baselineMm + 3)?.lead).toBe('aVL');
    expect(cellAt(l, 0.5, avl.baselineMm)).toBeNull();
    expect(cellSampleRange(avl, 500, 5000)).toEqual([1250, 2500]);
    expect(cellSampleRange(avl, 500, 2000)).toEqual([1250, 2000]);
  });
});

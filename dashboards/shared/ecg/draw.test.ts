import { describe, expect, it } from 'vitest';
import { drawEcg } from './draw.js';
import { computeLayout } from './layout.js';
import { DEFAULT_PAPER } from './paper.js';

/** A 2D context that records path points in paper mm (drawing happens under one mm→px transform) and texts. */
function recordingContext(width: number, height: number) {
  const points: { x: number; y: number }[] = [];
  const texts: string[] = [];
  const ctx = {
    canvas: { width, height },
    setTransform: () => undefined,
    fillRect: () => undefined, beginPath: () => undefined, stroke: () => undefined, save: () => undefined, restore: () => undefined,
    setLineDash: () => undefined, strokeRect: () => undefined,
    moveTo: (x: number, y: number) => points.push({ x, y }),
    lineTo: (x: number, y: number) => points.push({ x, y }),
    fillText: (t: string) => texts.push(t),
    fillStyle: '', strokeStyle: '', lineWidth: 1, lineJoin: '', font: '', textBaseline: '',
  };
  return { ctx: ctx as unknown as CanvasRenderingContext2D, points, texts };
}

describe('drawEcg', () => {
  it('puts +1 mV exactly one gain (10 mm) above each baseline and labels every lead', () => {
    const leads = ['I', 'II', 'III', 'aVR', 'aVL', 'aVF', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6'];
    const samples = { sampleRateHz: 100, leads: leads.map((lead) => ({ lead, uv: new Array<number>(1000).fill(1000) })) };
    const layout = computeLayout(leads, 10, DEFAULT_PAPER);
    const pxPerMm = 2; // below the minor-line threshold: only traces, pulses and major lines are paths
    const { ctx, points, texts } = recordingContext(layout.widthMm * pxPerMm, layout.heightMm * pxPerMm);
    const drawn = drawEcg(ctx, layout, samples, { pxPerMm, paper: DEFAULT_PAPER, highlightLead: null, calipers: [], cursorMm: null });
    expect(drawn).toEqual(layout.cells.map((c) => c.lead));
    expect(texts).toEqual(layout.cells.map((c) => (c.rhythm ? `${c.lead} (rhythm)` : c.lead)));
    for (const cell of layout.cells) {
      const inCell = points.filter((p) => p.x > cell.xMm + 0.01 && p.x < cell.xMm + cell.widthMm - 0.01 && Math.abs(p.y - cell.baselineMm) < layout.rowHeightMm / 2);
      const ys = new Set(inCell.map((p) => Math.round(p.y * 1000) / 1000));
      expect(inCell.length).toBeGreaterThan(200);
      expect([...ys]).toEqual([cell.baselineMm - 10]);
    }
  });
});

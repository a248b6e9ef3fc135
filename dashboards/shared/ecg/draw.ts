import type { EcgSamples } from '../types.js';
import { decimateMinMax, drawRaw } from './decimate.js';
import { CAL_PULSE_S, cellSampleRange, type EcgLayout, type LeadCell } from './layout.js';
import { showMinorLines, type PaperSettings } from './paper.js';

/** What to draw beyond the paper and traces. Positions are paper mm. */
export interface DrawOptions {
  /** Device pixels per mm (paper.ts `devicePxPerMm`). */
  pxPerMm: number;
  paper: PaperSettings;
  /** Lead outlined (a finding's lead the reader picked), or null. */
  highlightLead: string | null;
  /** Caliper points placed so far (0, 1 or 2). */
  calipers: readonly { xMm: number; yMm: number }[];
  /** Keyboard caliper cursor, or null when the canvas is not focused. */
  cursorMm: { xMm: number; yMm: number } | null;
}

// Paper colours of a printed ECG; the trace is near-black so it stays readable on any red grid.
const PAPER = '#fff7f5';
const MINOR = '#f6c9c4';
const MAJOR = '#e0857b';
const TRACE = '#111111';
const HIGHLIGHT = '#0b5cad';
const CALIPER = '#0b5cad';

/**
 * Draws the whole sheet onto a canvas whose backing store is `layout.widthMm × layout.heightMm`
 * paper at `pxPerMm`. Drawing happens in mm (one transform), so line widths are set in device
 * pixels divided by `pxPerMm`. Returns the leads drawn, in order, for tests and screen readers.
 */
export function drawEcg(ctx: CanvasRenderingContext2D, layout: EcgLayout, samples: EcgSamples, o: DrawOptions): string[] {
  const k = o.pxPerMm;
  const px = 1 / k;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.fillStyle = PAPER;
  ctx.fillRect(0, 0, ctx.canvas.width, ctx.canvas.height);
  ctx.setTransform(k, 0, 0, k, 0, 0);
  drawGrid(ctx, layout, k);

  ctx.strokeStyle = TRACE;
  ctx.lineWidth = 1.4 * px;
  ctx.lineJoin = 'round';
  for (const base of layout.rowBaselinesMm) drawCalPulse(ctx, base, o.paper);

  const drawn: string[] = [];
  ctx.font = '3.2px system-ui, sans-serif';
  ctx.textBaseline = 'top';
  for (const cell of layout.cells) {
    const lead = samples.leads[cell.index];
    if (lead === undefined) continue;
    drawTrace(ctx, cell, lead.uv, samples.sampleRateHz, o, k);
    drawn.push(cell.lead);
    const top = cell.baselineMm - layout.rowHeightMm / 2;
    ctx.fillStyle = TRACE;
    ctx.fillText(cell.rhythm ? `${cell.lead} (rhythm)` : cell.lead, cell.xMm + 1, top + 1);
    if (cell.col > 0) {
      // Lead-change marker, as on paper: a short bar where one column ends and the next begins.
      ctx.beginPath();
      ctx.moveTo(cell.xMm, cell.baselineMm - 3);
      ctx.lineTo(cell.xMm, cell.baselineMm + 3);
      ctx.stroke();
    }
    if (o.highlightLead !== null && o.highlightLead === cell.lead) {
      ctx.save();
      ctx.strokeStyle = HIGHLIGHT;
      ctx.lineWidth = 3 * px;
      ctx.strokeRect(cell.xMm, top + 0.5, cell.widthMm, layout.rowHeightMm - 1);
      ctx.restore();
    }
  }
  drawCalipers(ctx, layout, o, px);
  return drawn;
}

function drawGrid(ctx: CanvasRenderingContext2D, layout: EcgLayout, k: number): void {
  const w = layout.widthMm;
  const h = layout.heightMm;
  const line = (major: boolean): void => {
    ctx.beginPath();
    for (let x = 0; x <= w; x += 1) {
      if ((x % 5 === 0) !== major) continue;
      ctx.moveTo(x, 0);
      ctx.lineTo(x, h);
    }
    for (let y = 0; y <= h; y += 1) {
      if ((y % 5 === 0) !== major) continue;
      ctx.moveTo(0, y);
      ctx.lineTo(w, y);
    }
    ctx.stroke();
  };
  if (showMinorLines(k)) {
    ctx.strokeStyle = MINOR;
    ctx.lineWidth = 1 / k;
    line(false);
  }
  ctx.strokeStyle = MAJOR;
  ctx.lineWidth = 1.5 / k;
  line(true);
}

/** 1 mV standardisation pulse, 200 ms wide (IEC 60601-2-25), at the start of each row. */
function drawCalPulse(ctx: CanvasRenderingContext2D, baselineMm: number, paper: PaperSettings): void {
  const x0 = 2;
  const w = CAL_PULSE_S * paper.speedMmPerS;
  const h = paper.gainMmPerMv;
  ctx.beginPath();
  ctx.moveTo(x0 - 1, baselineMm);
  ctx.lineTo(x0, baselineMm);
  ctx.lineTo(x0, baselineMm - h);
  ctx.lineTo(x0 + w, baselineMm - h);
  ctx.lineTo(x0 + w, baselineMm);
  ctx.lineTo(x0 + w + 1, baselineMm);
  ctx.stroke();
}

function drawTrace(ctx: CanvasRenderingContext2D, cell: LeadCell, uv: readonly number[], fs: number, o: DrawOptions, k: number): void {
  const [a, b] = cellSampleRange(cell, fs, uv.length);
  if (b <= a) return;
  const speed = o.paper.speedMmPerS;
  const gain = o.paper.gainMmPerMv;
  const y = (v: number): number => cell.baselineMm - (v / 1000) * gain;
  const columns = Math.max(1, Math.round(cell.widthMm * k));
  ctx.beginPath();
  if (drawRaw(b - a, columns)) {
    let pen = false;
    for (let i = a; i < b; i++) {
      const v = uv[i];
      if (v === undefined || !Number.isFinite(v)) {
        pen = false;
        continue;
      }
      const x = cell.xMm + ((i - a) / fs) * speed;
      if (pen) ctx.lineTo(x, y(v));
      else ctx.moveTo(x, y(v));
      pen = true;
    }
  } else {
    // Min/max per device-pixel column; consecutive columns are joined so the trace stays continuous.
    const { min, max } = decimateMinMax(uv, a, b, columns);
    const colMm = cell.widthMm / columns;
    let pen = false;
    for (let c = 0; c < columns; c++) {
      const lo = min[c] ?? Number.NaN;
      const hi = max[c] ?? Number.NaN;
      if (Number.isNaN(lo)) {
        pen = false;
        continue;
      }
      const x = cell.xMm + (c + 0.5) * colMm;
      if (pen) ctx.lineTo(x, y(lo));
      else ctx.moveTo(x, y(lo));
      ctx.lineTo(x, y(hi));
      pen = true;
    }
  }
  ctx.stroke();
}

function drawCalipers(ctx: CanvasRenderingContext2D, layout: EcgLayout, o: DrawOptions, px: number): void {
  const marks = [...o.calipers];
  if (o.cursorMm !== null) marks.push(o.cursorMm);
  if (marks.length === 0) return;
  ctx.save();
  ctx.strokeStyle = CALIPER;
  ctx.lineWidth = 1.5 * px;
  for (const [i, m] of marks.entries()) {
    ctx.setLineDash(i < o.calipers.length ? [] : [1, 1]);
    ctx.beginPath();
    ctx.moveTo(m.xMm, 0);
    ctx.lineTo(m.xMm, layout.heightMm);
    ctx.stroke();
  }
  const [p, q] = o.calipers;
  if (p !== undefined && q !== undefined) {
    ctx.setLineDash([]);
    ctx.beginPath();
    ctx.moveTo(p.xMm, p.yMm);
    ctx.lineTo(q.xMm, p.yMm);
    ctx.stroke();
  }
  ctx.restore();
}

import { useEffect, useRef } from 'preact/hooks';
import type { WaveBuffer } from './wave-buffer.js';

/** How one channel is drawn: colour, and the smallest vertical span (so a flat line stays flat). */
export interface TraceStyle { colour: string; minSpan: number }

export const TRACE_STYLES: Readonly<Record<string, TraceStyle>> = {
  MDC_ECG_LEAD_II: { colour: '#0d7a2e', minSpan: 2 }, // mV
  MDC_PULS_OXIM_PLETH: { colour: '#0b5cad', minSpan: 1 },
  MDC_AWAY_CO2: { colour: '#8a5a00', minSpan: 20 }, // mm[Hg]
  MDC_CONC_AWAY_CO2: { colour: '#8a5a00', minSpan: 20 },
};
const DEFAULT_STYLE: TraceStyle = { colour: '#3d4757', minSpan: 1 };

/**
 * A scrolling trace of the last `windowS` seconds up to the buffer's playhead, redrawn each
 * animation frame (min/max per pixel column, so a 500 Hz ECG keeps its QRS spikes at any width).
 */
export function WaveformCanvas(props: { buffer: WaveBuffer; code: string; label: string; unit: string; testId: string; windowS?: number }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const frames = useRef(0);
  const { buffer, code } = props;
  const windowS = props.windowS ?? 6;

  useEffect(() => {
    const c = canvas.current;
    const ctx = c?.getContext('2d');
    if (!c || !ctx) return undefined;
    const style = TRACE_STYLES[code] ?? DEFAULT_STYLE;
    let raf = 0;
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    const draw = (): void => {
      raf = requestAnimationFrame(draw);
      const dpr = window.devicePixelRatio || 1;
      const w = Math.max(1, Math.round(c.clientWidth * dpr));
      const h = Math.max(1, Math.round(c.clientHeight * dpr));
      if (c.width !== w || c.height !== h) { c.width = w; c.height = h; }
      ctx.fillStyle = '#ffffff';
      ctx.fillRect(0, 0, w, h);
      const head = buffer.playhead(performance.now());
      if (head < 0) return;
      const span = windowS * buffer.rateHz;
      const start = head - span;
      // Vertical scale follows the visible signal, widening at once and narrowing slowly.
      let wlo = Number.POSITIVE_INFINITY;
      let whi = Number.NEGATIVE_INFINITY;
      const cols: [number, number][] = [];
      for (let x = 0; x < w; x++) {
        const a = Math.floor(start + (x * span) / w);
        const b = Math.max(a + 1, Math.floor(start + ((x + 1) * span) / w));
        let mn = Number.POSITIVE_INFINITY;
        let mx = Number.NEGATIVE_INFINITY;
        for (let i = a; i < b; i++) {
          const v = buffer.at(i);
          if (Number.isNaN(v)) continue;
          if (v < mn) mn = v;
          if (v > mx) mx = v;
        }
        cols.push([mn, mx]);
        if (mn < wlo) wlo = mn;
        if (mx > whi) whi = mx;
      }
      if (!Number.isFinite(wlo)) return;
      lo = Number.isFinite(lo) ? Math.min(wlo, lo + (wlo - lo) * 0.02) : wlo;
      hi = Number.isFinite(hi) ? Math.max(whi, hi + (whi - hi) * 0.02) : whi;
      const mid = (lo + hi) / 2;
      const half = Math.max(hi - lo, style.minSpan) / 2 * 1.1;
      const y = (v: number): number => h - ((v - (mid - half)) / (2 * half)) * h;
      ctx.strokeStyle = style.colour;
      ctx.lineWidth = 1.5 * dpr;
      ctx.beginPath();
      let pen = false;
      cols.forEach(([mn, mx], x) => {
        if (!Number.isFinite(mn)) { pen = false; return; }
        if (!pen) ctx.moveTo(x, y(mn)); else ctx.lineTo(x, y(mn));
        ctx.lineTo(x, y(mx));
        pen = true;
      });
      ctx.stroke();
      frames.current += 1;
      c.dataset['frames'] = String(frames.current);
    };
    raf = requestAnimationFrame(draw);
    return () => cancelAnimationFrame(raf);
  }, [buffer, code, windowS]);

  return (
    <figure class="wave">
      <figcaption>
        <span class="wave-label">{props.label}</span>{props.unit !== '' && props.unit !== '1' ? <span class="unit"> {props.unit}</span> : null}
      </figcaption>
      <canvas ref={canvas} class="wave-canvas" data-testid={props.testId} role="img" aria-label={`${props.label} live waveform`} />
    </figure>
  );
}

import { useEffect, useRef } from 'preact/hooks';
import type { JitterBuffer } from './jitter-buffer.js';

/**
 * A sweeping trace (like a monitor): each animation frame takes the samples due from the jitter
 * buffer and draws them left to right, erasing a little ahead of the pen. `seconds` of signal fill
 * the width. NaN (a gap) lifts the pen. The canvas never holds more than one sweep.
 */
export function WaveformCanvas(props: { buffer: JitterBuffer; scale: number; range: [number, number]; seconds: number; label: string; testId: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = ref.current;
    const ctx = canvas?.getContext('2d');
    if (canvas == null || ctx == null) return undefined;
    const { buffer, scale, range, seconds } = props;
    const W = canvas.width;
    const H = canvas.height;
    const perPx = (buffer.rateHz * seconds) / W;
    let x = 0;
    let lastY: number | null = null;
    let acc = 0;
    let drawn = 0;
    let raf = 0;
    ctx.lineWidth = 1.5;
    ctx.strokeStyle = '#0b7a3e';
    const frame = (): void => {
      for (const s of buffer.take(performance.now())) {
        acc += 1;
        if (acc < perPx) continue;
        acc -= perPx;
        ctx.clearRect(x, 0, 12, H);
        const v = s * scale;
        const y = Number.isFinite(v) ? H - ((v - range[0]) / (range[1] - range[0])) * H : null;
        if (y !== null && lastY !== null) {
          ctx.beginPath();
          ctx.moveTo(x - 1, lastY);
          ctx.lineTo(x, y);
          ctx.stroke();
        }
        lastY = y;
        x += 1;
        drawn += 1;
        if (x >= W) { x = 0; lastY = null; }
      }
      canvas.dataset['drawn'] = String(drawn);
      raf = requestAnimationFrame(frame);
    };
    raf = requestAnimationFrame(frame);
    return () => cancelAnimationFrame(raf);
    // `range` is read on every sample (the board widens it in place), so it is not a dependency.
  }, [props.buffer, props.scale, props.seconds]);
  return <canvas ref={ref} class="waveform" width={600} height={90} aria-label={props.label} data-testid={props.testId} />;
}

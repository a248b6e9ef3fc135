import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { EcgFinding, EcgSamples } from '../types.js';
import { drawEcg } from './draw.js';
import { FindingsList } from './findings-list.js';
import { cellAt, computeLayout } from './layout.js';
import { caliperReading, cssPxPerMm, DEFAULT_PAPER, devicePxPerMm, GAINS_MM_PER_MV, SPEEDS_MM_PER_S, type PaperSettings } from './paper.js';
import { samplesDurationS } from './views.js';

/** Screen calibration (see paper.ts `cssPxPerMm`), kept per browser so a site measures once. */
const CAL_KEY = 'telemed.ecg.calibration';

/** Accepted screen calibration factors; outside this a typo, not a screen. */
const CAL_MIN = 0.5;
const CAL_MAX = 2;

function storedCalibration(): number {
  try {
    const v = Number(localStorage.getItem(CAL_KEY));
    return v >= CAL_MIN && v <= CAL_MAX ? v : 1;
  } catch {
    return 1;
  }
}

function storeCalibration(v: number): void {
  try {
    localStorage.setItem(CAL_KEY, String(v));
  } catch {
    // Private mode or storage full: the factor still applies to this page.
  }
}

type Point = { xMm: number; yMm: number };

/**
 * The ECG sheet: paper grid, leads in the standard layout with labels and calibration pulses, the
 * rhythm strip, gain/speed controls, calipers (mouse clicks, or keyboard: arrows move, Enter
 * places, Escape clears) and the findings beside it.
 */
export function EcgViewer(props: { samples: EcgSamples; findings: readonly EcgFinding[]; title: string; testId?: string }) {
  const { samples } = props;
  const [paper, setPaper] = useState<PaperSettings>(DEFAULT_PAPER);
  const [highlight, setHighlight] = useState<string | null>(null);
  const [calipers, setCalipers] = useState<Point[]>([]);
  const [cursor, setCursor] = useState<Point | null>(null);
  const [drawn, setDrawn] = useState<string[]>([]);
  const canvas = useRef<HTMLCanvasElement>(null);
  const [calibration, setCalibration] = useState(storedCalibration);
  const cssK = cssPxPerMm(calibration);
  const durationS = samplesDurationS(samples);
  const layout = useMemo(() => computeLayout(samples.leads.map((l) => l.lead), durationS, paper), [samples, durationS, paper]);

  useEffect(() => {
    const c = canvas.current;
    const ctx = c?.getContext('2d');
    if (c == null || ctx == null) return;
    const k = devicePxPerMm(window.devicePixelRatio, calibration);
    c.width = Math.ceil(layout.widthMm * k);
    c.height = Math.ceil(layout.heightMm * k);
    const t0 = performance.now();
    setDrawn(drawEcg(ctx, layout, samples, { pxPerMm: k, paper, highlightLead: highlight, calipers, cursorMm: cursor }));
    // Exposed for the e2e tests and anyone profiling a slow ward PC: one full redraw, ms.
    c.dataset['drawMs'] = (performance.now() - t0).toFixed(1);
  }, [layout, samples, paper, highlight, calipers, cursor, calibration]);

  const place = (p: Point): void => setCalipers((cur) => (cur.length >= 2 ? [p] : [...cur, p]));
  const onClick = (e: MouseEvent): void => place({ xMm: e.offsetX / cssK, yMm: e.offsetY / cssK });
  const onKey = (e: KeyboardEvent): void => {
    const step = e.shiftKey ? 5 : 1;
    const cur = cursor ?? { xMm: layout.traceXMm, yMm: layout.rowBaselinesMm[0] ?? 0 };
    const moves: Record<string, Point> = {
      ArrowLeft: { xMm: Math.max(0, cur.xMm - step), yMm: cur.yMm },
      ArrowRight: { xMm: Math.min(layout.widthMm, cur.xMm + step), yMm: cur.yMm },
      ArrowUp: { xMm: cur.xMm, yMm: Math.max(0, cur.yMm - layout.rowHeightMm) },
      ArrowDown: { xMm: cur.xMm, yMm: Math.min(layout.heightMm, cur.yMm + layout.rowHeightMm) },
    };
    const next = moves[e.key];
    if (next !== undefined) setCursor(next);
    else if (e.key === 'Enter' || e.key === ' ') place(cur);
    else if (e.key === 'Escape') setCalipers([]);
    else return;
    e.preventDefault();
  };

  const [p, q] = calipers;
  const reading = p !== undefined && q !== undefined ? caliperReading(p.xMm, q.xMm, paper.speedMmPerS) : null;
  const onLead = p !== undefined ? cellAt(layout, p.xMm, p.yMm)?.lead ?? null : null;
  const id = props.testId ?? 'ecg-viewer';
  const setNum = (key: keyof PaperSettings) => (e: Event) => setPaper((cur) => ({ ...cur, [key]: Number((e.currentTarget as HTMLSelectElement).value) }));

  return (
    <section class="ecg-viewer" data-testid={id} aria-label={props.title}>
      <div class="ecg-controls">
        <label>
          Gain
          <select value={paper.gainMmPerMv} onChange={setNum('gainMmPerMv')} data-testid={`${id}-gain`}>
            {GAINS_MM_PER_MV.map((g) => (
              <option key={g} value={g}>{`${g} mm/mV`}</option>
            ))}
          </select>
        </label>
        <label>
          Speed
          <select value={paper.speedMmPerS} onChange={setNum('speedMmPerS')} data-testid={`${id}-speed`}>
            {SPEEDS_MM_PER_S.map((s) => (
              <option key={s} value={s}>{`${s} mm/s`}</option>
            ))}
          </select>
        </label>
        <label>
          Screen scale
          <input
            type="number"
            min={CAL_MIN}
            max={CAL_MAX}
            step={0.01}
            value={calibration}
            class="cal-input"
            data-testid={`${id}-calibration`}
            title="1 = nominal. If 50 mm of grid measures M mm with a ruler, enter 50 ÷ M."
            onChange={(e) => {
              const v = Number(e.currentTarget.value);
              if (v >= CAL_MIN && v <= CAL_MAX) {
                setCalibration(v);
                storeCalibration(v);
              }
            }}
          />
        </label>
        <output class="caliper-reading" data-testid={`${id}-caliper`} aria-live="polite">
          {reading === null
            ? calipers.length === 1
              ? 'Caliper: place the second point'
              : 'Calipers: click two points on the trace'
            : `Interval ${Math.round(reading.intervalMs)} ms${reading.rateBpm !== null ? ` · ${Math.round(reading.rateBpm)} bpm` : ''}${onLead !== null ? ` (lead ${onLead})` : ''}`}
        </output>
        {calipers.length > 0 ? (
          <button type="button" class="plain" onClick={() => setCalipers([])}>
            Clear calipers
          </button>
        ) : null}
      </div>
      <div class="ecg-body">
        <div class="ecg-scroll">
          <canvas
            ref={canvas}
            class="ecg-canvas"
            tabIndex={0}
            role="img"
            aria-label={`${props.title}: ${drawn.length} leads (${drawn.join(', ')}) at ${paper.speedMmPerS} mm/s and ${paper.gainMmPerMv} mm/mV. Arrow keys move the caliper, Enter places a point, Escape clears.`}
            data-testid={`${id}-canvas`}
            data-drawn-leads={drawn.join(',')}
            style={{ width: `${layout.widthMm * cssK}px`, height: `${layout.heightMm * cssK}px` }}
            onClick={onClick}
            onKeyDown={onKey}
            onBlur={() => setCursor(null)}
          />
        </div>
        <aside class="ecg-side">
          <h3>Findings</h3>
          <FindingsList findings={props.findings} highlightLead={highlight} onPickLead={setHighlight} testId={`${id}-findings`} />
        </aside>
      </div>
    </section>
  );
}

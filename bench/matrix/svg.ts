// One SVG per scenario: each class's one-way latency over the run (log scale) against the capacity
// the cell offered (the emulator's count, per 200 ms), so a latency tail can be read against a
// capacity dip, an outage or a competing flow. Frames never delivered are marked on the top edge.
// Pale red bands: the spans in which the cell offered CONTROL no delivery opportunity within its
// budget (bench/matrix/attainable.ts), where no sender could have been on time.
import type { ClassName } from '../../protocols/index.js';
import type { RawRun } from '../uplink/run.js';

const W = 900;
const H = 360;
const M = { l: 56, r: 60, t: 40, b: 36 };
const COLOURS: Record<ClassName, string> = {
  control: '#d62728', alarm: '#9467bd', vitals: '#2ca02c', waveform: '#1f77b4', video: '#ff7f0e', bulk: '#7f7f7f',
};
const LAT_MIN = 1;
const LAT_MAX = 100_000;

const esc = (s: string): string => s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c] ?? c);

/** Capacity offered per 200 ms bucket, Mbit/s, from the link trace's cumulative `offeredBytes`. */
export function capacitySeries(raw: RawRun, bucketMs = 200): [number, number][] {
  const rows = raw.linkTrace.filter((r) => (r[3] ?? -1) >= 0);
  const out: [number, number][] = [];
  for (let i = 0; i < rows.length;) {
    const t0 = rows[i]?.[0] ?? 0;
    let j = i + 1;
    while (j < rows.length && (rows[j]?.[0] ?? 0) - t0 < bucketMs) j++;
    const last = rows[Math.min(j, rows.length - 1)];
    if (!last || last === rows[i]) break;
    const dt = (last[0] ?? 0) - t0;
    if (dt > 0) out.push([t0, (((last[3] ?? 0) - (rows[i]?.[3] ?? 0)) * 8) / dt / 1000]);
    i = j;
  }
  return out;
}

export function scenarioSvg(title: string, raw: RawRun): string {
  const pw = W - M.l - M.r;
  const ph = H - M.t - M.b;
  const span = Math.max(1, raw.t1 - raw.t0);
  const x = (t: number): number => M.l + ((t - raw.t0) / span) * pw;
  const y = (ms: number): number => M.t + ph - (Math.log10(Math.min(LAT_MAX, Math.max(LAT_MIN, ms))) / Math.log10(LAT_MAX)) * ph;
  const cap = capacitySeries(raw).filter(([t]) => t >= raw.t0 && t <= raw.t1);
  const capMax = Math.max(1, ...cap.map(([, v]) => v));
  const yc = (mbps: number): number => M.t + ph - (mbps / capMax) * ph;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`);
  parts.push(`<title>${esc(title)}</title><rect width="${W}" height="${H}" fill="#fff"/>`);
  parts.push(`<text x="${M.l}" y="15" font-weight="bold">${esc(title)}</text>`);
  const bands = (raw.controlUnreachable ?? [])
    .map(([a, b]): [number, number] => [Math.max(a, raw.t0), Math.min(b, raw.t1)])
    .filter(([a, b]) => b > a);
  if (bands.length > 0) {
    // Adjacent 1-ms spans merge on screen; a band is at least one pixel wide.
    const d = bands.map(([a, b]) => `M${x(a).toFixed(1)},${M.t}h${Math.max(1, x(b) - x(a)).toFixed(1)}v${ph}h${(-Math.max(1, x(b) - x(a))).toFixed(1)}z`).join('');
    parts.push(`<path d="${d}" fill="#fbe3e3" stroke="none" data-role="control-unreachable"/>`);
    parts.push(`<text x="${M.l}" y="${H - 6}" fill="#b55">pale red: no sender could deliver CONTROL on time (no delivery opportunity)</text>`);
  }
  for (const ms of [1, 10, 100, 1000, 10_000, 100_000]) {
    parts.push(`<line x1="${M.l}" x2="${M.l + pw}" y1="${y(ms).toFixed(1)}" y2="${y(ms).toFixed(1)}" stroke="#eee"/><text x="${M.l - 6}" y="${(y(ms) + 4).toFixed(1)}" text-anchor="end">${ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`}</text>`);
  }
  for (let s = 0; s <= span / 1000; s += Math.max(1, Math.round(span / 10_000))) {
    const xx = M.l + ((s * 1000) / span) * pw;
    parts.push(`<text x="${xx.toFixed(1)}" y="${H - M.b + 14}" text-anchor="middle">${s}</text>`);
  }
  parts.push(`<text x="${M.l + pw}" y="${H - 6}" text-anchor="end">seconds into the measured window (capture time)</text>`);
  parts.push(`<text x="${W - 4}" y="15" text-anchor="end" fill="#555">grey: capacity offered, Mbit/s (right axis)</text>`);
  for (const f of [0, 0.5, 1]) {
    parts.push(`<text x="${M.l + pw + 6}" y="${(yc(capMax * f) + 4).toFixed(1)}" fill="#555">${(capMax * f).toFixed(capMax < 10 ? 1 : 0)}</text>`);
  }
  if (cap.length > 1) {
    const d = cap.map(([t, v], i) => `${i === 0 ? 'M' : 'L'}${x(t).toFixed(1)},${yc(v).toFixed(1)}`).join('');
    parts.push(`<path d="${d}" fill="none" stroke="#999" stroke-width="1.5"/>`);
  }
  const first = new Map<string, number>();
  for (const r of raw.hub.recv) {
    const k = `${r.s}\u0000${r.q}`;
    if (!first.has(k)) first.set(k, r.r);
  }
  const classes: ClassName[] = ['bulk', 'video', 'waveform', 'vitals', 'alarm', 'control'];
  for (const c of classes) {
    const frames = raw.edge.sent.filter((s) => s.c === c && s.t >= raw.t0 && s.t < raw.t1);
    // At most ~1500 points per class: every k-th frame, but every undelivered one.
    const step = Math.max(1, Math.ceil(frames.length / 1500));
    const pts: string[] = [];
    const lost: string[] = [];
    frames.forEach((s, i) => {
      const r = first.get(`${s.s}\u0000${s.q}`);
      if (r === undefined) lost.push(`M${x(s.t).toFixed(1)},${M.t}v4`);
      else if (i % step === 0) pts.push(`M${x(s.t).toFixed(1)},${y(r - s.t).toFixed(1)}h1`);
    });
    if (pts.length > 0) parts.push(`<path d="${pts.join('')}" stroke="${COLOURS[c]}" stroke-width="2" fill="none"/>`);
    if (lost.length > 0) parts.push(`<path d="${lost.join('')}" stroke="${COLOURS[c]}" stroke-width="1" fill="none"/>`);
  }
  classes.slice().reverse().forEach((c, i) => {
    parts.push(`<rect x="${M.l + i * 84}" y="${M.t - 20}" width="10" height="10" fill="${COLOURS[c]}"/><text x="${M.l + 14 + i * 84}" y="${M.t - 11}">${c.toUpperCase()}</text>`);
  });
  parts.push(`<text x="${M.l + pw}" y="${M.t - 11}" text-anchor="end" fill="#555">ticks on the top edge: never delivered</text>`);
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

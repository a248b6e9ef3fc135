// Beat morphology: how much a candidate looks like the QRS complexes already accepted. A T or P
// wave, or a burst of noise, that reaches the detection threshold rarely has the shape of any recent
// beat, while a real beat (normal or ectopic) looks like at least one of them: multiform PVCs repeat
// their forms too. Used only for candidates the energy rules leave in doubt, so it costs little.
import type { LeadFeatures } from './features.js';

export interface MorphologyOptions {
  /** Half-width of the compared window around the candidate, in s. Default 0.1 (one QRS). */
  halfWindowS: number;
  /** Largest shift tried to line the candidate up with a stored beat, in s. Default 0.03. */
  maxLagS: number;
  /** Stored beats to compare with (a bounded ring: the oldest is overwritten). Default 8. */
  keep: number;
}

export const DEFAULT_MORPHOLOGY: MorphologyOptions = { halfWindowS: 0.1, maxLagS: 0.03, keep: 8 };

/** Recent beats' band-passed multi-lead windows, and the best correlation of a candidate with any of them. */
export class BeatMemory {
  private readonly half: number;
  private readonly lag: number;
  private readonly beats: Float64Array[] = [];
  private next = 0;

  constructor(private readonly leads: readonly LeadFeatures[], fs: number, private readonly o: MorphologyOptions = DEFAULT_MORPHOLOGY) {
    this.half = Math.max(1, Math.round(o.halfWindowS * fs));
    this.lag = Math.max(0, Math.round(o.maxLagS * fs));
  }

  /** Number of beats stored (at most `keep`). */
  get size(): number { return this.beats.length; }

  /** Stores the window of an accepted beat centred on sample p. */
  remember(p: number): void {
    const w = this.window(p);
    if (this.beats.length < this.o.keep) this.beats.push(w);
    else { this.beats[this.next] = w; this.next = (this.next + 1) % this.o.keep; }
  }

  /**
   * Highest Pearson correlation (-1..1) of the window at p, shifted by up to ±maxLag, with a stored
   * beat, over the leads where `use[k]` is true (all when omitted); NaN with none stored or none used.
   */
  bestCorrelation(p: number, use?: readonly boolean[]): number {
    const len = 2 * this.half + 1;
    const leads = this.leads.map((_, k) => k).filter((k) => use?.[k] ?? true);
    if (this.beats.length === 0 || leads.length === 0) return Number.NaN;
    const pick = (w: Float64Array): Float64Array => {
      if (leads.length === this.leads.length) return w;
      const out = new Float64Array(len * leads.length);
      leads.forEach((k, j) => out.set(w.subarray(k * len, (k + 1) * len), j * len));
      return out;
    };
    const stored = this.beats.map(pick);
    let best = -1;
    for (let d = -this.lag; d <= this.lag; d++) {
      const w = pick(this.window(p + d));
      for (const b of stored) best = Math.max(best, correlation(w, b));
    }
    return best;
  }

  /** The leads' band-passed samples around p, weighted by each lead's fusion weight, end to end. */
  private window(p: number): Float64Array {
    const len = 2 * this.half + 1;
    const out = new Float64Array(len * this.leads.length);
    this.leads.forEach((l, k) => {
      const x = l.bandPassed;
      const w = Math.sqrt(l.weight[Math.min(Math.max(p, 0), x.length - 1)] ?? 0);
      // Per-lead scale so one high-gain lead does not decide the shape alone.
      let e = 0;
      for (let i = 0; i < len; i++) { const v = x[p - this.half + i] ?? 0; e += v * v; }
      const s = e > 0 ? w / Math.sqrt(e / len) : 0;
      for (let i = 0; i < len; i++) out[k * len + i] = (x[p - this.half + i] ?? 0) * s;
    });
    return out;
  }
}

/** Pearson correlation of two equally long vectors (0 when either is constant). */
export function correlation(a: Float64Array, b: Float64Array): number {
  const n = Math.min(a.length, b.length);
  let sa = 0, sb = 0;
  for (let i = 0; i < n; i++) { sa += a[i] ?? 0; sb += b[i] ?? 0; }
  const ma = sa / n, mb = sb / n;
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < n; i++) {
    const x = (a[i] ?? 0) - ma, y = (b[i] ?? 0) - mb;
    ab += x * y; aa += x * x; bb += y * y;
  }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
}

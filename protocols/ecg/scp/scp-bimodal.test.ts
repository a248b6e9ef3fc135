// Bimodal compression (rhythm decimated outside Section 4's protected areas), a decimated residual,
// and a reference beat stored at a longer interval than the rhythm: files built by the test-only
// writer from a known synthetic ECG, decoded, and compared with the samples they were built from.
// Inside the protected areas the reader must give them back exactly; outside, within the bounds
// stated below (the reconstruction is lossy by design of the format, and says so in a note).
import { describe, expect, it } from 'vitest';
import { ScpErrorCode, decodeScp, readScpEcg } from './index.js';
import { storedCount, upsampleBeat, upsampleLead, validProtectedAreas } from './decimation.js';
import { applyDifferences, decimateBimodal, writeScp, type TestScp } from './scp-test-writer.js';
import { mulberry32 as rng } from '../../random.js';


const gauss = (t: number, at: number, sigma: number, amp: number): number => amp * Math.exp(-0.5 * ((t - at) / sigma) ** 2);

/** P-QRS-T of one lead in µV, `t` samples from the R peak at 500 Hz; `tScale` varies the T wave. */
function beatShape(t: number, lead: number, tScale = 1): number {
  const k = lead === 0 ? 1 : -0.6; // lead 2: smaller, inverted
  return k * (gauss(t, -80, 10, 150) + gauss(t, -10, 3, -150) + gauss(t, 0, 4, 1500) + gauss(t, 10, 4, -300)) + gauss(t, 150, 25, 350 * tScale);
}

const N = 5000; // 10 s at 500 Hz
const FULL_US = 2000;
const BEAT_BEFORE = 150; // reference beat: R-150 .. R+249 (800 ms), fiducial 151
const BEAT_LEN = 400;

interface Synthetic {
  /** The cart's samples, µV = counts (AVM 1000 nV), per lead. */
  x: number[][];
  r: number[];
  beat: number[][];
  complexes: { type: number; start: number; fiducial: number; end: number }[];
  areas: { start: number; end: number }[];
}

/** Ten seconds of two leads: beats every 380-420 samples, per-beat T and R changes, baseline wander, noise (peak to peak). */
function synthetic(seed: number, noiseUv = 8): Synthetic {
  const rand = rng(seed);
  const r: number[] = [];
  for (let at = 200; at < N - 260; at += 380 + Math.floor(rand() * 41)) r.push(at);
  const tScale = r.map(() => 0.85 + 0.3 * rand());
  const rScale = r.map(() => 0.95 + 0.1 * rand());
  const x = [0, 1].map((lead) => Array.from({ length: N }, (_, i) => {
    const s = i + 1; // sample number
    let v = 120 * Math.sin((2 * Math.PI * 0.3 * i) / 500) + noiseUv * (rand() - 0.5);
    r.forEach((at, b) => {
      const t = s - at;
      if (t > -200 && t < 300) v += (rScale[b] ?? 1) * beatShape(t, lead, tScale[b] ?? 1);
    });
    return Math.round(v) | 0;
  }));
  const beat = [0, 1].map((lead) => Array.from({ length: BEAT_LEN }, (_, j) => Math.round(beatShape(j - BEAT_BEFORE, lead)) | 0));
  const complexes = r.map((at) => ({ type: 0, start: at - 130, fiducial: at, end: at + 230 }));
  const areas = r.map((at) => ({ start: at - 40, end: at + 40 }));
  return { x, r, beat, complexes, areas };
}

/** Encoder side of reference-beat subtraction: x minus the beat inside each type-0 zone. */
function subtract(syn: Synthetic): number[][] {
  return syn.x.map((lead, li) => lead.map((v, k) => {
    const s = k + 1;
    const z = syn.complexes.find((q) => s >= q.start && s <= q.end);
    return z === undefined ? v : v - (syn.beat[li]?.[s - z.fiducial + BEAT_BEFORE] ?? 0);
  }));
}

function bimodalFile(syn: Synthetic, opts: { subtract: boolean; factor?: number; difference?: 0 | 1 | 2 }): Uint8Array {
  const factor = opts.factor ?? 4;
  const values = opts.subtract ? subtract(syn) : syn.x;
  return writeScp({
    huffman: 'default',
    leads: [{ id: 1, start: 1, end: N }, { id: 2, start: 1, end: N }],
    flags: opts.subtract ? 0x15 : 0x14,
    qrs: { beatMs: (BEAT_LEN * FULL_US) / 1000, fiducial: BEAT_BEFORE + 1, complexes: syn.complexes, protectedAreas: syn.areas },
    beat: { avmNv: 1000, intervalUs: FULL_US, difference: 1, leads: syn.beat },
    rhythm: {
      avmNv: 1000, intervalUs: FULL_US * factor, difference: opts.difference ?? 2, bimodal: true,
      leads: values.map((l) => decimateBimodal(l, 1, syn.areas, factor)),
    },
  });
}

/** Max and RMS |decoded - original| over the samples outside the protected areas, and the count inside that differ. */
function errors(decoded: Int32Array, original: readonly number[], areas: readonly { start: number; end: number }[]): { max: number; rms: number; insideWrong: number } {
  let max = 0;
  let sq = 0;
  let n = 0;
  let insideWrong = 0;
  for (let k = 0; k < original.length; k++) {
    const s = k + 1;
    const e = Math.abs((decoded[k] ?? 0) - (original[k] ?? 0));
    if (areas.some((a) => s >= a.start && s <= a.end)) {
      if (e !== 0) insideWrong++;
      continue;
    }
    max = Math.max(max, e);
    sq += e * e;
    n++;
  }
  return { max, rms: Math.sqrt(sq / Math.max(1, n)), insideWrong };
}

describe('SCP-ECG bimodal compression', () => {
  const syn = synthetic(42);

  it('decimation by 4 with reference-beat subtraction: exact inside the protected areas, ≤ 10 µV (RMS ≤ 3 µV) outside', () => {
    const file = bimodalFile(syn, { subtract: true });
    const r = readScpEcg(file, 'bimodal');
    expect(r.sampleRateHz).toBe(500);
    expect(r.frames).toBe(N);
    expect(r.notes.some((n) => n.startsWith('lossy: bimodal compression; rhythm stored at 8000 µs (decimated by 4)'))).toBe(true);
    const d = decodeScp(file);
    expect(d.reconstruction?.decimation).toEqual({ factor: 4, storedIntervalUs: 8000, bimodal: true, protectedAreas: syn.areas.length });
    r.leads.forEach((l, li) => {
      const e = errors(l.samples, syn.x[li] ?? [], syn.areas);
      console.log(JSON.stringify({ case: 'bimodal+subtraction', beats: syn.r.length, lead: li + 1, maxUv: e.max, rmsUv: Number(e.rms.toFixed(2)) }));
      expect(e.insideWrong).toBe(0);
      expect(e.max).toBeLessThanOrEqual(10);
      expect(e.rms).toBeLessThanOrEqual(3);
      expect(e.max).toBeGreaterThan(0); // lossy indeed: the noise is gone
    });
  });

  it('decimation by 4 without subtraction (P and T waves decimated too): exact inside, ≤ 15 µV (RMS ≤ 3.5 µV) outside', () => {
    const r = readScpEcg(bimodalFile(syn, { subtract: false, difference: 1 }), 'bimodal-only');
    r.leads.forEach((l, li) => {
      const e = errors(l.samples, syn.x[li] ?? [], syn.areas);
      console.log(JSON.stringify({ case: 'bimodal', lead: li + 1, maxUv: e.max, rmsUv: Number(e.rms.toFixed(2)) }));
      expect(e.insideWrong).toBe(0);
      expect(e.max).toBeLessThanOrEqual(15);
      expect(e.rms).toBeLessThanOrEqual(3.5);
    });
    // Without noise the error is the interpolation's own: P (σ 20 ms) and T (σ 50 ms) at 125 Hz.
    const clean = synthetic(42, 0);
    const c = readScpEcg(bimodalFile(clean, { subtract: false }), 'clean');
    c.leads.forEach((l, li) => {
      const e = errors(l.samples, clean.x[li] ?? [], clean.areas);
      console.log(JSON.stringify({ case: 'bimodal, no noise', lead: li + 1, maxUv: e.max, rmsUv: Number(e.rms.toFixed(2)) }));
      expect(e.insideWrong).toBe(0);
      expect(e.max).toBeLessThanOrEqual(6);
      expect(e.rms).toBeLessThanOrEqual(1);
    });
  });

  it('factors 2 and 3 decode with the same layout; factor 1 (flag set, nothing decimated) is exact and not marked lossy', () => {
    for (const factor of [2, 3]) {
      const r = readScpEcg(bimodalFile(syn, { subtract: true, factor }), `f${factor}`);
      const e = errors(r.leads[0]?.samples ?? new Int32Array(), syn.x[0] ?? [], syn.areas);
      expect(e.insideWrong).toBe(0);
      expect(e.max).toBeLessThanOrEqual(10);
    }
    const same = readScpEcg(bimodalFile(syn, { subtract: true, factor: 1 }), 'f1');
    same.leads.forEach((l, li) => expect(Array.from(l.samples)).toEqual(syn.x[li]));
    expect(same.notes.some((n) => n.startsWith('lossy:'))).toBe(false);
  });

  it('non-simultaneous leads: protected areas are record sample numbers, clipped to each lead', () => {
    const wave = (k: number): number[] => Array.from({ length: 400 }, (_, i) => Math.round(200 * Math.sin(i / (15 + k)) + (i % 200 > 90 && i % 200 < 110 ? 900 : 0)));
    // Around each pulse (lead 1: samples 92..110, 292..310; lead 2: 492..510, 692..710), one across the leads' border.
    const areas = [{ start: 85, end: 115 }, { start: 285, end: 315 }, { start: 390, end: 420 }, { start: 485, end: 515 }, { start: 685, end: 715 }];
    const leads = [{ id: 1, start: 1, end: 400 }, { id: 2, start: 401, end: 800 }];
    const x = [wave(1), wave(2)];
    const file = writeScp({
      huffman: 'default', leads, flags: 0x08,
      // Section 4 holds one protected area per complex.
      qrs: { beatMs: 20, fiducial: 5, complexes: areas.map((a) => ({ type: 0, start: a.start, fiducial: a.start + 15, end: a.end })), protectedAreas: areas },
      beat: { avmNv: 1000, intervalUs: 2000, difference: 0, leads: [Array<number>(10).fill(0), Array<number>(10).fill(0)] },
      rhythm: { avmNv: 1000, intervalUs: 6000, difference: 1, bimodal: true, leads: x.map((l, i) => decimateBimodal(l, leads[i]?.start ?? 1, areas, 3)) },
    });
    const r = readScpEcg(file, 'groups');
    expect(r.frames).toBe(800);
    r.leads.forEach((l, li) => {
      const from = (leads[li]?.start ?? 1) - 1;
      const own = l.samples.subarray(from, from + 400);
      const shifted = areas.map((a) => ({ start: a.start - from, end: a.end - from }));
      const e = errors(own, x[li] ?? [], shifted);
      expect(e.insideWrong).toBe(0);
      // Worst at each lead's first sample, held at the first average (slope ≈ 13 µV per sample there).
      expect(e.max).toBeLessThanOrEqual(15);
      expect(e.rms).toBeLessThanOrEqual(2);
    });
  });

  it('a decimated residual without the bimodal flag is interpolated over the whole lead', () => {
    const residual = subtract(syn);
    const file = writeScp({
      huffman: 'default',
      leads: [{ id: 1, start: 1, end: N }, { id: 2, start: 1, end: N }],
      flags: 0x15,
      qrs: { beatMs: (BEAT_LEN * FULL_US) / 1000, fiducial: BEAT_BEFORE + 1, complexes: syn.complexes, protectedAreas: null },
      beat: { avmNv: 1000, intervalUs: FULL_US, difference: 1, leads: syn.beat },
      rhythm: { avmNv: 1000, intervalUs: 2 * FULL_US, difference: 2, leads: residual.map((l) => decimateBimodal(l, 1, [], 2)) },
    });
    const r = readScpEcg(file, 'residual');
    expect(r.sampleRateHz).toBe(500);
    expect(r.notes.some((n) => n.startsWith('lossy: rhythm stored at 4000 µs (decimated by 2)'))).toBe(true);
    r.leads.forEach((l, li) => {
      const e = errors(l.samples, syn.x[li] ?? [], []);
      console.log(JSON.stringify({ case: 'decimated residual ×2', lead: li + 1, maxUv: e.max, rmsUv: Number(e.rms.toFixed(2)) }));
      // The QRS itself comes from the full-rate reference beat; what is interpolated is the residual.
      expect(e.max).toBeLessThanOrEqual(10);
      expect(e.rms).toBeLessThanOrEqual(3);
    });
  });

  it('a reference beat at twice the rhythm interval is resampled to the rhythm rate before add-back', () => {
    const residual = subtract(syn);
    // The cart stored every other beat sample (250 Hz); the reader interpolates it back to 500 Hz.
    const slowBeat = syn.beat.map((b) => b.filter((_, j) => j % 2 === 0));
    const file = writeScp({
      huffman: 'default',
      leads: [{ id: 1, start: 1, end: N }, { id: 2, start: 1, end: N }],
      flags: 0x15,
      qrs: { beatMs: (BEAT_LEN * FULL_US) / 1000, fiducial: BEAT_BEFORE / 2 + 1, complexes: syn.complexes, protectedAreas: null },
      beat: { avmNv: 1000, intervalUs: 2 * FULL_US, difference: 1, leads: slowBeat },
      rhythm: { avmNv: 1000, intervalUs: FULL_US, difference: 2, leads: residual },
    });
    const r = readScpEcg(file, 'slow-beat');
    expect(r.sampleRateHz).toBe(500);
    expect(r.notes.some((n) => n.startsWith('lossy: reference beat stored at 4000 µs, resampled'))).toBe(true);
    r.leads.forEach((l, li) => {
      const x = syn.x[li] ?? [];
      const zones = syn.complexes;
      // Outside the subtraction zones the rhythm is the file's own samples: exact.
      const outside = errors(l.samples, x, zones);
      expect(outside.insideWrong).toBeGreaterThan(0); // inside the zones: interpolated beat
      const e = errors(l.samples, x, []);
      console.log(JSON.stringify({ case: 'beat at 250 Hz', lead: li + 1, maxUv: e.max, rmsUv: Number(e.rms.toFixed(2)) }));
      expect(outside.max).toBe(0);
      expect(e.max).toBeLessThanOrEqual(60); // a 1500 µV R wave of σ 8 ms sampled every 4 ms
    });
  });

  it('rejections keep their codes', () => {
    const code = (f: () => unknown): string => {
      try { f(); } catch (err) { return (err as { code?: string }).code ?? String(err); }
      return 'none';
    };
    const spec = (over: Partial<TestScp>, rhythmOver: Partial<NonNullable<TestScp['rhythm']>> = {}, noBeat = false): Uint8Array => {
      const base: TestScp = {
        huffman: 'default',
        leads: [{ id: 1, start: 1, end: 800 }],
        flags: 0x14,
        qrs: { beatMs: 100, fiducial: 20, complexes: [{ type: 0, start: 200, fiducial: 220, end: 260 }], protectedAreas: [{ start: 210, end: 240 }] },
        beat: { avmNv: 1000, intervalUs: 2000, difference: 0, leads: [Array<number>(50).fill(1)] },
        rhythm: { avmNv: 1000, intervalUs: 8000, difference: 0, bimodal: true, leads: [decimateBimodal(Array<number>(800).fill(3), 1, [{ start: 210, end: 240 }], 4)] },
        ...over,
      };
      if (base.rhythm !== undefined) base.rhythm = { ...base.rhythm, ...rhythmOver };
      if (noBeat) delete base.beat;
      return writeScp(base);
    };
    expect(Array.from(readScpEcg(spec({}), 'ok').leads[0]?.samples ?? [])).toEqual(Array<number>(800).fill(3));
    expect(code(() => readScpEcg(spec({}, { intervalUs: 10_000 }), 'x'))).toBe(ScpErrorCode.UNSUPPORTED); // factor 5
    expect(code(() => readScpEcg(spec({}, { intervalUs: 7000 }), 'x'))).toBe(ScpErrorCode.UNSUPPORTED); // factor 3.5
    expect(code(() => readScpEcg(spec({}, {}, true), 'x'))).toBe(ScpErrorCode.UNSUPPORTED); // full rate unknown
    const q = (areas: { start: number; end: number }[] | null): Partial<TestScp> =>
      ({ qrs: { beatMs: 100, fiducial: 20, complexes: [{ type: 0, start: 200, fiducial: 220, end: 260 }, { type: 0, start: 500, fiducial: 520, end: 560 }], protectedAreas: areas } });
    expect(code(() => readScpEcg(spec(q(null)), 'x'))).toBe(ScpErrorCode.FORMAT);
    expect(code(() => readScpEcg(spec(q([{ start: 210, end: 240 }, { start: 230, end: 250 }])), 'x'))).toBe(ScpErrorCode.FORMAT);
    expect(code(() => readScpEcg(spec(q([{ start: 210, end: 240 }, { start: 790, end: 801 }])), 'x'))).toBe(ScpErrorCode.FORMAT);
    expect(code(() => readScpEcg(spec(q([{ start: 240, end: 210 }, { start: 0, end: 0 }])), 'x'))).toBe(ScpErrorCode.FORMAT);
    // A stream too short for the layout: the Huffman decoder says so.
    expect(code(() => readScpEcg(spec({}, { intervalUs: 8000, leads: [[3, 3, 3]] }), 'x'))).toBe(ScpErrorCode.HUFFMAN);
    // A beat slower than the rhythm by a factor > 4 cannot be placed.
    expect(code(() => readScpEcg(spec({ flags: 0x15, beat: { avmNv: 1000, intervalUs: 10_000, difference: 0, leads: [Array<number>(10).fill(1)] } }, { intervalUs: 2000, bimodal: false, leads: [Array<number>(800).fill(3)] }), 'x')))
      .toBe(ScpErrorCode.UNSUPPORTED);
  });
});

describe('decimation.ts', () => {
  it('counts the stored values of a lead: averages plus tails outside, every sample inside', () => {
    const areas = validProtectedAreas([{ start: 11, end: 20 }, { start: 0, end: 0 }, { start: 33, end: 34 }], 50);
    expect(areas).toEqual([{ start: 11, end: 20 }, { start: 33, end: 34 }]);
    // 1..10: 2 groups + 2; 11..20: 10; 21..32: 3 groups; 33..34: 2; 35..50: 4 groups
    expect(storedCount(1, 50, areas, 4)).toBe(4 + 10 + 3 + 2 + 4);
    // A lead starting inside an area is clipped to it.
    expect(storedCount(15, 22, areas, 4)).toBe(6 + 0 + 2);
  });

  it('a straight line comes back within rounding between the known points; stored samples exactly', () => {
    const x = Array.from({ length: 60 }, (_, i) => 7 * i - 100);
    const areas = [{ start: 21, end: 30 }];
    const stored = Int32Array.from(decimateBimodal(x, 1, areas, 4));
    const y = upsampleLead(stored, 1, 60, areas, 4, 'ramp');
    for (let i = 0; i < 60; i++) {
      // Before the first group centre (1.5) the first average is held; everything else is on the line.
      if (i >= 2) expect(Math.abs((y[i] ?? 0) - (x[i] ?? 0))).toBeLessThanOrEqual(1);
    }
    for (let s = 21; s <= 30; s++) expect(y[s - 1]).toBe(x[s - 1]);
    expect(() => upsampleLead(stored.subarray(1), 1, 60, areas, 4, 'short')).toThrow(/stored values/);
    expect(() => upsampleLead(Int32Array.from([...stored, 0]), 1, 60, areas, 4, 'long')).toThrow(/layout uses/);
  });

  it('upsamples a beat linearly and holds its last value', () => {
    expect(Array.from(upsampleBeat(Int32Array.from([0, 10, 20]), 2, 6))).toEqual([0, 5, 10, 15, 20, 20]);
    expect(applyDifferences([1, 2, 4], 1)).toEqual([1, 1, 2]);
  });
});

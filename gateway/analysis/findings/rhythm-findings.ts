// Rate and rhythm findings from the accepted beats: asystole, pauses, brady/tachycardia,
// irregularity, and runs of wide-complex beats (VT).
import type { EcgFindingSummary } from '../../../protocols/ecg/analysis-summary.js';
import type { RhythmSummary } from '../qrs/index.js';
import { EcgFindingCode } from './codes.js';
import type { BeatBounds } from './delineate.js';

/** Thresholds of the rhythm findings. */
export interface RhythmFindingOptions {
  /** No beat for this long (s) is asystole. Default 3.5. */
  asystoleS: number;
  /** An RR this long (s) is a pause. Default 2. */
  pauseS: number;
  /** Below this (bpm) is bradycardia. Default 50. */
  bradyBpm: number;
  /** Above this (bpm) is tachycardia. Default 100. */
  tachyBpm: number;
  /** A QRS at least this long (s) is wide. Default 0.12. */
  wideQrsS: number;
  /** Consecutive wide beats faster than `tachyBpm` that make a VT run. Default 3. */
  vtBeats: number;
}

export const DEFAULT_RHYTHM_FINDINGS: RhythmFindingOptions = {
  asystoleS: 3.5, pauseS: 2, bradyBpm: 50, tachyBpm: 100, wideQrsS: 0.12, vtBeats: 3,
};

const finding = (code: string, severity: EcgFindingSummary['severity'], text: string, startSample: number, endSample: number): EcgFindingSummary =>
  ({ code, severity, text, lead: null, startSample, endSample, origin: 'gateway' });

/** Findings from beats (samples at `fs`) over a record of `n` samples; `allFlat` = every connected lead is flat. */
export function rhythmFindings(
  beats: readonly BeatBounds[], rhythm: RhythmSummary, fs: number, n: number, allFlat: boolean,
  o: RhythmFindingOptions = DEFAULT_RHYTHM_FINDINGS, ventricular?: readonly boolean[],
): EcgFindingSummary[] {
  const out: EcgFindingSummary[] = [];
  // Longest stretch without a beat, record edges included: a record that starts or ends in
  // silence is as alarming as a silence between two beats.
  const marks = [0, ...beats.map((b) => b.r), n];
  let gap = 0, gapAt = 0;
  for (let i = 1; i < marks.length; i++) {
    const d = (marks[i] ?? 0) - (marks[i - 1] ?? 0);
    if (d > gap) { gap = d; gapAt = marks[i - 1] ?? 0; }
  }
  if (allFlat || (n >= o.asystoleS * fs && gap >= o.asystoleS * fs)) {
    const text = allFlat ? 'asystole: flat line on every connected lead' : `asystole: no QRS for ${(gap / fs).toFixed(1)} s`;
    out.push(finding(EcgFindingCode.ASYSTOLE, 'critical', text, allFlat ? 0 : gapAt, allFlat ? n : gapAt + gap));
  }
  for (let i = 1; i < beats.length; i++) {
    const a = beats[i - 1]?.r ?? 0, b = beats[i]?.r ?? 0;
    const d = (b - a) / fs;
    if (d >= o.pauseS && d < o.asystoleS) out.push(finding(EcgFindingCode.PAUSE, 'abnormal', `pause of ${d.toFixed(1)} s`, a, b));
  }
  const hr = rhythm.heartRateBpm;
  if (hr !== null && hr < o.bradyBpm) out.push(finding(EcgFindingCode.BRADY, 'abnormal', `bradycardia, ${Math.round(hr)}/min`, 0, n));
  if (hr !== null && hr > o.tachyBpm) out.push(finding(EcgFindingCode.TACHY, 'abnormal', `tachycardia, ${Math.round(hr)}/min`, 0, n));
  if (afLike(beats, fs, o)) {
    out.push(finding(EcgFindingCode.IRREGULAR, 'abnormal', 'irregularly irregular rhythm (AF-like)', beats[0]?.r ?? 0, beats[beats.length - 1]?.r ?? n));
  }
  out.push(...vtRuns(beats, fs, o, ventricular));
  return out;
}

/**
 * "Irregularly irregular": among intervals between narrow beats (ectopic ventricular beats and
 * their pauses left out), most successive RR differences are large (> 10 % of the median RR), and
 * the rhythm is not merely alternating (bigeminy: RR[i] ≈ RR[i−2]). A lone premature beat in sinus
 * rhythm moves two differences out of ten, so it does not qualify.
 */
export function afLike(beats: readonly BeatBounds[], fs: number, o: RhythmFindingOptions = DEFAULT_RHYTHM_FINDINGS): boolean {
  const rr: number[] = [];
  for (let i = 1; i < beats.length; i++) {
    const a = beats[i - 1], b = beats[i];
    if (a === undefined || b === undefined) continue;
    if ((a.offset - a.onset) / fs >= o.wideQrsS || (b.offset - b.onset) / fs >= o.wideQrsS) continue;
    rr.push(b.r - a.r);
  }
  if (rr.length < 6) return false;
  const med = [...rr].sort((x, y) => x - y)[rr.length >> 1] ?? 1;
  let big1 = 0, n1 = 0, big2 = 0, n2 = 0;
  for (let i = 1; i < rr.length; i++) { n1++; if (Math.abs((rr[i] ?? 0) - (rr[i - 1] ?? 0)) > 0.1 * med) big1++; }
  for (let i = 2; i < rr.length; i++) { n2++; if (Math.abs((rr[i] ?? 0) - (rr[i - 2] ?? 0)) > 0.1 * med) big2++; }
  return big1 >= 0.6 * n1 && big2 >= 0.5 * n2;
}

/**
 * VT: when the dominant (median) QRS is wide and the rate is fast, the whole record is one
 * wide-complex tachycardia. Otherwise, runs of ≥ vtBeats consecutive ventricular beats, each RR in
 * the run shorter than the tachycardia RR. Ventricular = unlike the dominant beat in shape
 * (`ventricular.ts`) when the caller classified the beats, else wide (≥ wideQrsS). On MIT-BIH in
 * 10 s windows the shape test finds more VT windows with far fewer false ones than the width test:
 * measured widths are unreliable in noise, and narrow-looking ectopics are common in 203. Adding a
 * width floor or a prematurity test to the shape test only lost VT windows there.
 */
function vtRuns(beats: readonly BeatBounds[], fs: number, o: RhythmFindingOptions, ventricular?: readonly boolean[]): EcgFindingSummary[] {
  const out: EcgFindingSummary[] = [];
  if (beats.length < o.vtBeats) return out;
  const maxRr = (60 / o.tachyBpm) * fs;
  const widths = beats.map((b) => b.offset - b.onset).sort((x, y) => x - y);
  const median = widths[widths.length >> 1] ?? 0;
  const first = beats[0], last = beats[beats.length - 1];
  if (median / fs >= o.wideQrsS && first !== undefined && last !== undefined && (last.r - first.r) / (beats.length - 1) < maxRr) {
    const rate = Math.round((60 * fs * (beats.length - 1)) / Math.max(1, last.r - first.r));
    out.push(finding(EcgFindingCode.VT_RUN, 'critical',
      `wide-complex tachycardia throughout: ${beats.length} beats at ${rate}/min, QRS ${Math.round((1000 * median) / fs)} ms (VT until proven otherwise)`,
      first.onset, last.offset));
    return out;
  }
  const minWide = o.wideQrsS * fs;
  const wide = (k: number): boolean => {
    const b = beats[k];
    if (b === undefined) return false;
    return ventricular === undefined ? b.offset - b.onset >= minWide : ventricular[k] === true;
  };
  let i = 0;
  while (i < beats.length) {
    if (!wide(i)) { i++; continue; }
    let j = i;
    while (j + 1 < beats.length && wide(j + 1) && (beats[j + 1]?.r ?? 0) - (beats[j]?.r ?? 0) < maxRr) j++;
    const len = j - i + 1;
    if (len >= o.vtBeats) {
      const a = beats[i]?.r ?? 0, b = beats[j]?.r ?? 0;
      const rate = Math.round((60 * fs * (len - 1)) / Math.max(1, b - a));
      out.push(finding(EcgFindingCode.VT_RUN, 'critical', `${ventricular === undefined ? 'wide-complex' : 'ventricular'} tachycardia: ${len} beats at ${rate}/min (VT run)`, beats[i]?.onset ?? a, beats[j]?.offset ?? b));
    }
    i = j + 1;
  }
  return out;
}

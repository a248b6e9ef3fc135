// The gateway's analysis of one ECG record: per-lead signal quality, QRS detection (gateway/
// analysis/qrs), delineation, rhythm and VT findings, ST elevation, and the cart's own statements,
// condensed into the EcgAnalysisSummary that travels with the record (docs/CONTRACTS.md).
import type { EcgAnalysisSummary, EcgFindingSummary, EcgLeadQualitySummary, EcgPriority, EcgQualityVerdict } from '../../../protocols/ecg/analysis-summary.js';
import { type EcgChannel, type EcgRecord, INVALID_SAMPLE, channelMicrovolts, microvoltsPerCount } from '../../../protocols/ecg/record.js';
import { analyseRecordQrs, analyseRhythm } from '../qrs/index.js';
import { cartStatementFindings } from './cart-statements.js';
import { ANALYSER_VERSION, EcgFindingCode, TECHNICAL_CODES } from './codes.js';
import { type BeatBounds, delineate, spatialVelocity } from './delineate.js';
import { type LeadSignal, leadSignal } from './lead-signal.js';
import { afLike, rhythmFindings } from './rhythm-findings.js';
import { stLevels, stemiCriteria } from './st-segment.js';
import { ventricularBeats } from './ventricular.js';

/** A detected beat counts only when some usable lead swings at least this much (µV) around it. */
const MIN_QRS_UV = 150;
/** Leads below this quality score are left out of delineation and ST measurement. */
const USABLE_SCORE = 0.3;

interface Lead { ch: EcgChannel; name: string; uv: Float64Array; signal: LeadSignal }

function analysisRate(record: EcgRecord): number {
  const rates = new Map<number, number>();
  for (const l of record.leads) rates.set(l.sampleRateHz, (rates.get(l.sampleRateHz) ?? 0) + 1);
  let fs = record.sampleRateHz, best = 0;
  for (const [rate, count] of rates) if (count > best) { best = count; fs = rate; }
  return fs;
}

function toMicrovolts(ch: EcgChannel): Float64Array {
  if (Number.isFinite(microvoltsPerCount(ch))) return channelMicrovolts(ch);
  // A voltage lead with unknown units: analyse the counts as they are.
  return Float64Array.from(ch.samples, (v) => (v === INVALID_SAMPLE ? Number.NaN : v - ch.baseline));
}

/** Invalid samples replaced by the last valid one, so the detector sees a continuous trace. */
function held(samples: Int32Array): Int32Array {
  const out = new Int32Array(samples.length);
  let last = 0;
  for (let i = 0; i < samples.length; i++) {
    const v = samples[i] ?? INVALID_SAMPLE;
    if (v !== INVALID_SAMPLE) last = v;
    out[i] = last;
  }
  return out;
}

function qrsSwingUv(leads: readonly Lead[], r: number, half: number): number {
  let best = 0;
  for (const l of leads) {
    let lo = Infinity, hi = -Infinity;
    for (let i = Math.max(0, r - half); i <= Math.min(l.uv.length - 1, r + half); i++) {
      const v = l.uv[i] ?? Number.NaN;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (hi > lo) best = Math.max(best, hi - lo);
  }
  return best;
}

const QUALITY_CODES: Readonly<Record<string, string>> = {
  'lead-off': EcgFindingCode.LEAD_OFF, flat: EcgFindingCode.FLAT, clipped: EcgFindingCode.CLIPPED, noisy: EcgFindingCode.NOISY,
};

function verdictOf(leads: readonly Lead[]): EcgQualityVerdict {
  if (leads.length === 0) return 'poor';
  const mean = leads.reduce((s, l) => s + l.signal.score, 0) / leads.length;
  if (mean < 0.5 || leads.some((l) => l.signal.issues.includes('lead-off') || l.signal.issues.includes('flat'))) return 'poor';
  if (mean < 0.85 || leads.some((l) => l.signal.issues.length > 0)) return 'acceptable';
  return 'good';
}

/** Findings per (code, lead) kept in full; past it one summary finding says how many more (a Holter record has hundreds of pauses). */
const MAX_PER_CODE = 10;

function capPerCode(findings: readonly EcgFindingSummary[]): EcgFindingSummary[] {
  const seen = new Map<string, number>();
  const out: EcgFindingSummary[] = [];
  for (const f of findings) {
    const key = `${f.code}\u0000${f.lead ?? ''}\u0000${f.origin}`;
    const k = (seen.get(key) ?? 0) + 1;
    seen.set(key, k);
    if (k <= MAX_PER_CODE) out.push(f);
  }
  for (const [key, k] of seen) {
    if (k <= MAX_PER_CODE) continue;
    const last = [...out].reverse().find((f) => `${f.code}\u0000${f.lead ?? ''}\u0000${f.origin}` === key);
    if (last !== undefined) out.push({ ...last, text: `${k - MAX_PER_CODE} more like: ${last.text}`.slice(0, 240) });
  }
  return out;
}

/** Analyses a record; pure and synchronous (≤ 50 ms for 10 s × 18 leads × 500 Hz, bench/ecg-analysis.ts). */
export function analyseEcgFindings(record: EcgRecord): EcgAnalysisSummary {
  const fs = analysisRate(record);
  const leads: Lead[] = record.leads.filter((ch) => ch.sampleRateHz === fs).map((ch) => {
    const uv = toMicrovolts(ch);
    return { ch, name: ch.lead ?? ch.label, uv, signal: leadSignal(uv, fs) };
  });
  const n = leads.reduce((m, l) => Math.max(m, l.uv.length), 0);
  const findings: EcgFindingSummary[] = [];
  const leadQuality: EcgLeadQualitySummary[] = leads.map((l) => ({ lead: l.name, score: Math.round(l.signal.score * 1000) / 1000, issues: [...l.signal.issues] }));
  for (const l of leads) {
    for (const issue of l.signal.issues) {
      const code = QUALITY_CODES[issue];
      if (code !== undefined) findings.push({ code, severity: 'abnormal', text: `${l.name}: ${issue}`, lead: l.name, startSample: 0, endSample: n, origin: 'gateway' });
    }
  }
  const connected = leads.filter((l) => !l.signal.issues.includes('lead-off'));
  const live = connected.filter((l) => !l.signal.issues.includes('flat'));
  const usable = live.filter((l) => l.signal.score >= USABLE_SCORE);
  const detectOn = usable.length > 0 ? usable : live;

  let bounds: BeatBounds[] = [];
  let ventricular: boolean[] | undefined;
  if (detectOn.length > 0) {
    const qrs = analyseRecordQrs({ ...record, leads: detectOn.map((l) => ({ ...l.ch, samples: held(l.ch.samples) })), otherSignals: [] });
    const half = Math.round(0.05 * fs);
    const beats = qrs.beats.filter((r) => qrsSwingUv(detectOn, r, half) >= MIN_QRS_UV);
    bounds = delineate(spatialVelocity(detectOn.map((l) => l.uv), fs, n), beats, fs);
    ventricular = ventricularBeats(detectOn.map((l) => l.uv), beats, fs);
  }
  const rhythm = analyseRhythm(bounds.map((b) => b.r), fs);
  // With every lead off there is no rhythm to judge, only the technical findings above.
  if (connected.length > 0) findings.push(...rhythmFindings(bounds, rhythm, fs, n, live.length === 0, undefined, ventricular));

  // ST is measured on the dominant beats: ectopic beats (width far from the median) are left out,
  // but a dominant wide QRS (bundle branch block) is measured too.
  const widths = bounds.map((b) => b.offset - b.onset).sort((x, y) => x - y);
  const medWidth = widths[widths.length >> 1] ?? 0;
  const narrow = bounds.filter((b) => Math.abs(b.offset - b.onset - medWidth) <= 0.04 * fs);
  if (narrow.length >= 2) {
    const stLeads = new Map(usable.filter((l) => l.ch.lead !== null && !l.signal.issues.includes('clipped')).map((l) => [l.name, l.uv] as const));
    const rr = rhythm.heartRateBpm === null ? null : 60 / rhythm.heartRateBpm;
    const st = stemiCriteria(stLevels(stLeads, narrow, fs, rr), record.patient);
    if (st.elevated.length > 0) {
      findings.push({ code: EcgFindingCode.STEMI, severity: 'critical', text: `ST elevation in ${st.elevated.join(', ')} (STEMI pattern)`, lead: null, startSample: 0, endSample: n, origin: 'gateway' });
    }
    if (st.depressedV1V3.length > 0) {
      findings.push({ code: EcgFindingCode.POSTERIOR_HINT, severity: 'abnormal', text: `ST depression in ${st.depressedV1V3.join(', ')} (posterior involvement?)`, lead: null, startSample: 0, endSample: n, origin: 'gateway' });
    }
  }
  findings.push(...cartStatementFindings(record.statements, record.frames));

  const capped = capPerCode(findings);
  const verdict = verdictOf(leads);
  const critical = capped.some((f) => f.severity === 'critical');
  const clinical = capped.some((f) => f.severity !== 'info' && !TECHNICAL_CODES.has(f.code));
  const priority: EcgPriority = critical ? 3 : clinical ? 2 : verdict === 'poor' || capped.length > 0 ? 1 : 0;
  return {
    heartRateBpm: rhythm.heartRateBpm === null ? null : Math.round(rhythm.heartRateBpm * 10) / 10,
    // The AF-like test, not the raw RMSSD flag, so `irregular` agrees with TM_ECG_IRREGULAR.
    irregular: afLike(bounds, fs),
    pauses: rhythm.pauses.length,
    beats: bounds.map((b) => b.r),
    findings: capped,
    leadQuality,
    verdict,
    priority,
    analyserVersion: ANALYSER_VERSION,
  };
}

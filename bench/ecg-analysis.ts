// Analysis speed of one 10 s, 18-lead, 500 Hz resting ECG (the clinic cart's record) on one core:
// the full gateway analysis (analyseEcgRecord: lead quality, QRS detection, delineation, rhythm,
// VT, ST and cart-statement findings), and QRS detection alone for comparison. Target ≤ 50 ms.
// With --eval it also scores the findings on the MIT-BIH records in ../shared/data in 10 s windows:
// a window is a VT window when the reference annotations hold ≥ 3 consecutive V beats faster than
// 100/min; per record it prints VT windows found / missed, other windows flagged, finding counts.
// Usage: npm run bench:ecg-analysis -- [--json] [--runs N] [--eval]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simulatedRecord } from '../gateway/analysis/findings/sim-record.js';
import { loadWfdbRecord } from '../gateway/ecg/wfdb-files.js';
import { parseMitAnnotations } from '../protocols/ecg/wfdb/index.js';
import { analyseRecordQrs } from '../gateway/analysis/qrs/index.js';
import { analyseEcgRecord } from '../gateway/ecg/prepare.js';
import { regularBeats, syntheticEcg } from '../gateway/analysis/qrs/synthetic.js';
import { CART_18_LEADS, type EcgRecord, unknownDevice, unknownPatient } from '../protocols/ecg/record.js';

function cartRecord(): EcgRecord {
  const fs = 500;
  const beats = regularBeats(72, 10);
  const leads = CART_18_LEADS.map((lead, k) => ({
    lead, label: lead, sampleRateHz: fs, gain: 1, baseline: 0, units: 'uV', adcResolution: 16, derived: false,
    // Each lead gets its own amplitude, polarity and noise so the fusion has real work to do.
    samples: syntheticEcg({
      sampleRateHz: fs, durationS: 10, beatTimesS: beats, amplitudeUv: (k % 2 === 0 ? 1 : -1) * (400 + 60 * k),
      noiseUv: 20, wanderUv: 150, mainsUv: 30, seed: k + 1,
    }),
  }));
  return {
    id: 'bench', source: 'synthetic', sampleRateHz: fs, frames: 5000, startTime: null, leads, otherSignals: [],
    patient: unknownPatient(), device: unknownDevice(), measurements: [], statements: [], notes: [],
  };
}

/**
 * Times `f` over `runs` runs after a JIT warm-up: wall and CPU milliseconds per run, sorted. On a
 * shared box wall time includes waiting for a core; CPU time (user + system of this process) is
 * what one core spends.
 */
function time(runs: number, f: () => number): { ms: number[]; cpuMs: number[]; beats: number } {
  for (let i = 0; i < 5; i++) f();
  const ms: number[] = [];
  const cpuMs: number[] = [];
  let beats = 0;
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    beats = f();
    ms.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpuMs.push((c.user + c.system) / 1000);
  }
  return { ms: ms.sort((a, b) => a - b), cpuMs: cpuMs.sort((a, b) => a - b), beats };
}

const EVAL_RECORDS = [
  'wfdb-python-sample-data/100', 'mitdb-shashanksrivas/105', 'mitdb-shashanksrivas/106', 'mitdb-shashanksrivas/107',
  'mitdb-shashanksrivas/108', 'mitdb-shashanksrivas/119', 'mitdb-shashanksrivas/200', 'mitdb-shashanksrivas/203',
  'mitdb-shashanksrivas/232', 'ecg-kit-recordings/208',
];

/** Longest run of consecutive V beats (each < 0.6 s after the previous beat) among the annotated beats. */
function longestVRun(beats: readonly { sample: number; symbol: string }[], fs: number): number {
  let run = 0, best = 0;
  beats.forEach((b, i) => {
    const prev = beats[i - 1];
    run = b.symbol !== 'V' ? 0 : run > 0 && prev !== undefined && b.sample - prev.sample < 0.6 * fs ? run + 1 : 1;
    best = Math.max(best, run);
  });
  return best;
}

async function evaluate(): Promise<Record<string, unknown>[]> {
  const dir = process.env.TELEMED_SHARED_DATA ?? join(import.meta.dirname, '..', '..', 'shared', 'data');
  const BEAT = new Set(['N', 'L', 'R', 'B', 'A', 'a', 'J', 'S', 'V', 'r', 'F', 'e', 'j', 'n', 'E', '/', 'f', 'Q', '?']);
  const rows: Record<string, unknown>[] = [];
  for (const name of EVAL_RECORDS) {
    const { record } = await loadWfdbRecord(join(dir, `${name}.hea`));
    const ann = parseMitAnnotations(readFileSync(join(dir, `${name}.atr`))).filter((a) => BEAT.has(a.symbol));
    const fs = record.sampleRateHz, w = 10 * fs;
    let windows = 0, vt = 0, found = 0, falseVt = 0;
    const counts: Record<string, number> = {};
    for (let s = 0; s + w <= record.frames; s += w) {
      windows++;
      const a = analyseEcgRecord({ ...record, frames: w, leads: record.leads.map((l) => ({ ...l, samples: l.samples.slice(s, s + w) })) });
      const truth = longestVRun(ann.filter((x) => x.sample >= s && x.sample < s + w), fs) >= 3;
      const got = a.findings.some((f) => f.code === 'TM_ECG_VT_RUN');
      if (truth) { vt++; if (got) found++; } else if (got) falseVt++;
      for (const f of a.findings) counts[f.code] = (counts[f.code] ?? 0) + 1;
    }
    rows.push({ record: name, windows, vtWindows: vt, vtFound: found, otherWindowsWithVt: falseVt, findings: counts });
  }
  return rows;
}

async function main(argv: string[]): Promise<void> {
  const runsArg = argv.indexOf('--runs');
  const runs = runsArg >= 0 ? Number(argv[runsArg + 1] ?? 50) : 50;
  const q = (ms: number[], p: number): number => Number((ms[Math.min(ms.length - 1, Math.floor(p * ms.length))] ?? 0).toFixed(2));
  const cases = [
    { record: cartRecord(), name: '10 s, 18 leads, 500 Hz (synthetic, noisy)' },
    { record: simulatedRecord({ seed: 1, rhythm: 'stemi' }), name: '10 s, 18 leads, 500 Hz (cart simulator, STEMI)' },
  ];
  const results = cases.map(({ record, name }) => {
    const full = time(runs, () => analyseEcgRecord(record).beats.length);
    const qrs = time(runs, () => analyseRecordQrs(record).beats.length);
    return {
      record: name, beatsDetected: full.beats,
      medianMs: q(full.ms, 0.5), p95Ms: q(full.ms, 0.95), maxMs: q(full.ms, 1),
      cpuMedianMs: q(full.cpuMs, 0.5), cpuP95Ms: q(full.cpuMs, 0.95),
      qrsOnlyMedianMs: q(qrs.ms, 0.5), qrsOnlyCpuMedianMs: q(qrs.cpuMs, 0.5),
    };
  });
  // Judged on the median CPU time per run (one core's work): other processes share this box, and
  // its p95 mostly measures their cache pressure and our GC threads.
  const worst = Math.max(...results.map((r) => r.cpuMedianMs));
  const result = {
    bench: 'ecg-analysis', runs, cases: results, targetMs: 50, judgedOn: 'cpuMedianMs', pass: worst <= 50,
    ...(argv.includes('--eval') ? { findingsEval: await evaluate() } : {}),
  };
  if (argv.includes('--json')) process.stdout.write(JSON.stringify(result) + '\n');
  else {
    for (const r of results) {
      process.stdout.write(`ecg-analysis ${r.record}: full median ${r.medianMs} ms wall / ${r.cpuMedianMs} ms CPU, p95 ${r.p95Ms} ms wall / ${r.cpuP95Ms} ms CPU (QRS only median ${r.qrsOnlyMedianMs} ms wall), ${r.beatsDetected} beats\n`);
    }
    process.stdout.write(`over ${runs} runs each, target CPU median ≤ 50 ms: ${result.pass ? 'pass' : 'FAIL'}\n`);
    for (const row of result.findingsEval ?? []) process.stdout.write(`${JSON.stringify(row)}\n`);
  }
}

await main(process.argv.slice(2));

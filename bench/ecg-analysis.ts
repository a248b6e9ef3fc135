// Analysis speed of one 10 s, 18-lead, 500 Hz resting ECG (the clinic cart's record): QRS
// detection on all leads plus the rhythm summary, on one core. Target ≤ 50 ms.
// Usage: npm run bench:ecg-analysis -- [--json] [--runs N]
import { analyseRecordQrs } from '../gateway/analysis/qrs/index.js';
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

function main(argv: string[]): void {
  const runsArg = argv.indexOf('--runs');
  const runs = runsArg >= 0 ? Number(argv[runsArg + 1] ?? 50) : 50;
  const record = cartRecord();
  for (let i = 0; i < 5; i++) analyseRecordQrs(record); // warm the JIT
  const ms: number[] = [];
  let beats = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    beats = analyseRecordQrs(record).beats.length;
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  const q = (p: number): number => Number((ms[Math.min(ms.length - 1, Math.floor(p * ms.length))] ?? 0).toFixed(2));
  const result = {
    bench: 'ecg-analysis', record: '10 s, 18 leads, 500 Hz (synthetic, noisy)', runs, beatsDetected: beats,
    medianMs: q(0.5), p95Ms: q(0.95), maxMs: q(1), targetMs: 50, pass: q(0.95) <= 50,
  };
  if (argv.includes('--json')) process.stdout.write(JSON.stringify(result) + '\n');
  else process.stdout.write(`ecg-analysis: median ${result.medianMs} ms, p95 ${result.p95Ms} ms over ${runs} runs (target ≤ 50 ms), ${beats} beats\n`);
}

main(process.argv.slice(2));

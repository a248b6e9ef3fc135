// QRS detector evaluation on the MIT-BIH records in the shared data folder, beat by beat in the
// manner of ANSI/AAMI EC57 (bxb). Usage: npm run eval:qrs -- [--json [FILE]]
//
// Rule, exactly: reference = annotations whose label is a beat (N L R B A a J S V r F e j n E / f
// Q ?); a detection matches a reference beat within ±150 ms, each at most once, closest pairs
// first. The headline "total" counts every beat from the first sample to the last (no learning
// period excluded, as `bxb -f 0`). "after5min" additionally reports EC57's figures that exclude
// the first 5 minutes (records shorter than that contribute nothing there). Record 100s is the first
// minute of 100 and is scored as its own record because the task lists it.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadWfdbAnnotations, loadWfdbRecord } from '../gateway/ecg/wfdb-files.js';
import { type BeatScore, analyseRecordQrs, scoreBeats, summarise } from '../gateway/analysis/qrs/index.js';
import { isBeat } from '../protocols/ecg/wfdb/index.js';
import { sharedDataDir } from '../test/helpers/shared-data.js';

/** Records scored, relative to the shared data folder. */
export const MITBIH_RECORDS = [
  'wfdb-python-sample-data/100', 'wfdb-c-checkpkg/data/100s',
  ...['105', '106', '107', '108', '119', '200', '203', '232'].map((r) => `mitdb-shashanksrivas/${r}`),
  'ecg-kit-recordings/208',
];

/**
 * Held-out discipline: detector changes are tuned on the first half of the list only (records up to
 * 108); the rest is reported apart as a check that a change generalises rather than fits.
 */
export const TUNING_RECORDS = new Set(MITBIH_RECORDS.slice(0, 6));

/** Scored and reported apart from the MIT-BIH total: SVDB 800 (128 Hz), a rate check. */
export const EXTRA_RECORDS = ['ecg-kit-recordings/800'];

export interface RecordEval extends BeatScore {
  record: string;
  sampleRateHz: number;
  durationS: number;
  after5min: BeatScore;
  analysisMs: number;
}

/** Detects and scores one record (path without extension). */
export async function evaluateRecord(path: string, name = path): Promise<RecordEval> {
  const { record } = await loadWfdbRecord(path);
  const ref = (await loadWfdbAnnotations(path)).filter(isBeat).map((a) => a.sample);
  const t0 = performance.now();
  const det = analyseRecordQrs(record);
  const analysisMs = performance.now() - t0;
  const fs = det.sampleRateHz;
  return {
    record: name, sampleRateHz: fs, durationS: record.frames / record.sampleRateHz,
    ...scoreBeats(ref, det.beats, fs),
    after5min: scoreBeats(ref, det.beats, fs, 0.15, 300 * fs),
    analysisMs: Math.round(analysisMs),
  };
}

function total(rows: readonly BeatScore[]): BeatScore {
  return summarise(rows.reduce((a, r) => a + r.tp, 0), rows.reduce((a, r) => a + r.fn, 0), rows.reduce((a, r) => a + r.fp, 0));
}

async function main(argv: string[]): Promise<void> {
  const json = argv.includes('--json');
  const file = argv.find((a) => !a.startsWith('--'));
  const dir = sharedDataDir();
  const records: RecordEval[] = [];
  for (const r of MITBIH_RECORDS) records.push(await evaluateRecord(join(dir, r), r));
  const extra: RecordEval[] = [];
  for (const r of EXTRA_RECORDS) extra.push(await evaluateRecord(join(dir, r), r));
  const result = {
    rule: 'EC57-style bxb: beat labels NLRBAaJSVrFejnE/fQ?, match window ±150 ms, whole record (after5min: first 5 min excluded)',
    records,
    total: total(records),
    tuning: { records: [...TUNING_RECORDS], ...total(records.filter((r) => TUNING_RECORDS.has(r.record))) },
    heldOut: total(records.filter((r) => !TUNING_RECORDS.has(r.record))),
    after5min: total(records.map((r) => r.after5min)),
    extra,
  };
  if (json) {
    const text = JSON.stringify(result, null, 2) + '\n';
    if (file !== undefined) writeFileSync(file, text);
    else process.stdout.write(text);
    return;
  }
  const pct = (x: number): string => (Number.isNaN(x) ? '   -  ' : x.toFixed(2).padStart(6));
  process.stdout.write('record                          TP    FN    FP    Se%    +P%\n');
  for (const r of [...records, { record: 'TOTAL', ...result.total }, { record: '  tuning half', ...result.tuning }, { record: '  held-out half', ...result.heldOut }, ...extra.map((e) => ({ ...e, record: `(extra) ${e.record}` }))]) {
    process.stdout.write(`${r.record.padEnd(30)}${String(r.tp).padStart(5)} ${String(r.fn).padStart(5)} ${String(r.fp).padStart(5)} ${pct(r.se)} ${pct(r.ppv)}\n`);
  }
}

if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}

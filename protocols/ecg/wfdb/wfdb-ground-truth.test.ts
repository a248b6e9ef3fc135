// Sample-exact checks of the WFDB reader against the outputs of the PhysioNet C tools and the
// checksums/initial values written in every header of the shared test material.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWfdbAnnotations, loadWfdbRecord, loadWfdbSegments } from '../../../gateway/ecg/wfdb-files.js';
import { sharedDataPath } from '../../../test/helpers/shared-data.js';
import { INVALID_SAMPLE } from '../record.js';
import { parseWfdbHeader } from './header.js';

const py = (f: string): string => join(sharedDataPath('wfdb-python-sample-data'), f);
const ck = (f: string): string => join(sharedDataPath('wfdb-c-checkpkg'), f);
const target = (f: string): string[][] =>
  readFileSync(py(join('target-output', f)), 'utf8').trimEnd().split('\n').map((l) => l.trim().split(/\s+/));

const RECORDS = [
  py('100'), py('s0010_re'), py('test01_00s'), py('v102s'), py('3000003_0003'), py('03700181'), py('binformats'), py('flacformats'),
  ck('data/100s'), ck('checkpkg/expected/test'), ck('checkpkg/input/237s1'), ck('checkpkg/input/237s2'),
  ...['105', '106', '107', '108', '119', '200', '203', '232'].map((r) => join(sharedDataPath('mitdb-shashanksrivas'), r)),
  join(sharedDataPath('ecg-kit-recordings'), '208'), join(sharedDataPath('ecg-kit-recordings'), '800'),
];

describe('WFDB reader against header checksums', () => {
  it.each(RECORDS)('%s: every signal matches its header checksum and initial value', async (rec) => {
    const { header, signals } = await loadWfdbRecord(rec);
    expect(header.signals.length).toBeGreaterThan(0);
    for (const [i, c] of signals.checks.entries()) {
      expect(c.checksumOk, `signal ${i}`).toBe(true);
      expect(c.initialValueOk, `signal ${i}`).toBe(true);
    }
  });

  it('binformats: formats 8 16 61 80 160 212 310 311 24 32 all decode the same 499 samples', async () => {
    const { header, signals } = await loadWfdbRecord(py('binformats'));
    expect(header.signals.map((s) => s.format)).toEqual([8, 16, 61, 80, 160, 212, 310, 311, 24, 32]);
    expect(signals.frames).toBe(499);
    expect(signals.checks.map((c) => c.checksum)).toEqual([-31143, -750, -251, -517, 747, -6824, -1621, -2145, 11715, 19035]);
  });

  it('flacformats: FLAC formats 508/516/524 decode to the header checksums and match binformats', async () => {
    const { header, signals } = await loadWfdbRecord(py('flacformats'));
    expect(header.signals.map((s) => s.format)).toEqual([508, 516, 524]);
    expect(signals.checks.map((c) => c.checksum)).toEqual([-484, -750, 8721]);
    const bin = await loadWfdbRecord(py('binformats'));
    // The same test signal at 16 bits is stored in fmt 16 (binformats sig 1) and fmt 516 (flacformats sig 1).
    expect(Array.from(signals.samples[1] ?? [])).toEqual(Array.from(bin.signals.samples[1] ?? []));
  });

  it('03700181 and 237s1: multi-rate (212x4) channels run at 4x the frame rate', async () => {
    const { record } = await loadWfdbRecord(py('03700181'));
    expect(record.sampleRateHz).toBe(125);
    expect(record.leads[0]?.sampleRateHz).toBe(500);
    expect(record.leads[0]?.samples.length).toBe(300000);
    expect(record.otherSignals.map((s) => s.label)).toEqual(['ABP', 'RESP']);
    const r237 = await loadWfdbRecord(ck('checkpkg/input/237s1'));
    // RESP starts with the format-212 invalid code (-2048), which the reader maps to INVALID_SAMPLE.
    expect(r237.signals.samples[5]?.[0]).toBe(INVALID_SAMPLE);
  });

  it('03700181: RESP is declared 212:4 and sits on the time axis 4 samples (32 ms) earlier than stored (header(5) skew)', async () => {
    const { record, signals } = await loadWfdbRecord(py('03700181'));
    const stored = signals.samples[2] ?? new Int32Array();
    const resp = record.otherSignals.find((s) => s.label === 'RESP')?.samples ?? new Int32Array();
    // GROUND_TRUTH.txt: stored first value -304, checksum over stored samples; time index i = stored i + 4.
    expect(stored[0]).toBe(-304);
    expect(resp.length).toBe(75000);
    expect(Array.from(resp.subarray(0, 100))).toEqual(Array.from(stored.subarray(4, 104)));
    expect(resp[74995]).toBe(stored[74999]);
    expect(Array.from(resp.subarray(74996))).toEqual([INVALID_SAMPLE, INVALID_SAMPLE, INVALID_SAMPLE, INVALID_SAMPLE]);
    // Unskewed signals are untouched.
    expect(record.otherSignals.find((s) => s.label === 'ABP')?.samples).toBe(signals.samples[1]);
  });

  it('237s: a joined frame range starts at its own time (base time 12:40:38 20/07/1995 + 4 196 000 / 125 s)', async () => {
    const { record } = await loadWfdbRecord(ck('checkpkg/input/237s'), { join: { fromFrame: 4_196_000, toFrame: 4_197_000 } });
    // 33 568 s = 9 h 19 min 28 s after the record's start.
    expect(record.startTime).toBe('1995-07-20T22:00:06');
    const whole = await loadWfdbRecord(ck('checkpkg/input/237s'), { join: { fromFrame: 0, toFrame: 1000 } });
    expect(whole.record.startTime).toBe('1995-07-20T12:40:38');
  });

  it('237s: multi-segment layout is parsed and its present segments load', async () => {
    const { header, segments } = await loadWfdbSegments(ck('checkpkg/input/237s'));
    expect(header.segments).toEqual([
      { name: '237s1', frames: 2500 }, { name: 'missing', frames: 4195000 }, { name: '237s1', frames: 2500 }, { name: '237s2', frames: 6250 },
    ]);
    expect(header.frames).toBe(4206250);
    expect(segments.map((s) => s?.signals.frames ?? null)).toEqual([2500, null, 2500, 6250]);
  });
});

describe('multi-segment 237s joined into one record', () => {
  const rec = (): string => ck('checkpkg/input/237s');
  // 237s = 237s1 (2500 frames) + "missing" (4 195 000, no file: a gap) + 237s1 again + 237s2 (6250).
  const GAP = 4_195_000;

  it('the first 2600 frames: 237s1 sample-exact (both rates), then the gap as INVALID', async () => {
    const seg = await loadWfdbRecord(ck('checkpkg/input/237s1'));
    const { record, signals, header } = await loadWfdbRecord(rec(), { join: { toFrame: 2600 } });
    expect(header.segments).toBeNull();
    expect(record.sampleRateHz).toBe(125);
    expect(signals.frames).toBe(2600);
    expect(record.leads.map((l) => [l.label, l.sampleRateHz, l.samples.length])).toEqual([['II', 500, 10400], ['V', 500, 10400]]);
    signals.samples.forEach((s, c) => {
      const src = seg.signals.samples[c] ?? new Int32Array(0);
      expect(Array.from(s.subarray(0, src.length)), `signal ${c}`).toEqual(Array.from(src));
      expect(s.subarray(src.length).every((v) => v === INVALID_SAMPLE), `signal ${c} gap`).toBe(true);
    });
    // The header checksums of 237s1 hold on the joined copy (the multi-rate ECG has 4 samples per frame).
    const sum16 = (a: Int32Array): number => { let x = 0; for (const v of a) x = (x + (v === INVALID_SAMPLE ? -2048 : v)) & 0xffff; return x >= 0x8000 ? x - 0x10000 : x; };
    expect(signals.samples.map((s, c) => sum16(s.subarray(0, (seg.signals.samples[c] ?? []).length))))
      .toEqual([-24938, -4855, -12834, -28841, -21355, 18745]);
  });

  it('across the end of the gap into the second 237s1, and the record tail is 237s2', async () => {
    const s1 = await loadWfdbRecord(ck('checkpkg/input/237s1'));
    const s2 = await loadWfdbRecord(ck('checkpkg/input/237s2'));
    const from = 2500 + GAP - 100;
    const mid = await loadWfdbRecord(rec(), { join: { fromFrame: from, toFrame: from + 300 } });
    const ii = mid.signals.samples[0] ?? new Int32Array(0);
    expect(ii.subarray(0, 400).every((v) => v === INVALID_SAMPLE)).toBe(true);
    expect(Array.from(ii.subarray(400))).toEqual(Array.from((s1.signals.samples[0] ?? new Int32Array(0)).subarray(0, 800)));
    const end = 2500 + GAP + 2500 + 6250;
    const tail = await loadWfdbRecord(rec(), { join: { fromFrame: end - 1000 } });
    expect(tail.signals.frames).toBe(1000);
    tail.signals.samples.forEach((s, c) => {
      const src = s2.signals.samples[c] ?? new Int32Array(0);
      expect(Array.from(s), `signal ${c}`).toEqual(Array.from(src.subarray(src.length - s.length)));
    });
  });

  it('the whole record is over the default join limit: a coded error, not 200 MB', async () => {
    await expect(loadWfdbRecord(rec())).rejects.toMatchObject({ code: 'TM_ERR_WFDB_DATA_LIMIT' });
  });
});

describe('WFDB reader against rdsamp outputs', () => {
  it('record-1a: test01_00s, 4 channels x 4000 digital samples', async () => {
    const { signals } = await loadWfdbRecord(py('test01_00s'));
    const rows = target('record-1a');
    expect(rows).toHaveLength(4000);
    rows.forEach((row, t) => row.forEach((v, c) => { if (signals.samples[c]?.[t] !== Number(v)) expect.fail(`t=${t} c=${c}`); }));
  });

  it('record-2b: 100 V5 from 0.002 s to 30 s, digital', async () => {
    const { signals } = await loadWfdbRecord(py('100'));
    const rows = target('record-2b').map((r) => Number(r[0]));
    const v5 = signals.samples[1] ?? new Int32Array(0);
    expect(Array.from(v5.subarray(1, 1 + rows.length))).toEqual(rows);
  });

  it('record-1d: 3000003_0003 signal V in physical units, seconds 1 to 8', async () => {
    const { header, signals } = await loadWfdbRecord(py('3000003_0003'));
    const rows = target('record-1d').map((r) => Number(r[0]));
    const spec = header.signals[1];
    const v = signals.samples[1] ?? new Int32Array(0);
    rows.forEach((x, k) => expect(((v[125 + k] ?? 0) - (spec?.baseline ?? 0)) / (spec?.gain ?? 1)).toBeCloseTo(x, 7));
  });

  it('rdsamp.out: 100s seconds 10 to 11 in mV', async () => {
    const { header, signals } = await loadWfdbRecord(ck('data/100s'));
    const rows = readFileSync(ck('checkpkg/expected/rdsamp.out'), 'utf8').trim().split('\n').slice(2).map((l) => l.trim().split(/\s+/).map(Number));
    expect(rows.length).toBeGreaterThan(300);
    for (const [t, a, b] of rows) {
      const i = Math.round((t ?? 0) * 360);
      [a, b].forEach((x, c) => {
        const s = header.signals[c];
        expect(((signals.samples[c]?.[i] ?? 0) - (s?.baseline ?? 0)) / (s?.gain ?? 1)).toBeCloseTo(x ?? 0, 3);
      });
    }
  });

  it('s0010_re: 15 leads from two data files map to standard lead codes', async () => {
    const { record } = await loadWfdbRecord(py('s0010_re'));
    expect(record.leads.map((l) => l.lead)).toEqual(['I', 'II', 'III', 'aVR', 'aVL', 'aVF', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6', 'X', 'Y', 'Z']);
    expect(record.patient).toMatchObject({ ageYears: 81, sex: 'F' });
    expect(record.sampleRateHz).toBe(1000);
  });
});

describe('WFDB annotations against rdann outputs', () => {
  const parseRdann = (text: string): { sample: number; symbol: string; sub: number; chan: number; num: number; aux: string }[] =>
    text.trimEnd().split('\n').map((l) => {
      const [main = '', aux = ''] = l.split('\t');
      const f = main.trim().split(/\s+/);
      return { sample: Number(f[1]), symbol: f[2] ?? '', sub: Number(f[3]), chan: Number(f[4]), num: Number(f[5]), aux: aux.trim() };
    });
  const view = (a: Awaited<ReturnType<typeof loadWfdbAnnotations>>): ReturnType<typeof parseRdann> =>
    a.map((x) => ({ sample: x.sample, symbol: x.symbol, sub: x.subtype, chan: x.chan, num: x.num, aux: (x.aux ?? '').trim() }));

  it('ann-1: all 2274 annotations of 100.atr', async () => {
    const got = view(await loadWfdbAnnotations(py('100')));
    expect(got).toEqual(parseRdann(readFileSync(py('target-output/ann-1'), 'utf8')));
  });

  it('ann-3: the beats of 1003.atr', async () => {
    const got = view(await loadWfdbAnnotations(py('1003'))).filter((a) => a.symbol === 'N');
    expect(got).toEqual(parseRdann(readFileSync(py('target-output/ann-3'), 'utf8')));
  });

  it('rdann.out: 100s.atr', async () => {
    const got = view(await loadWfdbAnnotations(ck('data/100s')));
    expect(got).toEqual(parseRdann(readFileSync(ck('checkpkg/expected/rdann.out'), 'utf8')));
  });

  it('100s.qrs: 74 sqrs beats, as GROUND_TRUTH counts them', async () => {
    const a = await loadWfdbAnnotations(ck('checkpkg/expected/100s'), 'qrs');
    expect(a.filter((x) => x.symbol === 'N')).toHaveLength(74);
  });

  it('header of the 1003 record (no .dat) still parses', () => {
    const h = parseWfdbHeader(readFileSync(py('1003.hea'), 'latin1'));
    expect(h.signals.map((s) => s.description)).toEqual(['ECG lead II', 'ART', 'PAP', 'CVP', 'Resp. Imp.', 'CO2']);
    expect(h.signals[0]).toMatchObject({ gain: 249, baseline: -55, units: 'mV' });
  });
});

// Joining multi-segment records: variable layout (signals mapped by description, rescaled to the
// layout's gain, absent signals invalid), gaps, multi-rate channels, frame ranges and limits.
import { describe, expect, it } from 'vitest';
import { INVALID_SAMPLE } from '../record.js';
import { parseWfdbHeader } from './header.js';
import { joinWfdbSegments, type WfdbSegmentData } from './segments.js';
import { readWfdbSignals } from './signals.js';
import { wfdbToRecord } from './to-record.js';

/** Format-16 bytes (little-endian) of the given sample stream. */
function fmt16(values: readonly number[]): Uint8Array {
  const b = new Uint8Array(values.length * 2);
  values.forEach((v, i) => { b[2 * i] = v & 0xff; b[2 * i + 1] = (v >> 8) & 0xff; });
  return b;
}

function segment(headerText: string, file: string, stream: readonly number[]): WfdbSegmentData {
  const header = parseWfdbHeader(headerText);
  return { header, signals: readWfdbSignals(header, new Map([[file, fmt16(stream)]])) };
}

const MASTER = 'rec/4 2 100 30\nlay 0\nsA 10\n~ 5\nsB 15\n';
const LAYOUT = 'lay 2 100 0\n~ 0x2 100/mV 16 0 0 0 0 ECG\n~ 0 50/mV 16 0 0 0 0 RESP\n';
// sA carries only the ECG (2 samples per frame); sB both, in the other order and at other gains.
const ecgA = Array.from({ length: 20 }, (_, i) => 10 * i - 50);
const sA = (): WfdbSegmentData => segment('sA 1 100 10\nsA.dat 16x2 100/mV 16 0 0 0 0 ECG\n', 'sA.dat', ecgA);
const sBframes = Array.from({ length: 15 }, (_, f) => [3 * f - 7, 40 * f, 40 * f + 20]); // RESP, ECG, ECG
const sB = (): WfdbSegmentData => segment('sB 2 100 15\nsB.dat 16 25/mV 16 0 0 0 0 RESP\nsB.dat 16x2 200/mV 16 0 0 0 0 ECG\n', 'sB.dat', sBframes.flat());
const layout = (): WfdbSegmentData => ({ header: parseWfdbHeader(LAYOUT), signals: { frames: 0, samples: [], checks: [] } });

describe('joinWfdbSegments, variable layout', () => {
  it('maps signals by description, rescales to the layout gain, marks gaps and absent signals invalid', () => {
    const j = joinWfdbSegments(parseWfdbHeader(MASTER), [layout(), sA(), null, sB()]);
    const [ecg, resp] = j.signals.samples;
    expect(j.signals.frames).toBe(30);
    expect(Array.from(ecg ?? [])).toEqual([
      ...ecgA, ...Array<number>(10).fill(INVALID_SAMPLE), ...sBframes.flatMap(([, a = 0, b = 0]) => [a / 2, b / 2]),
    ]);
    expect(Array.from(resp ?? [])).toEqual([...Array<number>(15).fill(INVALID_SAMPLE), ...sBframes.map(([r = 0]) => 2 * r)]);
    expect(j.gaps).toEqual([{ start: 10, end: 15 }]);
    const record = wfdbToRecord(j.header, j.signals);
    expect(record.leads.map((l) => [l.label, l.sampleRateHz, l.gain])).toEqual([['ECG', 200, 100]]);
    expect(record.otherSignals.map((l) => [l.label, l.sampleRateHz, l.gain])).toEqual([['RESP', 100, 50]]);
  });

  it('joins only the asked frame range', () => {
    const j = joinWfdbSegments(parseWfdbHeader(MASTER), [layout(), sA(), null, sB()], { fromFrame: 8, toFrame: 17 });
    expect(j.signals.frames).toBe(9);
    expect(Array.from(j.signals.samples[0] ?? [])).toEqual([
      ...ecgA.slice(16), ...Array<number>(10).fill(INVALID_SAMPLE), 0, 10, 20, 30,
    ]);
    expect(j.gaps).toEqual([{ start: 2, end: 7 }]);
  });

  it('refuses, with codes: too many samples, a segment at another rate or samples per frame, no layout at all', () => {
    const m = parseWfdbHeader(MASTER);
    expect(() => joinWfdbSegments(m, [layout(), sA(), null, sB()], { maxSamples: 50 })).toThrow(expect.objectContaining({ code: 'TM_ERR_WFDB_DATA_LIMIT' }));
    const fast = segment('sA 1 200 10\nsA.dat 16x2 100/mV 16 0 0 0 0 ECG\n', 'sA.dat', ecgA);
    expect(() => joinWfdbSegments(m, [layout(), fast, null, sB()])).toThrow(expect.objectContaining({ code: 'TM_ERR_WFDB_UNSUPPORTED_FORMAT' }));
    const single = segment('sA 1 100 20\nsA.dat 16 100/mV 16 0 0 0 0 ECG\n', 'sA.dat', ecgA);
    expect(() => joinWfdbSegments(m, [layout(), single, null, sB()])).toThrow(expect.objectContaining({ code: 'TM_ERR_WFDB_UNSUPPORTED_FORMAT' }));
    expect(() => joinWfdbSegments(m, [null, null, null, null])).toThrow(expect.objectContaining({ code: 'TM_ERR_WFDB_MISSING_FILE' }));
    expect(() => joinWfdbSegments(m, [layout()])).toThrow(expect.objectContaining({ code: 'TM_ERR_WFDB_HEADER_SYNTAX' }));
  });
});

describe('joinWfdbSegments, fixed layout', () => {
  it('concatenates segments with the same signals; a segment with fewer frames than promised leaves a gap', () => {
    const m = parseWfdbHeader('fx/2 1 100 25\nsA 10\nsA2 15\n');
    const a = segment('sA 1 100 10\nsA.dat 16x2 100/mV 16 0 0 0 0 ECG\n', 'sA.dat', ecgA);
    const short = segment('sA2 1 100 5\nsA2.dat 16x2 100/mV 16 0 0 0 0 ECG\n', 'sA2.dat', ecgA.slice(0, 10));
    const j = joinWfdbSegments(m, [a, short]);
    expect(Array.from(j.signals.samples[0] ?? [])).toEqual([...ecgA, ...ecgA.slice(0, 10), ...Array<number>(20).fill(INVALID_SAMPLE)]);
    expect(j.gaps).toEqual([{ start: 15, end: 25 }]);
    const two = segment('sB 2 100 15\nsB.dat 16 25/mV 16 0 0 0 0 RESP\nsB.dat 16x2 200/mV 16 0 0 0 0 ECG\n', 'sB.dat', sBframes.flat());
    expect(() => joinWfdbSegments(m, [a, two])).toThrow(expect.objectContaining({ code: 'TM_ERR_WFDB_UNSUPPORTED_FORMAT' }));
  });
});

// The aECG writer's rules that the shared records do not all exercise: missing samples as gaps
// between sequence sets (with and without a start time), µV scale, unknown patient id, and the
// cap on how many sets a flickering lead may cost.
import { describe, expect, it } from 'vitest';
import { type EcgChannel, type EcgRecord, INVALID_SAMPLE, unknownDevice, unknownPatient } from '../record.js';
import { readAecg } from './read.js';
import { exportAecg, validStretches } from './write.js';

function channel(label: string, samples: number[]): EcgChannel {
  return { lead: null, label, samples: Int32Array.from(samples), sampleRateHz: 250, gain: 200, baseline: 7, units: 'mV', adcResolution: 12, derived: false };
}

function record(leads: EcgChannel[], startTime: string | null): EcgRecord {
  return {
    id: 'w', source: 'test', sampleRateHz: 250, frames: leads[0]?.samples.length ?? 0, startTime, leads, otherSignals: [],
    patient: unknownPatient(), device: unknownDevice(), measurements: [], statements: [], notes: [],
  };
}

const X = INVALID_SAMPLE;

describe('aECG writer', () => {
  it('cuts the axis where leads go missing or come back; stretches with no lead are left out', () => {
    const a = channel('A', [X, X, 1, 2, 3, 4, X, 6]);
    const b = channel('B', [X, X, 1, X, X, 4, 5, 6]);
    expect(validStretches([a, b], 8)).toEqual([
      { from: 2, to: 3, leads: [0, 1] }, { from: 3, to: 5, leads: [0] }, { from: 5, to: 6, leads: [0, 1] },
      { from: 6, to: 7, leads: [1] }, { from: 7, to: 8, leads: [0, 1] },
    ]);
  });

  it.each([['2024-03-01T10:00:00', '2024-03-01T10:00:00'], [null, null]])('round trip with gaps (start %s): no -2147483648 in the file, leads equal, µV scale', (start, back) => {
    const a = channel('A', [X, X, 10, 20, 30, 40, X, 60, 70, 80]);
    const b = channel('B', [X, X, 11, X, X, 41, 51, 61, 71, 81]);
    const xml = exportAecg(record([a, b], start));
    expect(xml).not.toContain(String(INVALID_SAMPLE));
    expect(xml).toContain('<id nullFlavor="UNK"/>');
    expect(xml).toContain('<scale value="5" unit="uV"/>');
    expect(xml).toContain('<origin value="-35" unit="uV"/>');
    const r = readAecg(xml, 'w');
    expect(r.startTime).toBe(back);
    expect(r.leads.map((l) => l.label)).toEqual(['A', 'B']);
    expect(r.leads.map((l) => Array.from(l.samples))).toEqual([Array.from(a.samples), Array.from(b.samples)]);
    expect(r.leads.map((l) => [l.baseline, l.units])).toEqual([[7, 'uV'], [7, 'uV']]);
  });

  it('refuses a lead that would cut the record into more than 1000 sequence sets', () => {
    const flicker = channel('A', Array.from({ length: 2400 }, (_, i) => (i % 2 === 0 ? X : i)));
    expect(() => exportAecg(record([flicker], null))).toThrow(expect.objectContaining({ code: 'TM_ERR_AECG_VALUE' }));
  });
});

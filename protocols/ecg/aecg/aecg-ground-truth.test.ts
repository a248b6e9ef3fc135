// The aECG reader against the independent decoder dumps in the shared data's GROUND_TRUTH.txt:
// lead order, counts (first five and the sum of every lead), scale/origin, rate and start, and the
// subject/device facts the text states.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedDataPath } from '../../../test/helpers/shared-data.js';
import { microvoltsPerCount } from '../record.js';
import { readAecg } from './read.js';

interface DumpLead { code: string; origin: number; scale: number; unit: string; n: number; first5: number[]; sum: number }
interface Dump { head: string; increment: number; leads: DumpLead[] }

/** Parses the rhythm (sequenceSet 0) part of the "## <file> …AnnotatedECG" dump. */
function rhythmDump(folder: string, file: string): Dump {
  const text = readFileSync(join(sharedDataPath(folder), 'GROUND_TRUTH.txt'), 'utf8');
  const start = text.indexOf(`## ${folder}/${file} `);
  expect(start, `dump of ${file} in ${folder}/GROUND_TRUTH.txt`).toBeGreaterThanOrEqual(0);
  const section = text.slice(start).split(' sequenceSet 1')[0] ?? '';
  const time = /GLIST_TS head \{'value': '([\d.]+)'\} inc \{'value': '([\d.]+)', 'unit': 's'\}/.exec(section);
  const leads = [...section.matchAll(/(MDC_ECG_LEAD_\w+) SLIST_PQ origin \{'value': '([-\d.]+)', 'unit': '(\w+)'\} scale \{'value': '([\d.]+)', 'unit': '\w+'\} n (\d+) first5 \[([^\]]*)\] sum (-?\d+)/g)]
    .map((m) => ({
      code: m[1] ?? '', origin: Number(m[2]), unit: m[3] ?? '', scale: Number(m[4]), n: Number(m[5]),
      first5: (m[6] ?? '').split(',').map((s) => Number(s.replace(/'/g, ''))), sum: Number(m[7]),
    }));
  expect(time).not.toBeNull();
  expect(leads.length).toBeGreaterThan(0);
  return { head: time?.[1] ?? '', increment: Number(time?.[2]), leads };
}

const FILES = [['ecgtoolkit-examples', 'Example.xml'], ['ecg-kit-recordings', 'ecg_hl7.xml']] as const;

describe('HL7 aECG reader against GROUND_TRUTH.txt', () => {
  it.each(FILES)('%s/%s: rhythm leads sample-exact, in file order, with scale and origin', (folder, file) => {
    const dump = rhythmDump(folder, file);
    const r = readAecg(readFileSync(join(sharedDataPath(folder), file)), 'x');
    expect(r.source).toBe('hl7-aecg');
    expect(r.sampleRateHz).toBe(1 / dump.increment);
    expect(r.startTime?.replace(/[-T:]/g, '')).toBe(dump.head);
    expect(r.leads.map((l) => l.label)).toEqual(dump.leads.map((l) => l.code));
    for (const [i, want] of dump.leads.entries()) {
      const got = r.leads[i];
      expect(got?.samples.length, want.code).toBe(want.n);
      expect(Array.from(got?.samples.subarray(0, 5) ?? []), want.code).toEqual(want.first5);
      expect(got?.samples.reduce((a, b) => a + b, 0), want.code).toBe(want.sum);
      expect(got?.units).toBe(want.unit);
      expect(microvoltsPerCount(got ?? { gain: 0, units: '' })).toBe(want.scale);
      expect(got?.baseline).toBe(want.origin === 0 ? 0 : -want.origin / want.scale);
    }
  });

  it.each(FILES)('%s/%s: lead codes, subject, device, measurements; the median beat is only noted', (folder, file) => {
    const r = readAecg(readFileSync(join(sharedDataPath(folder), file)), 'x');
    expect(r.leads.map((l) => l.lead)).toEqual(['I', 'II', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6', 'III', 'aVR', 'aVL', 'aVF']);
    expect(r.frames).toBe(5000);
    // GROUND_TRUTH: subject "Clark", ID SBJ-123, M; Mortara ELI250.
    expect(r.patient).toMatchObject({ id: 'SBJ-123', name: 'Clark', sex: 'M' });
    expect(r.patient.ageYears).not.toBeNull();
    expect(r.device).toMatchObject({ model: 'ELI250', manufacturer: 'Mortara Instrument, Inc.' });
    // The same ECG's DICOM copy states PR 148 ms, QRS 120 ms, QT 420 ms, QTc 443 ms.
    const m = new Map(r.measurements.map((x) => [x.name, `${x.value} ${x.unit}`]));
    // MDC terms (MDC_ECG_TIME_PD_PR...) read as the common names every reader uses.
    expect(m.get('PR interval')).toBe('148 ms');
    expect(m.get('QRS duration')).toBe('120 ms');
    expect(m.get('QT interval')).toBe('420 ms');
    expect(m.get('QTc interval')).toBe('443 ms');
    expect(m.get('QRS axis')).toBe('-61 deg');
    expect(r.notes.join(' ')).toMatch(/representative beat/);
  });
});

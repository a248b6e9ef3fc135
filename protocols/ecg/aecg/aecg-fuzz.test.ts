// Hostile and random input for the aECG reader (and the XML parser under it): it never crashes or
// hangs, and every rejection is an AecgError with a TM_ERR_AECG_* code. The slowest input is printed.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sharedDataPath } from '../../../test/helpers/shared-data.js';
import { type EcgRecord } from '../record.js';
import { AecgError, AecgErrorCode } from './errors.js';
import { readAecg } from './read.js';
import { exportAecg } from './write.js';

const CODES = new Set<string>(Object.values(AecgErrorCode));
const slowest = { ms: 0, what: '' };

/** Reads; passes on success or a coded AecgError; rethrows anything else. Records the slowest input. */
function codedOrOk(input: Uint8Array | string, what: string): string {
  const t0 = performance.now();
  try {
    readAecg(input, 'fuzz');
    return 'ok';
  } catch (err) {
    if (err instanceof AecgError && CODES.has(err.code)) return err.code;
    throw err;
  } finally {
    const ms = performance.now() - t0;
    if (ms > slowest.ms) Object.assign(slowest, { ms, what: `${what} (${input.length} ${typeof input === 'string' ? 'chars' : 'bytes'})` });
  }
}

function small(): string {
  const lead = (k: number): EcgRecord['leads'][number] => ({
    lead: k === 0 ? 'I' : 'II', label: k === 0 ? 'I' : 'II', samples: Int32Array.from({ length: 40 }, (_, i) => (i * (k + 3)) % 17 - 8),
    sampleRateHz: 500, gain: 0.4, baseline: 0, units: 'uV', adcResolution: 16, derived: false,
  });
  return exportAecg({
    id: 's', source: 'cart', sampleRateHz: 500, frames: 40, startTime: '2026-01-02T03:04:05', leads: [lead(0), lead(1)], otherSignals: [],
    patient: { id: 'p', name: 'n', ageYears: 50, sex: 'M' }, device: { model: 'm', serial: 's', manufacturer: 'x' },
    measurements: [{ name: 'MDC_ECG_TIME_PD_QRS', value: 90, unit: 'ms', lead: null }], statements: ['ok'], notes: [],
  });
}

const TOKENS = ['<', '>', '/>', '</', '<AnnotatedECG>', '</AnnotatedECG>', '<component>', '</component>', '<series>', '</series>',
  '<sequenceSet>', '</sequenceSet>', '<sequence>', '</sequence>', '<code code="TIME_ABSOLUTE"/>', '<code code="MDC_ECG_LEAD_I"/>',
  '<value xsi:type="SLIST_PQ">', '<value xsi:type="GLIST_TS">', '</value>', '<head value="20020101"/>', '<increment value="0" unit="s"/>',
  '<increment value="1e-300" unit="s"/>', '<scale value="-1" unit="uV"/>', '<digits>', '</digits>', '1 2 3', '99999999999', '&amp;', '&bad;',
  '<![CDATA[', ']]>', '<!--', '-->', '<!DOCTYPE a [', ']>', '"', "'", '=', ' ', '\n', 'x:y', '&#x10FFFF;', '&#1114112;'];

describe('aECG reader on hostile input', () => {
  it.each([
    ['<a/>', AecgErrorCode.STRUCTURE],
    ['<AnnotatedECG/>', AecgErrorCode.STRUCTURE],
    ['<AnnotatedECG><component><series><component><sequenceSet/></component></series></component></AnnotatedECG>', AecgErrorCode.STRUCTURE],
  ])('%s is refused with %s', (xml, want) => expect(codedOrOk(xml, 'fixed')).toBe(want));

  it('bad digits, zero increment, non-positive scale, unknown time unit: TM_ERR_AECG_VALUE', () => {
    const x = small();
    expect(codedOrOk(x, 'valid')).toBe('ok');
    expect(codedOrOk(x.replace('<digits>', '<digits>1 2 x '), 'bad digit')).toBe(AecgErrorCode.VALUE);
    expect(codedOrOk(x.replace('<digits>', '<digits>1.5 '), 'fractional digit')).toBe(AecgErrorCode.VALUE);
    expect(codedOrOk(x.replace('<digits>', '<digits>99999999999 '), 'overflow digit')).toBe(AecgErrorCode.VALUE);
    expect(codedOrOk(x.replace(/<increment value="[^"]*"/, '<increment value="0"'), 'zero increment')).toBe(AecgErrorCode.VALUE);
    expect(codedOrOk(x.replace(/unit="s"\/>/, 'unit="fortnight"/>'), 'unit')).toBe(AecgErrorCode.VALUE);
    expect(codedOrOk(x.replace(/<scale value="[^"]*"/, '<scale value="0"'), 'zero scale')).toBe(AecgErrorCode.VALUE);
    expect(codedOrOk(x.replace(/<head value="[^"]*"/, '<head value="yesterday"'), 'bad head')).toBe(AecgErrorCode.VALUE);
    expect(() => readAecg(x, 'x', { maxSamplesPerLead: 10 })).toThrow(expect.objectContaining({ code: AecgErrorCode.VALUE }) as AecgError);
  });

  it('random text and token soup never crash', () => {
    fc.assert(fc.property(fc.string({ maxLength: 500 }), (s) => { codedOrOk(s, 'random text'); }), { numRuns: 2000 });
    fc.assert(fc.property(fc.array(fc.constantFrom(...TOKENS), { maxLength: 80 }), (t) => { codedOrOk(t.join(''), 'token soup'); }), { numRuns: 2000 });
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), (b) => { codedOrOk(b, 'random bytes'); }), { numRuns: 1000 });
  });

  it('mutations of a valid small aECG never crash (byte flips, cuts, splices)', () => {
    const base = new TextEncoder().encode(small());
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
      fc.nat(base.length), fc.nat(base.length - 1), fc.nat(200),
      (flips, cut, from, len) => {
        const m = base.slice();
        for (const [at, v] of flips) m[at] = v;
        codedOrOk(m, 'flipped small');
        codedOrOk(m.subarray(0, cut), 'cut small');
        const spliced = new Uint8Array([...base.subarray(0, from), ...base.subarray(from, from + len), ...base.subarray(from)]);
        codedOrOk(spliced, 'spliced small');
      }), { numRuns: 1500 });
  });

  it('mutations of the shared aECG files never crash; slowest input printed', () => {
    for (const [folder, name] of [['ecgtoolkit-examples', 'Example.xml'], ['ecg-kit-recordings', 'ecg_hl7.xml']] as const) {
      const base = new Uint8Array(readFileSync(sharedDataPath(folder, name)));
      fc.assert(fc.property(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 }), fc.nat(base.length), (at, v, cut) => {
        const m = base.slice(0, Math.max(cut, at + 1));
        m[at] = v;
        codedOrOk(m, `${name} byte ${at}=${v}, cut at ${m.length}`);
      }), { numRuns: 40 });
    }
    console.log(`aECG fuzz: slowest input ${slowest.ms.toFixed(1)} ms: ${slowest.what}`);
    // A 500 kB file reads in ~100 ms; 20× that on a loaded box is still far from a hang.
    expect(slowest.ms).toBeLessThan(3000);
  });
});

describe('aECG sequence sets taken one after another', () => {
  const set = (head: string, leads: [string, string][]): string => `<component><sequenceSet>
<component><sequence><code code="TIME_ABSOLUTE"/><value xsi:type="GLIST_TS"><head value="${head}"/><increment value="2" unit="ms"/></value></sequence></component>
${leads.map(([code, digits]) => `<component><sequence><code code="${code}"/><value xsi:type="v3:SLIST_PQ"><origin value="0" unit="uV"/><scale value="5" unit="uV"/><digits>${digits}</digits></value></sequence></component>`).join('')}
</sequenceSet></component>`;
  const doc = (sets: string): string => `<AnnotatedECG xmlns="urn:hl7-org:v3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:v3="urn:hl7-org:v3">
<component><series><code code="RHYTHM"/>${sets}</series></component></AnnotatedECG>`;

  it('are merged on one axis by their heads; gaps are INVALID_SAMPLE; the start is the earliest head', () => {
    const r = readAecg(doc(set('20260101120000.010', [['MDC_ECG_LEAD_V1', '7 8 9']]) + set('20260101120000', [['MDC_ECG_LEAD_I', '1 2 3 4'], ['MDC_ECG_LEAD_II', '5 6']])), 'm');
    expect(r.sampleRateHz).toBe(500);
    expect(r.startTime).toBe('2026-01-01T12:00:00');
    expect(r.leads.map((l) => l.lead)).toEqual(['V1', 'I', 'II']);
    expect(r.frames).toBe(8);
    const INV = -2147483648;
    expect(Array.from(r.leads[0]?.samples ?? [])).toEqual([INV, INV, INV, INV, INV, 7, 8, 9]);
    expect(Array.from(r.leads[1]?.samples ?? [])).toEqual([1, 2, 3, 4, INV, INV, INV, INV]);
    expect(Array.from(r.leads[2]?.samples ?? [])).toEqual([5, 6, INV, INV, INV, INV, INV, INV]);
  });

  it('a head years away cannot allocate a huge axis: TM_ERR_AECG_VALUE', () => {
    const far = doc(set('20260101120000', [['MDC_ECG_LEAD_I', '1']]) + set('29990101120000', [['MDC_ECG_LEAD_II', '1']]));
    expect(() => readAecg(far, 'far')).toThrow(expect.objectContaining({ code: AecgErrorCode.VALUE }) as AecgError);
  });
});

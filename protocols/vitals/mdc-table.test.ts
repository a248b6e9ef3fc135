// Every MDC code and unit in our table against the NIST RTMMS extracts in ../shared/data/mdc-codes:
// the harmonized Rosetta (rosetta_harmonized.xml) must list each REFID with our context-free code,
// and the units extract must list each unit code with our REFID and UCUM.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sharedDataPath } from '../../test/helpers/shared-data.js';
import { REFID_ALIASES, VITAL_CODES, primaryCode, toCanonical, type VitalParameter, vitalByMdc } from './mdc-table.js';
import { MDC_UNITS, convertUnit } from './units.js';

/** REFID -> CF_CODE10 of every <term> in the harmonized Rosetta. */
function harmonized(): Map<string, string> {
  const xml = readFileSync(sharedDataPath('mdc-codes', 'rosetta_harmonized.xml'), 'utf8');
  const out = new Map<string, string>();
  for (const term of xml.split('<term>').slice(1)) {
    const refid = /<REFID>([^<]*)<\/REFID>/.exec(term)?.[1]?.trim();
    const code = /<CF_CODE10>([^<]*)<\/CF_CODE10>/.exec(term)?.[1]?.trim() ?? '';
    if (refid) out.set(refid, code);
  }
  return out;
}

/** uom_mdc -> { cf_ucode10, UCUM codes } from vital_signs_units.csv (no quoted commas before col 6). */
function units(): Map<string, { code: string; ucum: string[] }> {
  const lines = readFileSync(sharedDataPath('mdc-codes', 'vital_signs_units.csv'), 'utf8').trim().split('\n').slice(1);
  return new Map(lines.map((l) => {
    const c = l.split(',');
    return [c[0]!, { code: c[2]!, ucum: c[5]!.split(' ') }];
  }));
}

describe('MDC vital-sign table vs RTMMS', () => {
  const h = harmonized();

  it('reads the harmonized Rosetta (667 terms)', () => expect(h.size).toBe(667));

  it.each(VITAL_CODES.map((c) => [c.refid, c.mdc] as const))('%s is %i in the harmonized Rosetta', (refid, mdc) => {
    expect(h.get(refid)).toBe(String(mdc));
  });

  it('aliases name the same code', () => {
    for (const [refid, mdc] of Object.entries(REFID_ALIASES)) expect(h.get(refid)).toBe(String(mdc));
  });

  it('every unit code, REFID and UCUM is in the units extract', () => {
    const u = units();
    for (const unit of MDC_UNITS) {
      expect(u.get(unit.refid)?.code, unit.refid).toBe(String(unit.code));
      expect(u.get(unit.refid)?.ucum, unit.refid).toContain(unit.ucum);
    }
  });

  it('covers the parameters the issue names, each with a LOINC code and one canonical unit', () => {
    const params: VitalParameter[] = ['HR', 'PR', 'SPO2', 'NIBP_SYS', 'NIBP_DIA', 'NIBP_MEAN', 'IBP_SYS', 'IBP_DIA', 'IBP_MEAN', 'RR', 'TEMP', 'ETCO2'];
    for (const p of params) {
      const rows = VITAL_CODES.filter((c) => c.parameter === p);
      expect(rows.length, p).toBeGreaterThan(0);
      expect(new Set(rows.map((r) => r.ucum)).size, p).toBe(1);
      expect(rows.every((r) => /^\d{1,5}-\d$/.test(r.loinc)), p).toBe(true);
    }
    expect(new Set(VITAL_CODES.map((c) => c.mdc)).size).toBe(VITAL_CODES.length);
  });

  it('LOINC codes that the shared FHIR R4 examples carry match theirs', () => {
    // observation-example-*.json: heart-rate 8867-4, respiratory-rate 9279-1, body-temperature
    // 8310-5, bloodpressure 8480-6/8462-4, satO2 59408-5
    const dir = sharedDataPath('fhir-r4-schema', 'examples');
    const has = (file: string, code: string) => readFileSync(`${dir}/${file}`, 'utf8').includes(`"code": "${code}"`);
    expect(has('observation-example-heart-rate.json', primaryCode('HR').loinc)).toBe(true);
    expect(has('observation-example-respiratory-rate.json', primaryCode('RR').loinc)).toBe(true);
    expect(has('observation-example-body-temperature.json', primaryCode('TEMP').loinc)).toBe(true);
    expect(has('observation-example-bloodpressure.json', primaryCode('NIBP_SYS').loinc)).toBe(true);
    expect(has('observation-example-bloodpressure.json', primaryCode('NIBP_DIA').loinc)).toBe(true);
    expect(has('observation-example-satO2.json', primaryCode('SPO2').loinc)).toBe(true);
  });
});

describe('units', () => {
  it('converts to the canonical unit from MDC or UCUM, and refuses unknown units', () => {
    const nibp = vitalByMdc(150021)!;
    expect(toCanonical(nibp, 120, { mdc: 266016 })).toBe(120);
    expect(toCanonical(nibp, 16, { mdc: 265987 })).toBeCloseTo(120.01, 2);
    expect(toCanonical(vitalByMdc(150364)!, 98.6, { ucum: '[degF]' })).toBeCloseTo(37, 6);
    expect(toCanonical(vitalByMdc(147842)!, 72, { ucum: '{beats}/min' })).toBe(72);
    expect(toCanonical(nibp, 120, { ucum: 'furlong' })).toBeUndefined();
    expect(toCanonical(nibp, 120, {})).toBeUndefined();
    expect(toCanonical(vitalByMdc(150456)!, 97, { mdc: 266016 })).toBeUndefined(); // mmHg is no SpO2 unit
    expect(convertUnit(37, 'Cel', '[degF]')).toBeCloseTo(98.6, 6);
  });
});

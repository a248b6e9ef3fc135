// EN 1064 §5.10 (Section 7, global measurements) and §5.13 (Section 10, per-lead measurements).
import type { EcgMeasurement } from '../record.js';
import { ByteReader } from './byte-reader.js';
import { scpLeadName } from './lead-codes.js';

/** Values meaning "not computed / rejected / not applicable" in measurement fields. */
function defined(v: number): boolean {
  return v !== 29999 && v !== 29998 && v !== 19999;
}

function push(out: EcgMeasurement[], name: string, value: number, unit: string, lead: EcgMeasurement['lead'] = null): void {
  if (defined(value)) out.push({ name, value, unit, lead });
}

/**
 * Physiologically possible ranges of the global values. A value outside is not the cart's
 * measurement but a misread (another edition's layout, a vendor's bytes): it is dropped with a note
 * rather than shown to a clinician. Wide on purpose: they reject nonsense, not abnormal ECGs.
 */
const PLAUSIBLE: Readonly<Record<string, readonly [number, number]>> = {
  'RR interval': [150, 6000], 'PP interval': [150, 6000], 'P duration': [1, 400], 'PR interval': [1, 1000],
  'QRS duration': [1, 400], 'QT interval': [100, 1000], 'P axis': [-180, 360], 'QRS axis': [-180, 360],
  'T axis': [-180, 360], 'ventricular rate': [10, 400], 'atrial rate': [10, 600], 'QTc interval': [100, 1000],
};

/** Section 7's global measurements, and notes on values it held that are not plausible. */
export interface GlobalMeasurements {
  measurements: EcgMeasurement[];
  notes: string[];
}

function plausible(all: EcgMeasurement[], notes: string[]): EcgMeasurement[] {
  return all.filter((m) => {
    const range = PLAUSIBLE[m.name];
    if (range === undefined || (m.value >= range[0] && m.value <= range[1])) return true;
    notes.push(`section 7: ${m.name} ${m.value} ${m.unit} is outside ${range[0]}..${range[1]} ${m.unit}; not shown`);
    return false;
  });
}

/**
 * Section 7 → measurements of the dominant beat (measurement block 0) plus the average RR/PP and,
 * in files of edition 2.0 or later (`protocolVersion` ≥ 20), the additional global measurements
 * (ventricular/atrial rate, QTc) that EN 1064:2005 appended after the QRS type list. Editions 1.x
 * and pre-standard (0) files end the section there: whatever bytes follow are not those fields
 * (test.scp, a version-0 Burdick, has 37 120 there). Stops quietly at the end of a short section.
 * Implausible values are dropped with a note (PLAUSIBLE).
 */
export function parseGlobalMeasurements(body: Uint8Array, protocolVersion: number): GlobalMeasurements {
  const notes: string[] = [];
  return { measurements: plausible(readSection7(body, protocolVersion), notes), notes };
}

function readSection7(body: Uint8Array, protocolVersion: number): EcgMeasurement[] {
  const r = new ByteReader(body, 'section 7');
  const out: EcgMeasurement[] = [];
  const blocks = r.u8('number of measurement blocks');
  const spikes = r.u8('number of pacemaker spikes');
  push(out, 'RR interval', r.u16('average RR'), 'ms');
  push(out, 'PP interval', r.u16('average PP'), 'ms');
  for (let b = 0; b < blocks; b++) {
    const block = r.take(16, 'measurement block');
    if (b !== 0) continue;
    const m = new ByteReader(block, 'section 7 block');
    const pOn = m.u16('P onset');
    const pOff = m.u16('P offset');
    const qrsOn = m.u16('QRS onset');
    const qrsOff = m.u16('QRS offset');
    const tOff = m.u16('T offset');
    const pAxis = m.i16('P axis');
    const qrsAxis = m.i16('QRS axis');
    const tAxis = m.i16('T axis');
    // Fiducials are ms from the start of the reference beat; intervals are their differences.
    if (defined(pOn) && defined(pOff)) push(out, 'P duration', pOff - pOn, 'ms');
    if (defined(pOn) && defined(qrsOn)) push(out, 'PR interval', qrsOn - pOn, 'ms');
    if (defined(qrsOn) && defined(qrsOff)) push(out, 'QRS duration', qrsOff - qrsOn, 'ms');
    if (defined(qrsOn) && defined(tOff)) push(out, 'QT interval', tOff - qrsOn, 'ms');
    push(out, 'P axis', pAxis, 'deg');
    push(out, 'QRS axis', qrsAxis, 'deg');
    push(out, 'T axis', tAxis, 'deg');
  }
  if (protocolVersion < 20) return out;
  // Pacemaker spikes (4 bytes each) and their info (6 bytes each), then the QRS type list.
  if (r.remaining < spikes * 10 + 2) return out;
  r.skip(spikes * 10, 'pacemaker spikes');
  const qrsCount = r.u16('number of QRS');
  if (r.remaining < qrsCount + 6) return out;
  r.skip(qrsCount, 'QRS types');
  const vRate = r.u16('ventricular rate');
  const aRate = r.u16('atrial rate');
  const qtc = r.u16('QTc');
  // A rate of 0 bpm is how some writers say "unknown"; it is never a measurement.
  if (vRate !== 0) push(out, 'ventricular rate', vRate, 'bpm');
  if (aRate !== 0) push(out, 'atrial rate', aRate, 'bpm');
  if (qtc !== 0) push(out, 'QTc interval', qtc, 'ms');
  return out;
}

/** Section 10 field order (first 19 fields: durations in ms, amplitudes in µV). */
const LEAD_FIELDS: readonly [string, string][] = [
  ['P duration', 'ms'], ['PR interval', 'ms'], ['QRS duration', 'ms'], ['QT interval', 'ms'],
  ['Q duration', 'ms'], ['R duration', 'ms'], ['S duration', 'ms'], ["R' duration", 'ms'], ["S' duration", 'ms'],
  ['Q amplitude', 'uV'], ['R amplitude', 'uV'], ['S amplitude', 'uV'], ["R' amplitude", 'uV'], ["S' amplitude", 'uV'],
  ['J point amplitude', 'uV'], ['P+ amplitude', 'uV'], ['P- amplitude', 'uV'], ['T+ amplitude', 'uV'], ['T- amplitude', 'uV'],
];

/** Section 10 → per-lead measurements of leads that have a standard code. */
export function parseLeadMeasurements(body: Uint8Array, maxLeads: number): EcgMeasurement[] {
  const r = new ByteReader(body, 'section 10');
  const leads = Math.min(r.u16('number of leads'), maxLeads);
  r.skip(2, 'manufacturer specific');
  const out: EcgMeasurement[] = [];
  for (let i = 0; i < leads && r.remaining >= 4; i++) {
    const id = r.u16('lead id');
    const length = r.u16('measurement bytes');
    const m = new ByteReader(r.take(length, 'lead measurements'), 'section 10 lead');
    const lead = id < 256 ? scpLeadName(id).lead : null;
    if (lead === null) continue;
    for (const [name, unit] of LEAD_FIELDS) {
      if (m.remaining < 2) break;
      push(out, name, m.i16(name), unit, lead);
    }
  }
  return out;
}

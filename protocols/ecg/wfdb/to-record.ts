// Maps a decoded WFDB record onto the internal EcgRecord.
import {
  type EcgChannel, type EcgPatient, type EcgRecord, INVALID_SAMPLE, isEcgChannel, leadFromLabel, unknownDevice, unknownPatient,
} from '../record.js';
import type { WfdbHeader } from './header.js';
import type { WfdbSignals } from './signals.js';

/** Builds the internal record from a parsed header and its decoded signals. */
export function wfdbToRecord(header: WfdbHeader, signals: WfdbSignals): EcgRecord {
  const leads: EcgChannel[] = [];
  const otherSignals: EcgChannel[] = [];
  header.signals.forEach((s, i) => {
    const label = s.description === '' ? `signal ${i}` : s.description;
    const lead = leadFromLabel(label);
    const ch: EcgChannel = {
      lead, label, samples: deskew(signals.samples[i] ?? new Int32Array(0), s.skew * s.samplesPerFrame),
      sampleRateHz: header.frequencyHz * s.samplesPerFrame,
      gain: s.gain, baseline: s.baseline, units: s.units, adcResolution: s.adcResolution, derived: false,
    };
    // A channel is an ECG lead when its label is a lead code or its unit is a voltage.
    (isEcgChannel(label, s.units) ? leads : otherSignals).push(ch);
  });
  return {
    id: header.recordName,
    source: 'wfdb',
    sampleRateHz: header.frequencyHz,
    frames: signals.frames,
    startTime: startTime(header),
    leads, otherSignals,
    patient: patientFromComments(header.comments),
    device: unknownDevice(),
    measurements: [], statements: [],
    notes: header.comments,
  };
}

/**
 * header(5), skew: a signal declared "212:4" was stored 4 frames late, so the sample of time index
 * i is stored sample i + skew (WFDB's getframe reads that far ahead). The record is on the time
 * axis: samples move earlier by the skew and the last `skew` samples, which the file does not
 * hold, are INVALID_SAMPLE. Signals as stored (checksums, initial values) stay in WfdbSignals.
 */
function deskew(stored: Int32Array, skewSamples: number): Int32Array {
  if (skewSamples === 0) return stored;
  const out = new Int32Array(stored.length).fill(INVALID_SAMPLE);
  if (skewSamples < stored.length) out.set(stored.subarray(skewSamples));
  return out;
}

function startTime(h: WfdbHeader): string | null {
  if (h.baseDate === null || h.baseTime === null) return null;
  const [d = '', m = '', y = ''] = h.baseDate.split('/');
  const [hh = '0', mm = '0', ss = '0'] = h.baseTime.split(':');
  const [sec = '0', frac] = ss.split('.');
  const p2 = (s: string): string => s.padStart(2, '0');
  return `${y.padStart(4, '0')}-${p2(m)}-${p2(d)}T${p2(hh)}:${p2(mm)}:${p2(sec)}${frac === undefined ? '' : `.${frac}`}`;
}

/** Age and sex from the two common comment styles: MIT-BIH "# 69 M ..." and PTB "# age: 81" / "# sex: female". */
function patientFromComments(comments: readonly string[]): EcgPatient {
  const p = unknownPatient();
  for (const c of comments) {
    const mit = /^(\d{1,3}|\?)\s+([MF?])\b/.exec(c);
    if (mit !== null) {
      if (mit[1] !== '?') p.ageYears = Number(mit[1]);
      if (mit[2] === 'M' || mit[2] === 'F') p.sex = mit[2];
      continue;
    }
    const age = /^age:\s*(\d{1,3})/i.exec(c);
    if (age !== null) p.ageYears = Number(age[1]);
    const sex = /^sex:\s*(male|female|m|f)\b/i.exec(c);
    if (sex !== null) p.sex = (sex[1] ?? '').toLowerCase().startsWith('f') ? 'F' : 'M';
  }
  return p;
}

// HL7 aECG (AnnotatedECG, HL7 v3 PORT_MT020001) → EcgRecord. Reads the RHYTHM series (else the
// first): each sequence set's GLIST time sequence gives the rate (1/increment) and start (head);
// each SLIST_PQ lead gives counts exactly as written (digits) with physical = digits × scale + origin.
// Several sets (leads taken in groups) are placed on one time axis by their heads.
// A representative (median) beat in series/derivation/derivedSeries is not imported; a note says so.
import {
  type EcgChannel, type EcgMeasurement, type EcgRecord, type StandardLead,
  isEcgChannel, leadFromLabel, unknownDevice, unknownPatient,
} from '../record.js';
import { AecgError, AecgErrorCode } from './errors.js';
import { ageAt, hl7TsToIso } from './hl7-time.js';
import { TELEMED_OID } from './write.js';
import { type SeriesSpan, type TimeAxis, isoSeconds, mergeSets, timeAxis } from './sequence-sets.js';
import { leadOfMdcCode } from './lead-codes.js';
import { normaliseMeasurement } from './measurement-names.js';
import { type XmlElement, type XmlLimits, child, childrenNamed, decodeXmlBytes, descendants, parseXml, path, xsiType } from './xml.js';

/** Bounds of the aECG reader on top of the XML limits. */
export interface AecgReadOptions extends XmlLimits {
  /** Maximum samples per lead (default 100 000 000: 24 h at 1 kHz). */
  maxSamplesPerLead?: number;
  /** Maximum measurements kept (default 1000). */
  maxMeasurements?: number;
}

function num(v: string | undefined, what: string): number {
  const n = v === undefined ? Number.NaN : Number(v.trim());
  if (v === undefined || v.trim() === '' || !Number.isFinite(n)) throw new AecgError(AecgErrorCode.VALUE, `${what}: "${(v ?? '').slice(0, 40)}" is not a number`);
  return n;
}

/** A near-integer from float division (e.g. 1024 × 0.005 / 0.005) is the integer it means. */
function tidy(x: number): number {
  const r = Math.round(x);
  // + 0 turns −0 (from −0/scale) into 0.
  return (Math.abs(x - r) < 1e-9 * Math.max(1, Math.abs(x)) ? r : x) + 0;
}

/**
 * Parses the whitespace-separated integers of <digits>; any non-integer token is an error. A
 * char-code scanner: split + regex + Number cost ~1 µs per sample, too slow for Holter-length leads.
 */
function parseDigits(text: string, max: number, label: string): Int32Array {
  let out = new Int32Array(Math.min(max, 1024));
  let n = 0;
  let i = 0;
  const len = text.length;
  const bad = (at: number): never => {
    const token = text.slice(at).trim().split(/\s/, 1)[0] ?? '';
    throw new AecgError(AecgErrorCode.VALUE, `lead ${label}: sample ${n} "${token.slice(0, 20)}" is not a 32-bit integer`);
  };
  while (i < len) {
    let c = text.charCodeAt(i);
    if (c === 32 || c === 10 || c === 13 || c === 9) { i++; continue; }
    const start = i;
    let sign = 1;
    if (c === 45 || c === 43) { sign = c === 45 ? -1 : 1; c = text.charCodeAt(++i); }
    let v = 0;
    let digits = 0;
    while (c >= 48 && c <= 57) {
      v = v * 10 + (c - 48);
      if (++digits > 10) bad(start);
      c = text.charCodeAt(++i);
    }
    // A token must be digits only and end at whitespace or the end of the text.
    if (digits === 0 || !(i >= len || c === 32 || c === 10 || c === 13 || c === 9)) bad(start);
    v *= sign;
    if (v < -2147483648 || v > 2147483647) bad(start);
    if (n >= max) throw new AecgError(AecgErrorCode.VALUE, `lead ${label}: more than ${max} samples`);
    if (n === out.length) {
      const grown = new Int32Array(Math.min(max, out.length * 2));
      grown.set(out);
      out = grown;
    }
    out[n++] = v;
  }
  return out.slice(0, n);
}

function leadChannel(seq: XmlElement, rateHz: number, max: number): EcgChannel {
  const codeEl = child(seq, 'code');
  const code = codeEl?.attrs.get('code') ?? '';
  const label = codeEl?.attrs.get('displayName') ?? code;
  const value = child(seq, 'value');
  const scaleEl = child(value, 'scale');
  const originEl = child(value, 'origin');
  const scale = num(scaleEl?.attrs.get('value'), `lead ${code} scale`);
  if (!(scale > 0)) throw new AecgError(AecgErrorCode.VALUE, `lead ${code}: scale must be positive`);
  const units = scaleEl?.attrs.get('unit') ?? 'uV';
  const origin = originEl === undefined ? 0 : num(originEl.attrs.get('value'), `lead ${code} origin`);
  if ((originEl?.attrs.get('unit') ?? units) !== units) throw new AecgError(AecgErrorCode.VALUE, `lead ${code}: origin and scale units differ`);
  const lead: StandardLead | null = leadOfMdcCode(code) ?? leadFromLabel(label) ?? leadFromLabel(code.replace(/^MDC_ECG_LEAD_/i, ''));
  return {
    lead, label, samples: parseDigits(child(value, 'digits')?.text ?? '', max, code), sampleRateHz: rateHz,
    // physical = digits × scale + origin = (digits − baseline) / gain with gain = 1/scale, baseline = −origin/scale.
    gain: 1 / scale, baseline: tidy(-origin / scale), units, adcResolution: 0, derived: false,
  };
}

function annotations(series: XmlElement, maxMeasurements: number): { measurements: EcgMeasurement[]; statements: string[] } {
  const measurements: EcgMeasurement[] = [];
  const statements: string[] = [];
  const seen = new Set<string>();
  for (const set of childrenNamed(series, 'subjectOf').map((s) => child(s, 'annotationSet'))) {
    if (set === undefined) continue;
    for (const ann of descendants(set, 'annotation')) {
      const codeEl = child(ann, 'code');
      // Our local codes (write.ts) carry the measurement's own name in displayName.
      const local = codeEl?.attrs.get('codeSystem') === TELEMED_OID ? codeEl.attrs.get('displayName') : undefined;
      const code = local ?? codeEl?.attrs.get('code') ?? '';
      const value = child(ann, 'value');
      if (value === undefined) continue;
      const type = xsiType(value);
      if (type === 'PQ') {
        const v = Number(value.attrs.get('value'));
        if (!Number.isFinite(v) || code === '') continue;
        const roiLead = descendants(ann, 'code').map((c) => leadOfMdcCode(c.attrs.get('code') ?? '')).find((l) => l !== null) ?? null;
        const key = `${code}|${roiLead ?? ''}`;
        if (seen.has(key) || measurements.length >= maxMeasurements) continue;
        seen.add(key);
        measurements.push({ ...normaliseMeasurement(code, value.attrs.get('unit') ?? ''), value: v, lead: roiLead });
      } else if (type === 'ST' && value.text.trim() !== '') {
        statements.push(value.text.trim());
      } else if (type === 'CE' && /INTERPRETATION|STATEMENT|^MDC_ECG_RHY$/.test(code)) {
        const text = value.attrs.get('displayName') ?? value.attrs.get('code');
        if (text !== undefined && text !== '') statements.push(text);
      }
    }
  }
  return { measurements, statements: [...new Set(statements)] };
}

function readSet(set: XmlElement, max: number): { axis: TimeAxis; channels: EcgChannel[] } {
  const sequences = childrenNamed(set, 'component').map((c) => child(c, 'sequence')).filter((s) => s !== undefined);
  const timeSeq = sequences.find((s) => (child(s, 'code')?.attrs.get('code') ?? '').startsWith('TIME_'));
  if (timeSeq === undefined) throw new AecgError(AecgErrorCode.STRUCTURE, 'rhythm sequenceSet has no TIME_ABSOLUTE/TIME_RELATIVE sequence');
  const axis = timeAxis(timeSeq);
  const channels = sequences.filter((s) => s !== timeSeq && xsiType(child(s, 'value') ?? s) === 'SLIST_PQ').map((s) => leadChannel(s, axis.rateHz, max));
  return { axis, channels };
}

/** Reads an AnnotatedECG document. Throws AecgError (TM_ERR_AECG_*) on anything it cannot use. */
export function readAecg(bytes: Uint8Array | string, id: string, opts: AecgReadOptions = {}): EcgRecord {
  const root = parseXml(typeof bytes === 'string' ? bytes : decodeXmlBytes(bytes), opts);
  if (root.local !== 'AnnotatedECG') throw new AecgError(AecgErrorCode.STRUCTURE, `root element is <${root.local.slice(0, 40)}>, not <AnnotatedECG>`);
  const allSeries = childrenNamed(root, 'component').map((c) => child(c, 'series')).filter((s) => s !== undefined);
  const series = allSeries.find((s) => child(s, 'code')?.attrs.get('code') === 'RHYTHM') ?? allSeries[0];
  const sets = childrenNamed(series, 'component').map((c) => child(c, 'sequenceSet')).filter((s) => s !== undefined);
  if (series === undefined || sets.length === 0) throw new AecgError(AecgErrorCode.STRUCTURE, 'no series with a sequenceSet');
  const max = opts.maxSamplesPerLead ?? 100_000_000;
  const notes: string[] = [];
  if (allSeries.length > 1) notes.push(`${allSeries.length - 1} other series not imported`);
  const merged = mergeSets(sets.map((set) => readSet(set, max)), max, notes, seriesSpan(series));
  const channels = merged.channels;
  if (channels.length === 0) throw new AecgError(AecgErrorCode.STRUCTURE, 'rhythm sequenceSet has no SLIST_PQ lead');
  const rateHz = channels[0]?.sampleRateHz ?? 0;

  const startTime = merged.head ?? timeOf(path(root, 'effectiveTime', 'center') ?? path(root, 'effectiveTime', 'low'));
  const derived = descendants(series, 'derivedSeries');
  if (derived.length > 0) notes.push(`representative beat set present in ${derived.length} derived series, not imported`);
  const { measurements, statements } = annotations(series, opts.maxMeasurements ?? 1000);
  const isLead = (c: EcgChannel): boolean => c.lead !== null || isEcgChannel(c.label, c.units);
  return {
    id, source: 'hl7-aecg', sampleRateHz: rateHz, frames: merged.frames, startTime,
    leads: channels.filter(isLead), otherSignals: channels.filter((c) => !isLead(c)),
    patient: patientOf(root, startTime), device: deviceOf(series), measurements, statements, notes,
  };
}

/** The series' effectiveTime low/high when both are timestamps (else null: the sets alone give the axis). */
function seriesSpan(series: XmlElement): SeriesSpan | null {
  const low = timeOf(path(series, 'effectiveTime', 'low'));
  const high = timeOf(path(series, 'effectiveTime', 'high'));
  if (low === null || high === null) return null;
  const lowS = isoSeconds(low);
  const highS = isoSeconds(high);
  return highS > lowS ? { low, lowS, highS } : null;
}

function timeOf(el: XmlElement | undefined): string | null {
  const v = el?.attrs.get('value');
  return v === undefined ? null : hl7TsToIso(v);
}

function textOf(el: XmlElement | undefined): string | null {
  if (el === undefined) return null;
  // A name may be plain text or HL7 parts (<given>, <family>).
  const t = [el.text, ...el.children.map((c) => c.text)].map((s) => s.trim()).filter((s) => s !== '').join(' ');
  return t === '' ? null : t;
}

function patientOf(root: XmlElement, startTime: string | null): EcgRecord['patient'] {
  const p = unknownPatient();
  const subject = descendants(root, 'trialSubject')[0];
  if (subject === undefined) return p;
  p.id = child(subject, 'id')?.attrs.get('extension') ?? null;
  const person = child(subject, 'subjectDemographicPerson');
  p.name = textOf(child(person, 'name'));
  const sex = child(person, 'administrativeGenderCode')?.attrs.get('code');
  if (sex === 'M' || sex === 'F') p.sex = sex;
  // A reported age (LOINC 21612-7) wins over one computed from the birth date.
  const reported = child(descendants(root, '*').find((e) => child(e, 'code')?.attrs.get('code') === '21612-7'), 'value');
  const birth = child(person, 'birthTime')?.attrs.get('value');
  if (reported !== undefined && (reported.attrs.get('unit') ?? 'a') === 'a') {
    const v = Number(reported.attrs.get('value'));
    if (Number.isInteger(v) && v >= 0 && v < 150) p.ageYears = v;
  }
  if (p.ageYears === null && birth !== undefined) p.ageYears = ageAt(birth, startTime);
  return p;
}

function deviceOf(series: XmlElement): EcgRecord['device'] {
  const d = unknownDevice();
  const author = path(series, 'author', 'seriesAuthor');
  const dev = child(author, 'manufacturedSeriesDevice');
  d.model = textOf(child(dev, 'manufacturerModelName'));
  d.serial = child(dev, 'id')?.attrs.get('extension') ?? null;
  d.manufacturer = textOf(path(author, 'manufacturerOrganization', 'name'));
  return d;
}

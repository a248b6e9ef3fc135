// EcgRecord → HL7 aECG (AnnotatedECG) XML, valid against the HL7 schema PORT_MT020001.xsd: one
// series (RHYTHM) whose sequence sets each hold a time sequence (GLIST_TS head = start, increment =
// 1/rate s) and one SLIST_PQ per lead whose digits are the record's counts unchanged (scale = µV per
// count, origin = −baseline in µV, as aECG files of carts carry them), so a reader gets the exact
// counts back. SLIST_PQ digits are integers with no null (HL7 v3 data types, SLIST), so missing
// samples are not written as a value: the axis is cut where leads go missing or come back, and
// each stretch is its own sequence set holding the leads that have data there (the standard's way
// of leads recorded in groups). Leads must share one rate and one length; other signals are not
// written (aECG carries ECG leads only).
import { randomUUID } from 'node:crypto';
import { type EcgChannel, type EcgRecord, INVALID_SAMPLE, microvoltsPerCount } from '../record.js';
import { AecgError, AecgErrorCode } from './errors.js';
import { isoToHl7Ts } from './hl7-time.js';
import { mdcCodeOfLead } from './lead-codes.js';
import { mdcOfMeasurement } from './measurement-names.js';

/** OID root for ids we make up (the 2.25 UUID arc, as for DICOM UIDs). */
export const TELEMED_OID = '2.25.312981649286759108505331548389890941542';

const HL7 = {
  actCode: '2.16.840.1.113883.5.4',
  mdc: '2.16.840.1.113883.6.24',
  gender: '2.16.840.1.113883.5.1',
  loinc: '2.16.840.1.113883.6.1',
} as const;

/** Escapes text and attribute values (the five predefined entities only). */
export function xmlEscape(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] ?? c);
}

/** Shortest decimal that reads back as the same double (JS number → string is exactly that). */
function dec(x: number): string {
  if (!Number.isFinite(x)) throw new AecgError(AecgErrorCode.VALUE, `cannot write ${x} as a decimal`);
  return String(x);
}

/** Checks the record fits one aECG sequence set; returns the common rate and length. */
export function aecgShape(r: EcgRecord): { rateHz: number; length: number } {
  if (r.leads.length === 0) throw new AecgError(AecgErrorCode.STRUCTURE, 'record has no ECG leads to export');
  const rateHz = r.leads[0]?.sampleRateHz ?? 0;
  const length = r.leads[0]?.samples.length ?? 0;
  for (const l of r.leads) {
    if (l.sampleRateHz !== rateHz) throw new AecgError(AecgErrorCode.STRUCTURE, `leads at different rates (${rateHz} and ${l.sampleRateHz} Hz) cannot share one sequence set`);
    if (l.samples.length !== length) throw new AecgError(AecgErrorCode.STRUCTURE, `leads of different lengths (${length} and ${l.samples.length})`);
    if (!(l.gain > 0)) throw new AecgError(AecgErrorCode.VALUE, `lead ${l.label}: gain must be positive`);
  }
  if (!(rateHz > 0)) throw new AecgError(AecgErrorCode.VALUE, 'sample rate must be positive');
  return { rateHz, length };
}

function digits(samples: Int32Array): string {
  // Lines of 20 values keep the file readable and diffable.
  const lines: string[] = [];
  for (let i = 0; i < samples.length; i += 20) lines.push(Array.from(samples.subarray(i, i + 20)).join(' '));
  return lines.join('\n');
}

function leadSequence(l: EcgChannel, from: number, to: number): string {
  const code = mdcCodeOfLead(l.lead) ?? 'MDC_ECG_LEAD_CONFIG';
  // Voltage leads in µV; a lead in other units (none we read) keeps them.
  const uv = microvoltsPerCount(l);
  const [scale, unit] = Number.isNaN(uv) ? [1 / l.gain, xmlEscape(l.units)] : [uv, 'uV'];
  return `<component><sequence>
<code code="${code}" codeSystem="${HL7.mdc}" codeSystemName="MDC" displayName="${xmlEscape(l.label)}"/>
<value xsi:type="SLIST_PQ"><origin value="${dec(-l.baseline * scale)}" unit="${unit}"/><scale value="${dec(scale)}" unit="${unit}"/>
<digits>${digits(l.samples.subarray(from, to))}</digits></value>
</sequence></component>`;
}

/** Most sequence sets one export writes (a lead flickering in and out would otherwise make thousands). */
const MAX_SETS = 1000;

/**
 * Stretches [from, to) of the axis over which the same leads have samples (no INVALID_SAMPLE);
 * stretches where no lead has data are left out.
 */
export function validStretches(leads: readonly EcgChannel[], length: number): { from: number; to: number; leads: number[] }[] {
  const out: { from: number; to: number; leads: number[] }[] = [];
  const key = (i: number): string => leads.map((l) => (l.samples[i] === INVALID_SAMPLE ? '0' : '1')).join('');
  let from = 0;
  let current = length > 0 ? key(0) : '';
  for (let i = 1; i <= length; i++) {
    const k = i < length ? key(i) : '';
    if (k === current) continue;
    const present = [...current].flatMap((c, j) => (c === '1' ? [j] : []));
    if (present.length > 0) out.push({ from, to: i, leads: present });
    if (out.length > MAX_SETS) throw new AecgError(AecgErrorCode.VALUE, `missing samples would cut the record into more than ${MAX_SETS} sequence sets`);
    from = i;
    current = k;
  }
  return out;
}

function subject(r: EcgRecord): string {
  const p = r.patient;
  // The trial subject's id is required (PORT_MT020001): unknown is said with a nullFlavor.
  const id = p.id === null ? '<id nullFlavor="UNK"/>' : `<id extension="${xmlEscape(p.id)}"/>`;
  const name = p.name === null ? '' : `<name>${xmlEscape(p.name)}</name>`;
  // Without a trial, the clinical trial and timepoint are placeholders the schema asks for.
  return `<componentOf><timepointEvent><code code="UNSCHEDULED" codeSystem="${HL7.actCode}"/><componentOf><subjectAssignment><subject><trialSubject>${id}
<subjectDemographicPerson>${name}<administrativeGenderCode code="${p.sex === 'U' ? 'UN' : p.sex}" codeSystem="${HL7.gender}"/></subjectDemographicPerson>
</trialSubject></subject><componentOf><clinicalTrial><id root="${TELEMED_OID}" extension="telemed"/></clinicalTrial></componentOf></subjectAssignment></componentOf></timepointEvent></componentOf>`;
}

/** Reported age, where the HL7 example puts it: a control variable of the AnnotatedECG. */
function age(r: EcgRecord): string {
  if (r.patient.ageYears === null) return '';
  return `<controlVariable><relatedObservation><code code="21612-7" codeSystem="${HL7.loinc}" codeSystemName="LOINC" displayName="Reported Age"/><value xsi:type="PQ" value="${r.patient.ageYears}" unit="a"/></relatedObservation></controlVariable>`;
}

function device(r: EcgRecord): string {
  const d = r.device;
  const id = d.serial === null ? '' : `<id extension="${xmlEscape(d.serial)}"/>`;
  const model = d.model === null ? '' : `<manufacturerModelName>${xmlEscape(d.model)}</manufacturerModelName>`;
  const org = d.manufacturer === null ? '' : `<manufacturerOrganization><name>${xmlEscape(d.manufacturer)}</name></manufacturerOrganization>`;
  return `<author><seriesAuthor><manufacturedSeriesDevice>${id}${model}</manufacturedSeriesDevice>${org}</seriesAuthor></author>`;
}

function annotationSet(r: EcgRecord): string {
  if (r.measurements.length === 0 && r.statements.length === 0) return '';
  const parts = r.measurements.map((m) => {
    const lead = mdcCodeOfLead(m.lead);
    // A lead's measurement: a region of interest bounded by the lead, over all of its time (ROIFULL).
    const roi = lead === null ? '' : `<support><supportingROI classCode="ROIBND"><code code="ROIFULL" codeSystem="${HL7.actCode}"/><component><boundary><code code="${lead}" codeSystem="${HL7.mdc}"/></boundary></component></supportingROI></support>`;
    // Known measurements as their MDC term; others under our local code system: a code has no
    // whitespace (CS pattern), so the name travels whole in displayName.
    const mdc = mdcOfMeasurement(m.name) ?? (m.name.startsWith('MDC_') ? m.name : null);
    const codeAttr = mdc === null
      ? `code="${xmlEscape(m.name.replace(/\s+/g, '_'))}" codeSystem="${TELEMED_OID}" displayName="${xmlEscape(m.name)}"`
      : `code="${mdc}" codeSystem="${HL7.mdc}"`;
    return `<component><annotation><code ${codeAttr}/><value xsi:type="PQ" value="${dec(m.value)}" unit="${xmlEscape(m.unit)}"/>${roi}</annotation></component>`;
  });
  for (const s of r.statements) {
    parts.push(`<component><annotation><code code="MDC_ECG_INTERPRETATION_STATEMENT" codeSystem="${HL7.mdc}"/><value xsi:type="ST">${xmlEscape(s)}</value></annotation></component>`);
  }
  return `<subjectOf><annotationSet>\n${parts.join('\n')}\n</annotationSet></subjectOf>`;
}

/** HL7 TS of the record start moved by `seconds` (microsecond digits: exact to well under a sample). */
function tsAt(startIso: string, seconds: number): string {
  const ts = isoToHl7Ts(startIso);
  if (seconds === 0) return ts;
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\.\d+)?(.*)$/.exec(ts);
  if (m === null) throw new AecgError(AecgErrorCode.VALUE, `start time "${startIso.slice(0, 40)}" has no seconds to offset from`);
  const n = (i: number): number => Number(m[i]);
  const us = Date.UTC(n(1), n(2) - 1, n(3), n(4), n(5), n(6)) * 1000 + Math.round(Number(m[7] ?? 0) * 1e6) + Math.round(seconds * 1e6);
  const d = new Date(Math.floor(us / 1000));
  const p = (v: number, w = 2): string => String(v).padStart(w, '0');
  const frac = p(((us % 1e6) + 1e6) % 1e6, 6);
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}.${frac}${m[8] ?? ''}`;
}

function sequenceSet(r: EcgRecord, rateHz: number, stretch: { from: number; to: number; leads: number[] }): string {
  const offset = stretch.from / rateHz;
  // Without a start time the sequence is relative to the start of the recording.
  const head = r.startTime === null
    ? `<code code="TIME_RELATIVE" codeSystem="${HL7.actCode}"/><value xsi:type="GLIST_PQ"><head value="${dec(offset)}" unit="s"/>`
    : `<code code="TIME_ABSOLUTE" codeSystem="${HL7.actCode}"/><value xsi:type="GLIST_TS"><head value="${tsAt(r.startTime, offset)}"/>`;
  const leads = stretch.leads.map((i) => r.leads[i]).filter((l) => l !== undefined);
  return `<component><sequenceSet>
<component><sequence>${head}<increment value="${dec(1 / rateHz)}" unit="s"/></value></sequence></component>
${leads.map((l) => leadSequence(l, stretch.from, stretch.to)).join('\n')}
</sequenceSet></component>`;
}

/** Writes the record as an AnnotatedECG document (UTF-8 text). Throws AecgError if it does not fit. */
export function exportAecg(r: EcgRecord): string {
  const { rateHz, length } = aecgShape(r);
  const stretches = validStretches(r.leads, length);
  if (stretches.length === 0) throw new AecgError(AecgErrorCode.VALUE, 'record has no valid sample to export');
  // PORT_MT020001: the document's and the series' effectiveTime are required; the series spans the
  // recording (low inclusive, high exclusive). Without a start time both are nullFlavor UNK.
  const when = r.startTime === null
    ? '<effectiveTime><center nullFlavor="UNK"/></effectiveTime>'
    : `<effectiveTime><center value="${isoToHl7Ts(r.startTime)}"/></effectiveTime>`;
  const span = r.startTime === null
    ? '<effectiveTime><low nullFlavor="UNK"/><high nullFlavor="UNK"/></effectiveTime>'
    : `<effectiveTime><low value="${tsAt(r.startTime, 0)}" inclusive="true"/><high value="${tsAt(r.startTime, length / rateHz)}" inclusive="false"/></effectiveTime>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<AnnotatedECG xmlns="urn:hl7-org:v3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" type="Observation">
<id root="${randomUUID()}" extension="${xmlEscape(r.id)}"/>
<code code="93000" codeSystem="2.16.840.1.113883.6.12" codeSystemName="CPT-4"/>
${when}
${subject(r)}
${age(r)}
<component><series>
<id root="${randomUUID()}"/>
<code code="RHYTHM" codeSystem="${HL7.actCode}" codeSystemName="ActCode"/>
${span}
${device(r)}
${stretches.map((st) => sequenceSet(r, rateHz, st)).join('\n')}
${annotationSet(r)}
</series></component>
</AnnotatedECG>
`;
}

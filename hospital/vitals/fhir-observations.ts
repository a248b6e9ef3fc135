import { createHash } from 'node:crypto';
import { REFID_ALIASES, toCanonical, vitalByMdc, VITAL_CODES, type VitalCode, type VitalParameter } from '../../protocols/vitals/index.js';
import type { StoredFrame } from './frames-reader.js';
import { nsToIso } from './time.js';

// FHIR R4 (4.0.1) Observation, vital-signs profile (http://hl7.org/fhir/R4/observation-vitalsigns.html):
// category "vital-signs", a LOINC code from the profile (plus the IEEE 11073 MDC code as a second
// coding), valueQuantity in UCUM (system http://unitsofmeasure.org, code = unit), subject and
// effective[x] present. Blood pressure is the panel 85354-9 with systolic 8480-6 and diastolic
// 8462-4 components (mean 8478-0 as a third). Waveforms are SampledData (R4 §2.24.0.13).

export const LOINC = 'http://loinc.org';
export const UCUM = 'http://unitsofmeasure.org';
/** IEEE 11073-10101 context-free codes (FHIR's registered system for MDC). */
export const MDC = 'urn:iso:std:iso:11073:10101';
const CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const PROFILE = 'http://hl7.org/fhir/StructureDefinition/';
/** Identifier system of the patient of an encounter (we hold no Patient resource: the patient_ref stays opaque). */
export const ENCOUNTER_PATIENT_SYSTEM = 'urn:telemed:encounter-patient';

/** The profile per parameter (R4 vital-signs family); others use the base vitalsigns profile. */
const PROFILE_OF: Partial<Record<VitalParameter, string>> = {
  HR: 'heartrate', PR: 'heartrate', SPO2: 'oxygensat', RR: 'resprate', TEMP: 'bodytemp',
};

export type Json = Record<string, unknown>;
type Coding = { system: string; code: string; display?: string };

const BY_REFID = new Map<string, VitalCode>(VITAL_CODES.map((c) => [c.refid, c]));
for (const [refid, mdc] of Object.entries(REFID_ALIASES)) {
  const c = vitalByMdc(mdc);
  if (c !== undefined) BY_REFID.set(refid, c);
}

/** The table row of a numeric's code (MDC REFID as sent in Numeric.code), if we map it. */
export function vitalOfRefid(refid: string): VitalCode | undefined {
  return BY_REFID.get(refid);
}

/** Waveform channels (MDC REFID → context-free code). Partition 2; ECG lead II = 2·65536 + 258. */
const WAVEFORM_MDC: Readonly<Record<string, number>> = {
  MDC_ECG_LEAD_II: 131330, MDC_ECG_ELEC_POTL_II: 131330, MDC_PULS_OXIM_PLETH: 150452, MDC_AWAY_CO2: 151724, MDC_IMPED_TTHOR: 151780,
};

function obsId(...parts: (string | number)[]): string {
  return `obs-${createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32)}`;
}

const iso = nsToIso;

function codingsOf(c: VitalCode): Coding[] {
  const out: Coding[] = [{ system: LOINC, code: c.loinc, display: c.loincDisplay }];
  // The oxygen saturation profile requires 2708-6; 59408-5 (by pulse oximetry) is the precise one.
  if (c.parameter === 'SPO2') out.unshift({ system: LOINC, code: '2708-6', display: 'Oxygen saturation in Arterial blood' });
  out.push({ system: MDC, code: String(c.mdc), display: c.refid });
  return out;
}

function quantity(value: number, ucum: string): Json {
  return { value, unit: ucum, system: UCUM, code: ucum };
}

function base(encounter: string, f: StoredFrame, id: string, profile: string, deviceId: string): Json {
  return {
    resourceType: 'Observation',
    id,
    meta: { profile: [`${PROFILE}vitalsigns`, ...(profile === 'vitalsigns' ? [] : [`${PROFILE}${profile}`])] },
    status: 'final',
    category: [{ coding: [{ system: CATEGORY, code: 'vital-signs', display: 'Vital Signs' }], text: 'Vital Signs' }],
    subject: { identifier: { system: ENCOUNTER_PATIENT_SYSTEM, value: encounter }, display: 'Patient of this transport' },
    encounter: { reference: `Encounter/${encounter}` },
    effectiveDateTime: iso(f.captureTimeNs),
    ...(deviceId !== '' ? { device: { identifier: { system: 'urn:telemed:device', value: deviceId }, display: deviceId } } : {}),
  };
}

interface Mapped { code: VitalCode; value: number; timeNs: number }

const BP: Readonly<Record<string, { sys: VitalParameter; dia: VitalParameter; mean: VitalParameter; panelMdc: Coding }>> = {
  NIBP: { sys: 'NIBP_SYS', dia: 'NIBP_DIA', mean: 'NIBP_MEAN', panelMdc: { system: MDC, code: '150020', display: 'MDC_PRESS_BLD_NONINV' } },
  IBP: { sys: 'IBP_SYS', dia: 'IBP_DIA', mean: 'IBP_MEAN', panelMdc: { system: MDC, code: '150032', display: 'MDC_PRESS_BLD_ART' } },
};

/**
 * Observations of one stored vitals frame: one per mapped valid numeric, except that a systolic and
 * diastolic of the same kind (NIBP or invasive) become one blood-pressure panel. Numerics we do not
 * map (no LOINC), invalid ones, our own TM_* codes (ETA) and values whose unit cannot be converted
 * to the table's UCUM unit are left out: a vital-signs Observation without a LOINC code or with an
 * unknown unit would be wrong, not just incomplete.
 */
export function observationsOfVitals(encounter: string, f: StoredFrame): Json[] {
  const v = f.env.vitals;
  if (v == null) return [];
  const deviceId = v.deviceId ?? '';
  const mapped = new Map<VitalParameter, Mapped>();
  for (const n of v.numerics ?? []) {
    const c = vitalOfRefid(n.code ?? '');
    const raw = n.value ?? Number.NaN;
    if (c === undefined || n.valid !== true || !Number.isFinite(raw)) continue;
    const value = toCanonical(c, raw, { ucum: n.unit ?? '' });
    if (value === undefined) continue;
    mapped.set(c.parameter, { code: c, value, timeNs: Number(n.timeNs ?? 0) > 0 ? Number(n.timeNs) : f.captureTimeNs });
  }
  const out: Json[] = [];
  for (const [kind, bp] of Object.entries(BP)) {
    const sys = mapped.get(bp.sys);
    const dia = mapped.get(bp.dia);
    if (sys === undefined || dia === undefined) continue;
    const mean = mapped.get(bp.mean);
    mapped.delete(bp.sys); mapped.delete(bp.dia); mapped.delete(bp.mean);
    const component = [sys, dia, ...(mean === undefined ? [] : [mean])].map((m) => ({
      code: { coding: codingsOf(m.code), text: m.code.loincDisplay },
      valueQuantity: quantity(m.value, m.code.ucum),
    }));
    out.push({
      ...base(encounter, f, obsId(f.gatewayId, f.streamId, f.seq, kind), 'bp', deviceId),
      code: { coding: [{ system: LOINC, code: '85354-9', display: 'Blood pressure panel with all children optional' }, bp.panelMdc], text: kind === 'NIBP' ? 'Blood pressure (non-invasive)' : 'Blood pressure (arterial)' },
      component,
    });
  }
  for (const m of mapped.values()) {
    out.push({
      ...base(encounter, { ...f, captureTimeNs: m.timeNs }, obsId(f.gatewayId, f.streamId, f.seq, m.code.refid), PROFILE_OF[m.code.parameter] ?? 'vitalsigns', deviceId),
      code: { coding: codingsOf(m.code), text: m.code.loincDisplay },
      valueQuantity: quantity(m.value, m.code.ucum),
    });
  }
  return out;
}

/** Consecutive recorded chunks of one channel, merged into one SampledData. */
export interface WaveformRun {
  readonly first: StoredFrame;
  readonly samples: number[];
}

/** Most samples in one SampledData Observation (20 s of ECG at 500 Hz). */
export const MAX_RUN_SAMPLES = 10_000;

/**
 * Groups recorded waveform chunks (oldest first) into runs: same stream, channel, rate and scale,
 * each chunk starting where the last ended, at most MAX_RUN_SAMPLES.
 */
export function waveformRuns(frames: readonly StoredFrame[]): WaveformRun[] {
  const open = new Map<string, { run: { first: StoredFrame; samples: number[] }; next: number }>();
  const out: { first: StoredFrame; samples: number[] }[] = [];
  for (const f of frames) {
    const w = f.env.waveform;
    if (w == null || !((w.sampleRateHz ?? 0) > 0)) continue;
    const key = `${f.streamId}\u0000${w.channel ?? ''}\u0000${w.sampleRateHz ?? 0}\u0000${w.scale ?? 0}\u0000${w.unit ?? ''}`;
    const start = Number(w.firstSampleIndex ?? 0);
    const samples = w.samples ?? [];
    const cur = open.get(key);
    if (cur !== undefined && cur.next === start && cur.run.samples.length + samples.length <= MAX_RUN_SAMPLES) {
      cur.run.samples.push(...samples);
      cur.next = start + samples.length;
      continue;
    }
    const run = { first: f, samples: [...samples] };
    out.push(run);
    open.set(key, { run, next: start + samples.length });
  }
  return out;
}

/** A waveform run as an Observation with valueSampledData (not a vital sign: no vital-signs profile). */
export function observationOfWaveform(encounter: string, run: WaveformRun): Json {
  const f = run.first;
  const w = f.env.waveform ?? {};
  const refid = w.code ?? '';
  const mdc = WAVEFORM_MDC[refid];
  const rate = w.sampleRateHz ?? 1;
  const unit = w.unit ?? '';
  const coding: Coding[] = mdc === undefined ? [] : [{ system: MDC, code: String(mdc), display: refid }];
  return {
    resourceType: 'Observation',
    id: obsId(f.gatewayId, f.streamId, f.seq, 'waveform'),
    status: 'final',
    category: [{ coding: [{ system: CATEGORY, code: 'procedure', display: 'Procedure' }] }],
    code: { ...(coding.length > 0 ? { coding } : {}), text: `${w.channel ?? refid} waveform` },
    subject: { identifier: { system: ENCOUNTER_PATIENT_SYSTEM, value: encounter }, display: 'Patient of this transport' },
    encounter: { reference: `Encounter/${encounter}` },
    effectivePeriod: { start: iso(f.captureTimeNs), end: iso(f.captureTimeNs + (run.samples.length / rate) * 1e9) },
    valueSampledData: {
      origin: { value: 0, ...(unit !== '' ? { unit, system: UCUM, code: unit } : {}) },
      // SampledData.period: ms between samples; factor: multiplier from the stored integer to `unit`.
      period: 1000 / rate,
      factor: w.scale ?? 1,
      dimensions: 1,
      data: run.samples.join(' '),
    },
  };
}

/** A FHIR R4 searchset Bundle. */
export function searchset(observations: readonly Json[], total: number, selfUrl: string, nextUrl: string | null, baseUrl: string): Json {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total,
    link: [{ relation: 'self', url: selfUrl }, ...(nextUrl === null ? [] : [{ relation: 'next', url: nextUrl }])],
    entry: observations.map((o) => ({ fullUrl: `${baseUrl}/Observation/${String(o['id'])}`, resource: o, search: { mode: 'match' } })),
  };
}

/** A FHIR OperationOutcome for an error answer; `code` is our TM_ERR_* code. */
export function operationOutcome(severity: 'error' | 'fatal', issueCode: string, code: string, message: string): Json {
  return { resourceType: 'OperationOutcome', issue: [{ severity, code: issueCode, details: { coding: [{ system: 'urn:telemed:error', code }], text: message } }] };
}

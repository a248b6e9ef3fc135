// SCP-ECG → the internal EcgRecord: counts stay exact, the AVM becomes the channel gain.
import type { EcgChannel, EcgMeasurement, EcgRecord } from '../record.js';
import { INVALID_SAMPLE } from '../record.js';
import { looksLikeScp } from './container.js';
import { decodeScp, type ScpDecoded, type ScpReadOptions } from './decode.js';
import { ScpError } from './errors.js';
import { parseGlobalMeasurements, parseLeadMeasurements } from './measurements.js';
import { parseHeaderInfo } from './patient-device.js';
import { parseStatements } from './statements.js';

/** True when `bytes` start like an SCP-ECG file (file header + Section 0 at byte 6). Cheap; no CRC. */
export function isScpEcg(bytes: Uint8Array): boolean {
  return looksLikeScp(bytes);
}

function versionName(v: number): string {
  if (v === 0) return '0 (pre-standard, read as 1.x; section version bytes ignored)';
  return `${Math.floor(v / 10)}.${v % 10}`;
}

/**
 * The record carries no lossy flag (EcgRecord has none), so a reconstructed rhythm is said in a
 * note that starts with "lossy:" (stable prefix, for people and for code that must know).
 */
function reconstructionNotes(d: ScpDecoded): string[] {
  const r = d.reconstruction;
  if (r === null) return [];
  const notes: string[] = [];
  if (r.decimation !== null) {
    const dec = r.decimation;
    notes.push(dec.bimodal
      ? `lossy: bimodal compression; rhythm stored at ${dec.storedIntervalUs} µs (decimated by ${dec.factor}) outside ${dec.protectedAreas} protected areas, interpolated back to ${d.intervalUs} µs; samples outside the protected areas are a reconstruction, not the cart's`
      : `lossy: rhythm stored at ${dec.storedIntervalUs} µs (decimated by ${dec.factor}), interpolated back to the reference beat's ${d.intervalUs} µs; samples are a reconstruction, not the cart's`);
  }
  if (r.beatResampled !== null) {
    notes.push(`lossy: reference beat stored at ${r.beatResampled.storedIntervalUs} µs, resampled to the rhythm's ${d.intervalUs} µs before add-back; QRS zones are a reconstruction, not the cart's`);
  }
  return notes;
}

/** Runs an optional-section parser; a malformed optional section becomes a note, not a rejection. */
function optional<T>(fallback: T, notes: string[], what: string, f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (!(err instanceof ScpError)) throw err;
    notes.push(`${what} ignored: ${err.code}`);
    return fallback;
  }
}

/**
 * Reads an SCP-ECG file (EN 1064 / ISO 11073-91064, versions 1.x, 2.x, 3.0) into an EcgRecord.
 * Samples are the file's counts (µV = counts / gain, gain = 1000 / AVM nV); leads in Section 3
 * order. Throws ScpError with a TM_ERR_SCP_* code on every rejection; see README.md.
 */
export function readScpEcg(bytes: Uint8Array, id: string, options: ScpReadOptions = {}): EcgRecord {
  const d = decodeScp(bytes, options);
  const notes = [`SCP-ECG ${versionName(d.container.protocolVersion)}`, ...d.container.warnings, ...reconstructionNotes(d)];
  const section = (n: number): Uint8Array | null => d.container.sections.get(n)?.body ?? null;
  const s1 = section(1);
  const header = s1 === null ? null : optional(null, notes, 'section 1', () => parseHeaderInfo(s1));
  if (header !== null) notes.push(...header.warnings);

  const rate = 1e6 / d.intervalUs;
  const gain = 1000 / d.avmNv; // counts per µV
  const leads: EcgChannel[] = d.leadTable.leads.map((l, i) => {
    const decoded = d.rhythm[i] ?? new Int32Array();
    let samples = decoded;
    const offset = l.start - d.firstSample;
    if (offset !== 0 || decoded.length !== d.frames) {
      // Leads recorded at different times (non-simultaneous carts) sit at their own sample numbers.
      samples = new Int32Array(d.frames).fill(INVALID_SAMPLE);
      samples.set(decoded, offset);
    }
    return {
      lead: l.lead, label: l.label, samples, sampleRateHz: rate, gain, baseline: 0, units: 'uV', adcResolution: 0, derived: l.derived,
    };
  });

  const measurements: EcgMeasurement[] = [];
  const s7 = section(7);
  if (s7 !== null) {
    const global = optional({ measurements: [], notes: [] }, notes, 'section 7', () => parseGlobalMeasurements(s7, d.container.protocolVersion));
    measurements.push(...global.measurements);
    notes.push(...global.notes);
  }
  const s10 = section(10);
  if (s10 !== null) measurements.push(...optional([], notes, 'section 10', () => parseLeadMeasurements(s10, options.maxLeads ?? 64)));
  const statements: string[] = [];
  for (const n of [8, 11]) {
    const body = section(n);
    if (body === null) continue;
    for (const s of optional([], notes, `section ${n}`, () => parseStatements(body, `section ${n}`))) {
      if (!statements.includes(s)) statements.push(s);
    }
  }
  return {
    id,
    source: 'scp-ecg',
    sampleRateHz: rate,
    frames: d.frames,
    startTime: header?.startTime ?? null,
    leads,
    otherSignals: [],
    patient: header?.patient ?? { id: null, name: null, ageYears: null, sex: 'U' },
    device: header?.device ?? { model: null, serial: null, manufacturer: null },
    measurements,
    statements,
    notes,
  };
}

// The SCP-ECG decoding pipeline (EN 1064 Annex C): container and CRCs → Section 2 tables →
// Section 3 leads → Section 6 rhythm (entropy decoding, differences; a decimated rhythm brought back
// to the full rate, decimation.ts) → reference-beat add-back → one AVM for all counts. Pure: bytes
// in, typed arrays out.
import { readScpContainer, type ScpContainer } from './container.js';
import { ScpError, ScpErrorCode, formatError } from './errors.js';
import { decimationFactor, storedCount, upsampleBeat, upsampleLead, validProtectedAreas, type ScpProtectedArea } from './decimation.js';
import { HuffmanDecoder, parseHuffmanSection } from './huffman.js';
import { parseLeadTable, parseQrsLocations, type ScpLeadTable, type ScpQrsLocations } from './lead-table.js';
import { addReferenceBeat, gcd, rescale, subtractionZones } from './reference-beat.js';
import { decodeLead, parseSampleSection, type ScpSampleSection } from './sample-data.js';

/** Reader options; all optional. */
export interface ScpReadOptions {
  /** Accept a file or section whose CRC does not match, with a warning note. Default false (TM_ERR_SCP_CRC). */
  acceptBadCrc?: boolean;
  /** Most samples in one lead. Default 1 000 000 (33 min at 500 Hz). */
  maxSamplesPerLead?: number;
  /** Most leads. Default 64. */
  maxLeads?: number;
  /** Most samples over all leads (leads × frames), bounding memory. Default 16 000 000 (64 MB of counts). */
  maxTotalSamples?: number;
  /** Most QRS complexes in Section 4. Default 20 000. */
  maxQrs?: number;
}

/** Decoded reference (median) beat of Section 5, one array per lead in Section 3 order. */
export interface ScpReferenceBeat {
  avmNv: number;
  intervalUs: number;
  fiducial: number;
  leads: Int32Array[];
}

export interface ScpDecoded {
  container: ScpContainer;
  leadTable: ScpLeadTable;
  /** Sample number (1-based) of the first frame: the smallest lead start. */
  firstSample: number;
  /** Frames spanned by all leads. */
  frames: number;
  /** Rhythm counts per lead (Section 3 order), each starting at its own `leadTable.leads[i].start`. */
  rhythm: Int32Array[];
  /** Nanovolts per count of `rhythm` (the Section 6 AVM, or a common divisor after add-back). */
  avmNv: number;
  intervalUs: number;
  referenceBeat: ScpReferenceBeat | null;
  qrs: ScpQrsLocations | null;
  /**
   * Set when the rhythm is not the cart's samples but a reconstruction (lossy): a decimated rhythm
   * or residual brought back to the full rate, and/or a reference beat resampled to the rhythm rate.
   */
  reconstruction: ScpReconstruction | null;
}

/** What the decoder had to interpolate; null fields mean "not this part". */
export interface ScpReconstruction {
  /** Section 6 decimated by this factor (2..4) outside the protected areas (all of it when not bimodal). */
  decimation: { factor: number; storedIntervalUs: number; bimodal: boolean; protectedAreas: number } | null;
  /** Section 5 stored at `factor` × the rhythm's interval, resampled to the rhythm rate. */
  beatResampled: { factor: number; storedIntervalUs: number } | null;
}

function decodeBeat(s5: ScpSampleSection, qrs: ScpQrsLocations, leadCount: number, huffman: HuffmanDecoder | null, maxSamples: number): ScpReferenceBeat {
  const n = Math.floor((qrs.referenceBeatMs * 1000) / s5.intervalUs);
  if (n > maxSamples) throw new ScpError(ScpErrorCode.LIMIT, `section 5: reference beat of ${n} samples`);
  const leads: Int32Array[] = [];
  for (let i = 0; i < leadCount; i++) {
    leads.push(decodeLead(s5.leadData[i] ?? new Uint8Array(), n, huffman, s5.difference, `section 5 lead ${i + 1}`));
  }
  return { avmNv: s5.avmNv, intervalUs: s5.intervalUs, fiducial: qrs.referenceFiducial, leads };
}

/** Decodes an SCP-ECG file down to counts. Throws ScpError (TM_ERR_SCP_*) on every rejection. */
export function decodeScp(bytes: Uint8Array, options: ScpReadOptions = {}): ScpDecoded {
  const maxSamples = options.maxSamplesPerLead ?? 1_000_000;
  const container = readScpContainer(bytes, options.acceptBadCrc ?? false);
  const section = (id: number): Uint8Array | null => container.sections.get(id)?.body ?? null;

  const s3 = section(3);
  if (s3 === null) throw formatError('section 3 (lead definition) missing');
  const leadTable = parseLeadTable(s3, options.maxLeads ?? 64, maxSamples);
  const leads = leadTable.leads;
  const s2 = section(2);
  // No Section 2: samples are stored as plain 16-bit values (EN 1064 §5.9.5).
  const huffman = s2 === null ? null : new HuffmanDecoder(parseHuffmanSection(s2));
  const firstSample = Math.min(...leads.map((l) => l.start));
  const frames = Math.max(...leads.map((l) => l.end)) - firstSample + 1;
  if (frames > maxSamples) throw new ScpError(ScpErrorCode.LIMIT, `leads span ${frames} samples, limit ${maxSamples}`);
  const maxTotal = options.maxTotalSamples ?? 16_000_000;
  if (frames * leads.length > maxTotal) throw new ScpError(ScpErrorCode.LIMIT, `${leads.length} leads × ${frames} samples exceed ${maxTotal}`);

  const s6body = section(6);
  if (s6body === null) {
    // v3.0 stores long-term recordings in Section 12 instead of Section 6.
    if (section(12) !== null) throw new ScpError(ScpErrorCode.UNSUPPORTED, 'long-term ECG rhythm data (section 12, SCP-ECG 3.0)');
    throw new ScpError(ScpErrorCode.UNSUPPORTED, 'file without rhythm data (section 6): reference beats only');
  }
  const s6 = parseSampleSection(s6body, leads.length, 'section 6');

  let qrs: ScpQrsLocations | null = null;
  let referenceBeat: ScpReferenceBeat | null = null;
  try {
    const s4 = section(4);
    qrs = s4 === null ? null : parseQrsLocations(s4, options.maxQrs ?? 20_000);
    const s5 = section(5);
    if (s5 !== null && qrs !== null) referenceBeat = decodeBeat(parseSampleSection(s5, leads.length, 'section 5'), qrs, leads.length, huffman, maxSamples);
  } catch (err) {
    // The rhythm does not depend on sections 4/5 unless the beat was subtracted or the rhythm
    // decimated around protected areas (bimodal): keep it, note why.
    if (leadTable.referenceBeatSubtracted || s6.bimodal || !(err instanceof ScpError)) throw err;
    container.warnings.push(`reference beat (sections 4/5) not decoded: ${err.code}`);
  }

  const plan = timeAxis(s6, leadTable.referenceBeatSubtracted, referenceBeat, qrs, frames + firstSample - 1);
  const rhythm = leads.map((l, i) => {
    const what = `section 6 lead ${i + 1} (${l.label})`;
    const data = s6.leadData[i] ?? new Uint8Array();
    if (plan.factor === 1) return decodeLead(data, l.end - l.start + 1, huffman, s6.difference, what);
    const stored = decodeLead(data, storedCount(l.start, l.end, plan.areas, plan.factor), huffman, s6.difference, what);
    return upsampleLead(stored, l.start, l.end, plan.areas, plan.factor, what);
  });
  let avmNv = s6.avmNv;
  let beatResampled: ScpReconstruction['beatResampled'] = null;
  if (leadTable.referenceBeatSubtracted) {
    if (referenceBeat === null || qrs === null) throw formatError('section 3 flags reference-beat subtraction but section 4 or 5 is missing');
    // Counts stay exact: both signals are brought to the largest AVM that divides both.
    avmNv = gcd(s6.avmNv, referenceBeat.avmNv);
    const zones = subtractionZones(qrs.qrs, frames + firstSample - 1);
    // A beat stored at a longer interval than the (full-rate) rhythm is resampled to it.
    const beatFactor = referenceBeat.intervalUs > plan.intervalUs ? decimationFactor(referenceBeat.intervalUs, plan.intervalUs, 'section 5') : 1;
    if (beatFactor > 1) beatResampled = { factor: beatFactor, storedIntervalUs: referenceBeat.intervalUs };
    const beatLength = Math.floor((qrs.referenceBeatMs * 1000) / plan.intervalUs);
    if (beatLength > maxSamples) throw new ScpError(ScpErrorCode.LIMIT, `section 5: reference beat of ${beatLength} samples at the rhythm rate`);
    const fiducial = (referenceBeat.fiducial - 1) * beatFactor + 1;
    rhythm.forEach((lead, i) => {
      const what = `lead ${i + 1}`;
      let beat: Int32Array = Int32Array.from(referenceBeat.leads[i] ?? []);
      rescale(lead, s6.avmNv / avmNv, what);
      rescale(beat, referenceBeat.avmNv / avmNv, what);
      if (beatFactor > 1) beat = upsampleBeat(beat, beatFactor, beatLength);
      addReferenceBeat(lead, leads[i]?.start ?? 1, beat, fiducial, zones, what);
    });
  }
  const reconstruction = plan.factor === 1 && beatResampled === null ? null : {
    decimation: plan.factor === 1 ? null : { factor: plan.factor, storedIntervalUs: s6.intervalUs, bimodal: s6.bimodal, protectedAreas: plan.areas.length },
    beatResampled,
  };
  return { container, leadTable, firstSample, frames, rhythm, avmNv, intervalUs: plan.intervalUs, referenceBeat, qrs, reconstruction };
}

/** The rhythm's full-rate interval, and how Section 6 was decimated (factor 1: not at all). */
interface TimeAxis {
  intervalUs: number;
  factor: number;
  /** Full-rate stretches stored unchanged (bimodal); empty when the whole rhythm was decimated. */
  areas: ScpProtectedArea[];
}

/**
 * EN 1064 §5.9.2 and the reference decoders: the full rate is the reference beat's (Section 5)
 * when Section 6 is stored at 2..4 times its interval, either as bimodal compression (decimated
 * outside Section 4's protected areas) or as a decimated residual after beat subtraction (all of it).
 * Section 3 and 4 sample numbers then count full-rate samples.
 */
function timeAxis(
  s6: ScpSampleSection, subtracted: boolean, beat: ScpReferenceBeat | null, qrs: ScpQrsLocations | null, lastSample: number,
): TimeAxis {
  const same: TimeAxis = { intervalUs: s6.intervalUs, factor: 1, areas: [] };
  if (!s6.bimodal && !subtracted) return same;
  if (beat === null) {
    if (s6.bimodal) throw new ScpError(ScpErrorCode.UNSUPPORTED, 'bimodal compression without a decodable reference beat (sections 4/5): full sample rate unknown');
    return same; // subtraction without a beat is refused by the caller with its own message
  }
  if (s6.intervalUs <= beat.intervalUs) return same; // not decimated (a slower beat is resampled later)
  const factor = decimationFactor(s6.intervalUs, beat.intervalUs, 'section 6');
  if (!s6.bimodal) return { intervalUs: beat.intervalUs, factor, areas: [] };
  if (qrs === null) throw formatError('bimodal compression without section 4 (protected areas)');
  if (qrs.qrs.length > 0 && qrs.protectedAreas.length === 0) throw formatError('bimodal compression but section 4 has no protected areas');
  return { intervalUs: beat.intervalUs, factor, areas: validProtectedAreas(qrs.protectedAreas, lastSample) };
}

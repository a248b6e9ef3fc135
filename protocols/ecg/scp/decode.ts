// The SCP-ECG decoding pipeline (EN 1064 Annex C): container and CRCs → Section 2 tables →
// Section 3 leads → Section 6 rhythm (entropy decoding, differences) → reference-beat add-back →
// one AVM for all counts. Pure: bytes in, typed arrays out.
import { readScpContainer, type ScpContainer } from './container.js';
import { ScpError, ScpErrorCode, formatError } from './errors.js';
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

  let qrs: ScpQrsLocations | null = null;
  let referenceBeat: ScpReferenceBeat | null = null;
  try {
    const s4 = section(4);
    qrs = s4 === null ? null : parseQrsLocations(s4, options.maxQrs ?? 20_000);
    const s5 = section(5);
    if (s5 !== null && qrs !== null) referenceBeat = decodeBeat(parseSampleSection(s5, leads.length, 'section 5'), qrs, leads.length, huffman, maxSamples);
  } catch (err) {
    // The rhythm does not depend on sections 4/5 unless the beat was subtracted: keep it, note why.
    if (leadTable.referenceBeatSubtracted || !(err instanceof ScpError)) throw err;
    container.warnings.push(`reference beat (sections 4/5) not decoded: ${err.code}`);
  }

  const s6body = section(6);
  if (s6body === null) {
    // v3.0 stores long-term recordings in Section 12 instead of Section 6.
    if (section(12) !== null) throw new ScpError(ScpErrorCode.UNSUPPORTED, 'long-term ECG rhythm data (section 12, SCP-ECG 3.0)');
    throw new ScpError(ScpErrorCode.UNSUPPORTED, 'file without rhythm data (section 6): reference beats only');
  }
  const s6 = parseSampleSection(s6body, leads.length, 'section 6');
  if (s6.bimodal) throw new ScpError(ScpErrorCode.UNSUPPORTED, 'bimodal compression (decimated rhythm outside protected areas)');
  const rhythm = leads.map((l, i) => decodeLead(s6.leadData[i] ?? new Uint8Array(), l.end - l.start + 1, huffman, s6.difference, `section 6 lead ${i + 1} (${l.label})`));
  let avmNv = s6.avmNv;
  if (leadTable.referenceBeatSubtracted) {
    if (referenceBeat === null || qrs === null) throw formatError('section 3 flags reference-beat subtraction but section 4 or 5 is missing');
    if (referenceBeat.intervalUs !== s6.intervalUs) {
      throw new ScpError(ScpErrorCode.UNSUPPORTED, `reference beat at ${referenceBeat.intervalUs} µs, rhythm at ${s6.intervalUs} µs (decimated residual)`);
    }
    // Counts stay exact: both signals are brought to the largest AVM that divides both.
    avmNv = gcd(s6.avmNv, referenceBeat.avmNv);
    const zones = subtractionZones(qrs.qrs, frames + firstSample - 1);
    rhythm.forEach((lead, i) => {
      const what = `lead ${i + 1}`;
      const beat = Int32Array.from(referenceBeat.leads[i] ?? []);
      rescale(lead, s6.avmNv / avmNv, what);
      rescale(beat, referenceBeat.avmNv / avmNv, what);
      addReferenceBeat(lead, leads[i]?.start ?? 1, beat, referenceBeat.fiducial, zones, what);
    });
  }
  return { container, leadTable, firstSample, frames, rhythm, avmNv, intervalUs: s6.intervalUs, referenceBeat, qrs };
}

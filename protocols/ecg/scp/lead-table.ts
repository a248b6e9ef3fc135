// EN 1064 §5.6 (Section 3, ECG lead definition) and §5.7 (Section 4, QRS locations).
import { ByteReader } from './byte-reader.js';
import { ScpError, ScpErrorCode, formatError } from './errors.js';
import { scpLeadName, type ScpLeadName } from './lead-codes.js';

export interface ScpLead extends ScpLeadName {
  /** SCP lead id byte. */
  id: number;
  /** First and last sample number, 1-based and inclusive, at the rhythm sample rate. */
  start: number;
  end: number;
}

export interface ScpLeadTable {
  leads: ScpLead[];
  /** Flag bit 0: the reference beat was subtracted from the rhythm before compression. */
  referenceBeatSubtracted: boolean;
  /** Flag bit 2: all leads recorded simultaneously. */
  simultaneous: boolean;
  /** Flag bits 3..7: number of simultaneously recorded leads. */
  simultaneousCount: number;
}

/** Section 3 body → lead table. `maxSamples` caps end-start+1 of any lead. */
export function parseLeadTable(body: Uint8Array, maxLeads: number, maxSamples: number): ScpLeadTable {
  const r = new ByteReader(body, 'section 3');
  const count = r.u8('number of leads');
  const flags = r.u8('flags');
  if (count === 0) throw formatError('section 3: zero leads');
  if (count > maxLeads) throw new ScpError(ScpErrorCode.LIMIT, `section 3: ${count} leads, limit ${maxLeads}`);
  const leads: ScpLead[] = [];
  for (let i = 0; i < count; i++) {
    const start = r.u32('start sample');
    const end = r.u32('end sample');
    const id = r.u8('lead id');
    if (start < 1 || end < start) throw formatError(`section 3: lead ${i + 1} samples ${start}..${end}`);
    if (end - start + 1 > maxSamples) throw new ScpError(ScpErrorCode.LIMIT, `section 3: lead ${i + 1} has ${end - start + 1} samples, limit ${maxSamples}`);
    leads.push({ id, start, end, ...scpLeadName(id) });
  }
  return {
    leads,
    referenceBeatSubtracted: (flags & 0x01) !== 0,
    simultaneous: (flags & 0x04) !== 0,
    simultaneousCount: flags >>> 3,
  };
}

/** One QRS complex of Section 4: its subtraction zone and fiducial, 1-based rhythm sample numbers. */
export interface ScpQrs {
  /** Reference beat type; only type 0 is subtracted (EN 1064 §5.7.2). */
  type: number;
  start: number;
  fiducial: number;
  end: number;
}

export interface ScpQrsLocations {
  /** Length of the type-0 reference beat, milliseconds. */
  referenceBeatMs: number;
  /** Fiducial of the reference beat, 1-based sample number within it. */
  referenceFiducial: number;
  qrs: ScpQrs[];
  /** Protected areas (full-rate zones of bimodal compression); empty when the section omits them. */
  protectedAreas: { start: number; end: number }[];
}

/** Section 4 body → QRS locations. `maxQrs` caps the complex count. */
export function parseQrsLocations(body: Uint8Array, maxQrs: number): ScpQrsLocations {
  const r = new ByteReader(body, 'section 4');
  const referenceBeatMs = r.u16('reference beat length');
  const referenceFiducial = r.u16('reference fiducial');
  const count = r.u16('number of QRS');
  if (count > maxQrs) throw new ScpError(ScpErrorCode.LIMIT, `section 4: ${count} QRS complexes, limit ${maxQrs}`);
  const qrs: ScpQrs[] = [];
  for (let i = 0; i < count; i++) {
    qrs.push({ type: r.u16('beat type'), start: r.u32('subtraction start'), fiducial: r.u32('fiducial'), end: r.u32('subtraction end') });
  }
  // Protected areas follow only when the writer included them (always with bimodal compression).
  const protectedAreas: { start: number; end: number }[] = [];
  if (r.remaining >= count * 8) {
    for (let i = 0; i < count; i++) protectedAreas.push({ start: r.u32('protected start'), end: r.u32('protected end') });
  }
  return { referenceBeatMs, referenceFiducial, qrs, protectedAreas };
}

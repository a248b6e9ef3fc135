// EN 1064 §5.3 (record layout) and §5.4 (Section 0, pointers): a 6-byte file header (CRC, length)
// followed by sections, each with a 16-byte header (CRC, id, length, section and protocol version).
import { ByteReader } from './byte-reader.js';
import { crcCcitt } from './crc.js';
import { ScpError, ScpErrorCode, formatError } from './errors.js';

/** Size caps of the container walk. */
export interface ScpContainerLimits {
  /** Largest file accepted, bytes. Default 64 MiB. */
  maxFileBytes: number;
  /** Most Section 0 pointer entries. Default 256 (the standard defines ids 0..11 plus vendor 128+). */
  maxSections: number;
}

export const DEFAULT_CONTAINER_LIMITS: ScpContainerLimits = { maxFileBytes: 64 << 20, maxSections: 256 };

/** One present section: its body (after the 16-byte header) and versions. */
export interface ScpSection {
  id: number;
  /** Offset of the section header in the file, bytes. */
  offset: number;
  /** Section bytes after the 16-byte header. */
  body: Uint8Array;
  sectionVersion: number;
  protocolVersion: number;
}

export interface ScpContainer {
  sections: Map<number, ScpSection>;
  /** Protocol version from Section 0 (0 = pre-standard, read as 1.x; 10..13 = 1.x, 20 = 2.x, 29/30 = 3.0). */
  protocolVersion: number;
  /** Human-readable warnings (accepted CRC errors, trailing bytes); no patient data. */
  warnings: string[];
}

const HEADER = 16;

/**
 * Versions this reader knows: 1.0-1.3 (10-13), 2.x (20-22), 3.0 (29-30), and 0. Real carts of the
 * AAMI SCP-1999 era (test.scp of WFDB's checkpkg, a Burdick) write 0 in every section header: the
 * protocol version byte was not yet defined as such. Their sections have the 1.x layout (parsescp
 * decodes them as 1.x), so a 0 is read as 1.x; what is trusted from such a file is in README.md.
 */
function knownVersion(v: number): boolean {
  return v === 0 || (v >= 10 && v <= 13) || (v >= 20 && v <= 22) || v === 29 || v === 30;
}

function checkCrc(bytes: Uint8Array, start: number, end: number, stored: number, what: string, accept: boolean, warnings: string[]): void {
  const computed = crcCcitt(bytes, start, end);
  if (computed === stored) return;
  const msg = `${what}: CRC 0x${stored.toString(16).padStart(4, '0')} stored, 0x${computed.toString(16).padStart(4, '0')} computed`;
  if (!accept) throw new ScpError(ScpErrorCode.CRC, msg);
  warnings.push(`accepted bad CRC: ${msg}`);
}

function u16(b: Uint8Array, at: number): number {
  return (b[at] ?? 0) | ((b[at + 1] ?? 0) << 8);
}

function u32(b: Uint8Array, at: number): number {
  return ((b[at] ?? 0) | ((b[at + 1] ?? 0) << 8) | ((b[at + 2] ?? 0) << 16)) + (b[at + 3] ?? 0) * 0x1000000;
}

function readSectionAt(bytes: Uint8Array, offset: number, fileEnd: number, expectId: number, accept: boolean, warnings: string[]): ScpSection {
  if (offset < 6 || offset + HEADER > fileEnd) throw formatError(`section ${expectId}: header at ${offset} outside the file`);
  const id = u16(bytes, offset + 2);
  const length = u32(bytes, offset + 4);
  if (id !== expectId) throw formatError(`section at ${offset}: id ${id}, pointer says ${expectId}`);
  if (length < HEADER || offset + length > fileEnd) throw formatError(`section ${id}: length ${length} does not fit the file`);
  checkCrc(bytes, offset + 2, offset + length, u16(bytes, offset), `section ${id}`, accept, warnings);
  return {
    id,
    offset,
    body: bytes.subarray(offset + HEADER, offset + length),
    sectionVersion: bytes[offset + 8] ?? 0,
    protocolVersion: bytes[offset + 9] ?? 0,
  };
}

/**
 * Cheap sniff: Section 0's header sits at byte 6 with a sane length and a plausible protocol
 * version. A truncated file still sniffs as SCP so the reader can say "truncated" with its code.
 */
export function looksLikeScp(bytes: Uint8Array): boolean {
  if (bytes.length < 6 + HEADER) return false;
  const fileLength = u32(bytes, 2);
  const len0 = u32(bytes, 10);
  const version = bytes[15] ?? 0;
  const shape = u16(bytes, 8) === 0 && len0 >= HEADER && (len0 - HEADER) % 10 === 0 && 6 + len0 <= fileLength;
  if (!shape) return false;
  if (version >= 10 && version <= 40) return true;
  // Version 0 (pre-standard carts): the version byte proves nothing, so ask for more of the shape:
  // Section 0's first pointer is to itself (EN 1064 §5.4.1: id 0, its length, index 7).
  return version === 0 && bytes.length >= 6 + HEADER + 10 && u16(bytes, 22) === 0 && u32(bytes, 24) === len0 && u32(bytes, 28) === 7;
}

/**
 * Walks the file header, Section 0 and every section it points to, verifying the file CRC and
 * each section CRC. With `acceptBadCrc` a mismatch becomes a warning instead of TM_ERR_SCP_CRC.
 */
export function readScpContainer(bytes: Uint8Array, acceptBadCrc = false, limits: ScpContainerLimits = DEFAULT_CONTAINER_LIMITS): ScpContainer {
  if (bytes.length > limits.maxFileBytes) throw new ScpError(ScpErrorCode.LIMIT, `file of ${bytes.length} bytes exceeds ${limits.maxFileBytes}`);
  if (bytes.length < 6 + HEADER) throw formatError(`file of ${bytes.length} bytes is too short for SCP-ECG`);
  const warnings: string[] = [];
  const fileLength = u32(bytes, 2);
  if (fileLength > bytes.length) throw formatError(`file header says ${fileLength} bytes, only ${bytes.length} present (truncated)`);
  if (fileLength < 6 + HEADER) throw formatError(`file header length ${fileLength} is too small`);
  if (fileLength < bytes.length) warnings.push(`${bytes.length - fileLength} bytes after the declared end ignored`);
  checkCrc(bytes, 2, fileLength, u16(bytes, 0), 'file', acceptBadCrc, warnings);

  const s0 = readSectionAt(bytes, 6, fileLength, 0, acceptBadCrc, warnings);
  const protocolVersion = s0.protocolVersion;
  if (!knownVersion(protocolVersion)) {
    throw new ScpError(ScpErrorCode.UNSUPPORTED, `SCP-ECG protocol version ${protocolVersion} (known: 0, 10-13, 20-22, 29-30)`);
  }
  const pointers = new ByteReader(s0.body, 'section 0');
  const count = Math.floor(s0.body.length / 10);
  if (count > limits.maxSections) throw new ScpError(ScpErrorCode.LIMIT, `section 0 lists ${count} sections, limit ${limits.maxSections}`);
  const sections = new Map<number, ScpSection>([[0, s0]]);
  for (let i = 0; i < count; i++) {
    const id = pointers.u16('section id');
    const length = pointers.u32('section length');
    const index = pointers.u32('section index');
    if (length === 0 || id === 0) continue; // EN 1064 §5.4: length 0 = section absent
    if (sections.has(id)) throw formatError(`section ${id} listed twice in section 0`);
    const section = readSectionAt(bytes, index - 1, fileLength, id, acceptBadCrc, warnings);
    // The header's length is the one its CRC covered; a disagreeing pointer is only noted.
    if (section.body.length + HEADER !== length) warnings.push(`section ${id}: section 0 says ${length} bytes, its header ${section.body.length + HEADER}`);
    sections.set(id, section);
  }
  return { sections, protocolVersion, warnings };
}

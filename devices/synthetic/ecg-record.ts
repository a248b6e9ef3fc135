import { createHash } from 'node:crypto';
import type { telemed } from '../../protocols/index.js';
import { ecgMicrovolts } from './signals.js';

/** 18-lead resting ECG, 10 s at 500 Hz, int16 little-endian µV, lead-major: 180 000 bytes. */
export const RECORD_LEADS = 18;
export const RECORD_RATE_HZ = 500;
export const RECORD_SECONDS = 10;
export const RECORD_CONTENT_TYPE = 'application/x-telemed-ecg-int16le;leads=18;rate=500';
/** Largest chunk, bytes: small enough that a CONTROL frame never waits long behind one. */
export const MAX_CHUNK_BYTES = 16 * 1024;

/** Builds the raw bytes of one synthetic 10 s record. */
export function synthEcgRecord(hrBpm: number): Uint8Array {
  const n = RECORD_RATE_HZ * RECORD_SECONDS;
  const buf = Buffer.alloc(RECORD_LEADS * n * 2);
  for (let lead = 0; lead < RECORD_LEADS; lead++) {
    const gain = 0.4 + ((lead * 37) % 11) / 10;
    for (let i = 0; i < n; i++) {
      const v = Math.round(ecgMicrovolts(i / RECORD_RATE_HZ, hrBpm, gain));
      buf.writeInt16LE(Math.max(-32768, Math.min(32767, v)), (lead * n + i) * 2);
    }
  }
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** Cuts a record into EcgRecordChunk payloads in offset order; the first carries the SHA-256. */
export function chunkRecord(recordId: string, data: Uint8Array, patientRef: string, maxChunk = MAX_CHUNK_BYTES): telemed.v1.IEcgRecordChunk[] {
  const sha256 = createHash('sha256').update(data).digest();
  const out: telemed.v1.IEcgRecordChunk[] = [];
  for (let offset = 0; offset < data.length; offset += maxChunk) {
    const end = Math.min(data.length, offset + maxChunk);
    out.push({
      recordId,
      offset,
      totalSize: data.length,
      data: data.subarray(offset, end),
      contentType: RECORD_CONTENT_TYPE,
      ...(offset === 0 ? { sha256 } : {}),
      patientRef,
      last: end === data.length,
    });
  }
  return out;
}

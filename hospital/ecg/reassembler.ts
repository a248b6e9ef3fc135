import { createHash } from 'node:crypto';
import type { telemed } from '../../protocols/index.js';
import { EcgErrorCode } from './errors.js';

/** A record whose last byte arrived (or that had to be closed early), ready to store. */
export interface AssembledRecord {
  readonly gatewayId: string;
  readonly recordId: string;
  readonly contentType: string;
  /** Patient reference keyed on the cart: stored, never logged. */
  readonly patientRef: string;
  /** The bytes received, in offset order (shorter than totalSize for a corrupt record). */
  readonly blob: Uint8Array;
  /** Integrity failure code, or null when size and SHA-256 match the first chunk. */
  readonly corruptCode: EcgErrorCode | null;
}

/** Limits of the reassembler. */
export interface ReassemblerLimits {
  /** Largest record, bytes. Default 8 MiB (a 60 s 18-lead 1000 Hz record is ~2.2 MB). */
  readonly maxRecordBytes?: number;
  /** Records being assembled at once; the oldest is closed as corrupt (EVICTED) past it. Default 32. */
  readonly maxPartial?: number;
}

interface Partial {
  readonly gatewayId: string;
  readonly recordId: string;
  readonly totalSize: number;
  readonly sha256: Uint8Array | null;
  readonly contentType: string;
  readonly patientRef: string;
  readonly parts: Uint8Array[];
  received: number;
  corruptCode: EcgErrorCode | null;
}

/**
 * Reassembles EcgRecordChunk streams per (gateway, record_id). Chunks of one record arrive in
 * offset order on one durable stream (telemed.proto), so anything else is a gap: the record is
 * kept, marked corrupt with a stable code, never silently dropped.
 */
export class EcgReassembler {
  private readonly partial = new Map<string, Partial>();
  private readonly maxRecordBytes: number;
  private readonly maxPartial: number;

  constructor(limits: ReassemblerLimits = {}) {
    this.maxRecordBytes = limits.maxRecordBytes ?? 8 * 1024 * 1024;
    this.maxPartial = limits.maxPartial ?? 32;
  }

  /** Records being assembled now. */
  get pending(): number {
    return this.partial.size;
  }

  /** Whether a record of this gateway is being assembled. */
  has(gatewayId: string, recordId: string): boolean {
    return this.partial.has(`${gatewayId}\u0000${recordId}`);
  }

  /** Takes one chunk; returns the records it completed (its own, and any evicted to make room). */
  add(gatewayId: string, c: telemed.v1.IEcgRecordChunk): AssembledRecord[] {
    const recordId = c.recordId ?? '';
    const key = `${gatewayId}\u0000${recordId}`;
    const offset = Number(c.offset ?? 0);
    const data = c.data ?? new Uint8Array(0);
    const out: AssembledRecord[] = [];
    let p = this.partial.get(key);
    if (p === undefined) {
      while (this.partial.size >= this.maxPartial) {
        const [oldKey, old] = this.partial.entries().next().value as [string, Partial];
        this.partial.delete(oldKey);
        old.corruptCode ??= EcgErrorCode.EVICTED;
        out.push(finish(old));
      }
      p = {
        gatewayId, recordId, totalSize: Number(c.totalSize ?? 0),
        sha256: c.sha256 != null && c.sha256.length === 32 ? c.sha256 : null,
        contentType: c.contentType ?? '', patientRef: c.patientRef ?? '', parts: [], received: 0,
        // A record that does not start at 0 lost its first chunk (and with it the hash).
        corruptCode: offset === 0 ? null : EcgErrorCode.CHUNK_GAP,
      };
      if (p.totalSize > this.maxRecordBytes) p.corruptCode ??= EcgErrorCode.TOO_LARGE;
      this.partial.set(key, p);
    } else if (offset !== p.received) {
      p.corruptCode ??= EcgErrorCode.CHUNK_GAP;
    }
    if (p.received + data.length <= this.maxRecordBytes) {
      p.parts.push(data);
      p.received += data.length;
    } else {
      p.corruptCode ??= EcgErrorCode.TOO_LARGE;
    }
    if (c.last === true || p.received >= p.totalSize) {
      this.partial.delete(key);
      out.push(finish(p));
    }
    return out;
  }
}

function finish(p: Partial): AssembledRecord {
  const blob = new Uint8Array(p.received);
  let at = 0;
  for (const part of p.parts) { blob.set(part, at); at += part.length; }
  let corruptCode = p.corruptCode;
  if (corruptCode === null && p.received !== p.totalSize) corruptCode = EcgErrorCode.SIZE_MISMATCH;
  if (corruptCode === null) {
    const digest = createHash('sha256').update(blob).digest();
    if (p.sha256 === null || !digest.equals(p.sha256)) corruptCode = EcgErrorCode.HASH_MISMATCH;
  }
  return { gatewayId: p.gatewayId, recordId: p.recordId, contentType: p.contentType, patientRef: p.patientRef, blob, corruptCode };
}

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

/** Records one gateway may have in assembly at once, by default. */
export const DEFAULT_MAX_PARTIAL = 32;

/** Limits of the reassembler. */
export interface ReassemblerLimits {
  /** Largest record, bytes. Default 8 MiB (a 60 s 18-lead 1000 Hz record is ~2.2 MB). */
  readonly maxRecordBytes?: number;
  /**
   * Records being assembled at once PER GATEWAY; past it that gateway's own oldest is closed as
   * corrupt (EVICTED). Default 32. One gateway's flood never closes another gateway's record.
   */
  readonly maxPartial?: number;
  /**
   * Bytes held in partial records over all gateways, default 256 MiB. Past it the oldest partial
   * record of the gateway holding the most bytes is closed as EVICTED (the offender pays).
   */
  readonly maxBufferedBytes?: number;
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
 * kept, marked corrupt with a stable code, never silently dropped. An evicted record's chunks are
 * still in the frames table: when its next chunk arrives, the plugin rebuilds it from there
 * (recover.ts) and the verified copy replaces the corrupt row (EcgStore.put).
 */
export class EcgReassembler {
  /** Insertion order = age, over all gateways. */
  private readonly partial = new Map<string, Partial>();
  /** Per gateway: its partial records' keys, oldest first, and the bytes they hold. */
  private readonly perGateway = new Map<string, { keys: Set<string>; bytes: number }>();
  private heldBytes = 0;
  private readonly maxRecordBytes: number;
  private readonly maxPartial: number;
  private readonly maxBufferedBytes: number;

  constructor(limits: ReassemblerLimits = {}) {
    this.maxRecordBytes = limits.maxRecordBytes ?? 8 * 1024 * 1024;
    this.maxPartial = limits.maxPartial ?? DEFAULT_MAX_PARTIAL;
    this.maxBufferedBytes = limits.maxBufferedBytes ?? 256 * 1024 * 1024;
  }

  /** Bytes held in partial records. */
  get bufferedBytes(): number {
    return this.heldBytes;
  }

  private forget(key: string, p: Partial): void {
    this.partial.delete(key);
    const g = this.perGateway.get(p.gatewayId);
    if (g !== undefined) {
      g.keys.delete(key);
      g.bytes -= p.received;
      if (g.keys.size === 0) this.perGateway.delete(p.gatewayId);
    }
    this.heldBytes -= p.received;
  }

  private evict(key: string, out: AssembledRecord[]): void {
    const old = this.partial.get(key);
    if (old === undefined) return;
    this.forget(key, old);
    old.corruptCode ??= EcgErrorCode.EVICTED;
    out.push(finish(old));
  }

  /** Past the byte bound: the oldest record of the gateway holding the most bytes goes, until under it. */
  private evictForBytes(adding: number, keep: string, out: AssembledRecord[]): void {
    while (this.heldBytes + adding > this.maxBufferedBytes) {
      let worst: { keys: Set<string>; bytes: number } | undefined;
      for (const g of this.perGateway.values()) if (worst === undefined || g.bytes > worst.bytes) worst = g;
      const victim = worst === undefined ? undefined : [...worst.keys].find((k) => k !== keep);
      if (victim === undefined) return; // only the record being added is left: TOO_LARGE handles it
      this.evict(victim, out);
    }
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
      const mine = this.perGateway.get(gatewayId);
      while (mine !== undefined && mine.keys.size >= this.maxPartial) {
        this.evict(mine.keys.values().next().value as string, out);
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
      const g = this.perGateway.get(gatewayId) ?? { keys: new Set<string>(), bytes: 0 };
      g.keys.add(key);
      this.perGateway.set(gatewayId, g);
    } else if (offset !== p.received) {
      p.corruptCode ??= EcgErrorCode.CHUNK_GAP;
    }
    if (p.received + data.length <= this.maxRecordBytes) {
      this.evictForBytes(data.length, key, out);
      p.parts.push(data);
      p.received += data.length;
      this.heldBytes += data.length;
      const g = this.perGateway.get(gatewayId);
      if (g !== undefined) g.bytes += data.length;
    } else {
      p.corruptCode ??= EcgErrorCode.TOO_LARGE;
    }
    if (c.last === true || p.received >= p.totalSize) {
      this.forget(key, p);
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

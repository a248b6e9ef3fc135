import type { Logger } from 'pino';
import { decodeEnvelope, type telemed } from '../../protocols/index.js';
import type { EcgStore } from './ecg-store.js';
import { EcgErrorCode } from './errors.js';

/** Most stored frames looked at to find a record's start (a 60 s 1000 Hz record is ~140 chunks). */
const MAX_LOOKBACK = 512;

/**
 * How many stored-frame scans (ChunkResumer) one gateway may cause: a token bucket per gateway. A scan
 * reads and decodes up to MAX_LOOKBACK stored frames (~4 ms here), so without a bound a gateway
 * sending small chunks of unknown records (offset > 0) costs the hub ~500× what it sends, and
 * every other clinic's uplink waits behind it. A hub restarted mid-upload needs one scan per
 * record in progress, at most the reassembler's per-gateway limit, at once: that is the burst.
 */
export class ResumeBudget {
  private readonly buckets = new Map<string, { tokens: number; atMs: number }>();

  /** `burst` scans at once per gateway, refilled at `perSecond`. */
  constructor(private readonly burst: number, private readonly perSecond = 1) {}

  /** Takes one scan from `gatewayId`'s bucket; false when it is empty. */
  take(gatewayId: string, nowMs: number): boolean {
    const b = this.buckets.get(gatewayId) ?? { tokens: this.burst, atMs: nowMs };
    b.tokens = Math.min(this.burst, b.tokens + (Math.max(0, nowMs - b.atMs) / 1000) * this.perSecond);
    b.atMs = nowMs;
    this.buckets.set(gatewayId, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}

/** What became of a chunk of a record not being assembled: its start found, not found, or not looked for. */
export type ResumeOutcome = 'resumed' | 'not_found' | 'throttled';

/**
 * Resumes records the hub is not assembling (a chunk at offset > 0: the hub restarted mid-upload,
 * or evicted the record) from their stored chunks, within each gateway's ResumeBudget. Past the
 * budget nothing is scanned, the record is assembled from here with a gap (CHUNK_GAP) and its
 * frames stay stored; the first time per gateway is logged.
 */
export class ChunkResumer {
  private readonly budget: ResumeBudget;
  private readonly throttled = new Set<string>();

  constructor(private readonly store: EcgStore, private readonly log: Logger, burst: number) {
    this.budget = new ResumeBudget(burst);
  }

  /** The stored chunks before `chunk` of its record, in offset order (empty unless 'resumed'). */
  resume(gatewayId: string, streamId: string, seq: number, chunk: telemed.v1.IEcgRecordChunk, nowMs: number): { outcome: ResumeOutcome; chunks: telemed.v1.IEcgRecordChunk[] } {
    if (!this.budget.take(gatewayId, nowMs)) {
      if (!this.throttled.has(gatewayId)) {
        this.throttled.add(gatewayId);
        this.log.warn({ gatewayId, code: EcgErrorCode.CHUNK_GAP }, 'ECG chunks of unknown records arrive faster than the hub scans stored frames for their start; later ones are assembled with a gap');
      }
      return { outcome: 'throttled', chunks: [] };
    }
    const chunks = recoverEarlierChunks(this.store, gatewayId, streamId, seq, chunk, this.log);
    return { outcome: chunks.length > 0 ? 'resumed' : 'not_found', chunks };
  }
}

/**
 * The chunks of `chunk`'s record stored before it, in offset order. They are there when the hub
 * restarted mid-record: the gateway resends only unacked frames, and the earlier ones were acked.
 * Empty when the record's first chunk is not found (the reassembler then marks a gap).
 */
function recoverEarlierChunks(
  store: EcgStore, gatewayId: string, streamId: string, seq: number, chunk: telemed.v1.IEcgRecordChunk, log: Logger,
): telemed.v1.IEcgRecordChunk[] {
  const found: telemed.v1.IEcgRecordChunk[] = [];
  const offset = Number(chunk.offset ?? 0);
  for (const raw of store.earlierChunkFrames(gatewayId, streamId, seq, MAX_LOOKBACK)) {
    let c: telemed.v1.IEcgRecordChunk | null | undefined;
    try {
      c = decodeEnvelope(raw).ecgChunk;
    } catch {
      continue; // stored frames were decoded once on arrival; a failure here means a damaged row
    }
    if (c == null || c.recordId !== chunk.recordId || Number(c.offset ?? 0) >= offset) continue;
    found.push(c);
    if (Number(c.offset ?? 0) === 0) {
      found.reverse();
      log.info({ gatewayId, recordId: chunk.recordId, chunks: found.length }, 'ECG record resumed from stored chunks');
      return found;
    }
  }
  return [];
}

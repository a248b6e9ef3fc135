import type { Logger } from 'pino';
import { decodeEnvelope, type telemed } from '../../protocols/index.js';
import type { EcgStore } from './ecg-store.js';

/** Most stored frames looked at to find a record's start (a 60 s 1000 Hz record is ~140 chunks). */
const MAX_LOOKBACK = 512;

/**
 * How many scans of recoverEarlierChunks one gateway may cause: a token bucket per gateway. A scan
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

/**
 * The chunks of `chunk`'s record stored before it, in offset order. They are there when the hub
 * restarted mid-record: the gateway resends only unacked frames, and the earlier ones were acked.
 * Empty when the record's first chunk is not found (the reassembler then marks a gap).
 */
export function recoverEarlierChunks(
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

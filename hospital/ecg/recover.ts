import type { Logger } from 'pino';
import { decodeEnvelope, type telemed } from '../../protocols/index.js';
import type { EcgStore } from './ecg-store.js';

/** Most stored frames looked at to find a record's start (a 60 s 1000 Hz record is ~140 chunks). */
const MAX_LOOKBACK = 512;

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

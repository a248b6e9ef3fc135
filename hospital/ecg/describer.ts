// Describes stored EcgDocuments on the decode threads (decode-pool.ts): metadata and the
// gateway's analysis for the worklist, or the code the document fails with. A document is stored
// undescribed the moment its last chunk arrives (so an acked record survives a restart) and joins
// the worklist once described. Busy or failed threads leave it undescribed: it is tried again
// after `retryMs`, and at start for whatever a previous run left (EcgStore.undescribed).
import type { Counter } from 'prom-client';
import type { Logger } from 'pino';
import { isTelemedError } from '../../protocols/index.js';
import { describeBlob, isDocumentType } from './blob-format.js';
import type { EcgDecodePool } from './decode-pool.js';
import type { EcgRecordView, EcgStore, StoredRecordInfo } from './ecg-store.js';
import { EcgErrorCode } from './errors.js';

export interface DescriberDeps {
  readonly store: EcgStore;
  readonly pool: EcgDecodePool;
  /** telemed_hub_ecg_decode_refused_total{code} */
  readonly refused: Counter<'code'>;
  /** telemed_hub_ecg_records_total{outcome} */
  readonly outcomes: Counter<'outcome'>;
  readonly log: Logger;
  /** The record joined the worklist (first description only). */
  readonly onDescribed: (record: EcgRecordView) => void;
  /** Wait before trying busy-refused records again, ms. Default 2000. */
  readonly retryMs?: number;
}

/**
 * A document this small that declares at most this many samples is described on the event loop:
 * its decode is bounded (a 10 s 18-lead cart record is 90 000 samples at 500 Hz, a few ms) and a
 * record should not wait for a thread (bench:ecg: the first records after a quiet spell waited
 * 1.5-3 s for thread start-up and JIT). Anything larger, or refused by these limits (checked from
 * the header before any lead is inflated), goes to the decode threads, which decide.
 */
const INLINE_MAX_BLOB_BYTES = 512 * 1024;
const INLINE_LIMITS = { maxTotalSamples: 2 ** 18, maxBytes: 2 * 1024 * 1024 };

/** Records looked at per sweep; the pool's own queue bound refuses the rest until the next one. */
const SWEEP_LIMIT = 64;

export class DocumentDescriber {
  private readonly inFlight = new Set<number>();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly deps: DescriberDeps) {}

  /** Describes the stored, undescribed record `id` (once at a time). */
  enqueue(id: number): void {
    if (this.closed || this.inFlight.has(id)) return;
    const b = this.deps.store.blob(id);
    if (b === undefined) return;
    this.inFlight.add(id);
    if (isDocumentType(b.contentType) && b.blob.length <= INLINE_MAX_BLOB_BYTES) {
      try {
        this.finish(id, { ...describeBlob(b.contentType, b.blob, INLINE_LIMITS), corruptCode: null });
        return;
      } catch {
        // Over the inline limits or not decodable: the threads give the authoritative answer.
      }
    }
    this.deps.pool.run({ op: 'describe', contentType: b.contentType, blob: b.blob }).then(
      (res) => { this.finish(id, res.op === 'describe' ? { meta: res.meta, analysis: res.analysis, corruptCode: null } : null); },
      (err: unknown) => { this.failed(id, err); },
    );
  }

  /** Enqueues every undescribed record (at start, and after a busy refusal). */
  sweep(): void {
    if (this.closed) return;
    for (const id of this.deps.store.undescribed(SWEEP_LIMIT)) this.enqueue(id);
  }

  close(): void {
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private finish(id: number, info: StoredRecordInfo | null): void {
    this.inFlight.delete(id);
    if (this.closed || info === null) return;
    const code = info.corruptCode ?? null;
    this.deps.outcomes.inc({ outcome: code ?? 'ok' });
    const rec = this.deps.store.describe(id, info);
    if (rec === undefined) return;
    // The hub id and code only: the cart's record id may carry a file name, the patient never.
    if (code !== null) this.deps.log.warn({ gatewayId: rec.gatewayId, id, code, bytes: rec.byteSize }, 'ECG document does not decode; stored and marked');
    this.deps.onDescribed(rec);
  }

  private failed(id: number, err: unknown): void {
    if (this.closed) { this.inFlight.delete(id); return; }
    if (!isTelemedError(err)) {
      this.inFlight.delete(id);
      this.deps.log.error({ err, id }, 'ECG document description failed');
      return;
    }
    if (err.code !== EcgErrorCode.DECODE_BUSY && err.code !== EcgErrorCode.DECODE_FAILED) {
      this.finish(id, { meta: null, analysis: null, corruptCode: err.code });
      return;
    }
    this.inFlight.delete(id);
    this.deps.refused.inc({ code: err.code });
    this.deps.log.warn({ id, code: err.code }, 'ECG document not described yet (decode threads busy or failed); retrying');
    this.timer ??= setTimeout(() => { this.timer = null; this.sweep(); }, this.deps.retryMs ?? 2000);
    this.timer.unref();
  }
}

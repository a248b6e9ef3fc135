import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { DEFAULT_LIMITS, TrafficClass, telemed, type Clock, type DecodedEnvelope } from '../../protocols/index.js';
import type { EcgRecord } from '../../protocols/ecg/record.js';
import { verifyDiagnosis, type DiagnosisVerification, type DiagnosisVerifyKey } from '../../protocols/ecg/diagnosis-signature.js';
import type { BuildFrameInput, OutFrame } from '../uplink/streams.js';
import { GatewayEcgError, GatewayEcgErrorCode } from './errors.js';
import { prepareEcgRecord, type PreparedEcg } from './prepare.js';
import { nextEcgState, type EcgRecordEvent } from './record-state.js';
import type { EcgRecordStore, StoredEcgRecord } from './record-store.js';
import { toGatewayEcgView, type GatewayEcgView } from './view.js';

/** What the service needs of the uplink: durable submission that resolves once on disk. */
export interface EcgUplinkPort {
  submit(input: BuildFrameInput): Promise<OutFrame>;
}

export interface EcgServiceOptions {
  readonly store: EcgRecordStore;
  readonly uplink: EcgUplinkPort;
  readonly clock: Clock;
  readonly log: Logger;
  /** manual: a record waits in preview for Send; auto: queued as soon as it is analysed. */
  readonly send: 'manual' | 'auto';
  /** Piece size handed to the uplink, bytes (it cuts further by link rate). Default 16384. */
  readonly chunkBytes?: number;
  /** Least interval between progress-only change events of one record, ms. Default 250 (4/s). */
  readonly progressIntervalMs?: number;
  /** This gateway's id: part of what the hub signs (the canonical diagnosis). */
  readonly gatewayId: string;
  /**
   * The hub's diagnosis signing key this gateway was enrolled with (config `hub.signingPublicKey`);
   * null: none, every diagnosis is shown "not verifiable".
   */
  readonly verifyKey: DiagnosisVerifyKey | null;
  /** Called once per new diagnosis with the outcome of its check (metrics). */
  readonly onVerified?: (outcome: DiagnosisVerification) => void;
}

/** Warning code of a diagnosis whose signature does not verify against the enrolled hub key. */
export const DIAGNOSIS_UNVERIFIED = 'TM_WARN_DIAGNOSIS_UNVERIFIED';

const v1 = telemed.v1;

/**
 * A device's own record id kept as ours: what a cart's firmware makes (serial and counter).
 * Anything else (spaces, a name, past 64 characters) gets an opaque id like a file import.
 */
const DEVICE_ID_SAFE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** Longest file name kept as source name (Linux allows 255 bytes). */
const MAX_SOURCE_NAME = 1024;

/** An opaque record id: 12 base64url characters (72 random bits), nothing taken from the input. */
export function opaqueRecordId(): string {
  return `ecg-${randomBytes(9).toString('base64url')}`;
}

/** Where a record came from: a device (its id may be kept) or a file (its name is never the id). */
export interface IngestOptions {
  /** The record's id is a file name (import or watch folder): always replaced by an opaque id. */
  readonly fromFile?: boolean;
}

/** A record that passed ingest's checks: its id, the file name kept aside, and the record to analyse. */
interface Admitted {
  readonly recordId: string;
  readonly sourceName: string | null;
  /** The device's own id is kept (a safe token). */
  readonly keep: boolean;
  readonly toPrepare: EcgRecord;
}

/**
 * The gateway side of an ECG record's life (docs/CONTRACTS.md "ECG workflow"): analyse and keep a
 * record in preview, send it (a durable ALARM first when a finding is critical, then the EcgDocument
 * as durable BULK EcgRecordChunks on `ecg/<deviceId>`), follow it through the uplink's acks and the
 * hub's EcgStatus / Diagnosis downlink. Every change is stored first, then emitted as `change`.
 */
export class EcgService extends EventEmitter<{ change: [GatewayEcgView] }> {
  private readonly chunkBytes: number;
  private readonly progressMs: number;
  private readonly lastProgressEmit = new Map<string, number>();

  constructor(private readonly o: EcgServiceOptions) {
    super();
    this.chunkBytes = o.chunkBytes ?? 16 * 1024;
    this.progressMs = o.progressIntervalMs ?? 250;
  }

  private nowMs(): number {
    return Math.round(this.o.clock.nowNs() / 1e6);
  }

  /**
   * Analyses and stores a new record (preview, or queued under `send: auto`). The record gets an
   * opaque id (issue 12 item 10) unless it is a device's own safe id: a file name can carry a
   * patient's name into logs, URLs and the hub, so it is kept only as `sourceName`. Throws
   * ID_INVALID (ids past the wire limits, before anything is stored) or DUPLICATE.
   */
  ingest(record: EcgRecord, deviceId: string, opts: IngestOptions = {}): GatewayEcgView {
    const id = this.admit(record, deviceId, opts);
    return this.store(record, deviceId, id, prepareEcgRecord(id.toPrepare));
  }

  /**
   * As ingest, with the analysis and encoding done by `prepare` (a thread: prepare-pool.ts), so the
   * event loop goes on meanwhile. The checks run first, and the duplicate check again before storing.
   */
  async ingestPrepared(record: EcgRecord, deviceId: string, prepare: (r: EcgRecord) => Promise<PreparedEcg>, opts: IngestOptions = {}): Promise<GatewayEcgView> {
    const id = this.admit(record, deviceId, opts);
    const prepared = await prepare(id.toPrepare);
    this.assertNew(deviceId, id);
    return this.store(record, deviceId, id, prepared);
  }

  /**
   * Ingest's checks (throws ID_INVALID or DUPLICATE), the record's id and the record to analyse:
   * the document carries our id, not the file name.
   */
  private admit(record: EcgRecord, deviceId: string, opts: IngestOptions): Admitted {
    const streamId = `ecg/${deviceId}`;
    if (streamId.length > DEFAULT_LIMITS.maxIdLength) {
      throw new GatewayEcgError(GatewayEcgErrorCode.ID_INVALID, `device id is ${deviceId.length} characters; stream ids are limited to ${DEFAULT_LIMITS.maxIdLength} on the wire`);
    }
    const keep = opts.fromFile !== true && DEVICE_ID_SAFE.test(record.id);
    const sourceName = keep ? null : record.id;
    if (sourceName !== null && sourceName.length > MAX_SOURCE_NAME) {
      throw new GatewayEcgError(GatewayEcgErrorCode.ID_INVALID, `file name is ${sourceName.length} characters, limit ${MAX_SOURCE_NAME}`);
    }
    const recordId = keep ? record.id : opaqueRecordId();
    const id = { recordId, sourceName, keep, toPrepare: keep ? record : { ...record, id: recordId } };
    this.assertNew(deviceId, id);
    return id;
  }

  /** DUPLICATE when this file or device record is already stored (checked again after an analysis off the loop). */
  private assertNew(deviceId: string, id: Admitted): void {
    if (id.sourceName !== null && this.o.store.idBySource(deviceId, id.sourceName) !== undefined) {
      throw new GatewayEcgError(GatewayEcgErrorCode.DUPLICATE, 'a record from this file is already on this gateway');
    }
    if (id.keep && this.o.store.get(id.recordId) !== undefined) throw new GatewayEcgError(GatewayEcgErrorCode.DUPLICATE, `ECG record ${id.recordId} already exists on this gateway`);
  }

  private store(record: EcgRecord, deviceId: string, id: Admitted, prepared: PreparedEcg): GatewayEcgView {
    const { recordId, sourceName } = id;
    const streamId = `ecg/${deviceId}`;
    const start = record.startTime === null ? NaN : Date.parse(record.startTime);
    const stored = this.o.store.insert({
      recordId, deviceId, source: record.source, acquiredAtMs: Number.isFinite(start) ? start : null,
      durationS: record.sampleRateHz > 0 ? record.frames / record.sampleRateHz : 0, sampleRateHz: record.sampleRateHz,
      leads: record.leads.map((l) => l.lead ?? l.label), analysis: prepared.analysis, critical: prepared.critical, state: 'preview',
      totalBytes: prepared.document.length, streamId, document: prepared.document, sha256: prepared.sha256,
      patientRef: record.patient.id ?? '', sourceName,
    }, this.nowMs());
    if (!stored) throw new GatewayEcgError(GatewayEcgErrorCode.DUPLICATE, `ECG record ${recordId} already exists on this gateway`);
    this.o.log.info({ recordId, deviceId, bytes: prepared.document.length, verdict: prepared.analysis.verdict, critical: prepared.critical }, 'ECG record analysed');
    const view = this.emitChange(recordId);
    return this.o.send === 'auto' ? this.send(recordId) : view;
  }

  /** preview → queued, and hands the record to the uplink. Throws NOT_FOUND / STATE. */
  send(recordId: string): GatewayEcgView {
    const r = this.transition(recordId, 'send', true);
    void this.submit(r);
    return this.viewOf(recordId);
  }

  /** preview → discarded (the doctor retakes). Throws NOT_FOUND / STATE. */
  discard(recordId: string): GatewayEcgView {
    this.transition(recordId, 'discard', true);
    return this.viewOf(recordId);
  }

  /** After a restart: records queued but not yet handed to the uplink go now. */
  resume(): void {
    for (const r of this.o.store.inState('queued')) void this.submit(r);
  }

  list(): GatewayEcgView[] {
    return this.o.store.list().map((r) => toGatewayEcgView(r, this.o.store.diagnosis(r.recordId)));
  }

  view(recordId: string): GatewayEcgView | undefined {
    const r = this.o.store.get(recordId);
    return r === undefined ? undefined : toGatewayEcgView(r, this.o.store.diagnosis(recordId));
  }

  /** A frame left for the hub: progress of the record it carries. */
  onSent(frame: OutFrame): void {
    const c = frame.env.ecgChunk;
    if (c == null || !frame.streamId.startsWith('ecg/')) return;
    const recordId = c.recordId ?? '';
    const r = this.o.store.get(recordId);
    if (r === undefined) return;
    const end = Number(c.offset ?? 0) + (c.data?.length ?? 0);
    if (end > r.sentBytes) this.progress(r, end, r.ackedBytes);
  }

  /** Cumulative acks from the hub (Ack or HelloAck): records whose pieces are all acked are delivered. */
  onAck(streams: readonly { streamId?: string | null; seq?: number | null }[]): void {
    const acked = new Map<string, number>();
    for (const s of streams) if (s.streamId?.startsWith('ecg/')) acked.set(s.streamId, Number(s.seq ?? 0));
    if (acked.size === 0) return;
    for (const state of ['sending', 'queued'] as const) {
      for (const r of this.o.store.inState(state)) {
        const seq = acked.get(r.streamId);
        if (seq === undefined || r.pieces.length === 0) continue;
        let ackedBytes = r.ackedBytes;
        for (const [pieceSeq, end] of r.pieces) if (pieceSeq <= seq) ackedBytes = Math.max(ackedBytes, end);
        if (ackedBytes > r.ackedBytes) this.progress(r, Math.max(r.sentBytes, ackedBytes), ackedBytes);
        if (ackedBytes >= r.totalBytes) this.apply(r.recordId, 'all-acked');
      }
    }
  }

  /**
   * EcgStatus and Diagnosis frames from the hub, stored durably (fsynced) before this returns: the
   * uplink marks the frame delivered and acks it only after its listeners returned, so a power cut
   * can never leave a mark (or an ack at the hub) for a diagnosis that is not on disk.
   */
  onDownlink(env: DecodedEnvelope): void {
    if (env.payload === 'ecgStatus' && env.ecgStatus != null) {
      const s = env.ecgStatus;
      this.o.store.durably(() => this.onStatus(s));
    } else if (env.payload === 'diagnosis' && env.diagnosis != null) {
      const d = env.diagnosis;
      this.o.store.durably(() => this.onDiagnosis(d));
    }
  }

  private onStatus(s: telemed.v1.IEcgStatus): void {
    const recordId = s.recordId ?? '';
    if (this.o.store.get(recordId) === undefined) { this.o.log.info({ recordId }, 'EcgStatus for an unknown record'); return; }
    switch (s.state) {
      case v1.EcgReadingState.ECG_READING_STATE_RECEIVED: this.apply(recordId, 'hub-received'); break;
      case v1.EcgReadingState.ECG_READING_STATE_IN_READING:
        if (s.readerName) this.o.store.setReader(recordId, s.readerName);
        this.apply(recordId, 'hub-in-reading', true);
        break;
      case v1.EcgReadingState.ECG_READING_STATE_REJECTED:
        this.o.store.setError(recordId, s.reasonCode || 'TM_ERR_ECG_REJECTED', 'the hospital could not read this record; take it again');
        this.apply(recordId, 'hub-rejected', true);
        break;
      default: break; // REPORTED comes as the Diagnosis itself
    }
  }

  /**
   * A Diagnosis is checked against the enrolled hub key before it is stored (issue 12 item 11): the
   * outcome is stored with it and shown; one that fails is kept and shown UNVERIFIED, warned about
   * with a code and counted, never shown as signed. Logged without its text or reader.
   */
  private onDiagnosis(d: telemed.v1.IDiagnosis): void {
    const recordId = d.recordId ?? '';
    if (this.o.store.get(recordId) === undefined) { this.o.log.info({ recordId }, 'Diagnosis for an unknown record'); return; }
    const signedAtNs = Number(d.signedAtNs ?? 0);
    const signature = Buffer.from(d.signature ?? []);
    const keyId = d.signingKeyId ?? '';
    const revision = d.revision ?? 1;
    const statements = [...(d.statements ?? [])];
    const verification = verifyDiagnosis(this.o.verifyKey, {
      content: {
        recordId, gatewayId: this.o.gatewayId, statements, text: d.text ?? '', critical: d.critical === true,
        reader: d.readerId ?? '', signedAtMs: Math.round(signedAtNs / 1e6), revision,
      },
      signatureAlg: d.signatureAlg ?? '', signature, keyId,
    });
    const fresh = this.o.store.addDiagnosis(recordId, {
      diagnosisId: d.diagnosisId ?? '', readerName: d.readerName ?? '', statements, text: d.text ?? '',
      signedAt: new Date(signedAtNs / 1e6).toISOString(), critical: d.critical === true, revision,
      signatureAlg: d.signatureAlg ?? '', signature: signature.toString('hex'), ...(keyId === '' ? {} : { signingKeyId: keyId }), verification,
    }, this.nowMs());
    if (!fresh) return; // a resent frame: already shown
    this.o.onVerified?.(verification);
    if (verification === 'unverified') {
      this.o.log.warn({
        code: DIAGNOSIS_UNVERIFIED, recordId, revision, signatureAlg: d.signatureAlg ?? '', keyId, enrolledKeyId: this.o.verifyKey?.keyId ?? null,
      }, 'ECG diagnosis signature does not verify against the enrolled hub key: shown UNVERIFIED');
    }
    if (verification === 'verified' && d.readerName) this.o.store.setReader(recordId, d.readerName);
    this.o.log.info({ recordId, revision, critical: d.critical === true, verification }, 'ECG diagnosis received');
    this.apply(recordId, 'hub-diagnosis', true);
  }

  /** Alarm (if critical), then the document's pieces; each resolves once in the outbox. */
  private async submit(r: StoredEcgRecord): Promise<void> {
    const doc = this.o.store.document(r.recordId);
    if (doc === undefined) return;
    const now = this.o.clock.nowNs();
    try {
      if (r.critical) await this.o.uplink.submit(this.alarmFrame(r, now));
      const parts: Promise<OutFrame>[] = [];
      const ends: number[] = [];
      for (let offset = 0; offset < doc.document.length; offset += this.chunkBytes) {
        const end = Math.min(doc.document.length, offset + this.chunkBytes);
        ends.push(end);
        parts.push(this.o.uplink.submit({
          streamId: r.streamId, trafficClass: TrafficClass.TRAFFIC_CLASS_BULK, durable: true, captureTimeNs: now,
          payload: {
            ecgChunk: {
              recordId: r.recordId, offset, totalSize: doc.document.length, data: doc.document.subarray(offset, end),
              contentType: 'application/x-telemed-ecg+protobuf', patientRef: doc.patientRef, last: end === doc.document.length,
              ...(offset === 0 ? { sha256: doc.sha256 } : {}),
            },
          },
        }));
      }
      const frames = await Promise.all(parts);
      this.o.store.setPieces(r.recordId, frames.map((f, i) => [f.seq, ends[i] ?? 0] as const));
      this.apply(r.recordId, 'submitted');
    } catch (err) {
      // Outbox full or closed: the record stays queued and goes on the next start.
      const code = err instanceof Error && 'code' in err ? String(err.code) : 'TM_ERR_INTERNAL';
      this.o.store.setError(r.recordId, code, 'could not queue the record for sending; it will be retried');
      this.o.log.warn({ recordId: r.recordId, code }, 'ECG record not queued');
      this.emitChange(r.recordId);
    }
  }

  private alarmFrame(r: StoredEcgRecord, now: number): BuildFrameInput {
    const finding = r.analysis.findings.find((f) => f.severity === 'critical');
    return {
      streamId: `ecg-alarm/${r.deviceId}`, trafficClass: TrafficClass.TRAFFIC_CLASS_ALARM, durable: true, captureTimeNs: now,
      payload: {
        alarm: {
          alarmId: `${r.recordId}-critical`, deviceId: r.deviceId, kind: v1.AlarmKind.ALARM_KIND_PHYSIOLOGICAL,
          priority: v1.AlarmPriority.ALARM_PRIORITY_HIGH, state: v1.AlarmState.ALARM_STATE_ACTIVE,
          code: 'TM_ALARM_ECG_CRITICAL', text: finding?.text ?? 'critical ECG finding',
        },
      },
    };
  }

  private progress(r: StoredEcgRecord, sentBytes: number, ackedBytes: number): void {
    const now = this.nowMs();
    this.o.store.setProgress(r.recordId, sentBytes, ackedBytes, now);
    const last = this.lastProgressEmit.get(r.recordId) ?? -Infinity;
    if (now - last >= this.progressMs) this.emitChange(r.recordId);
  }

  /** Applies an event; refused ones throw (`strict`, user actions) or are ignored (late hub messages). */
  private transition(recordId: string, event: EcgRecordEvent, strict: boolean): StoredEcgRecord {
    const r = this.o.store.get(recordId);
    if (r === undefined) throw new GatewayEcgError(GatewayEcgErrorCode.NOT_FOUND, `no ECG record ${recordId}`);
    const next = nextEcgState(r.state, event);
    if (next === null) {
      if (strict) throw new GatewayEcgError(GatewayEcgErrorCode.STATE, `cannot ${event} a record that is ${r.state}`);
      return r;
    }
    this.o.store.setState(recordId, next, this.nowMs());
    this.o.log.info({ recordId, from: r.state, to: next, event }, 'ECG record state');
    this.emitChange(recordId);
    return { ...r, state: next };
  }

  private apply(recordId: string, event: EcgRecordEvent, always = false): void {
    const before = this.o.store.get(recordId)?.state;
    this.transition(recordId, event, false);
    // A reader name or a new diagnosis revision changes the view without a state change.
    if (always && this.o.store.get(recordId)?.state === before) this.emitChange(recordId);
  }

  private viewOf(recordId: string): GatewayEcgView {
    const v = this.view(recordId);
    if (v === undefined) throw new GatewayEcgError(GatewayEcgErrorCode.NOT_FOUND, `no ECG record ${recordId}`);
    return v;
  }

  private emitChange(recordId: string): GatewayEcgView {
    const v = this.viewOf(recordId);
    this.lastProgressEmit.set(recordId, this.nowMs());
    this.emit('change', v);
    return v;
  }
}

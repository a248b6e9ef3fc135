import type { Logger } from 'pino';
import { TrafficClass, telemed, type Clock, type EnvelopeInit } from '../../protocols/index.js';
import type { StoredDownFrame } from '../store/downlink-outbox.js';
import type { GatewayRegistry } from '../uplink/registry.js';
import type { EcgAuditStore } from './audit-store.js';
import type { DiagnosisView } from './diagnosis-store.js';

/**
 * Downlink streams of the reading workflow. One traffic class per stream: the gateway drops a
 * durable frame whose seq is at or below the stream's high-water mark, so a stream must never
 * let a later frame overtake an earlier one (which mixed classes on one stream would allow).
 */
export const RELAY_STREAMS = {
  /** Routine diagnoses, VITALS (1 s budget, durable): someone is waiting, but nothing is urgent. */
  diagnosis: 'ecg-dx',
  /** Diagnoses marked critical, ALARM (500 ms budget, durable): the clinic must act now. */
  criticalDiagnosis: 'ecg-dx/critical',
  /** EcgStatus (received, in reading, rejected), VITALS, durable. */
  status: 'ecg-status',
} as const;

export type ReadingState = 'received' | 'in-reading' | 'rejected';
const STATE: Record<ReadingState, telemed.v1.EcgReadingState> = {
  received: telemed.v1.EcgReadingState.ECG_READING_STATE_RECEIVED,
  'in-reading': telemed.v1.EcgReadingState.ECG_READING_STATE_IN_READING,
  rejected: telemed.v1.EcgReadingState.ECG_READING_STATE_REJECTED,
};

const STATE_NAME = new Map<number, ReadingState>(Object.entries(STATE).map(([name, v]) => [v, name as ReadingState]));

/** A record as the relay needs it. */
export interface RelayTarget {
  /** Hub row id (audit key). */
  readonly ecgId: number;
  readonly gatewayId: string;
  /** The cart's record id, what the gateway knows. */
  readonly recordId: string;
}

/** Where the newest diagnosis of a record is on its way to the clinic (shown to the reader). */
export interface RelayState {
  /** queued: the hub holds it for the gateway; deferred: refused for now, retried; delivered: the gateway acked it. */
  readonly state: 'queued' | 'deferred' | 'delivered';
  readonly revision: number;
  /** When that state was reached, ISO 8601 (hub clock). */
  readonly at: string;
}

interface Deferred { readonly t: RelayTarget; readonly streamId: string; readonly trafficClass: TrafficClass; readonly payload: Omit<EnvelopeInit, 'header'>; readonly what: string }

/**
 * Sends EcgStatus and Diagnosis frames to the originating gateway as durable downlink through
 * `registry.sendToGateway` (which owns numbering, persistence and resending: issue 3), and
 * audits each hand-off with its outcome.
 */
export class EcgRelay {
  /**
   * Fallback numbering for a registry that does not number durable frames itself: per
   * (gateway, stream), from 1 in this process. A registry with a durable outbox overrides it.
   */
  private readonly seqs = new Map<string, number>();
  /**
   * Hand-offs the registry refused (backpressure, or a registry that holds nothing for an
   * offline gateway), by record, stream and what: retried every `retryMs` until taken (issue 12,
   * item 14). A newer frame of the same record and stream replaces an older one waiting.
   */
  private readonly deferred = new Map<string, Deferred>();
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly registry: GatewayRegistry,
    private readonly audit: EcgAuditStore,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly retryMs = 10_000,
  ) {}

  /** Relay frames waiting for a retry. */
  get deferredCount(): number {
    return this.deferred.size;
  }

  /** Stops retrying (the hub is closing; deferred diagnoses are found again at start: reading-plugin). */
  close(): void {
    if (this.retryTimer !== null) clearInterval(this.retryTimer);
    this.retryTimer = null;
  }

  /** Tries every deferred hand-off again now; the ones taken are audited 'relay-resent'. */
  retry(): void {
    for (const [key, d] of [...this.deferred]) {
      if (this.attempt(d, true)) this.deferred.delete(key);
    }
    if (this.deferred.size === 0) this.close();
  }

  status(t: RelayTarget, state: ReadingState, extra: { readerName?: string; reasonCode?: string } = {}): void {
    this.send(t, RELAY_STREAMS.status, TrafficClass.TRAFFIC_CLASS_VITALS, {
      ecgStatus: {
        recordId: t.recordId, state: STATE[state], atNs: this.clock.nowNs(),
        readerName: extra.readerName ?? '', reasonCode: extra.reasonCode ?? '',
      },
    }, `status=${state}`);
  }

  diagnosis(t: RelayTarget, dx: DiagnosisView, reader: string): void {
    const stream = dx.critical ? RELAY_STREAMS.criticalDiagnosis : RELAY_STREAMS.diagnosis;
    const cls = dx.critical ? TrafficClass.TRAFFIC_CLASS_ALARM : TrafficClass.TRAFFIC_CLASS_VITALS;
    this.send(t, stream, cls, {
      diagnosis: {
        recordId: t.recordId, diagnosisId: dx.diagnosisId, readerId: reader, readerName: dx.readerName,
        statements: [...dx.statements], text: dx.text, signedAtNs: Date.parse(dx.signedAt) * 1e6, critical: dx.critical,
        signature: Buffer.from(dx.signature, 'hex'), signatureAlg: dx.signatureAlg, revision: dx.revision, signingKeyId: dx.signingKeyId ?? '',
      },
    }, `diagnosis revision=${dx.revision}`);
  }

  /**
   * The gateway acked relay frames and the hub's downlink outbox deleted them: each is audited as
   * 'relay-delivered' on its record (found by gateway and the cart's record id in the frame), with
   * what it carried, its stream and seq. Never throws (it runs inside the session's ack handling).
   */
  delivered(frames: readonly StoredDownFrame[], ecgIdOf: (gatewayId: string, recordId: string) => number | undefined): void {
    const nowMs = Math.round(this.clock.nowNs() / 1e6);
    for (const f of frames) {
      try {
        // Our own frame, read back from our own outbox: decoded without the hostile-input checks.
        const env = telemed.v1.Envelope.decode(f.env);
        const what = env.ecgStatus != null
          ? { recordId: env.ecgStatus.recordId ?? '', text: `status=${STATE_NAME.get(env.ecgStatus.state ?? 0) ?? String(env.ecgStatus.state)}` }
          : env.diagnosis != null ? { recordId: env.diagnosis.recordId ?? '', text: `diagnosis revision=${env.diagnosis.revision ?? 0}` } : null;
        const ecgId = what === null ? undefined : ecgIdOf(f.gatewayId, what.recordId);
        if (what === null || ecgId === undefined) {
          this.log.warn({ gatewayId: f.gatewayId, streamId: f.streamId, seq: f.seq }, 'delivered ECG relay frame matches no record');
          continue;
        }
        this.audit.append(ecgId, nowMs, 'hub', 'relay-delivered', `${what.text} stream=${f.streamId} seq=${f.seq}`);
      } catch (err) {
        this.log.error({ err, gatewayId: f.gatewayId, streamId: f.streamId, seq: f.seq }, 'auditing a delivered ECG relay frame failed');
      }
    }
  }

  private send(t: RelayTarget, streamId: string, trafficClass: TrafficClass, payload: Omit<EnvelopeInit, 'header'>, what: string): void {
    const d: Deferred = { t, streamId, trafficClass, payload, what };
    const key = `${t.ecgId}\u0000${streamId}`;
    if (this.attempt(d, false)) { this.deferred.delete(key); return; }
    this.deferred.set(key, d);
    if (this.retryTimer === null) {
      this.retryTimer = setInterval(() => this.retry(), this.retryMs);
      this.retryTimer.unref();
    }
  }

  /** One hand-off to the registry, audited; true when the registry took it. */
  private attempt(d: Deferred, again: boolean): boolean {
    const { t, streamId, trafficClass, payload, what } = d;
    const key = `${t.gatewayId}\u0000${streamId}`;
    const seq = (this.seqs.get(key) ?? 0) + 1;
    this.seqs.set(key, seq);
    const env: EnvelopeInit = {
      header: { streamId, seq, trafficClass, durable: true, captureTimeNs: this.clock.nowNs() },
      ...payload,
    };
    const result = this.registry.sendToGateway(t.gatewayId, env);
    const nowMs = Math.round(this.clock.nowNs() / 1e6);
    // 'sent' or 'queued' (stored for an offline gateway): the registry owns it from here until the
    // gateway acks. Only a refusal means the relay did not happen.
    const refused = result === 'backpressure' || result === 'not-connected';
    // A retry that is refused again is not audited again (one line per retry period would flood the trail).
    if (refused && again) return false;
    this.audit.append(t.ecgId, nowMs, 'hub', refused ? 'relay-deferred' : again ? 'relay-resent' : 'relay-queued', `${what} stream=${streamId} result=${result}`);
    if (refused) this.log.warn({ gatewayId: t.gatewayId, ecgId: t.ecgId, streamId, result }, 'ECG relay not queued; will retry');
    return !refused;
  }
}

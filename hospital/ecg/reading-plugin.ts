import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { Counter } from 'prom-client';
import { requireRole } from '../auth/require-role.js';
import { EcgAuditStore } from './audit-store.js';
import type { DownlinkOutbox } from '../store/downlink-outbox.js';
import { EcgRelay, RELAY_STREAMS } from './diagnosis-relay.js';
import { loadSigningKey } from './diagnosis-signature.js';
import { DiagnosisStore, type DiagnosisView } from './diagnosis-store.js';
import type { EcgRecordView } from './ecg-store.js';
import { EcgErrorCode } from './errors.js';
import type { EcgDeps, EcgPluginEvents } from './plugin.js';

/** POST /api/ecg/records/:id/diagnosis body. Bounds keep one report well under a downlink frame. */
const DiagnosisBody = Type.Object({
  statements: Type.Array(Type.String({ minLength: 1, maxLength: 500 }), { maxItems: 64 }),
  text: Type.String({ maxLength: 8000 }),
  /** Default false. */
  critical: Type.Optional(Type.Boolean()),
}, { additionalProperties: false });
type DiagnosisBody = Static<typeof DiagnosisBody>;

export interface EcgReadingOptions extends EcgDeps {
  /** Where the signing key file lives (the hub's dataDir, or ":memory:"). */
  readonly dataDir: string;
  /** Hex or base64 key of ≥ 32 bytes; default: `<dataDir>/ecg-signing.key`, generated once. */
  readonly signingKey?: string | null;
  /**
   * The hub's durable downlink outbox: its acks are audited as 'relay-delivered'. Without it
   * (a registry with no durable outbox) the trail ends at 'relay-queued'.
   */
  readonly downlink?: Pick<DownlinkOutbox, 'onAcked'>;
}

/** The record view with its newest diagnosis (HubEcgView's `diagnosis`). */
export type RecordWithDiagnosis = EcgRecordView & { readonly diagnosis: DiagnosisView | null };

/**
 * The reading workflow of the hub: signed diagnoses (with amendments as new revisions), the audit
 * trail, and the EcgStatus / Diagnosis relay to the originating gateway. `events` goes to the ECG
 * plugin (arrival and claim); `plugin` serves POST /api/ecg/records/:id/diagnosis and
 * GET /api/ecg/records/:id/audit.
 */
export function createEcgReading(opts: EcgReadingOptions): {
  events: EcgPluginEvents; plugin: (app: FastifyInstance) => Promise<void>; diagnoses: DiagnosisStore; audit: EcgAuditStore;
} {
  const { store, live, clock, log } = opts;
  const db = store.db;
  const diagnoses = new DiagnosisStore(db, loadSigningKey(opts.dataDir, opts.signingKey));
  const audit = new EcgAuditStore(db);
  const relay = new EcgRelay(opts.registry, audit, clock, log);
  const nowMs = (): number => Math.round(clock.nowNs() / 1e6);
  const withDx = (r: EcgRecordView): RecordWithDiagnosis => ({ ...r, diagnosis: diagnoses.latest(r.id) });
  const outcomes = new Counter({
    name: 'telemed_hub_ecg_diagnoses_total', help: 'Diagnosis submissions, by outcome (ok, amended or a TM_ERR_ECG_* code)',
    labelNames: ['outcome'], registers: [opts.metrics.registry],
  });

  const events: EcgPluginEvents = {
    view: withDx,
    stored(r) {
      const target = { ecgId: r.id, gatewayId: r.gatewayId, recordId: r.recordId };
      if (r.corruptCode === null) {
        audit.append(r.id, nowMs(), 'hub', 'received', `bytes=${r.byteSize}`);
        relay.status(target, 'received');
      } else {
        audit.append(r.id, nowMs(), 'hub', 'rejected', `code=${r.corruptCode}`);
        relay.status(target, 'rejected', { reasonCode: r.corruptCode });
      }
    },
    claimed(r, username) {
      audit.append(r.id, nowMs(), username, 'claim');
      relay.status({ ecgId: r.id, gatewayId: r.gatewayId, recordId: r.recordId }, 'in-reading', { readerName: username });
      const record = withDx(r);
      live.broadcast({ type: 'ecg', record });
    },
  };

  function plugin(app: FastifyInstance): Promise<void> {
    const readers = requireRole(opts.sessions, 'specialist', 'admin');
    if (opts.downlink !== undefined) {
      const off = opts.downlink.onAcked(Object.values(RELAY_STREAMS), (frames) => relay.delivered(frames, (gw, rec) => store.idOf(gw, rec)));
      app.addHook('onClose', (_app, done) => { off(); done(); });
    }

    app.post<{ Params: { id: string }; Body: DiagnosisBody }>('/api/ecg/records/:id/diagnosis', {
      preHandler: requireRole(opts.sessions, 'specialist'), schema: { body: DiagnosisBody }, attachValidation: true,
    }, (req, reply) => {
      const invalid = (message: string) => {
        outcomes.inc({ outcome: EcgErrorCode.DIAGNOSIS_INVALID });
        req.log.info({ code: EcgErrorCode.DIAGNOSIS_INVALID }, 'diagnosis rejected');
        return reply.code(400).send({ code: EcgErrorCode.DIAGNOSIS_INVALID, message });
      };
      if (req.validationError) return invalid(req.validationError.message);
      const body = req.body;
      if (body.statements.length === 0 && body.text.trim() === '') return invalid('a diagnosis needs at least one statement or some text');
      const id = Number(req.params.id);
      const user = req.authUser?.username ?? '';
      const res = Number.isSafeInteger(id)
        ? diagnoses.diagnose(id, user, { statements: body.statements, text: body.text, critical: body.critical ?? false }, nowMs())
        : { ok: false as const, reason: 'not-found' as const };
      if (!res.ok) {
        const code = res.reason === 'not-found' ? EcgErrorCode.NOT_FOUND : EcgErrorCode.CLAIMED;
        outcomes.inc({ outcome: code });
        req.log.info({ id, username: user, code }, 'diagnosis refused');
        return res.reason === 'not-found'
          ? reply.code(404).send({ code, message: 'no such ECG record' })
          : reply.code(409).send({ code, message: 'only the reader who claimed the record can report it' });
      }
      const dx = res.diagnosis;
      audit.append(id, nowMs(), user, dx.revision === 1 ? 'diagnosis' : 'amend', `revision=${dx.revision} critical=${dx.critical} statements=${dx.statements.length}`);
      relay.diagnosis({ ecgId: id, gatewayId: res.gatewayId, recordId: res.recordId }, dx, user);
      outcomes.inc({ outcome: dx.revision === 1 ? 'ok' : 'amended' });
      req.log.info({ id, username: user, revision: dx.revision, critical: dx.critical }, 'ECG record reported');
      const view = store.get(id);
      const record: RecordWithDiagnosis | null = view === undefined ? null : { ...view, diagnosis: dx };
      if (record !== null) live.broadcast({ type: 'ecg', record });
      return reply.code(201).send({ record, diagnosis: dx });
    });

    app.get<{ Params: { id: string } }>('/api/ecg/records/:id/audit', { preHandler: readers }, (req, reply) => {
      const id = Number(req.params.id);
      if (!Number.isSafeInteger(id) || store.get(id) === undefined) return reply.code(404).send({ code: EcgErrorCode.NOT_FOUND, message: 'no such ECG record' });
      return { events: audit.list(id) };
    });
    return Promise.resolve();
  }

  return { events, plugin, diagnoses, audit };
}

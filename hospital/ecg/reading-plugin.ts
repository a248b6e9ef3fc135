import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Counter } from 'prom-client';
import { requireRole } from '../auth/require-role.js';
import type { HospitalConfig } from '../config.js';
import { HospitalErrorCode } from '../errors.js';
import { EcgAuditStore } from './audit-store.js';
import { ClaimBook } from './claims.js';
import type { DownlinkOutbox } from '../store/downlink-outbox.js';
import { EcgRelay, RELAY_STREAMS, type RelayState } from './diagnosis-relay.js';
import { loadHubSigningKey } from './diagnosis-signature.js';
import { DiagnosisStore, type DiagnosisView } from './diagnosis-store.js';
import type { EcgRecordView } from './ecg-store.js';
import { EcgErrorCode } from './errors.js';
import { findVisibleRecord, type EcgDeps, type EcgPluginEvents } from './plugin.js';

/** POST /api/ecg/records/:id/reassign body (admin). */
const ReassignBody = Type.Object({ to: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });

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
  /**
   * Ed25519 private key file (PKCS#8 PEM); default: config `ecg.signingKeyFile`, else
   * `<dataDir>/hub-signing.key`, generated once (with `hub-signing.pub` beside it).
   */
  readonly signingKeyFile?: string | null;
  /**
   * The hub's durable downlink outbox: its acks are audited as 'relay-delivered'. Without it
   * (a registry with no durable outbox) the trail ends at 'relay-queued'.
   */
  readonly downlink?: Pick<DownlinkOutbox, 'onAcked'>;
  /** Claim timeout and relay retry period (config `ecg`); defaults when absent. */
  readonly ecg?: HospitalConfig['ecg'];
}

/**
 * The record view with its newest diagnosis (HubEcgView's `diagnosis`) and where that diagnosis
 * is on its way to the clinic (`relay`, null before any diagnosis).
 */
export type RecordWithDiagnosis = EcgRecordView & { readonly diagnosis: DiagnosisView | null; readonly relay: RelayState | null };

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
  const diagnoses = new DiagnosisStore(db, loadHubSigningKey(opts.dataDir, opts.signingKeyFile ?? opts.ecg?.signingKeyFile));
  const audit = new EcgAuditStore(db);
  const claimTimeoutMs = opts.ecg?.claimTimeoutMs ?? 1_800_000;
  const relay = new EcgRelay(opts.registry, audit, clock, log, opts.ecg?.relayRetryMs ?? 10_000);
  const claims = new ClaimBook(db);
  const nowMs = (): number => Math.round(clock.nowNs() / 1e6);
  const relayOf = db.prepare(`SELECT action, at_ms FROM ecg_audit WHERE ecg_id = ? AND action IN ('relay-queued', 'relay-deferred', 'relay-resent', 'relay-delivered')
    AND detail LIKE ? ORDER BY id DESC LIMIT 1`);
  const relayState = (ecgId: number, revision: number): RelayState | null => {
    const row = relayOf.get(ecgId, `diagnosis revision=${revision} %`) as { action: string; at_ms: number } | undefined;
    if (row === undefined) return null;
    const state = row.action === 'relay-delivered' ? 'delivered' : row.action === 'relay-deferred' ? 'deferred' : 'queued';
    return { state, revision, at: new Date(row.at_ms).toISOString() };
  };
  const withDx = (r: EcgRecordView): RecordWithDiagnosis => {
    const diagnosis = diagnoses.latest(r.id);
    return { ...r, diagnosis, relay: diagnosis === null ? null : relayState(r.id, diagnosis.revision) };
  };
  const target = (r: EcgRecordView) => ({ ecgId: r.id, gatewayId: r.gatewayId, recordId: r.recordId });
  /** The record changed hands: the reader's console and the clinic hear of it. */
  const announce = (id: number): void => {
    const r = store.get(id);
    if (r !== undefined) live.broadcast({ type: 'ecg', record: withDx(r) });
  };
  // Diagnoses whose relay was refused before the last stop are handed over again (retried until taken).
  const deferredAtStart = db.prepare(`SELECT d.ecg_id, MAX(d.revision) AS revision FROM ecg_diagnoses d GROUP BY d.ecg_id`).all() as { ecg_id: number; revision: number }[];
  for (const { ecg_id: id, revision } of deferredAtStart) {
    if (relayState(id, revision)?.state !== 'deferred') continue;
    const r = store.get(id);
    const dx = diagnoses.latest(id);
    if (r !== undefined && dx !== null) relay.diagnosis(target(r), dx, dx.readerName);
  }
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
    refused: (r, username) => {
      audit.append(r.id, nowMs(), username, 'access-refused', 'code=TM_ERR_SITE_FORBIDDEN');
    },
  };

  function plugin(app: FastifyInstance): Promise<void> {
    const readers = requireRole(opts.sessions, 'specialist', 'admin');
    const visible = { store, access: opts.access, onRefused: events.refused };
    const expiry = setInterval(() => {
      for (const c of claims.expire(nowMs(), claimTimeoutMs)) {
        audit.append(c.id, nowMs(), 'hub', 'claim-expired', `holder=${c.holder} timeoutMs=${claimTimeoutMs}`);
        log.info({ id: c.id, username: c.holder }, 'ECG claim expired; record back in the worklist');
        const r = store.get(c.id);
        if (r !== undefined) relay.status(target(r), 'received');
        announce(c.id);
      }
    }, Math.min(60_000, Math.max(1000, Math.floor(claimTimeoutMs / 10))));
    expiry.unref();
    app.addHook('onClose', (_app, done) => { clearInterval(expiry); relay.close(); done(); });
    if (opts.downlink !== undefined) {
      const off = opts.downlink.onAcked(Object.values(RELAY_STREAMS), (frames) => relay.delivered(frames, (gw, rec) => store.idOf(gw, rec)));
      app.addHook('onClose', (_app, done) => { off(); done(); });
    }

    app.post<{ Params: { id: string }; Body: DiagnosisBody }>('/api/ecg/records/:id/diagnosis', {
      preHandler: requireRole(opts.sessions, 'specialist'), schema: { body: DiagnosisBody }, attachValidation: true,
    }, (req, reply) => {
      if (findVisibleRecord(visible, req, reply) === undefined) return reply;
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
      const record: RecordWithDiagnosis | null = view === undefined ? null : withDx(view);
      if (record !== null) live.broadcast({ type: 'ecg', record });
      return reply.code(201).send({ record, diagnosis: dx });
    });

    app.get<{ Params: { id: string } }>('/api/ecg/records/:id/audit', { preHandler: readers }, (req, reply) => {
      const rec = findVisibleRecord(visible, req, reply);
      if (rec === undefined) return reply;
      return { events: audit.list(rec.id) };
    });

    const claimRefused = (reply: FastifyReply, reason: 'not-found' | 'not-holder' | 'not-in-reading') => (reason === 'not-found'
      ? reply.code(404).send({ code: EcgErrorCode.NOT_FOUND, message: 'no such ECG record' })
      : reply.code(409).send({ code: EcgErrorCode.CLAIMED, message: reason === 'not-holder' ? 'the record is claimed by someone else' : 'the record is not in reading' }));

    // The holder gives the record back (or an admin takes it back): pending again, in the worklist.
    app.post<{ Params: { id: string } }>('/api/ecg/records/:id/release', { preHandler: requireRole(opts.sessions, 'specialist', 'admin') }, (req, reply) => {
      const rec = findVisibleRecord(visible, req, reply);
      if (rec === undefined) return reply;
      const user = req.authUser?.username ?? '';
      const res = claims.release(rec.id, user, req.authUser?.role === 'admin');
      if (!res.ok) { req.log.info({ id: rec.id, username: user, reason: res.reason }, 'ECG release refused'); return claimRefused(reply, res.reason); }
      audit.append(rec.id, nowMs(), user, 'release', `holder=${res.holder ?? ''}`);
      relay.status(target(rec), 'received');
      req.log.info({ id: rec.id, username: user }, 'ECG claim released');
      announce(rec.id);
      return { record: withDx(store.get(rec.id) ?? rec) };
    });

    // Admin: hand a pending or in-reading record to a specialist who reads for its site.
    app.post<{ Params: { id: string }; Body: Static<typeof ReassignBody> }>('/api/ecg/records/:id/reassign', {
      preHandler: requireRole(opts.sessions, 'admin'), schema: { body: ReassignBody }, attachValidation: true,
    }, (req, reply) => {
      if (req.validationError) return reply.code(400).send({ code: HospitalErrorCode.BAD_REQUEST, message: 'body must be { to: username }' });
      const rec = findVisibleRecord(visible, req, reply);
      if (rec === undefined) return reply;
      const to = opts.sessions.directory.get(req.body.to);
      if (to === undefined || to.role !== 'specialist' || !opts.access.canSeeGateway(to, rec.gatewayId)) {
        return reply.code(400).send({ code: HospitalErrorCode.BAD_REQUEST, message: 'reassign to a specialist who reads for the record\'s site' });
      }
      const res = claims.reassign(rec.id, to.username);
      if (!res.ok) return claimRefused(reply, res.reason);
      const user = req.authUser?.username ?? '';
      audit.append(rec.id, nowMs(), user, 'reassign', `from=${res.from ?? ''} to=${to.username}`);
      relay.status(target(rec), 'in-reading', { readerName: to.username });
      req.log.info({ id: rec.id, username: user, to: to.username }, 'ECG claim reassigned');
      announce(rec.id);
      return { record: withDx(store.get(rec.id) ?? rec) };
    });
    return Promise.resolve();
  }

  return { events, plugin, diagnoses, audit };
}

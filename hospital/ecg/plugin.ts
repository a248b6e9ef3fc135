import { Counter } from 'prom-client';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { type Clock, isTelemedError } from '../../protocols/index.js';
import type { AccessPolicy } from '../auth/access.js';
import { requireRole } from '../auth/require-role.js';
import type { SessionManager } from '../auth/sessions.js';
import type { LiveHub } from '../live/live-hub.js';
import type { HospitalMetrics } from '../metrics.js';
import type { GatewayRegistry } from '../uplink/registry.js';
import { describeBlob, decodeRecordSamples } from './blob-format.js';
import type { EcgRecordView, EcgStore, StoredRecordInfo } from './ecg-store.js';
import { EcgErrorCode } from './errors.js';
import { EcgReassembler, type AssembledRecord, type ReassemblerLimits } from './reassembler.js';
import { recoverEarlierChunks } from './recover.js';

/** What the hub's ECG plugins (worklist and reading) are built from. */
export interface EcgDeps {
  readonly store: EcgStore;
  readonly registry: GatewayRegistry;
  readonly live: LiveHub;
  readonly sessions: SessionManager;
  /** Clinic isolation (auth/access.ts): every route here serves only records of the person's sites. */
  readonly access: AccessPolicy;
  readonly metrics: HospitalMetrics;
  readonly clock: Clock;
  readonly log: Logger;
}

export interface EcgPluginOptions extends EcgDeps {
  readonly limits?: ReassemblerLimits;
  /** Observers of the workflow (the reading plugin relays EcgStatus and audits from these). */
  readonly events?: EcgPluginEvents;
}

/** Hooks called after the store changed; a throwing hook is the caller's bug, not the record's. */
export interface EcgPluginEvents {
  /** A record was stored (first arrival only), corrupt or not. */
  stored?(record: EcgRecordView): void;
  /** `username` holds the claim (also when claiming again). */
  claimed?(record: EcgRecordView, username: string): void;
  /** Adds workflow fields (the newest diagnosis) to every record the API returns. */
  view?(record: EcgRecordView): EcgRecordView;
  /** `username` of another site asked for the record and was refused (audited by the reading plugin). */
  readonly refused?: (record: EcgRecordView, username: string) => void;
}

const NOT_FOUND = { code: EcgErrorCode.NOT_FOUND, message: 'no such ECG record' } as const;

/**
 * THE access check of every route under /api/ecg/records/:id (the record GET, claim, diagnosis,
 * audit, and any later one such as an export): the record when it exists and the logged-in
 * person may see its site; otherwise undefined, with 404 TM_ERR_ECG_NOT_FOUND already sent (the
 * same answer for "no such id" and "another clinic's", so ids cannot be probed) and a cross-site
 * attempt logged (TM_ERR_SITE_FORBIDDEN) and audited on the record ('access-refused').
 */
export function findVisibleRecord(
  deps: Pick<EcgDeps, 'store' | 'access'> & { readonly onRefused?: ((record: EcgRecordView, username: string) => void) | undefined },
  req: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply,
): EcgRecordView | undefined {
  const id = Number(req.params.id);
  const rec = Number.isSafeInteger(id) ? deps.store.get(id) : undefined;
  if (rec === undefined) { void reply.code(404).send(NOT_FOUND); return undefined; }
  if (!deps.access.admit(req, reply, rec.gatewayId, NOT_FOUND)) {
    deps.onRefused?.(rec, req.authUser?.username ?? '');
    return undefined;
  }
  return rec;
}

/**
 * The ECG worklist: reassembles EcgRecordChunks from stored durable frames into `ecg_records`,
 * pushes `{type:'ecg', record}` on /live, and serves GET /api/ecg/worklist,
 * GET /api/ecg/records/:id[?samples=1], POST /api/ecg/records/:id/claim.
 */
export function ecgPlugin(opts: EcgPluginOptions) {
  return function ecgRoutes(app: FastifyInstance): Promise<void> {
    const { store, registry, live, sessions, clock, log } = opts;
    const reassembler = new EcgReassembler(opts.limits);
    const outcomes = new Counter({
      name: 'telemed_hub_ecg_records_total', help: 'ECG records reassembled, by outcome (ok or a TM_ERR_ECG_* integrity code)',
      labelNames: ['outcome'], registers: [opts.metrics.registry],
    });
    /** Metadata and analysis of an intact blob; an undecodable document is stored marked, never dropped. */
    const describe = (r: AssembledRecord): StoredRecordInfo | null => {
      if (r.corruptCode !== null) return null;
      try {
        return describeBlob(r.contentType, r.blob);
      } catch (err) {
        if (!isTelemedError(err)) throw err;
        return { meta: null, analysis: null, corruptCode: err.code };
      }
    };
    const onRecord = (r: AssembledRecord): void => {
      const info = describe(r);
      const corruptCode = info?.corruptCode === undefined ? r.corruptCode : info.corruptCode;
      outcomes.inc({ outcome: corruptCode ?? 'ok' });
      const stored = store.put(r, Math.round(clock.nowNs() / 1e6), info?.analysis?.priority ?? 0, info);
      // The record id is the cart's; the patient reference is never logged.
      if (corruptCode !== null) log.warn({ gatewayId: r.gatewayId, recordId: r.recordId, code: corruptCode, bytes: r.blob.byteLength }, 'ECG record corrupt; stored and marked');
      if (stored === undefined) { log.info({ gatewayId: r.gatewayId, recordId: r.recordId }, 'ECG record already stored'); return; }
      log.info({ gatewayId: r.gatewayId, recordId: r.recordId, id: stored.id, bytes: stored.byteSize }, 'ECG record in worklist');
      live.broadcast({ type: 'ecg', record: stored });
      opts.events?.stored?.(stored);
    };
    const off = registry.onFrame((gatewayId, env) => {
      const c = env.ecgChunk;
      if (env.payload !== 'ecgChunk' || c == null) return;
      if (Number(c.offset ?? 0) > 0 && !reassembler.has(gatewayId, c.recordId ?? '')) {
        for (const earlier of recoverEarlierChunks(store, gatewayId, env.header.streamId ?? '', Number(env.header.seq ?? 0), c, log)) {
          for (const r of reassembler.add(gatewayId, earlier)) onRecord(r);
        }
      }
      for (const r of reassembler.add(gatewayId, c)) onRecord(r);
    });
    app.addHook('onClose', (_app, done) => { off(); done(); });

    const readers = requireRole(sessions, 'specialist', 'admin');
    const notFound = NOT_FOUND;
    const visible = { store, access: opts.access, onRefused: opts.events?.refused };

    const withWorkflow = (r: EcgRecordView): EcgRecordView => opts.events?.view?.(r) ?? r;
    // Filtered after the query: a wide page so a small site's records are not crowded out by others'.
    app.get('/api/ecg/worklist', { preHandler: readers }, (req) => ({
      records: req.authUser === null ? [] : opts.access.filter(req.authUser, store.list(5000), (r) => r.gatewayId).slice(0, 200).map(withWorkflow),
    }));

    app.get<{ Params: { id: string }; Querystring: { samples?: string } }>('/api/ecg/records/:id', { preHandler: readers }, (req, reply) => {
      const rec = findVisibleRecord(visible, req, reply);
      if (rec === undefined) return reply;
      const id = rec.id;
      if (req.query.samples !== '1') return { record: withWorkflow(rec) };
      const b = store.blob(id);
      if (b === undefined) return reply.code(404).send(notFound);
      try {
        return { record: withWorkflow(rec), samples: decodeRecordSamples(b.contentType, b.blob) };
      } catch (err) {
        if (!isTelemedError(err)) throw err;
        req.log.info({ id, code: err.code }, 'ECG samples not decodable');
        return reply.code(422).send({ code: err.code, message: err.message });
      }
    });

    app.post<{ Params: { id: string } }>('/api/ecg/records/:id/claim', { preHandler: requireRole(sessions, 'specialist') }, (req, reply) => {
      const rec = findVisibleRecord(visible, req, reply);
      if (rec === undefined) return reply;
      const id = rec.id;
      const user = req.authUser?.username ?? '';
      const res = store.claim(id, user);
      if (res.ok) { req.log.info({ id, username: user }, 'ECG record claimed'); opts.events?.claimed?.(res.record, user); return { record: withWorkflow(res.record) }; }
      if (res.reason === 'not-found') return reply.code(404).send(notFound);
      req.log.info({ id, username: user }, 'ECG record already claimed');
      return reply.code(409).send({ code: EcgErrorCode.CLAIMED, message: 'record is being read by someone else' });
    });
    return Promise.resolve();
  };
}

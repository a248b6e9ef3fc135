// GET /api/ecg/records/:id/export?format=dicom|aecg: a worklist record as a DICOM ECG waveform or an
// HL7 aECG file (protocols/ecg/export.ts), for the console's "download" links. Same readers and the
// same access check as the record GET (plugin.ts findVisibleRecord: roles specialist/admin, the
// person's sites only, 404 for another clinic's record, refusals audited), so per-clinic filtering
// covers this route too. A record the format cannot hold is a 422 with the writer's code.
import { Counter } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import { isTelemedError } from '../../protocols/index.js';
import { decodeEcgDocument } from '../../protocols/ecg/document/index.js';
import { type EcgExportFormat, exportEcg, exportExtension } from '../../protocols/ecg/export.js';
import { type EcgChannel, type EcgRecord, leadFromLabel, unknownDevice, unknownPatient } from '../../protocols/ecg/record.js';
import type { AccessPolicy } from '../auth/access.js';
import { requireRole } from '../auth/require-role.js';
import type { SessionManager } from '../auth/sessions.js';
import type { HospitalMetrics } from '../metrics.js';
import { decodeCartBlob, isDocumentType } from './blob-format.js';
import { HUB_DOCUMENT_LIMITS } from './decode-task.js';
import type { EcgRecordView, EcgStore } from './ecg-store.js';
import { EcgErrorCode } from './errors.js';
import { findVisibleRecord } from './plugin.js';

export interface EcgExportDeps {
  readonly store: EcgStore;
  readonly sessions: SessionManager;
  readonly access: AccessPolicy;
  readonly metrics: HospitalMetrics;
  /** Called when someone of another site asked for the record (the reading plugin audits it). */
  readonly onRefused?: ((record: EcgRecordView, username: string) => void) | undefined;
}

const MEDIA: Readonly<Record<EcgExportFormat, string>> = { dicom: 'application/dicom', aecg: 'application/xml; charset=utf-8' };

/**
 * The stored blob as an internal record: an EcgDocument carries one; an old cart blob is µV int16
 * per lead (blob-format.ts), i.e. counts at 1 count per µV, with no patient or start time.
 */
export function recordOfBlob(contentType: string, blob: Uint8Array, view: EcgRecordView): EcgRecord {
  const id = `ecg-${view.id}`;
  if (isDocumentType(contentType)) {
    // The hub's header bound (2^24 samples) before any lead is inflated. Still on the event loop: see hospital/README.md.
    const { record } = decodeEcgDocument(blob, HUB_DOCUMENT_LIMITS);
    // Leads at the most common rate and length: one multiplex group / sequence set holds them.
    const key = (l: EcgChannel): string => `${l.sampleRateHz}/${l.samples.length}`;
    const counts = new Map<string, number>();
    for (const l of record.leads) counts.set(key(l), (counts.get(key(l)) ?? 0) + 1);
    const best = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
    const leads = record.leads.filter((l) => key(l) === best);
    return { ...record, id, leads, otherSignals: [] };
  }
  const s = decodeCartBlob(contentType, blob);
  const leads: EcgChannel[] = s.leads.map((l) => ({
    lead: leadFromLabel(l.name), label: l.name, samples: Int32Array.from(l.uv), sampleRateHz: s.sampleRateHz,
    gain: 1, baseline: 0, units: 'uV', adcResolution: 16, derived: false,
  }));
  return {
    id, source: 'cart', sampleRateHz: s.sampleRateHz, frames: leads[0]?.samples.length ?? 0, startTime: null,
    leads, otherSignals: [], patient: unknownPatient(), device: unknownDevice(),
    measurements: [], statements: [...view.statements], notes: [],
  };
}

export function ecgExportPlugin(deps: EcgExportDeps) {
  return function ecgExportRoutes(app: FastifyInstance): Promise<void> {
    const exports = new Counter({
      name: 'telemed_hub_ecg_exports_total', help: 'ECG record exports served, by format and outcome (ok or a TM_ERR_* code)',
      labelNames: ['format', 'outcome'], registers: [deps.metrics.registry],
    });
    const readers = requireRole(deps.sessions, 'specialist', 'admin');
    app.get<{ Params: { id: string }; Querystring: { format: EcgExportFormat } }>('/api/ecg/records/:id/export', {
      preHandler: readers,
      schema: { querystring: { type: 'object', required: ['format'], properties: { format: { type: 'string', enum: ['dicom', 'aecg'] } } } },
    }, (req, reply) => {
      const rec = findVisibleRecord(deps, req, reply);
      if (rec === undefined) return reply;
      const format = req.query.format;
      const b = deps.store.blob(rec.id);
      if (b === undefined) return reply.code(404).send({ code: EcgErrorCode.NOT_FOUND, message: 'no such ECG record' });
      let bytes: Uint8Array;
      try {
        bytes = exportEcg(recordOfBlob(b.contentType, b.blob, rec), format);
      } catch (err) {
        if (!isTelemedError(err)) throw err;
        exports.inc({ format, outcome: err.code });
        req.log.info({ id: rec.id, format, code: err.code }, 'ECG export refused');
        return reply.code(422).send({ code: err.code, message: err.message });
      }
      exports.inc({ format, outcome: 'ok' });
      req.log.info({ id: rec.id, format, bytes: bytes.length }, 'ECG record exported');
      return reply
        .header('content-type', MEDIA[format])
        // The file name is the hub's record number only: no patient or cart identifiers.
        .header('content-disposition', `attachment; filename="ecg-${rec.id}${exportExtension(format)}"`)
        .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    });
    return Promise.resolve();
  };
}

import type { FastifyInstance, FastifyReply } from 'fastify';
import { isTelemedError } from '../../protocols/index.js';
import type { EcgService } from './ecg-service.js';
import { GatewayEcgErrorCode } from './errors.js';
import { samplesOf } from './view.js';
import type { EcgRecordStore } from './record-store.js';
import { readEcgOnThread } from './import-thread.js';

/** Largest imported file, bytes (a 60 s 18-lead 1000 Hz record in any format is far below). */
export const MAX_IMPORT_BYTES = 32 * 1024 * 1024;

/**
 * The clinic page's ECG API (docs/CONTRACTS.md "Gateway local API"): list, one record with
 * samples, send, discard, import. Loopback only, like the rest of the gateway API.
 */
export function ecgRoutes(service: EcgService, store: EcgRecordStore) {
  return function routes(app: FastifyInstance): Promise<void> {
    app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: MAX_IMPORT_BYTES }, (_req, body, done) => done(null, body));

    const fail = (reply: FastifyReply, err: unknown, importing = false): FastifyReply => {
      if (!isTelemedError(err)) throw err;
      const status = err.code === GatewayEcgErrorCode.NOT_FOUND ? 404
        : err.code === GatewayEcgErrorCode.STATE || err.code === GatewayEcgErrorCode.DUPLICATE ? 409
          : importing ? 422 : 500;
      if (status === 500) throw err;
      reply.log.info({ code: err.code }, 'ECG request refused');
      return reply.code(status).send({ code: err.code, message: err.message });
    };

    app.get('/api/ecg/records', () => ({ records: service.list() }));

    app.get<{ Params: { recordId: string }; Querystring: { samples?: string } }>('/api/ecg/records/:recordId', (req, reply) => {
      const record = service.view(req.params.recordId);
      if (record === undefined) return reply.code(404).send({ code: GatewayEcgErrorCode.NOT_FOUND, message: 'no such ECG record' });
      if (req.query.samples !== '1') return { record };
      const doc = store.document(req.params.recordId);
      if (doc === undefined) return reply.code(404).send({ code: GatewayEcgErrorCode.NOT_FOUND, message: 'no such ECG record' });
      return { record, samples: samplesOf(doc.document) };
    });

    app.post<{ Params: { recordId: string } }>('/api/ecg/records/:recordId/send', (req, reply) => {
      try {
        return reply.code(202).send({ record: service.send(req.params.recordId) });
      } catch (err) {
        return fail(reply, err);
      }
    });

    app.post<{ Params: { recordId: string } }>('/api/ecg/records/:recordId/discard', (req, reply) => {
      try {
        return { record: service.discard(req.params.recordId) };
      } catch (err) {
        return fail(reply, err);
      }
    });

    app.post('/api/ecg/import', async (req, reply) => {
      const body = req.body;
      if (!Buffer.isBuffer(body) || body.length === 0) {
        return reply.code(422).send({ code: GatewayEcgErrorCode.IMPORT_SIZE, message: 'send the file bytes as application/octet-stream' });
      }
      const header = req.headers['x-filename'];
      const name = typeof header === 'string' && header !== '' ? safeDecode(header) : `import-${Date.now()}`;
      try {
        // Read on a thread of its own (import-thread.ts): an uploaded file is untrusted, and a large
        // or hostile one must not stall the page, the devices and the uplink.
        const record = await readEcgOnThread({ kind: 'bytes', bytes: new Uint8Array(body.buffer, body.byteOffset, body.byteLength), name });
        return reply.code(201).send({ record: service.ingest(record, 'import', { fromFile: true }) });
      } catch (err) {
        return fail(reply, err, true);
      }
    });
    return Promise.resolve();
  };
}

/** x-filename may be percent-encoded (non-ASCII names); a malformed escape is taken literally. */
function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

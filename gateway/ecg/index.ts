import type { Logger } from 'pino';
import { isTelemedError, type Clock, type DecodedEnvelope } from '../../protocols/index.js';
import type { EcgRecord } from '../../protocols/ecg/record.js';
import type { GatewayConfig } from '../config.js';
import type { BuildFrameInput, OutFrame } from '../uplink/streams.js';
import { loadVerifyKey, type DiagnosisVerification } from '../../protocols/ecg/diagnosis-signature.js';
import { EcgService } from './ecg-service.js';
import { GatewayEcgErrorCode } from './errors.js';
import { prepareEcgRecord, type PreparedEcg } from './prepare.js';
import { GatewayPreparePool } from './prepare-pool.js';
import { EcgRecordStore } from './record-store.js';
import { ecgRoutes } from './routes.js';
import type { GatewayEcgView } from './view.js';
import { WatchFolder } from './watch-folder.js';

export { EcgService } from './ecg-service.js';
export { EcgRecordStore } from './record-store.js';
export type { GatewayEcgView } from './view.js';

/** The gateway's ECG workflow as main.ts wires it. */
export interface GatewayEcg {
  readonly service: EcgService;
  /** Fastify plugin with the /api/ecg routes. */
  readonly routes: ReturnType<typeof ecgRoutes>;
  /** Uplink hooks: frames sent (progress) and downlink frames (EcgStatus, Diagnosis). */
  onSent(frame: OutFrame): void;
  onDownlink(env: DecodedEnvelope): void;
  /** Cumulative acks from Ack and HelloAck. */
  onAck(streams: readonly { streamId?: string | null; seq?: number | null }[]): void;
  /**
   * A record from a device (the cart), analysed on a thread (prepare-pool.ts). Duplicates and
   * failures are logged, never thrown. Resolves when the record is stored or refused.
   */
  ingest(record: EcgRecord, deviceId: string): Promise<void>;
  /** Resolves once every record ingest() took is stored or refused (shutdown, after the devices stop). */
  settle(): Promise<void>;
  /** Subscribes to record changes (for /live); returns the unsubscribe function. */
  onChange(listener: (record: GatewayEcgView) => void): () => void;
  /** Resends records left queued by a previous run and starts the watch folder. */
  start(): Promise<void>;
  close(): void;
}

/**
 * Builds the ECG workflow: the record store in `<dataDir>/ecg.db` (`:memory:` with an in-memory
 * outbox too, so a diskless gateway stays diskless), the service, routes and the watch folder.
 */
export function createGatewayEcg(config: GatewayConfig, deps: {
  clock: Clock; logger: Logger; submit: (f: BuildFrameInput) => Promise<OutFrame>;
  /** Outcome of each new diagnosis's signature check (metrics). */
  onVerified?: (outcome: DiagnosisVerification) => void;
}): GatewayEcg {
  const log = deps.logger.child({ component: 'ecg' });
  // Read once at start: a missing or malformed key file stops the start (an enrolment mistake).
  const verifyKey = config.hub.signingPublicKey === null ? null : loadVerifyKey(config.hub.signingPublicKey);
  if (verifyKey === null) log.warn({ code: 'TM_WARN_NO_HUB_SIGNING_KEY' }, 'no hub signing key enrolled (hub.signingPublicKey): diagnoses are shown as not verifiable');
  const store = new EcgRecordStore(config.outbox.kind === 'memory' ? ':memory:' : config.dataDir);
  const service = new EcgService({
    store, uplink: { submit: deps.submit }, clock: deps.clock, log, send: config.ecg.send, gatewayId: config.gatewayId, verifyKey,
    ...(deps.onVerified ? { onVerified: deps.onVerified } : {}),
  });
  const pool = new GatewayPreparePool();
  const inFlight = new Set<Promise<void>>();
  // Every queued record must be prepared somewhere: a full queue falls back to this loop.
  const prepare = (r: EcgRecord): Promise<PreparedEcg> => pool.run(r).catch((err: unknown) => {
    if (isTelemedError(err) && err.code === GatewayEcgErrorCode.PREPARE_BUSY) {
      log.warn({ code: GatewayEcgErrorCode.PREPARE_BUSY }, 'ECG analysis threads busy: analysing this record on the event loop');
      return prepareEcgRecord(r);
    }
    throw err;
  });
  const watch = config.ecg.watchDir === null ? null : new WatchFolder({
    dir: config.ecg.watchDir, intervalMs: config.ecg.watchIntervalMs, log, ingest: (r) => service.ingest(r, 'import', { fromFile: true }).recordId,
  });
  return {
    service,
    routes: ecgRoutes(service, store),
    onSent: (f) => service.onSent(f),
    onDownlink: (env) => service.onDownlink(env),
    onAck: (streams) => service.onAck(streams),
    ingest(record, deviceId) {
      const done = service.ingestPrepared(record, deviceId, prepare).then(() => undefined, (err: unknown) => {
        log.warn({ err, recordId: record.id, deviceId }, 'ECG record not taken');
      }).finally(() => inFlight.delete(done));
      inFlight.add(done);
      return done;
    },
    async settle() {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
    onChange(listener) {
      service.on('change', listener);
      return () => service.off('change', listener);
    },
    async start() {
      // The analysis thread loads its modules now, not when the first record is waiting.
      pool.warm();
      service.resume();
      await watch?.start();
    },
    close() {
      watch?.stop();
      void pool.close();
      store.close();
    },
  };
}

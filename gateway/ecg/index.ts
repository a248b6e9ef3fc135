import type { Logger } from 'pino';
import type { Clock, DecodedEnvelope } from '../../protocols/index.js';
import type { EcgRecord } from '../../protocols/ecg/record.js';
import type { GatewayConfig } from '../config.js';
import type { BuildFrameInput, OutFrame } from '../uplink/streams.js';
import { loadVerifyKey, type DiagnosisVerification } from '../../protocols/ecg/diagnosis-signature.js';
import { EcgService } from './ecg-service.js';
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
  /** A record from a device (the cart). Duplicates and failures are logged, never thrown. */
  ingest(record: EcgRecord, deviceId: string): void;
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
      try {
        service.ingest(record, deviceId);
      } catch (err) {
        log.warn({ err, recordId: record.id, deviceId }, 'ECG record not taken');
      }
    },
    onChange(listener) {
      service.on('change', listener);
      return () => service.off('change', listener);
    },
    async start() {
      service.resume();
      await watch?.start();
    },
    close() {
      watch?.stop();
      store.close();
    },
  };
}

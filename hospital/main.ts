import type { FastifyInstance } from 'fastify';
import { buildHospital, type HospitalDeps } from './app.js';
import type { HospitalConfig } from './config.js';

export interface RunningHospital {
  readonly url: string;
  readonly port: number;
  readonly app: FastifyInstance;
  close(): Promise<void>;
}

/** Builds the hub and listens on `config.host:config.port` (0 picks a free port). */
export async function startHospital(config: HospitalConfig, deps: HospitalDeps = {}, signal?: AbortSignal): Promise<RunningHospital> {
  const app = await buildHospital(config, deps);
  try {
    await app.listen({ host: config.host, port: config.port, ...(signal !== undefined ? { signal } : {}) });
  } catch (err) {
    await app.close();
    throw err;
  }
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return { url: `${config.tls === null ? 'http' : 'https'}://${host}:${port}`, port, app, close: () => app.close() };
}

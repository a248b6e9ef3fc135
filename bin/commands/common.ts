import { parseArgs } from 'node:util';
import { readFile } from 'node:fs/promises';
import { pino, type Logger } from 'pino';
import { TelemedError } from '../../protocols/errors.js';

/** Reads a JSON config file; a missing or malformed file is a TM_ERR_CONFIG with the path. */
export async function readJsonFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new TelemedError('TM_ERR_CONFIG', `cannot read config file ${path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new TelemedError('TM_ERR_CONFIG', `config file ${path} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
}

/** The process logger. LOG_LEVEL is read here, in the entry point, and nowhere else. */
export function processLogger(name: string, destination?: string): Logger {
  const level = process.env['LOG_LEVEL'] ?? 'info';
  if (destination !== undefined) {
    return pino({ name, level }, pino.destination({ dest: destination, mkdir: true, sync: false }));
  }
  return pino({ name, level });
}

/** Resolves on the first SIGINT or SIGTERM; a second one exits at once. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let seen = false;
    const on = (sig: NodeJS.Signals): void => {
      if (seen) process.exit(130);
      seen = true;
      resolve(sig);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

/** Merges CLI overrides into a raw config object (before validation). */
export function withOverrides(raw: unknown, overrides: Record<string, unknown>): Record<string, unknown> {
  const base = (raw !== null && typeof raw === 'object') ? { ...(raw as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) base[k] = v;
  return base;
}

/** Options every long-running service command takes (`hospital`, `gateway`). */
export interface ServiceArgs {
  help: boolean;
  config: string | undefined;
  /** Raw config overrides from --host, --port and --data-dir, applied before validation. */
  overrides: Record<string, unknown>;
}

export function parseServiceArgs(argv: string[]): ServiceArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' },
      'data-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
  });
  return {
    help: values.help === true,
    config: values.config,
    overrides: {
      host: values.host,
      port: values.port !== undefined ? Number(values.port) : undefined,
      dataDir: values['data-dir'],
    },
  };
}

/** Runs a started service until SIGINT/SIGTERM, then closes it. */
export async function serveUntilSignal(logger: Logger, service: { url: string; close(): Promise<void> }, what: string): Promise<void> {
  logger.info({ url: service.url }, `${what} listening`);
  const sig = await untilSignal();
  logger.info({ signal: sig }, 'shutting down');
  await service.close();
}

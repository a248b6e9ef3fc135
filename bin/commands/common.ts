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

import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { CliProcess } from './cli-process.js';

/** A free loopback port (bind 0, read, close). The hub must keep one port across restarts. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** The hub as a real child process (`telemed hospital`), killable and restartable in place. */
export class HubProcess extends CliProcess {
  constructor(configFile: string, port: number) {
    super('hospital', configFile, port, 'info');
  }

  static async create(dir: string, config: Record<string, unknown>): Promise<HubProcess> {
    const port = (config['port'] as number | undefined) ?? await freePort();
    const file = join(dir, 'hospital.json');
    await writeFile(file, JSON.stringify({ host: '127.0.0.1', ...config, port }));
    return new HubProcess(file, port);
  }
}

/** Polls `fn` until it returns a truthy value or the bound passes. */
export async function waitFor<T>(what: string, fn: () => Promise<T> | T, timeoutMs = 10_000, everyMs = 50): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) { last = err; }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

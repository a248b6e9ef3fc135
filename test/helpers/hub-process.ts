import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CliProcess, freePort } from './cli-process.js';

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

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CliProcess, freePort } from './cli-process.js';

/**
 * The gateway as a real child process (`telemed gateway`, run from source through tsx), so a test
 * can SIGKILL it mid-stream and start it again on the same data directory (its outbox.db).
 */
export class GatewayProcess extends CliProcess {
  constructor(configFile: string, port: number) {
    super('gateway', configFile, port);
  }

  /** Writes the config (port chosen here unless given) next to the data directory. */
  static async create(dir: string, config: Record<string, unknown>): Promise<GatewayProcess> {
    const port = (config['port'] as number | undefined) ?? await freePort();
    const file = join(dir, 'gateway.json');
    const gw = new GatewayProcess(file, port);
    await gw.writeConfig(config);
    return gw;
  }

  /** Replaces the config used by the next start(). */
  async writeConfig(config: Record<string, unknown>): Promise<void> {
    await writeFile(this.configFile, JSON.stringify({ host: '127.0.0.1', ...config, port: this.port }));
  }
}

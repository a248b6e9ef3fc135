import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CliProcess, freePort } from './cli-process.js';
import type { TlsFixture } from './tls-fixture.js';

/** The hub as a real child process (`telemed hospital`), killable and restartable in place. */
export class HubProcess extends CliProcess {
  constructor(configFile: string, port: number) {
    super('hospital', configFile, port, 'info');
  }

  /**
   * Writes the config and returns the (not started) hub. With `tls` (a TlsFixture) it serves HTTPS
   * and wss:// /uplink with mutual TLS on the fixture's hub certificate; `url` is then https://.
   */
  static async create(dir: string, config: Record<string, unknown>, opts: { tls?: TlsFixture } = {}): Promise<HubProcess> {
    const port = (config['port'] as number | undefined) ?? await freePort();
    const file = join(dir, 'hospital.json');
    const tls = opts.tls === undefined ? {} : { tls: { ...opts.tls.hub, requireClientCert: true } };
    await writeFile(file, JSON.stringify({ host: '127.0.0.1', ...tls, ...config, port }));
    const hub = new HubProcess(file, port);
    if (opts.tls !== undefined) hub.httpsCa = opts.tls.ca;
    return hub;
  }

  /** The gateways' hub.url: wss:// when the hub has TLS. */
  get uplinkUrl(): string { return `${this.url.replace(/^http/, 'ws')}/uplink`; }
}

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CliProcess, freePort } from './cli-process.js';
import type { TlsFixture } from './tls-fixture.js';

/** A gateway config dialling its hub over wss:// with mutual TLS (hub.tls from the fixture). */
export async function withGatewayTls(config: Record<string, unknown>, tls: TlsFixture): Promise<Record<string, unknown>> {
  const hub = { ...(config['hub'] as Record<string, unknown>) };
  if (typeof hub['url'] === 'string') hub['url'] = hub['url'].replace(/^ws:/, 'wss:');
  hub['tls'] = await tls.gateway(String(config['gatewayId']));
  return { ...config, hub };
}

/**
 * The gateway as a real child process (`telemed gateway`, run from source through tsx), so a test
 * can SIGKILL it mid-stream and start it again on the same data directory (its outbox.db).
 */
export class GatewayProcess extends CliProcess {
  constructor(configFile: string, port: number) {
    super('gateway', configFile, port);
  }

  /** Writes the config (port chosen here unless given) next to the data directory. */
  /**
   * Writes the config (port chosen here unless given) next to the data directory. With `tls` the
   * gateway dials wss:// with its own client certificate (made for `config.gatewayId`) and the
   * fixture's CA pinned; `hub.url` may then be given as ws:// or wss://.
   */
  static async create(dir: string, config: Record<string, unknown>, opts: { tls?: TlsFixture } = {}): Promise<GatewayProcess> {
    const port = (config['port'] as number | undefined) ?? await freePort();
    const file = join(dir, 'gateway.json');
    const gw = new GatewayProcess(file, port);
    await gw.writeConfig(opts.tls === undefined ? config : await withGatewayTls(config, opts.tls));
    return gw;
  }

  /** Replaces the config used by the next start(). */
  async writeConfig(config: Record<string, unknown>): Promise<void> {
    await writeFile(this.configFile, JSON.stringify({ host: '127.0.0.1', ...config, port: this.port }));
  }
}

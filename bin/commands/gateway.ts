import { parseArgs } from 'node:util';
import { loadGatewayConfig } from '../../gateway/config.js';
import { startGateway } from '../../gateway/main.js';
import { processLogger, readJsonFile, untilSignal, withOverrides } from './common.js';

const HELP = `usage: telemed gateway --config FILE [--host H] [--port N] [--data-dir DIR]

Runs an edge gateway: device drivers, the uplink to the hub, and the local API and page.`;

export async function gatewayCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' },
      'data-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) { process.stdout.write(HELP + '\n'); return; }
  if (values.config === undefined) { process.stderr.write(HELP + '\n'); throw new Error('--config is required'); }
  const raw = await readJsonFile(values.config);
  const config = loadGatewayConfig(withOverrides(raw, {
    host: values.host,
    port: values.port !== undefined ? Number(values.port) : undefined,
    dataDir: values['data-dir'],
  }));
  const logger = processLogger('gateway');
  const gw = await startGateway(config, { logger });
  logger.info({ url: gw.url }, 'gateway API listening');
  const sig = await untilSignal();
  logger.info({ signal: sig }, 'shutting down');
  await gw.close();
}

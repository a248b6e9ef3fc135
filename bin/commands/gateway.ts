import { loadGatewayConfig } from '../../gateway/config.js';
import { startGateway } from '../../gateway/main.js';
import { parseServiceArgs, processLogger, readJsonFile, serveUntilSignal, withOverrides } from './common.js';

const HELP = `usage: telemed gateway --config FILE [--host H] [--port N] [--data-dir DIR]

Runs an edge gateway: device drivers, the uplink to the hub, and the local API and page.`;

export async function gatewayCommand(argv: string[]): Promise<void> {
  const args = parseServiceArgs(argv);
  if (args.help) { process.stdout.write(HELP + '\n'); return; }
  if (args.config === undefined) { process.stderr.write(HELP + '\n'); throw new Error('--config is required'); }
  const config = loadGatewayConfig(withOverrides(await readJsonFile(args.config), args.overrides));
  const logger = processLogger('gateway');
  await serveUntilSignal(logger, await startGateway(config, { logger }), 'gateway API');
}

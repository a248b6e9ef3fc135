import { loadHospitalConfig } from '../../hospital/config.js';
import { startHospital } from '../../hospital/main.js';
import { parseServiceArgs, processLogger, readJsonFile, serveUntilSignal, withOverrides } from './common.js';

const HELP = `usage: telemed hospital [--config FILE] [--host H] [--port N] [--data-dir DIR]

Runs the county hospital hub: gateway uplinks (/uplink), records store, live fan-out (/live),
the hospital console (/), /healthz and /metrics. Without --config it starts with defaults and
no enrolled gateways or users.`;

export async function hospitalCommand(argv: string[]): Promise<void> {
  const args = parseServiceArgs(argv);
  if (args.help) { process.stdout.write(HELP + '\n'); return; }
  const raw = args.config !== undefined ? await readJsonFile(args.config) : {};
  const config = loadHospitalConfig(withOverrides(raw, args.overrides));
  const logger = processLogger('hospital');
  await serveUntilSignal(logger, await startHospital(config, { logger }), 'hospital hub');
}

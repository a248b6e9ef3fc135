import { parseArgs } from 'node:util';
import { loadHospitalConfig } from '../../hospital/config.js';
import { startHospital } from '../../hospital/main.js';
import { processLogger, readJsonFile, untilSignal, withOverrides } from './common.js';

const HELP = `usage: telemed hospital [--config FILE] [--host H] [--port N] [--data-dir DIR]

Runs the county hospital hub: gateway uplinks (/uplink), records store, live fan-out (/live),
the hospital console (/), /healthz and /metrics. Without --config it starts with defaults and
no enrolled gateways or users.`;

export async function hospitalCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' },
      'data-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) { process.stdout.write(HELP + '\n'); return; }
  const raw = values.config !== undefined ? await readJsonFile(values.config) : {};
  const config = loadHospitalConfig(withOverrides(raw, {
    host: values.host,
    port: values.port !== undefined ? Number(values.port) : undefined,
    dataDir: values['data-dir'],
  }));
  const logger = processLogger('hospital');
  const hub = await startHospital(config, { logger });
  logger.info({ url: hub.url }, 'hospital hub listening');
  const sig = await untilSignal();
  logger.info({ signal: sig }, 'shutting down');
  await hub.close();
}

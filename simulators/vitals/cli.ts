import { parseArgs } from 'node:util';
import { MqttMonitorSimulator } from './mqtt-monitor.js';
import { SCENARIOS, isScenarioName } from './scenario-types.js';

const HELP = `usage: telemed sim vitals-mqtt --url mqtt://127.0.0.1:PORT --monitor ID [--scenario ${SCENARIOS.join('|')}] [--seed N] [--speed X]
                                [--username U] [--password P] [--no-value null|NaN|-999]

Simulates a vital-sign monitor publishing on an MQTT broker in the layout of devices/vitals-monitor
(telemed/v1/monitors/ID/{status,numerics,alarms,waveform/CHANNEL}). The clinical scenario is
deterministic for a seed; --speed compresses scenario time (the waveforms keep their rates).
The password is read from TELEMED_MONITOR_PASSWORD when --password is not given.`;

export async function vitalsMqttCommand(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string' }, monitor: { type: 'string' }, scenario: { type: 'string', default: 'stable' },
      seed: { type: 'string', default: '1' }, speed: { type: 'string', default: '1' },
      username: { type: 'string' }, password: { type: 'string' }, 'no-value': { type: 'string', default: 'null' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || values.url === undefined || values.monitor === undefined) {
    process.stdout.write(HELP + '\n');
    if (!values.help) process.exitCode = 2;
    return;
  }
  if (!isScenarioName(values.scenario)) throw new Error(`unknown scenario "${values.scenario}"\n${HELP}`);
  const seed = Number(values.seed);
  const speed = Number(values.speed);
  if (!Number.isInteger(seed)) throw new Error('--seed must be an integer');
  if (!(speed > 0 && speed <= 1000)) throw new Error('--speed must be in (0, 1000]');
  const nv = values['no-value'];
  const noValue = nv === 'null' ? null : nv === 'NaN' ? 'NaN' as const : Number(nv);
  if (typeof noValue === 'number' && !Number.isFinite(noValue)) throw new Error('--no-value must be null, NaN or a number');
  const password = values.password ?? env['TELEMED_MONITOR_PASSWORD'];
  const sim = new MqttMonitorSimulator({
    url: values.url, monitorId: values.monitor, scenario: values.scenario, seed, speed, noValue,
    ...(values.username === undefined ? {} : { username: values.username }),
    ...(password === undefined ? {} : { password }),
  });
  sim.on('error', (err) => process.stderr.write(`vitals-mqtt: ${err.message}\n`));
  await sim.start();
  process.stdout.write(`vitals-mqtt monitor ${values.monitor} on ${values.url}: scenario ${values.scenario}, seed ${seed}, speed ${speed}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await sim.stop();
}

import { parseArgs } from 'node:util';
import { SCENARIOS, isScenarioName } from '../vitals/index.js';
import { Hl7MonitorSimulator } from './hl7-monitor.js';

const HELP = `usage: telemed sim hl7-monitor --target HOST:PORT [--scenario ${SCENARIOS.join('|')}] [--seed N] [--speed X] [--waveforms]

A patient monitor sending IHE PCD-01 ORU^R01 (numerics each second) and PCD-04 ORU^R40 (alarms)
over MLLP to an hl7-mllp listener, waiting for each ACK and re-sending on a timeout or AE.`;

function target(s: string): { host: string; port: number } {
  const m = /^(.+):(\d{1,5})$/.exec(s);
  if (!m || Number(m[2]) > 65535) throw new Error(`--target must be HOST:PORT, not "${s}"`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

export async function hl7MonitorCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      target: { type: 'string' }, scenario: { type: 'string', default: 'stable' }, seed: { type: 'string', default: '1' },
      speed: { type: 'string', default: '1' }, waveforms: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || !values.target) {
    process.stdout.write(HELP + '\n');
    if (!values.help) process.exitCode = 2;
    return;
  }
  if (!isScenarioName(values.scenario)) throw new Error(`unknown scenario "${values.scenario}"\n${HELP}`);
  const speed = Number(values.speed);
  if (!(speed > 0 && speed <= 100)) throw new Error('--speed must be in (0, 100]');
  const { host, port } = target(values.target);
  const sim = new Hl7MonitorSimulator({ host, port, scenario: values.scenario, seed: Number(values.seed), speed, waveforms: values.waveforms });
  sim.start();
  process.stdout.write(`hl7 monitor ${sim.eui64} → ${host}:${port}: scenario ${values.scenario}, seed ${values.seed}, speed ${speed}${values.waveforms ? ', waveforms' : ''}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  sim.stop();
  const s = sim.stats;
  process.stdout.write(`sent ${s.sent} (retransmits ${s.retransmits}), AA ${s.acks.AA}, AE ${s.acks.AE}, AR ${s.acks.AR}, dropped ${s.dropped}\n`);
}

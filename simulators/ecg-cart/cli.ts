import { parseArgs } from 'node:util';
import { CartSimulator } from './cart-simulator.js';
import { RHYTHMS, type Rhythm } from './ecg-model.js';
import { openSerialWire } from './serial-wire.js';

const HELP = `usage: telemed sim ecg-cart --port PATH [--rhythm ${RHYTHMS.join('|')}] [--rate 500|1000] [--hr BPM] [--seed N] [--baud N]

Simulates the 18-lead ECG cart on PATH (e.g. one end of: socat -d -d pty,raw,echo=0,link=/tmp/cart pty,raw,echo=0,link=/tmp/host).`;

export async function ecgCartCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' }, rhythm: { type: 'string', default: 'sinus' }, rate: { type: 'string', default: '500' },
      hr: { type: 'string', default: '72' }, seed: { type: 'string', default: '1' }, baud: { type: 'string', default: '921600' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || !values.port) {
    process.stdout.write(HELP + '\n');
    if (!values.help) process.exitCode = 2;
    return;
  }
  const rhythm = values.rhythm as Rhythm;
  if (!RHYTHMS.includes(rhythm)) throw new Error(`unknown rhythm "${values.rhythm}"\n${HELP}`);
  const rate = Number(values.rate);
  if (rate !== 500 && rate !== 1000) throw new Error('--rate must be 500 or 1000');
  const baud = Number(values.baud);
  const wire = await openSerialWire(values.port, baud);
  const sim = new CartSimulator({ wire, baudRate: baud, model: { seed: Number(values.seed), rhythm, sampleRateHz: rate, hrBpm: Number(values.hr) } });
  sim.start();
  process.stdout.write(`ecg-cart simulator on ${values.port}: ${rhythm}, ${rate} Hz, ${baud} baud\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  sim.stop();
  await wire.close();
}

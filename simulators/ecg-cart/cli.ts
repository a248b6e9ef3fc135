import { parseArgs } from 'node:util';
import { CART_LEADS } from '../../protocols/ecg-cart/index.js';
import type { EcgRecord } from '../../protocols/ecg/record.js';
import { CartSimulator } from './cart-simulator.js';
import { RecordReplay } from './record-replay.js';
import { RHYTHMS, type Rhythm } from './ecg-model.js';
import { openSerialWire } from './serial-wire.js';

const HELP = `usage: telemed sim ecg-cart --port PATH [--rhythm ${RHYTHMS.join('|')}] [--rate 500|1000] [--hr BPM] [--seed N] [--baud N]
       telemed sim ecg-cart --port PATH --replay RECORD [--loop] [--rate 500|1000] [--baud N]

Simulates the 18-lead ECG cart on PATH (e.g. one end of: socat -d -d pty,raw,echo=0,link=/tmp/cart pty,raw,echo=0,link=/tmp/host).
--replay streams a recorded ECG (WFDB record path or .hea, SCP-ECG, HL7 aECG, DICOM) instead of the model:
resampled to the cart's rate, leads matched by code (MLII as II), missing limb leads derived, others off.`;

/** What the CLI needs from outside the simulator: reading a record file (the importers live elsewhere). */
export interface EcgCartCliDeps {
  loadRecord?: (path: string) => Promise<EcgRecord>;
}

export async function ecgCartCommand(argv: string[], deps: EcgCartCliDeps = {}): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' }, rhythm: { type: 'string', default: 'sinus' }, rate: { type: 'string', default: '500' },
      hr: { type: 'string', default: '72' }, seed: { type: 'string', default: '1' }, baud: { type: 'string', default: '921600' },
      replay: { type: 'string' }, loop: { type: 'boolean', default: false },
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
  let replay: RecordReplay | null = null;
  if (values.replay !== undefined) {
    if (deps.loadRecord === undefined) throw new Error('--replay needs a record loader (run it as `telemed sim ecg-cart`)');
    replay = new RecordReplay(await deps.loadRecord(values.replay), { sampleRateHz: rate, loop: values.loop });
    if (replay.length === 0) throw new Error(`${values.replay}: no lead of the record maps onto the cart's 18 leads`);
  }
  const wire = await openSerialWire(values.port, baud);
  const sim = new CartSimulator({
    wire, baudRate: baud,
    ...(replay === null ? { model: { seed: Number(values.seed), rhythm, sampleRateHz: rate, hrBpm: Number(values.hr) } } : { source: replay }),
  });
  sim.start();
  const what = replay === null ? rhythm : `replay of ${values.replay} (${(replay.length / rate).toFixed(1)} s${values.loop ? ', looped' : ''}; leads: ${
    replay.origins.map((o, l) => (o.kind === 'off' ? null : `${CART_LEADS[l]}${o.kind === 'derived' ? '*' : ''}`)).filter((x) => x !== null).join(' ')})`;
  process.stdout.write(`ecg-cart simulator on ${values.port}: ${what}, ${rate} Hz, ${baud} baud\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  sim.stop();
  await wire.close();
}

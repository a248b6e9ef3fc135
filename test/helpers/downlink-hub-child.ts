// A real hub process (startHospital, exactly as `telemed hospital` runs it) that a test can also ask
// to send durable downlink frames: each stdin line `{"gatewayId","streamId","text"}` becomes a
// durable Diagnosis through registry.sendToGateway, and the result is printed as
// `SEND-RESULT <n> <result>`. Tests SIGKILL it like any hub. Usage: node --import tsx THIS CONFIG.json
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { pino } from 'pino';
import { loadHospitalConfig } from '../../hospital/config.js';
import { startHospital } from '../../hospital/main.js';
import { TrafficClass } from '../../protocols/index.js';

const file = process.argv[2];
if (file === undefined) throw new Error('usage: downlink-hub-child.ts CONFIG.json');
const config = loadHospitalConfig(JSON.parse(readFileSync(file, 'utf8')));
const hub = await startHospital(config, { logger: pino({ level: process.env['LOG_LEVEL'] ?? 'info' }) });
let n = 0;
createInterface({ input: process.stdin }).on('line', (line) => {
  const cmd = JSON.parse(line) as { gatewayId: string; streamId: string; text: string };
  const result = hub.app.hospital.registry.sendToGateway(cmd.gatewayId, {
    header: { streamId: cmd.streamId, trafficClass: TrafficClass.TRAFFIC_CLASS_ALARM, durable: true, captureTimeNs: Date.now() * 1e6 },
    diagnosis: { recordId: 'integration', text: cmd.text },
  });
  n += 1;
  process.stdout.write(`SEND-RESULT ${n} ${result}\n`);
});
process.on('SIGTERM', () => { void hub.close().then(() => process.exit(0)); });

// Entry of one side of a bench run, in its own process so the gateway, the hub and the link
// emulator do not share an event loop. Driven over the IPC channel (ipc.ts).
import { failChild, serveSide } from '../side-child.js';
import type { ChildSpec } from './ipc.js';
import { LoopWatch } from './loop-delay.js';
import { isMqttRun } from './scenario.js';
import { mqttEdge, mqttHub } from './mqtt-sides.js';
import type { Side } from './side.js';
import { telemedEdge, telemedHub } from './telemed-sides.js';

async function open(spec: ChildSpec): Promise<Side> {
  if (isMqttRun(spec.run)) return spec.role === 'edge' ? mqttEdge(spec) : mqttHub(spec);
  return spec.role === 'edge' ? telemedEdge(spec) : telemedHub(spec);
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '{}') as ChildSpec;
  const side = await open(spec);
  serveSide(side, new LoopWatch(), { port: side.port });
}

main().catch(failChild);

// Entry of one side of a bench:teleop run, in its own process so the arm, the clinic's edge and the
// hub do not share an event loop (as in bench/uplink/child.ts). Driven over IPC (ipc.ts).
import { LoopWatch } from '../uplink/loop-delay.js';
import { startArmSide } from './arm-side.js';
import { fifoEdge, fifoHub } from './fifo-sides.js';
import { failChild, serveSide } from '../side-child.js';
import type { TeleopChildSpec } from './ipc.js';
import type { BenchSide } from './side.js';
import { telemedEdge, telemedHub } from './telemed-sides.js';

async function open(spec: TeleopChildSpec): Promise<BenchSide & { imagePort?: number }> {
  if (spec.role === 'arm') {
    const arm = await startArmSide();
    return { port: arm.armPort, imagePort: arm.imagePort, start: () => undefined, stop: () => undefined, report: () => arm.report(), close: () => arm.close() };
  }
  if (spec.peer === 'fifo') return spec.role === 'hub' ? fifoHub() : fifoEdge(spec);
  return spec.role === 'hub' ? telemedHub(spec) : telemedEdge(spec);
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '{}') as TeleopChildSpec;
  const side = await open(spec);
  // Event-loop delay and CPU of this process from the start of the other traffic: a starved side shows here.
  const loop = new LoopWatch();
  loop.start();
  serveSide(side, loop, { port: side.port, ...(side.imagePort !== undefined ? { imagePort: side.imagePort } : {}) });
}

main().catch(failChild);

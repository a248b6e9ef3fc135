// Entry of one side of a bench:teleop run, in its own process so the arm, the clinic's edge and the
// hub do not share an event loop (as in bench/uplink/child.ts). Driven over IPC (ipc.ts).
import { LoopWatch } from '../uplink/loop-delay.js';
import { startArmSide } from './arm-side.js';
import { fifoEdge, fifoHub } from './fifo-sides.js';
import type { FromChild, TeleopChildSpec, ToChild } from './ipc.js';
import type { BenchSide } from './side.js';
import { telemedEdge, telemedHub } from './telemed-sides.js';

function send(msg: FromChild): void {
  process.send?.(msg);
}

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
  process.on('message', (raw) => {
    const msg = raw as ToChild;
    switch (msg.type) {
      case 'start': loop.start(); side.start(); return;
      case 'stop': side.stop(); return;
      case 'collect':
        try {
          const report = side.report() as Record<string, unknown>;
          send({ type: 'report', report: { ...report, loopDelay: loop.read(), cpuS: loop.cpuS() } });
        } catch (err) {
          send({ type: 'failed', message: `collect: ${err instanceof Error ? err.message : String(err)}` });
        }
        return;
      case 'close':
        side.close().then(
          () => { send({ type: 'closed' }); process.disconnect(); },
          (err: unknown) => { send({ type: 'failed', message: `close: ${String(err)}` }); process.exit(1); },
        );
        return;
    }
  });
  // The parent gone means the run is over: never outlive it.
  process.on('disconnect', () => setTimeout(() => process.exit(0), 3000).unref());
  send({ type: 'ready', port: side.port, ...(side.imagePort !== undefined ? { imagePort: side.imagePort } : {}) });
}

main().catch((err: unknown) => {
  send({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
  setTimeout(() => process.exit(1), 100);
});

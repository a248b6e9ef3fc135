// Entry of one side of a bench run, in its own process so the gateway, the hub and the link
// emulator do not share an event loop. Driven over the IPC channel (ipc.ts).
import type { ChildSpec, FromChild, ToChild } from './ipc.js';
import { LoopWatch } from './loop-delay.js';
import { isMqttRun } from './scenario.js';
import { mqttEdge, mqttHub } from './mqtt-sides.js';
import type { Side } from './side.js';
import { telemedEdge, telemedHub } from './telemed-sides.js';

function send(msg: FromChild): void {
  process.send?.(msg);
}

async function open(spec: ChildSpec): Promise<Side> {
  if (isMqttRun(spec.run)) return spec.role === 'edge' ? mqttEdge(spec) : mqttHub(spec);
  return spec.role === 'edge' ? telemedEdge(spec) : telemedHub(spec);
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '{}') as ChildSpec;
  const side = await open(spec);
  const loop = new LoopWatch();
  process.on('message', (raw) => {
    const msg = raw as ToChild;
    switch (msg.type) {
      case 'start': loop.start(); side.start(); return;
      case 'stop': side.stop(); return;
      case 'collect': send({ type: 'report', report: { ...side.report(), loopDelay: loop.read(), cpuS: loop.cpuS() } }); return;
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
  send({ type: 'ready', port: side.port });
}

main().catch((err: unknown) => {
  send({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
  setTimeout(() => process.exit(1), 100);
});

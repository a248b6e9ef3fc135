// The child's end of a bench side (bench:uplink's and bench:teleop's hub, edge or arm), driven over
// IPC by an IpcChild (ipc-child.ts): start and stop the offered traffic, collect the report with
// this process's event-loop delay and CPU, close. The child never outlives its parent.
import type { LoopWatch } from './uplink/loop-delay.js';

/** One side of a bench run inside its child process. */
export interface ServedSide {
  start(): void;
  stop(): void;
  report(): unknown;
  close(): Promise<void>;
}

function send(msg: { type: string } & Record<string, unknown>): void {
  process.send?.(msg);
}

/** Answers the parent's start / stop / collect / close for `side`, then says `ready` with `readyFields`. */
export function serveSide(side: ServedSide, loop: LoopWatch, readyFields: Record<string, unknown>): void {
  process.on('message', (raw) => {
    switch ((raw as { type?: string }).type) {
      case 'start': loop.start(); side.start(); return;
      case 'stop': side.stop(); return;
      case 'collect':
        try {
          send({ type: 'report', report: { ...(side.report() as Record<string, unknown>), loopDelay: loop.read(), cpuS: loop.cpuS() } });
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
  send({ type: 'ready', ...readyFields });
}

/** A child that failed to open its side: says why, then exits. */
export function failChild(err: unknown): void {
  send({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
  setTimeout(() => process.exit(1), 100);
}

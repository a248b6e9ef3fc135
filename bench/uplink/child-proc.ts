import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { GATEWAY_V8_FLAGS, userSetsSemiSpace } from '../../gateway/v8-flags.js';
import type { ChildSpec, FromChild, ToChild } from './ipc.js';
import { normalPriority } from './priority.js';

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));

/** A side of the run in a child process, spoken to over IPC; every wait is bounded. */
export class ChildProc {
  private readonly proc: ChildProcess;
  private readonly inbox: FromChild[] = [];
  private waiter: (() => void) | null = null;

  constructor(readonly spec: ChildSpec) {
    // BENCH_CHILD_CPU_PROF=DIR: each child writes a V8 CPU profile there (where the hub spends its time).
    const prof = process.env['BENCH_CHILD_CPU_PROF'];
    const execArgv = ['--import', 'tsx', ...(prof !== undefined ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : [])];
    // Our gateway runs with the V8 flags `telemed gateway` sets (the Mosquitto run's edge is MQTT.js).
    if (spec.role === 'edge' && spec.run !== 'mosquitto' && !userSetsSemiSpace(process.execArgv, process.env['NODE_OPTIONS'])) execArgv.push(...GATEWAY_V8_FLAGS);
    this.proc = fork(CHILD, [JSON.stringify(spec)], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    // The system under test runs at the normal priority, not the emulator's (bench/uplink/priority.ts).
    normalPriority(this.proc.pid);
    this.proc.on('message', (m) => { this.inbox.push(m as FromChild); this.waiter?.(); });
    this.proc.on('exit', () => this.waiter?.());
  }

  /** The child's process id (bench:throughput reads its CPU time from /proc). */
  get pid(): number | undefined {
    return this.proc.pid;
  }

  send(msg: ToChild): void {
    if (this.proc.connected) this.proc.send(msg);
  }

  /** The next message of `type`; a `failed` message, an exit or the timeout reject. */
  async wait<T extends FromChild['type']>(type: T, timeoutMs: number): Promise<Extract<FromChild, { type: T }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.inbox.findIndex((m) => m.type === type || m.type === 'failed');
      if (i >= 0) {
        const m = this.inbox.splice(i, 1)[0] as FromChild;
        if (m.type === 'failed') throw new Error(`${this.spec.role} (${this.spec.run}): ${m.message}`);
        return m as Extract<FromChild, { type: T }>;
      }
      if (this.proc.exitCode !== null || this.proc.signalCode !== null) throw new Error(`${this.spec.role} (${this.spec.run}) exited (${this.proc.exitCode ?? this.proc.signalCode})`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.spec.role} (${this.spec.run}): no '${type}' within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiter = () => { clearTimeout(t); resolve(); };
      });
      this.waiter = null;
    }
  }

  /** Asks the side to close; kills this child (its own pid) when it does not within the bound. */
  async close(timeoutMs = 10_000): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const exited = once(this.proc, 'exit');
    this.send({ type: 'close' });
    const t = setTimeout(() => this.proc.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(t);
  }

  kill(): void {
    if (this.proc.exitCode === null) this.proc.kill('SIGKILL');
  }
}

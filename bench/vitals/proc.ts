import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { FromChild } from './ipc.js';
import { normalPriority } from '../uplink/priority.js';

/** A bench:vitals child (hub-child.ts or fleet-child.ts) spoken to over IPC; every wait is bounded. */
export class VitalsChild {
  private readonly proc: ChildProcess;
  private readonly inbox: FromChild[] = [];
  private waiter: (() => void) | null = null;

  constructor(readonly name: 'hub-child' | 'fleet-child', spec: unknown) {
    const file = fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
    this.proc = fork(file, [JSON.stringify(spec)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    // The systems under test run at the normal priority, not the emulator's (bench/uplink/priority.ts).
    normalPriority(this.proc.pid);
    this.proc.on('message', (m) => { this.inbox.push(m as FromChild); this.waiter?.(); });
    this.proc.on('exit', () => this.waiter?.());
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  send(msg: unknown): void {
    if (this.proc.connected) this.proc.send(msg as object);
  }

  async wait<T extends FromChild['type']>(type: T, timeoutMs: number): Promise<Extract<FromChild, { type: T }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.inbox.findIndex((m) => m.type === type || m.type === 'failed');
      if (i >= 0) {
        const m = this.inbox.splice(i, 1)[0] as FromChild;
        if (m.type === 'failed') throw new Error(`${this.name}: ${m.message}`);
        return m as Extract<FromChild, { type: T }>;
      }
      if (this.proc.exitCode !== null || this.proc.signalCode !== null) throw new Error(`${this.name} exited (${this.proc.exitCode ?? this.proc.signalCode})`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.name}: no '${type}' within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiter = () => { clearTimeout(t); resolve(); };
      });
      this.waiter = null;
    }
  }

  /** Asks the child to close; kills this child (its own pid) when it does not within the bound. */
  async close(timeoutMs = 15_000): Promise<void> {
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

import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { normalPriority } from './uplink/priority.js';

/** What every bench child may send: a typed message, or `failed` with the reason. */
export interface ChildMessage {
  readonly type: string;
}

/**
 * A bench child process spoken to over IPC (bench:uplink's sides, bench:throughput's, bench:vitals'
 * hub and fleet); every wait is bounded. The child runs at the normal priority, not the link
 * emulator's raised one (bench/uplink/priority.ts).
 */
export class IpcChild<From extends ChildMessage, To extends ChildMessage> {
  private readonly proc: ChildProcess;
  private readonly inbox: From[] = [];
  private waiter: (() => void) | null = null;

  constructor(
    /** Names the child in errors. */
    private readonly label: string,
    file: string,
    args: readonly string[],
    execArgv: readonly string[],
    private readonly closeTimeoutMs: number,
  ) {
    this.proc = fork(file, [...args], { execArgv: [...execArgv], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    normalPriority(this.proc.pid);
    this.proc.on('message', (m) => { this.inbox.push(m as From); this.waiter?.(); });
    this.proc.on('exit', () => this.waiter?.());
  }

  /** The child's process id (benches read its CPU time from /proc). */
  get pid(): number | undefined {
    return this.proc.pid;
  }

  send(msg: To): void {
    if (this.proc.connected) this.proc.send(msg);
  }

  /** The next message of `type`; a `failed` message, an exit or the timeout reject. */
  async wait<T extends From['type']>(type: T, timeoutMs: number): Promise<Extract<From, { type: T }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.inbox.findIndex((m) => m.type === type || m.type === 'failed');
      if (i >= 0) {
        const m = this.inbox.splice(i, 1)[0] as From;
        if (m.type === 'failed') throw new Error(`${this.label}: ${String((m as { message?: unknown }).message)}`);
        return m as Extract<From, { type: T }>;
      }
      if (this.proc.exitCode !== null || this.proc.signalCode !== null) throw new Error(`${this.label} exited (${this.proc.exitCode ?? this.proc.signalCode})`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.label}: no '${type}' within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiter = () => { clearTimeout(t); resolve(); };
      });
      this.waiter = null;
    }
  }

  /** Asks the child to close; kills this child (its own pid) when it does not within the bound. */
  async close(timeoutMs = this.closeTimeoutMs): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const exited = once(this.proc, 'exit');
    this.send({ type: 'close' } as To);
    const t = setTimeout(() => this.proc.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(t);
  }

  kill(): void {
    if (this.proc.exitCode === null) this.proc.kill('SIGKILL');
  }
}

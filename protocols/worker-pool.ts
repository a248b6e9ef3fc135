// A small bounded pool of worker threads for CPU-heavy, untrusted work (decoding a stored ECG
// document on the hub and on the gateway): the work costs a thread's time, never the caller's
// event loop. Bounded: a few threads (started on first use or warm()), a short queue (refused at
// once when full), a deadline per task and a heap cap per thread (a thread past either is
// terminated and replaced; its task fails). Codes come from the caller (`WorkerPoolErrors`), so the
// hub and the gateway keep their own TM_ERR_* names; a task's own TelemedError code crosses the
// thread unchanged (serveTasks).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parentPort, Worker } from 'node:worker_threads';
import { isTelemedError, TelemedError } from './errors.js';

/** Bounds of a pool. */
export interface WorkerPoolOptions {
  /** Threads, started on first use. Default 2. */
  readonly threads?: number;
  /** Tasks waiting for a thread beyond the running ones; past it a task is refused. Default 8. */
  readonly maxQueued?: number;
  /** Longest a task may run, ms. Default 10 000. */
  readonly timeoutMs?: number;
  /** V8 old-generation cap per thread, MB (typed-array buffers are outside it). Default 256. */
  readonly maxHeapMb?: number;
}

/** The caller's errors: queue full, thread lost (deadline, heap, crash, pool closed), and the fallback code of a task error without one. */
export interface WorkerPoolErrors {
  busy(pending: number): Error;
  failed(message: string): Error;
  readonly taskCode: string;
}

interface Job<T, R> {
  readonly task: T;
  readonly resolve: (r: R) => void;
  readonly reject: (e: Error) => void;
}

interface Slot<T, R> { worker: Worker; job: (Job<T, R> & { id: number; timer: NodeJS.Timeout }) | null }

interface Reply<R> { readonly id: number; readonly ok: boolean; readonly result?: R; readonly code?: string; readonly message?: string }

/**
 * The thread entry for a worker module given as the URL of its compiled `.js`: that file when it
 * exists (dist/), else (tests, tsx runs) the `.ts` next to it, loaded through tsx's module hooks
 * registered inside the thread.
 */
export function workerEntry(js: URL): { source: string; eval: boolean } {
  if (existsSync(fileURLToPath(js))) return { source: fileURLToPath(js), eval: false };
  const ts = new URL(js.href.replace(/\.js$/, '.ts')).href;
  const api = new URL('../node_modules/tsx/dist/esm/api/index.mjs', import.meta.url).href;
  return { source: `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(ts)}); });`, eval: true };
}

export class WorkerPool<T, R> {
  private readonly slots: Slot<T, R>[] = [];
  private readonly queue: Job<T, R>[] = [];
  private readonly threads: number;
  private readonly maxQueued: number;
  private readonly timeoutMs: number;
  private readonly maxHeapMb: number;
  private nextId = 1;
  private closed = false;

  /** `worker`: URL of the worker module's .js (see workerEntry); it must call serveTasks. */
  constructor(private readonly worker: URL, private readonly errors: WorkerPoolErrors, opts: WorkerPoolOptions = {}) {
    this.threads = Math.max(1, opts.threads ?? 2);
    this.maxQueued = Math.max(0, opts.maxQueued ?? 8);
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.maxHeapMb = opts.maxHeapMb ?? 256;
  }

  /** Tasks running plus waiting. */
  get pending(): number {
    return this.queue.length + this.slots.filter((s) => s.job !== null).length;
  }

  /** Threads running now (started by a task or warm(), not yet terminated). */
  get running(): number {
    return this.slots.length;
  }

  /** Runs a task on a thread. The task is copied to the thread (the caller keeps its buffers). */
  run(task: T): Promise<R> {
    if (this.closed) return Promise.reject(this.errors.failed('worker pool closed'));
    const idle = this.slots.length < this.threads || this.slots.some((s) => s.job === null);
    if (!idle && this.queue.length >= this.maxQueued) return Promise.reject(this.errors.busy(this.pending));
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ task, resolve, reject });
      this.pump();
    });
  }

  /** Starts every thread ahead of need, so their start-up overlaps whatever precedes the first task. */
  warm(): void {
    while (!this.closed && this.slots.length < this.threads) this.spawn();
  }

  /** Terminates the threads; queued and running tasks fail with `errors.failed`. */
  async close(): Promise<void> {
    this.closed = true;
    for (const j of this.queue.splice(0)) j.reject(this.errors.failed('worker pool closed'));
    await Promise.all(this.slots.splice(0).map((s) => {
      if (s.job !== null) { clearTimeout(s.job.timer); s.job.reject(this.errors.failed('worker pool closed')); }
      return s.worker.terminate();
    }));
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => s.job === null);
      if (slot === undefined && this.slots.length < this.threads) slot = this.spawn();
      if (slot === undefined) return;
      const job = this.queue.shift() as Job<T, R>;
      const id = this.nextId++;
      const timer = setTimeout(() => this.fail(slot, `task exceeded ${this.timeoutMs} ms`), this.timeoutMs);
      slot.job = { ...job, id, timer };
      slot.worker.postMessage({ id, task: job.task });
    }
  }

  private spawn(): Slot<T, R> {
    const entry = workerEntry(this.worker);
    const worker = new Worker(entry.source, { eval: entry.eval, resourceLimits: { maxOldGenerationSizeMb: this.maxHeapMb } });
    worker.unref();
    const slot: Slot<T, R> = { worker, job: null };
    worker.on('message', (m: Reply<R>) => {
      const job = slot.job;
      if (job === null || job.id !== m.id) return;
      clearTimeout(job.timer);
      slot.job = null;
      if (m.ok && m.result !== undefined) job.resolve(m.result);
      else job.reject(new TelemedError(m.code ?? this.errors.taskCode, m.message ?? 'task failed'));
      this.pump();
    });
    worker.on('error', (err) => this.fail(slot, `worker thread failed: ${err.message}`));
    worker.on('exit', () => this.fail(slot, 'worker thread exited'));
    this.slots.push(slot);
    return slot;
  }

  /** Drops a thread that timed out, crashed or ran out of heap; its task fails, the next one gets a new thread. */
  private fail(slot: Slot<T, R>, message: string): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    this.slots.splice(i, 1);
    const job = slot.job;
    slot.job = null;
    if (job !== null) { clearTimeout(job.timer); job.reject(this.errors.failed(message)); }
    void slot.worker.terminate();
    if (!this.closed) this.pump();
  }
}

/**
 * The thread side: runs each task with `run` and answers with its result, the buffers `transfer`
 * names moved rather than copied; an error keeps its TelemedError code (else `fallbackCode`).
 */
export function serveTasks<T, R>(run: (task: T) => R, transfer: (result: R) => ArrayBuffer[], fallbackCode: string): void {
  parentPort?.on('message', (m: { id: number; task: T }) => {
    try {
      const result = run(m.task);
      parentPort?.postMessage({ id: m.id, ok: true, result }, transfer(result));
    } catch (err) {
      parentPort?.postMessage({ id: m.id, ok: false, code: isTelemedError(err) ? err.code : fallbackCode, message: err instanceof Error ? err.message : String(err) });
    }
  });
}

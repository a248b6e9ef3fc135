// A small pool of decode threads for stored ECG records (decode-task.ts): a hostile or simply
// large document costs a thread's time, never the hub's event loop, so /healthz, /uplink and
// /live keep being served while it decodes. Bounded: a few threads, a short queue (refused with
// TM_ERR_ECG_DECODE_BUSY when full), a deadline per task and a heap cap per thread (a thread past
// either is terminated and replaced; the task fails with TM_ERR_ECG_DECODE_FAILED).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { TelemedError } from '../../protocols/index.js';
import type { DecodeResult, DecodeTask } from './decode-task.js';
import { EcgError, EcgErrorCode } from './errors.js';

/** Bounds of the pool. */
export interface DecodePoolOptions {
  /** Decode threads, started on first use. Default 2. */
  readonly threads?: number;
  /** Tasks waiting for a thread beyond the running ones; past it a task is refused. Default 8. */
  readonly maxQueued?: number;
  /** Longest a task may run, ms. Default 10 000 (a 9 h Holter document decodes in ~2 s). */
  readonly timeoutMs?: number;
  /** V8 old-generation cap per thread, MB (sample buffers are outside it). Default 256. */
  readonly maxHeapMb?: number;
}

interface Job {
  readonly task: DecodeTask;
  readonly resolve: (r: DecodeResult) => void;
  readonly reject: (e: Error) => void;
}

interface Slot { worker: Worker; job: (Job & { id: number; timer: NodeJS.Timeout }) | null }

interface Reply { readonly id: number; readonly ok: boolean; readonly result?: DecodeResult; readonly code?: string; readonly message?: string }

/**
 * The thread's entry: the compiled .js next to this file, or (tests, tsx runs: no .js here) the
 * .ts source loaded through tsx's module hooks, registered inside the thread.
 */
function workerEntry(): { source: string; eval: boolean } {
  const js = new URL('./decode-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(js))) return { source: fileURLToPath(js), eval: false };
  const ts = new URL('./decode-worker.ts', import.meta.url).href;
  const api = new URL('../../node_modules/tsx/dist/esm/api/index.mjs', import.meta.url).href;
  return { source: `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(ts)}); });`, eval: true };
}

export class EcgDecodePool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private readonly threads: number;
  private readonly maxQueued: number;
  private readonly timeoutMs: number;
  private readonly maxHeapMb: number;
  private nextId = 1;
  private closed = false;

  constructor(opts: DecodePoolOptions = {}) {
    this.threads = Math.max(1, opts.threads ?? 2);
    this.maxQueued = Math.max(0, opts.maxQueued ?? 8);
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.maxHeapMb = opts.maxHeapMb ?? 256;
  }

  /** Tasks running plus waiting. */
  get pending(): number {
    return this.queue.length + this.slots.filter((s) => s.job !== null).length;
  }

  /** Runs a task on a thread. The blob is copied to the thread (the caller keeps its bytes). */
  run(task: DecodeTask): Promise<DecodeResult> {
    if (this.closed) return Promise.reject(new EcgError(EcgErrorCode.DECODE_FAILED, 'decode pool closed'));
    const idle = this.slots.length < this.threads || this.slots.some((s) => s.job === null);
    if (!idle && this.queue.length >= this.maxQueued) {
      return Promise.reject(new EcgError(EcgErrorCode.DECODE_BUSY, `${this.pending} ECG decodes in progress or queued; try again shortly`));
    }
    return new Promise<DecodeResult>((resolve, reject) => {
      this.queue.push({ task, resolve, reject });
      this.pump();
    });
  }

  /**
   * Starts every thread ahead of need (a record's first chunk is in), so their start-up overlaps the
   * upload: carts stop together, and a second record must not wait for a thread that starts only
   * when its document is complete (bench:ecg's first five records, 1.7-3.1 s with one warm thread).
   */
  warm(): void {
    while (!this.closed && this.slots.length < this.threads) this.spawn();
  }

  /** Terminates the threads; queued and running tasks fail with TM_ERR_ECG_DECODE_FAILED. */
  async close(): Promise<void> {
    this.closed = true;
    for (const j of this.queue.splice(0)) j.reject(new EcgError(EcgErrorCode.DECODE_FAILED, 'decode pool closed'));
    await Promise.all(this.slots.splice(0).map((s) => {
      if (s.job !== null) { clearTimeout(s.job.timer); s.job.reject(new EcgError(EcgErrorCode.DECODE_FAILED, 'decode pool closed')); }
      return s.worker.terminate();
    }));
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => s.job === null);
      if (slot === undefined && this.slots.length < this.threads) slot = this.spawn();
      if (slot === undefined) return;
      const job = this.queue.shift() as Job;
      const id = this.nextId++;
      const timer = setTimeout(() => this.fail(slot, `ECG decode exceeded ${this.timeoutMs} ms`), this.timeoutMs);
      slot.job = { ...job, id, timer };
      slot.worker.postMessage({ id, task: job.task });
    }
  }

  private spawn(): Slot {
    const entry = workerEntry();
    const worker = new Worker(entry.source, { eval: entry.eval, resourceLimits: { maxOldGenerationSizeMb: this.maxHeapMb } });
    worker.unref();
    const slot: Slot = { worker, job: null };
    worker.on('message', (m: Reply) => {
      const job = slot.job;
      if (job === null || job.id !== m.id) return;
      clearTimeout(job.timer);
      slot.job = null;
      if (m.ok && m.result !== undefined) job.resolve(m.result);
      else job.reject(new TelemedError(m.code ?? EcgErrorCode.DECODE_FAILED, m.message ?? 'ECG decode failed'));
      this.pump();
    });
    worker.on('error', (err) => this.fail(slot, `ECG decode thread failed: ${err.message}`));
    worker.on('exit', () => this.fail(slot, 'ECG decode thread exited'));
    this.slots.push(slot);
    return slot;
  }

  /** Drops a thread that timed out, crashed or ran out of heap; its task fails, the next one gets a new thread. */
  private fail(slot: Slot, message: string): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    this.slots.splice(i, 1);
    const job = slot.job;
    slot.job = null;
    if (job !== null) { clearTimeout(job.timer); job.reject(new EcgError(EcgErrorCode.DECODE_FAILED, message)); }
    void slot.worker.terminate();
    if (!this.closed) this.pump();
  }
}

import { GatewayError, GatewayErrorCode } from '../errors.js';
import type { BuildFrameInput, OutFrame } from './streams.js';
import type { Timers } from './timers.js';

/** Group commit settings. */
export interface GroupCommitOptions {
  /** Longest a durable reading waits for its commit, ms; 0 commits each one alone at once. */
  readonly windowMs: number;
  /** Commit at once when this many readings wait, frames. Default 1024. */
  readonly maxFrames?: number;
  /** Readings allowed to wait; past it submit() refuses with TM_ERR_OUTBOX_FULL, frames. Default 65536. */
  readonly maxWaiting?: number;
  readonly timers: Timers;
}

/** Commits a batch; one result per input, in order: the stored frame or the reason it was refused. */
export type CommitBatch = (inputs: readonly BuildFrameInput[]) => readonly (OutFrame | Error)[];

interface Waiting {
  readonly input: BuildFrameInput;
  readonly resolve: (f: OutFrame) => void;
  readonly reject: (err: Error) => void;
}

/**
 * Group commit for durable readings: readings arriving within `windowMs` share one transaction
 * (one fsync) and each caller is told only after that commit, so "on disk before the device is
 * told" holds at tens of thousands of frames per second instead of one fsync per frame.
 * Bounded: at most `maxWaiting` readings wait; more are refused, never queued without limit.
 */
export class GroupCommit {
  private waiting: Waiting[] = [];
  private timer: unknown;
  private readonly maxFrames: number;
  private readonly maxWaiting: number;

  constructor(private readonly opts: GroupCommitOptions, private readonly commit: CommitBatch) {
    this.maxFrames = opts.maxFrames ?? 1024;
    this.maxWaiting = opts.maxWaiting ?? 65_536;
  }

  /** Readings waiting for the next commit. */
  get pending(): number {
    return this.waiting.length;
  }

  /** Resolves with the stored frame once it is committed; rejects when it was refused. */
  submit(input: BuildFrameInput): Promise<OutFrame> {
    if (this.waiting.length >= this.maxWaiting) {
      return Promise.reject(new GatewayError(GatewayErrorCode.OUTBOX_FULL, `commit queue full: ${this.waiting.length} readings waiting (max ${this.maxWaiting})`));
    }
    const p = new Promise<OutFrame>((resolve, reject) => this.waiting.push({ input, resolve, reject }));
    if (this.opts.windowMs === 0 || this.waiting.length >= this.maxFrames) this.flush();
    else this.timer ??= this.opts.timers.setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, this.opts.windowMs);
    return p;
  }

  /** Commits everything waiting now (also on shutdown, so nothing accepted is left behind). */
  flush(): void {
    if (this.timer !== undefined) {
      this.opts.timers.clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.waiting.length === 0) return;
    const batch = this.waiting;
    this.waiting = [];
    let results: readonly (OutFrame | Error)[];
    try {
      results = this.commit(batch.map((w) => w.input));
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      for (const w of batch) w.reject(e);
      return;
    }
    batch.forEach((w, i) => {
      const r = results[i];
      if (r === undefined) w.reject(new Error('group commit: no result for a reading'));
      else if (r instanceof Error) w.reject(r);
      else w.resolve(r);
    });
  }
}

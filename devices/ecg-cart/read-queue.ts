import { CartError, CartErrorCode } from '../../protocols/ecg-cart/index.js';

/**
 * Received chunks waiting for read(), shared by both transports. Bounded: above `highWaterBytes`
 * the producer is told to pause (the real port stops reading, so the kernel and the line hold the
 * rest); below half of it, to resume.
 */
export class ReadQueue {
  private chunks: Uint8Array[] = [];
  private bytes = 0;
  private waiter: { resolve: (b: Uint8Array) => void; reject: (e: Error) => void } | null = null;
  private failure: CartError | null = null;

  constructor(
    private readonly highWaterBytes: number,
    private readonly flow: { pause(): void; resume(): void },
  ) {}

  push(chunk: Uint8Array): void {
    if (this.failure || chunk.length === 0) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w.resolve(chunk);
      return;
    }
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    if (this.bytes > this.highWaterBytes) this.flow.pause();
  }

  /** Ends the queue: queued bytes are still delivered, then reads reject with `err`. */
  fail(err: CartError): void {
    if (this.failure) return;
    this.failure = err;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w.reject(err);
    }
  }

  read(): Promise<Uint8Array> {
    const c = this.chunks.shift();
    if (c) {
      this.bytes -= c.length;
      if (this.bytes <= this.highWaterBytes / 2) this.flow.resume();
      return Promise.resolve(c);
    }
    if (this.failure) return Promise.reject(this.failure);
    if (this.waiter) return Promise.reject(new CartError(CartErrorCode.BAD_STATE, 'only one read may be pending'));
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }
}

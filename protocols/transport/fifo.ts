/**
 * A FIFO with O(1) push/shift on a ring buffer (power-of-two capacity, grows by doubling, shrinks
 * when mostly empty): `Array.shift` is O(n) and durable backlogs can be long, and a ring reuses its
 * slots instead of re-slicing the array as items flow through (a queue at a steady rate costs no
 * allocation per item).
 */
export class Fifo<T> {
  private buf: (T | undefined)[] = new Array<T | undefined>(MIN_CAPACITY);
  private mask = MIN_CAPACITY - 1;
  private head = 0;
  private size = 0;

  get length(): number {
    return this.size;
  }

  push(v: T): void {
    if (this.size === this.buf.length) this.resize(this.buf.length * 2);
    this.buf[(this.head + this.size) & this.mask] = v;
    this.size += 1;
  }

  peek(): T | undefined {
    return this.size === 0 ? undefined : this.buf[this.head];
  }

  shift(): T | undefined {
    if (this.size === 0) return undefined;
    const v = this.buf[this.head];
    this.buf[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.size -= 1;
    // Memory follows the live length after a long backlog drained.
    if (this.buf.length > SHRINK_ABOVE && this.size * 8 < this.buf.length) this.resize(this.buf.length / 4);
    return v;
  }

  /** Removes the first item matching `pred`; O(n), used on realtime queues bounded to a few hundred. */
  removeFirst(pred: (v: T) => boolean): T | undefined {
    for (let i = 0; i < this.size; i += 1) {
      const v = this.buf[(this.head + i) & this.mask] as T;
      if (!pred(v)) continue;
      // Close the gap: the items after it move one slot toward the head.
      for (let j = i; j < this.size - 1; j += 1) this.buf[(this.head + j) & this.mask] = this.buf[(this.head + j + 1) & this.mask];
      this.buf[(this.head + this.size - 1) & this.mask] = undefined;
      this.size -= 1;
      return v;
    }
    return undefined;
  }

  drain(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.size; i += 1) out.push(this.buf[(this.head + i) & this.mask] as T);
    this.buf = new Array<T | undefined>(MIN_CAPACITY);
    this.mask = MIN_CAPACITY - 1;
    this.head = 0;
    this.size = 0;
    return out;
  }

  private resize(capacity: number): void {
    const next = new Array<T | undefined>(capacity);
    for (let i = 0; i < this.size; i += 1) next[i] = this.buf[(this.head + i) & this.mask];
    this.buf = next;
    this.mask = capacity - 1;
    this.head = 0;
  }
}

const MIN_CAPACITY = 16;
/** Capacity above which a queue at 1/8 occupancy shrinks to a quarter (stays >= 2x its length). */
const SHRINK_ABOVE = 1024;

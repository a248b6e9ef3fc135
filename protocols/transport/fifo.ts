/** A FIFO with O(1) push/shift: `Array.shift` is O(n) and durable backlogs can be long. */
export class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(v: T): void {
    this.items.push(v);
  }

  peek(): T | undefined {
    return this.items[this.head];
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const v = this.items[this.head];
    this.items[this.head] = undefined;
    this.head += 1;
    // Compact once the dead prefix dominates, so memory follows the live length.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return v;
  }

  /** Removes the first item matching `pred`; O(n), used on realtime queues bounded to a few hundred. */
  removeFirst(pred: (v: T) => boolean): T | undefined {
    for (let i = this.head; i < this.items.length; i += 1) {
      const v = this.items[i];
      if (v !== undefined && pred(v)) {
        this.items.splice(i, 1);
        return v;
      }
    }
    return undefined;
  }

  drain(): T[] {
    const out = this.items.slice(this.head).filter((v): v is T => v !== undefined);
    this.items = [];
    this.head = 0;
    return out;
  }
}

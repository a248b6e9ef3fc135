import { describe, expect, it } from 'vitest';
import { CLASS_DEFAULTS, TrafficClass, isTelemedError } from '../../protocols/index.js';
import { MemoryOutbox, type Outbox } from './outbox.js';
import { StreamSequencer, type OutFrame } from './streams.js';

const seqr = new StreamSequencer('g', (c) => CLASS_DEFAULTS[c].budgetMs);
function durable(stream: string, bytes = 100): OutFrame {
  return seqr.build({ streamId: stream, trafficClass: TrafficClass.TRAFFIC_CLASS_BULK, durable: true, captureTimeNs: 0, payload: { ecgChunk: { data: new Uint8Array(bytes) } } }, 0);
}

// Written against the interface so the SQLite outbox can run the same suite later.
function outboxSuite(name: string, make: (maxBytes: number) => Outbox): void {
  describe(name, () => {
    it('appends, lists pending after a seq, and acks cumulatively', () => {
      const box = make(1 << 20);
      const frames = [durable('a'), durable('a'), durable('a'), durable('b')];
      for (const f of frames) expect(box.append(f)).toBe(f.seq);
      expect(box.frames).toBe(4);
      expect(box.bytes).toBe(frames.reduce((n, f) => n + f.size, 0));
      const a = frames.slice(0, 3).map((f) => f.seq);
      expect(box.pending('a', 0).map((f) => f.seq)).toEqual(a);
      expect(box.pending('a', a[0] ?? 0).map((f) => f.seq)).toEqual(a.slice(1));
      expect(box.ack('a', a[1] ?? 0)).toBe(2);
      expect(box.pending('a', 0).map((f) => f.seq)).toEqual(a.slice(2));
      expect(box.ack('a', a[1] ?? 0)).toBe(0); // a repeated ack is harmless
      expect([...box.streams()].sort()).toEqual(['a', 'b']);
      expect(box.highestSeq('a')).toBe(a[2]);
    });

    it('throws TM_ERR_OUTBOX_FULL at the byte cap and keeps what it has', () => {
      const first = durable('c', 400);
      const box = make(first.size + 10);
      box.append(first);
      let caught: unknown;
      try {
        box.append(durable('c', 400));
      } catch (err) {
        caught = err;
      }
      expect(isTelemedError(caught) && caught.code).toBe('TM_ERR_OUTBOX_FULL');
      expect(box.frames).toBe(1);
      box.ack('c', first.seq);
      expect(box.bytes).toBe(0);
      expect(() => box.append(durable('c', 400))).not.toThrow();
    });
  });
}

outboxSuite('MemoryOutbox', (maxBytes) => new MemoryOutbox(maxBytes));

// One suite for every Outbox implementation (STYLE.md: like MQTT.js abstract_store). Each test
// file calls outboxConformance() with a factory; persistent stores also pass `reopen`.
import { afterEach, describe, expect, it } from 'vitest';
import { CLASS_DEFAULTS, TrafficClass, encodeEnvelope, isTelemedError } from '../../protocols/index.js';
import type { Outbox, RetentionOptions } from './outbox.js';
import { StreamSequencer, encodeForSend, type OutFrame } from './streams.js';

export interface OutboxFactory {
  /** A fresh, empty outbox; `retention` as given (default none). */
  make(maxBytes: number, retention?: RetentionOptions): Outbox;
  /** Closes `box` and opens the same store again, as a restarted process would. */
  reopen?: (box: Outbox, maxBytes: number, retention?: RetentionOptions) => Outbox;
}

function frames(): (stream: string, bytes?: number, cls?: TrafficClass) => OutFrame {
  const seqr = new StreamSequencer('g', (c) => CLASS_DEFAULTS[c].budgetMs);
  return (stream, bytes = 100, cls = TrafficClass.TRAFFIC_CLASS_BULK) =>
    seqr.build({ streamId: stream, trafficClass: cls, durable: true, captureTimeNs: 1_700_000_000_000_000_000, payload: { ecgChunk: { data: new Uint8Array(bytes).fill(7) } } }, 0);
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isTelemedError(err) ? err.code : String(err);
  }
  return undefined;
}

const seqs = (fs: readonly OutFrame[]): number[] => fs.map((f) => f.seq);

export function outboxConformance(name: string, factory: OutboxFactory): void {
  describe(`${name} (Outbox conformance)`, () => {
    const open: Outbox[] = [];
    const make = (maxBytes: number, retention?: RetentionOptions): Outbox => {
      const b = factory.make(maxBytes, retention);
      open.push(b);
      return b;
    };
    /** Retention with a wall clock the test moves: `clock.now` ms. */
    const retained = (retainAckedMs: number, retainAckedBytes: number) => {
      const clock = { now: 1_700_000_000_000 };
      return { clock, retention: { retainAckedMs, retainAckedBytes, nowMs: () => clock.now } };
    };
    afterEach(() => {
      for (const b of open.splice(0)) b.close();
    });

    it('appends, lists pending after a seq in batches, and acks cumulatively', () => {
      const durable = frames();
      const box = make(1 << 20);
      const fs = [durable('a'), durable('a'), durable('a'), durable('b')];
      for (const f of fs) expect(box.append(f)).toBe(f.seq);
      expect(box.frames).toBe(4);
      expect(box.bytes).toBe(fs.reduce((n, f) => n + f.size, 0));
      expect(seqs(box.pendingBatch('a', 0, 100))).toEqual([1, 2, 3]);
      expect(seqs(box.pendingBatch('a', 1, 100))).toEqual([2, 3]);
      expect(seqs(box.pendingBatch('a', 0, 2))).toEqual([1, 2]);
      expect(seqs(box.pendingBatch('a', 2, 2))).toEqual([3]);
      expect(box.pendingBatch('a', 0, 0)).toEqual([]);
      expect(box.pendingBatch('nope', 0, 10)).toEqual([]);
      expect(box.ack('a', 2)).toBe(2);
      expect(seqs(box.pendingBatch('a', 0, 100))).toEqual([3]);
      expect(box.ack('a', 2)).toBe(0); // a repeated ack is harmless
      expect(box.ack('a', 1)).toBe(0); // so is an older one
      expect([...box.streams()].sort()).toEqual(['a', 'b']);
      expect(box.highestSeq('a')).toBe(3);
      expect(box.highestSeq('b')).toBe(1);
      expect(box.highestSeq('nope')).toBe(0);
    });

    it('hands back frames that encode to the same bytes, with class, budget and size intact', () => {
      const durable = frames();
      const box = make(1 << 20);
      const f = durable('v', 300, TrafficClass.TRAFFIC_CLASS_VITALS);
      box.append(f);
      const [back] = box.pendingBatch('v', 0, 1);
      expect(back).toBeDefined();
      if (!back) return;
      expect({ ...back, env: undefined, deadlineMs: 0 }).toEqual({ ...f, env: undefined, deadlineMs: 0 });
      expect(Math.abs(back.deadlineMs - f.deadlineMs)).toBeLessThan(50);
      expect(encodeForSend(back, 42)).toEqual(encodeForSend(f, 42));
      expect(encodeEnvelope(back.env).length).toBe(f.size);
    });

    it('keeps the high-water mark after everything is acked, and refuses a seq not after it', () => {
      const durable = frames();
      const box = make(1 << 20);
      const a1 = durable('a');
      const a2 = durable('a');
      box.append(a1);
      box.append(a2);
      expect(box.ack('a', 99)).toBe(2);
      expect(box.frames).toBe(0);
      expect(box.bytes).toBe(0);
      expect(box.streams()).toEqual([]);
      expect(box.highestSeq('a')).toBe(2);
      expect(() => box.append(a1)).toThrow(RangeError);
      expect(box.frames).toBe(0);
    });

    it('throws TM_ERR_OUTBOX_FULL at the byte cap, keeps what it has, and takes more after an ack', () => {
      const durable = frames();
      const first = durable('c', 400);
      const box = make(first.size + 10);
      box.append(first);
      const second = durable('c', 400);
      expect(codeOf(() => box.append(second))).toBe('TM_ERR_OUTBOX_FULL');
      expect(box.frames).toBe(1);
      expect(box.highestSeq('c')).toBe(1); // the refused frame did not move the mark
      box.ack('c', first.seq);
      expect(box.bytes).toBe(0);
      expect(() => box.append(second)).not.toThrow();
    });

    it('appends a batch all or nothing', () => {
      const durable = frames();
      const batch = [durable('x', 200), durable('y', 200), durable('x', 200)];
      const box = make(batch.reduce((n, f) => n + f.size, 0) - 1);
      expect(codeOf(() => box.appendBatch(batch))).toBe('TM_ERR_OUTBOX_FULL');
      expect(box.frames).toBe(0);
      expect(box.highestSeq('x')).toBe(0);
      const roomy = make(1 << 20);
      roomy.appendBatch(batch);
      expect(roomy.frames).toBe(3);
      expect(seqs(roomy.pendingBatch('x', 0, 10))).toEqual([1, 2]);
      expect(roomy.highestSeq('y')).toBe(1);
      // Out of order inside a batch is refused before anything is written.
      const d2 = frames();
      const a1 = d2('z');
      const a2 = d2('z');
      expect(() => roomy.appendBatch([a2, a1])).toThrow(RangeError);
      expect(roomy.frames).toBe(3);
    });

    it('reads a long stream in bounded batches, in order, without gaps', () => {
      const durable = frames();
      const box = make(64 << 20);
      const n = 2500;
      const all: OutFrame[] = [];
      for (let i = 0; i < n; i++) all.push(durable('long', 16));
      for (let i = 0; i < n; i += 500) box.appendBatch(all.slice(i, i + 500));
      const got: number[] = [];
      let after = 0;
      for (;;) {
        const b = box.pendingBatch('long', after, 256);
        expect(b.length).toBeLessThanOrEqual(256);
        if (b.length === 0) break;
        got.push(...seqs(b));
        after = b.at(-1)?.seq ?? after;
      }
      expect(got).toEqual(all.map((f) => f.seq));
    });

    it('keeps downlink high-water marks per hub stream, apart from the uplink streams', () => {
      const box = make(1 << 20);
      expect(box.downlinkHigh('ecg-diagnosis')).toBe(0);
      box.setDownlinkHigh('ecg-diagnosis', 3);
      box.setDownlinkHigh('ecg-status', 1);
      expect([box.downlinkHigh('ecg-diagnosis'), box.downlinkHigh('ecg-status'), box.highestSeq('ecg-diagnosis')]).toEqual([3, 1, 0]);
      if (factory.reopen) {
        const again = factory.reopen(box, 1 << 20);
        open.push(again);
        expect([again.downlinkHigh('ecg-diagnosis'), again.downlinkHigh('ecg-status')]).toEqual([3, 1]);
      }
    });

    it('stores the hub downlink epoch and clears the marks only when told to', () => {
      const box = make(1 << 20);
      expect(box.downlinkEpoch()).toBe('');
      box.setDownlinkHigh('ecg-diagnosis', 3);
      box.setDownlinkEpoch('e1', false);
      expect([box.downlinkEpoch(), box.downlinkHigh('ecg-diagnosis')]).toEqual(['e1', 3]);
      box.setDownlinkHigh('ecg-status', 2);
      box.setDownlinkEpoch('e2', true);
      expect([box.downlinkEpoch(), box.downlinkHigh('ecg-diagnosis'), box.downlinkHigh('ecg-status')]).toEqual(['e2', 0, 0]);
      box.setDownlinkHigh('ecg-diagnosis', 1);
      if (factory.reopen) {
        const again = factory.reopen(box, 1 << 20);
        open.push(again);
        expect([again.downlinkEpoch(), again.downlinkHigh('ecg-diagnosis'), again.downlinkHigh('ecg-status')]).toEqual(['e2', 1, 0]);
      }
    });

    it('without retention an ack deletes: nothing retained, resendable only after the ack', () => {
      const durable = frames();
      const box = make(1 << 20);
      box.appendBatch([durable('a'), durable('a'), durable('a')]);
      box.ack('a', 2);
      expect([box.retainedFrames, box.retainedBytes, box.ackedSeq('a')]).toEqual([0, 0, 2]);
      expect([...box.hubAcked()]).toEqual([['a', 2]]);
      expect([...box.hubRetained()]).toEqual([['a', 3]]);
      expect(box.requeue('a', 0)).toEqual({ resent: 0, resentBytes: 0, missing: [1, 2] });
      expect(seqs(box.pendingBatch('a', 0, 10))).toEqual([3]);
    });

    it('retains acked frames outside the byte cap and requeues them, same seqs and bytes, after a hub rollback', () => {
      const durable = frames();
      const { retention } = retained(60_000, 1 << 20);
      const fs = Array.from({ length: 5 }, () => durable('a', 200));
      const cap = fs.reduce((n, f) => n + f.size, 0);
      const box = make(cap, retention);
      box.appendBatch(fs);
      expect(box.ack('a', 5)).toBe(5);
      expect([box.frames, box.bytes, box.retainedFrames, box.retainedBytes]).toEqual([0, 0, 5, cap]);
      expect(box.pendingBatch('a', 0, 10)).toEqual([]);
      expect(box.streams()).toEqual([]);
      // Retained bytes never make the outbox refuse: a full cap of new frames still fits.
      const more = Array.from({ length: 5 }, () => durable('a', 200));
      box.appendBatch(more);
      expect([...box.hubAcked()]).toEqual([['a', 5]]);
      expect([...box.hubRetained()]).toEqual([['a', 1]]);
      // The hub came back with seqs 1..2 only.
      expect(box.requeue('a', 2)).toEqual({ resent: 3, resentBytes: (fs[2]?.size ?? 0) * 3, missing: null });
      expect(box.ackedSeq('a')).toBe(2);
      const again = box.pendingBatch('a', 0, 100);
      expect(seqs(again)).toEqual([3, 4, 5, 6, 7, 8, 9, 10]);
      expect(encodeForSend(again[0] as OutFrame, 7)).toEqual(encodeForSend(fs[2] as OutFrame, 7));
      expect([box.frames, box.retainedFrames]).toEqual([8, 2]);
      expect(box.requeue('a', 2)).toEqual({ resent: 0, resentBytes: 0, missing: null }); // not below the ack
      expect(box.ack('a', 10)).toBe(8);
      expect([box.frames, box.bytes, box.retainedFrames]).toEqual([0, 0, 10]);
    });

    it('prunes by age in bounded batches; a rollback below the pruned range is reported missing', () => {
      const durable = frames();
      const { clock, retention } = retained(60_000, 1 << 20);
      const box = make(1 << 20, retention);
      box.appendBatch(Array.from({ length: 6 }, () => durable('a')));
      box.ack('a', 3);
      clock.now += 30_000;
      box.ack('a', 6);
      expect(box.pruneRetained()).toBe(0); // nothing past the window yet
      clock.now += 31_000; // the first ack is 61 s old, the second 31 s
      expect(box.pruneRetained(2)).toBe(2);
      expect(box.pruneRetained(10)).toBe(1);
      expect(box.pruneRetained(10)).toBe(0);
      expect([box.retainedFrames, ...box.hubRetained()]).toEqual([3, ['a', 4]]);
      expect(box.requeue('a', 1)).toMatchObject({ resent: 3, missing: [2, 3] });
      expect(seqs(box.pendingBatch('a', 0, 10))).toEqual([4, 5, 6]);
      box.ack('a', 6);
      clock.now += 61_000;
      expect(box.pruneRetained()).toBe(3);
      expect([box.retainedFrames, box.retainedBytes]).toEqual([0, 0]);
    });

    it('caps retained bytes: the earliest acked go first, across streams', () => {
      const durable = frames();
      const one = frames()('a', 100).size;
      const { clock, retention } = retained(3_600_000, 3 * one + 10);
      const box = make(1 << 20, retention);
      box.appendBatch([durable('a', 100), durable('a', 100), durable('b', 100), durable('b', 100), durable('b', 100)]);
      box.ack('a', 2);
      clock.now += 5_000;
      box.ack('b', 3);
      expect(box.retainedBytes).toBe(5 * one);
      box.pruneRetained();
      expect(box.retainedBytes).toBeLessThanOrEqual(3 * one + 10);
      expect([...box.hubRetained()].sort()).toEqual([['a', 3], ['b', 1]]);
    });

    it('an ack past every seq it numbered keeps nothing of that stream (never claims a frame it cannot send)', () => {
      const durable = frames();
      const { retention } = retained(60_000, 1 << 20);
      const box = make(1 << 20, retention);
      box.appendBatch([durable('a'), durable('a')]);
      box.ack('a', 1);
      expect(box.retainedFrames).toBe(1);
      box.ack('a', 9);
      expect([box.retainedFrames, box.retainedBytes, box.frames]).toEqual([0, 0, 0]);
      expect([...box.hubRetained()]).toEqual([['a', 10]]);
      expect(box.requeue('a', 0)).toEqual({ resent: 0, resentBytes: 0, missing: [1, 9] });
    });

    if (factory.reopen) {
      const reopen = factory.reopen;
      it('keeps retained frames, the ack watermark and ack times across a restart', () => {
        const durable = frames();
        const { clock, retention } = retained(60_000, 1 << 20);
        const box = make(1 << 20, retention);
        box.appendBatch([durable('a'), durable('a'), durable('a'), durable('a')]);
        box.ack('a', 2);
        clock.now += 30_000;
        box.ack('a', 3);
        const [bytes, retainedBytes] = [box.bytes, box.retainedBytes];
        const again = reopen(box, 1 << 20, retention);
        open.push(again);
        expect([again.frames, again.retainedFrames, again.ackedSeq('a')]).toEqual([1, 3, 3]);
        expect([again.bytes, again.retainedBytes]).toEqual([bytes, retainedBytes]);
        expect(seqs(again.pendingBatch('a', 0, 10))).toEqual([4]);
        expect([...again.hubAcked()]).toEqual([['a', 3]]);
        expect([...again.hubRetained()]).toEqual([['a', 1]]);
        clock.now += 31_000;
        expect(again.pruneRetained()).toBe(2); // the first ack's frames are past the window
        expect(again.requeue('a', 0)).toMatchObject({ resent: 1, missing: [1, 2] });
        expect(seqs(again.pendingBatch('a', 0, 10))).toEqual([3, 4]);
        const third = reopen(again, 1 << 20, retention);
        open.push(third);
        expect([third.frames, third.retainedFrames, third.ackedSeq('a')]).toEqual([2, 0, 2]);
      });

      it('survives a restart: frames, bytes, streams and high-water marks', () => {
        const durable = frames();
        const box = make(1 << 20);
        const fs = [durable('a'), durable('a'), durable('a'), durable('b', 500)];
        box.appendBatch(fs);
        box.ack('a', 1);
        const bytes = box.bytes;
        const again = reopen(box, 1 << 20);
        open.push(again);
        expect(again.persistent).toBe(true);
        expect(again.frames).toBe(3);
        expect(again.bytes).toBe(bytes);
        expect([...again.streams()].sort()).toEqual(['a', 'b']);
        expect(seqs(again.pendingBatch('a', 0, 10))).toEqual([2, 3]);
        expect(again.highestSeq('a')).toBe(3);
        again.ack('b', 1);
        expect(again.highestSeq('b')).toBe(1); // numbering continues after a full drain too
        const third = reopen(again, 1 << 20);
        open.push(third);
        expect(third.highestSeq('b')).toBe(1);
        expect(third.streams()).toEqual(['a']);
      });
    }
  });
}

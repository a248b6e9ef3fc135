import { describe, expect, it } from 'vitest';
import { TrafficClass } from '../../protocols/index.js';
import { GroupCommit } from './group-commit.js';
import { ManualTimers } from './manual-timers.js';
import type { BuildFrameInput, OutFrame } from './streams.js';

const input = (n: number): BuildFrameInput => ({ streamId: 's', trafficClass: TrafficClass.TRAFFIC_CLASS_VITALS, durable: true, captureTimeNs: n, payload: {} });
const asFrame = (i: BuildFrameInput, seq: number): OutFrame => ({ streamId: i.streamId, seq } as OutFrame);

describe('GroupCommit', () => {
  it('commits what arrives within the window in one batch, and settles each caller only after it', async () => {
    const timers = new ManualTimers();
    const batches: number[] = [];
    let seq = 0;
    const gc = new GroupCommit({ windowMs: 5, timers }, (inputs) => {
      batches.push(inputs.length);
      return inputs.map((i) => asFrame(i, ++seq));
    });
    let settled = 0;
    const ps = [1, 2, 3].map((n) => gc.submit(input(n)).then((f) => { settled++; return f.seq; }));
    timers.advance(4);
    await Promise.resolve();
    expect(batches).toEqual([]);
    expect(settled).toBe(0);
    timers.advance(1);
    expect(await Promise.all(ps)).toEqual([1, 2, 3]);
    expect(batches).toEqual([3]);
    expect(gc.pending).toBe(0);
  });

  it('commits at once at maxFrames, and each reading alone when the window is 0', async () => {
    const timers = new ManualTimers();
    const batches: number[] = [];
    const gc = new GroupCommit({ windowMs: 5, maxFrames: 2, timers }, (inputs) => { batches.push(inputs.length); return inputs.map((i) => asFrame(i, 1)); });
    await Promise.all([gc.submit(input(1)), gc.submit(input(2))]);
    expect(batches).toEqual([2]);
    const zero = new GroupCommit({ windowMs: 0, timers }, (inputs) => { batches.push(inputs.length); return inputs.map((i) => asFrame(i, 1)); });
    await zero.submit(input(3));
    expect(batches).toEqual([2, 1]);
    expect(timers.size).toBe(0);
  });

  it('rejects refused readings one by one, everything when the commit throws, and past maxWaiting', async () => {
    const timers = new ManualTimers();
    let fail = false;
    const gc = new GroupCommit({ windowMs: 5, maxWaiting: 2, timers }, (inputs) => {
      if (fail) throw new Error('disk gone');
      return inputs.map((i, k) => (k === 1 ? new Error('refused') : asFrame(i, k + 1)));
    });
    const a = gc.submit(input(1));
    const b = gc.submit(input(2));
    await expect(gc.submit(input(3))).rejects.toMatchObject({ code: 'TM_ERR_OUTBOX_FULL' });
    gc.flush();
    await expect(a).resolves.toMatchObject({ seq: 1 });
    await expect(b).rejects.toThrow('refused');
    fail = true;
    const c = gc.submit(input(4));
    timers.advance(5);
    await expect(c).rejects.toThrow('disk gone');
  });
});

import { describe, expect, it } from 'vitest';
import { VideoErrorCode } from './errors.js';
import { JpegSizeModel, VIDEO_LADDER, chooseLevel, jpegTableScale, resolveAdapt } from './adapt.js';

const PIX = 256 * 256;

describe('video adaptation', () => {
  it('libjpeg table scale: 50 → 100 %, 75 → 50 %, 25 → 200 %', () => {
    expect([jpegTableScale(50), jpegTableScale(75), jpegTableScale(25)]).toEqual([100, 50, 200]);
  });

  it('lower measured bandwidth never gives higher quality or fps; the extremes are the ends of the ladder', () => {
    const a = resolveAdapt();
    const model = new JpegSizeModel();
    let prev = { quality: 101, fps: 61 };
    for (const rate of [100e6, 20e6, 8e6, 4e6, 2e6, 1e6, 500e3, 250e3, 120e3, 60e3, 10e3]) {
      // From the worst rung, only the rate decides (no hysteresis in the way).
      const l = VIDEO_LADDER[chooseLevel(a, VIDEO_LADDER.length - 1, rate, model, PIX)];
      expect(l).toBeDefined();
      if (!l) continue;
      expect(l.quality).toBeLessThanOrEqual(prev.quality);
      expect(l.fps).toBeLessThanOrEqual(prev.fps);
      // The rung's expected rate fits the share (except the last rung, taken when nothing fits).
      if (l !== VIDEO_LADDER.at(-1)) expect(model.bytes(PIX, l.quality) * 8 * l.fps).toBeLessThanOrEqual(0.5 * rate);
      prev = l;
    }
    expect(chooseLevel(a, 8, 100e6, model, PIX)).toBe(0);
    expect(chooseLevel(a, 0, 10e3, model, PIX)).toBe(VIDEO_LADDER.length - 1);
  });

  it('steps down at once, steps up only with headroom, and keeps its rung without an estimate', () => {
    const a = resolveAdapt();
    const model = new JpegSizeModel();
    const need = (i: number): number => { const l = VIDEO_LADDER[i]; return l ? model.bytes(PIX, l.quality) * 8 * l.fps : 0; };
    // Just enough for rung 3 (share 0.5): from rung 5 it does NOT go up to 3 (needs 25 % more)…
    const justRung3 = (need(3) / 0.5) * 1.01;
    expect(chooseLevel(a, 5, justRung3, model, PIX)).toBe(4);
    // …but at rung 3 it stays there.
    expect(chooseLevel(a, 3, justRung3, model, PIX)).toBe(3);
    expect(chooseLevel(a, 3, (need(3) / 0.5) * 0.99, model, PIX)).toBe(4);
    expect(chooseLevel(a, 3, undefined, model, PIX)).toBe(3);
    expect(chooseLevel(a, 3, 0, model, PIX)).toBe(3);
  });

  it('the size model learns the content: smaller frames than the prior allow a better rung', () => {
    const a = resolveAdapt();
    const model = new JpegSizeModel();
    const before = chooseLevel(a, 8, 1e6, model, PIX);
    // Dark, low-detail frames: a fifth of the prior's size, seen for a while.
    for (let i = 0; i < 40; i++) model.observe(PIX, 45, model.bytes(PIX, 45) / 5);
    expect(chooseLevel(a, 8, 1e6, model, PIX)).toBeLessThan(before);
  });

  it('bad options are one coded error listing every problem', () => {
    let err: unknown;
    try { resolveAdapt({ share: 0, upHeadroom: 0.5, startIndex: 99 }); } catch (e) { err = e; }
    expect(err).toMatchObject({ code: VideoErrorCode.CONFIG });
    expect(String((err as Error).message)).toMatch(/share.*upHeadroom.*startIndex/);
  });
});

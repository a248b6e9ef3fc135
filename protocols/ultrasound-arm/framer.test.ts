import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { arbAnyArmMessage } from './arbitraries.js';
import { encodeArmFrame } from './codec.js';
import { ArmFrameDecoder } from './framer.js';
import type { ArmFrame } from './messages.js';

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const pts = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of [...pts, bytes.length]) { out.push(bytes.subarray(prev, p)); prev = p; }
  return out;
}

function run(chunks: Uint8Array[], maxStuffedBytes?: number): { frames: ArmFrame[]; d: ArmFrameDecoder } {
  const frames: ArmFrame[] = [];
  const d = new ArmFrameDecoder({ onFrame: (f) => frames.push(f), ...(maxStuffedBytes ? { maxStuffedBytes } : {}) });
  for (const c of chunks) d.push(c);
  return { frames, d };
}

describe('ArmFrameDecoder (fuzz)', () => {
  it('never throws on random bytes in random pieces; every rejection has a TM_ERR_ARMWIRE_ code', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4000 }), fc.array(fc.nat(), { maxLength: 30 }), (bytes, cuts) => {
        const { d } = run(split(bytes, cuts), 300);
        for (const code of Object.keys(d.stats.errors)) expect(code).toMatch(/^TM_ERR_ARMWIRE_/);
        expect(d.stats.bytes).toBe(bytes.length);
      }),
      { numRuns: 500 },
    );
  });

  it('decodes every good frame whatever corrupt frames and junk sit between, wherever the stream is cut', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(arbAnyArmMessage, fc.uint8Array({ maxLength: 40 }), fc.option(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })))), { minLength: 1, maxLength: 15 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        (items, cuts) => {
          const parts: Uint8Array[] = [];
          items.forEach(([m, junk, flip], i) => {
            const good = encodeArmFrame(i, m);
            if (flip !== null) {
              // A copy with one byte changed (never into a delimiter), closed by its own 0x00.
              const bad = good.slice();
              const at = flip[0] % (bad.length - 1);
              const v = bad[at]! ^ flip[1];
              if (v !== 0) { bad[at] = v; parts.push(bad); }
            }
            parts.push(junk, Uint8Array.of(0), good);
          });
          const { frames } = run(split(concat(parts), cuts));
          const good = frames.filter((f) => f.seq < items.length && JSON.stringify(f.message) === JSON.stringify(items[f.seq]![0]));
          expect(new Set(good.map((f) => f.seq)).size).toBe(items.length);
          // Anything else decoded can only have come out of random junk (a CRC-valid accident), never from a corrupted copy.
          expect(frames.filter((f) => !good.includes(f)).length).toBeLessThanOrEqual(items.reduce((n, [, junk]) => n + (junk.length > 0 ? 1 : 0), 0));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('counts an over-long frame once, resyncs at the next delimiter and decodes the frame after it', () => {
    const after = encodeArmFrame(9, { type: 'Hold' });
    const { frames, d } = run([new Uint8Array(400).fill(0x41), new Uint8Array(400).fill(0x41), Uint8Array.of(0), after], 256);
    expect(d.stats.errors).toEqual({ TM_ERR_ARMWIRE_OVERFLOW: 1 });
    expect(frames.map((f) => f.seq)).toEqual([9]);
  });

  it('counts a bad CRC and a bad COBS block under their codes', () => {
    const hb = encodeArmFrame(1, { type: 'Heartbeat' });
    const badCrc = hb.slice();
    badCrc[2]! ^= 1;
    const { frames, d } = run([badCrc, Uint8Array.of(0x09, 0x41, 0x00), hb]);
    expect(d.stats.errors).toEqual({ TM_ERR_ARMWIRE_BAD_CRC: 1, TM_ERR_ARMWIRE_BAD_COBS: 1 });
    expect(frames).toHaveLength(1);
  });
});

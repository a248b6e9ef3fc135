import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encodeFrame } from './codec.js';
import { CartFramer, FrameDecoder } from './framer.js';
import type { CartMessage, Frame } from './messages.js';

const arbMessage: fc.Arbitrary<CartMessage> = fc.oneof(
  fc.record({ type: fc.constant('Heartbeat' as const), uptimeMs: fc.nat() }),
  fc.record({ type: fc.constant('LeadOff' as const), bitmap: fc.nat({ max: 0x3ffff }) }),
  fc.record({ type: fc.constant('Error' as const), code: fc.nat({ max: 0xffff }), text: fc.string({ maxLength: 20 }) }),
  fc
    .tuple(fc.nat(), fc.integer({ min: 1, max: 18 }), fc.integer({ min: 1, max: 25 }), fc.integer())
    .map(([first, leads, n, seed]) => ({
      type: 'SampleBlock' as const,
      firstSampleIndex: first,
      leadCount: leads,
      samplesPerLead: n,
      // Plenty of zero bytes so that COBS has work to do.
      samples: Int16Array.from({ length: leads * n }, (_, i) => (i % 3 === 0 ? 0 : (seed * (i + 1)) % 32768)),
    })),
);

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const pts = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of [...pts, bytes.length]) { out.push(bytes.subarray(prev, p)); prev = p; }
  return out;
}

function decodeAll(chunks: Uint8Array[], maxStuffedBytes?: number): { frames: Frame[]; decoder: FrameDecoder } {
  const frames: Frame[] = [];
  const decoder = new FrameDecoder({ onFrame: (f) => frames.push(f), ...(maxStuffedBytes ? { maxStuffedBytes } : {}) });
  for (const c of chunks) decoder.push(c);
  return { frames, decoder };
}

describe('FrameDecoder', () => {
  it('never throws on random bytes in random pieces and counts every rejection under a TM_ERR_CART_ code', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.array(fc.nat(), { maxLength: 20 }), (bytes, cuts) => {
        const { decoder } = decodeAll(splitAt(bytes, cuts), 512);
        for (const code of Object.keys(decoder.stats.errors)) expect(code).toMatch(/^TM_ERR_CART_/);
        expect(decoder.stats.bytes).toBe(bytes.length);
      }),
      { numRuns: 500 },
    );
  });

  it('decodes every good frame whatever garbage sits between them and wherever the stream is cut', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(arbMessage, fc.uint8Array({ maxLength: 40 }), fc.boolean()), { minLength: 1, maxLength: 15 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        (items, cuts) => {
          const parts: Uint8Array[] = [];
          items.forEach(([m, junk, corruptCopy], i) => {
            const good = encodeFrame(i, m);
            if (corruptCopy && good.length > 3) {
              // A corrupted copy of the frame, terminated, ahead of the good one.
              const bad = good.slice();
              bad[Math.floor(bad.length / 2)]! ^= 0x5a;
              bad[bad.length - 1] = 0;
              parts.push(bad);
            }
            // Junk is closed by a delimiter: a receiver can only resync at 0x00.
            parts.push(junk, Uint8Array.of(0), good);
          });
          const { frames } = decodeAll(splitAt(concat(parts), cuts));
          const good = frames.filter((f) => f.seq < items.length && JSON.stringify(f.message) === JSON.stringify(items[f.seq]![0]));
          expect(new Set(good.map((f) => f.seq)).size).toBe(items.length);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('counts an over-long frame once, resyncs at the next delimiter and decodes the frame after it', () => {
    const after = encodeFrame(9, { type: 'Heartbeat', uptimeMs: 5 });
    const { frames, decoder } = decodeAll([new Uint8Array(300).fill(0x41), new Uint8Array(300).fill(0x41), Uint8Array.of(0), after], 256);
    expect(decoder.stats.errors).toEqual({ TM_ERR_CART_OVERFLOW: 1 });
    expect(frames.map((f) => f.seq)).toEqual([9]);
  });

  it('counts a bad CRC and a bad COBS block', () => {
    const hb = encodeFrame(1, { type: 'Heartbeat', uptimeMs: 5 });
    const badCrc = hb.slice();
    badCrc[2]! ^= 1;
    const badCobs = Uint8Array.of(0x09, 0x41, 0x00);
    const { frames, decoder } = decodeAll([badCrc, badCobs, hb]);
    expect(decoder.stats.errors).toEqual({ TM_ERR_CART_BAD_CRC: 1, TM_ERR_CART_BAD_COBS: 1 });
    expect(frames).toHaveLength(1);
  });
});

describe('CartFramer (Transform)', () => {
  it('emits frames as objects from byte chunks', async () => {
    const framer = new CartFramer();
    const out: Frame[] = [];
    framer.on('data', (f: Frame) => out.push(f));
    const wire = concat([encodeFrame(1, { type: 'Heartbeat', uptimeMs: 1 }), Uint8Array.of(1, 2, 3, 0), encodeFrame(2, { type: 'LeadOff', bitmap: 3 })]);
    for (const part of splitAt(wire, [1, 5, 9, 13])) framer.write(part);
    framer.end();
    await new Promise((r) => framer.on('end', r));
    expect(out.map((f) => f.seq)).toEqual([1, 2]);
    expect(framer.stats.frames).toBe(2);
    expect(Object.values(framer.stats.errors).reduce((a, b) => a + b, 0)).toBe(1);
  });
});

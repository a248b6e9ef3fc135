import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encodeFrame as encodeCartFrame } from '../ecg-cart/codec.js';
import { crc16CcittFalse } from '../ecg-cart/crc16.js';
import { arbAnyArmMessage } from './arbitraries.js';
import { decodeArmFrame, decodeArmRaw, encodeArmFrame, encodeArmRaw } from './codec.js';

describe('arm codec', () => {
  it('round-trips every message (float32 values) and never puts 0x00 inside a frame', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), arbAnyArmMessage, (seq, m) => {
        const wire = encodeArmFrame(seq, m);
        expect(wire.indexOf(0)).toBe(wire.length - 1);
        const f = decodeArmFrame(wire.subarray(0, wire.length - 1));
        expect(f.seq).toBe(seq);
        expect(f.message).toEqual(m);
      }),
      { numRuns: 1000 },
    );
  });

  it('lays out a Hold frame as SPEC.md §2 says: a1 84 seq(LE) crc(BE)', () => {
    const raw = encodeArmRaw(0x1234, { type: 'Hold' });
    const crc = crc16CcittFalse(Uint8Array.of(0xa1, 0x84, 0x34, 0x12));
    expect([...raw]).toEqual([0xa1, 0x84, 0x34, 0x12, crc >> 8, crc & 0xff]);
  });

  it('rejects a cart frame on the arm port, a bad CRC, NaN, truncation and trailing bytes with coded errors', () => {
    const cart = encodeCartFrame(1, { type: 'Heartbeat', uptimeMs: 5 });
    expect(() => decodeArmFrame(cart.subarray(0, cart.length - 1))).toThrow(expect.objectContaining({ code: 'TM_ERR_ARMWIRE_BAD_VERSION' }) as Error);
    const raw = encodeArmRaw(1, { type: 'Home', speedMmS: 10, accelMmS2: 100 });
    const flipped = raw.slice(); flipped[5]! ^= 1;
    expect(() => decodeArmRaw(flipped)).toThrow(expect.objectContaining({ code: 'TM_ERR_ARMWIRE_BAD_CRC' }) as Error);
    const withCrc = (body: number[]): Uint8Array => { const c = crc16CcittFalse(Uint8Array.from(body)); return Uint8Array.from([...body, c >> 8, c & 0xff]); };
    const nan = [0xa1, 0x85, 0, 0, 0, 0, 0xc0, 0x7f, 0, 0, 0x20, 0x41];
    expect(() => decodeArmRaw(withCrc(nan))).toThrow(expect.objectContaining({ code: 'TM_ERR_ARMWIRE_BAD_MESSAGE' }) as Error);
    expect(() => decodeArmRaw(withCrc([0xa1, 0x85, 0, 0, 1, 2]))).toThrow(expect.objectContaining({ code: 'TM_ERR_ARMWIRE_BAD_MESSAGE' }) as Error);
    expect(() => decodeArmRaw(withCrc([0xa1, 0x84, 0, 0, 9]))).toThrow(expect.objectContaining({ code: 'TM_ERR_ARMWIRE_BAD_MESSAGE' }) as Error);
    expect(() => decodeArmRaw(withCrc([0xa1, 0x7e, 0, 0]))).toThrow(expect.objectContaining({ code: 'TM_ERR_ARMWIRE_UNKNOWN_TYPE' }) as Error);
    expect(() => decodeArmRaw(Uint8Array.of(0xa1, 0x84, 0))).toThrow(expect.objectContaining({ code: 'TM_ERR_ARMWIRE_SHORT' }) as Error);
  });

  it('refuses to encode NaN and over-long strings', () => {
    expect(() => encodeArmRaw(1, { type: 'Home', speedMmS: Number.NaN, accelMmS2: 1 })).toThrow(expect.objectContaining({ code: 'TM_ERR_ARMWIRE_ENCODE' }) as Error);
    expect(() => encodeArmRaw(1, { type: 'Fault', code: 1, text: 'x'.repeat(65) })).toThrow(expect.objectContaining({ code: 'TM_ERR_ARMWIRE_ENCODE' }) as Error);
  });
});

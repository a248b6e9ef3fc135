import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { cobsDecode, cobsEncode, cobsMaxEncodedLength } from './cobs.js';
import { crc16CcittFalse } from './crc16.js';

describe('CRC-16/CCITT-FALSE', () => {
  it('matches the catalogue check value for "123456789"', () => {
    expect(crc16CcittFalse(new TextEncoder().encode('123456789'))).toBe(0x29b1);
  });
  it('is 0xffff (the init value) for no bytes', () => {
    expect(crc16CcittFalse(new Uint8Array(0))).toBe(0xffff);
  });
});

describe('COBS', () => {
  // Vectors from the COBS paper / Wikipedia examples.
  const vectors: [number[], number[]][] = [
    [[0x00], [0x01, 0x01]],
    [[0x00, 0x00], [0x01, 0x01, 0x01]],
    [[0x11, 0x22, 0x00, 0x33], [0x03, 0x11, 0x22, 0x02, 0x33]],
    [[0x11, 0x00, 0x00, 0x00], [0x02, 0x11, 0x01, 0x01, 0x01]],
  ];
  it.each(vectors)('encodes %j', (raw, stuffed) => {
    expect([...cobsEncode(Uint8Array.from(raw))]).toEqual(stuffed);
    expect([...cobsDecode(Uint8Array.from(stuffed))]).toEqual(raw);
  });
  it('handles 254 and 255 non-zero bytes (block boundary)', () => {
    for (const n of [253, 254, 255, 508, 509]) {
      const raw = Uint8Array.from({ length: n }, (_, i) => (i % 255) + 1);
      const st = cobsEncode(raw);
      expect(st.includes(0)).toBe(false);
      expect([...cobsDecode(st)]).toEqual([...raw]);
    }
  });
  it('round-trips any bytes, never emits 0x00 and stays within the bound', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (raw) => {
        const st = cobsEncode(raw);
        expect(st.includes(0)).toBe(false);
        expect(st.length).toBeLessThanOrEqual(cobsMaxEncodedLength(raw.length));
        expect([...cobsDecode(st)]).toEqual([...raw]);
      }),
      { numRuns: 300 },
    );
  });
  it('rejects a code byte pointing past the end', () => {
    expect(() => cobsDecode(Uint8Array.from([0x05, 0x11]))).toThrow(expect.objectContaining({ code: 'TM_ERR_CART_BAD_COBS' }));
  });
});

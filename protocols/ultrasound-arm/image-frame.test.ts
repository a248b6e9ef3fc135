import { describe, expect, it } from 'vitest';
import { encodeImageFrame, IMAGE_FRAME_HEADER_BYTES, parseImageFrameHeader, type UltrasoundImageFrame } from './image-frame.js';

const frame: UltrasoundImageFrame = {
  frameId: 7, captureTimeMs: 1_796_000_000_123.5, width: 4, height: 3, depthMm: 120, forceN: 3.5,
  position: { x: 1.5, y: -2.25, z: 160 }, orientation: { w: 1, x: 0, y: 0, z: 0 }, coupledColumns: 4,
  pixels: Uint8Array.from({ length: 12 }, (_, i) => i * 20),
};

describe('ultrasound image frame (SPEC §7)', () => {
  it('reads back the header it wrote, and the pixels follow it', () => {
    const wire = encodeImageFrame(frame);
    expect(wire.byteLength).toBe(IMAGE_FRAME_HEADER_BYTES + 12);
    const { pixels, ...fields } = frame;
    expect(parseImageFrameHeader(wire.subarray(0, IMAGE_FRAME_HEADER_BYTES))).toEqual({ ...fields, pixelBytes: 12 });
    expect([...wire.subarray(IMAGE_FRAME_HEADER_BYTES)]).toEqual([...pixels]);
  });

  it('names what is wrong with a broken header', () => {
    const wire = encodeImageFrame(frame);
    const bad = (edit: (b: Buffer) => void): string | null => {
      const b = Buffer.from(wire.subarray(0, IMAGE_FRAME_HEADER_BYTES));
      edit(b);
      const r = parseImageFrameHeader(b);
      return typeof r === 'string' ? r : null;
    };
    expect(bad((b) => b.write('XXXX', 0, 'ascii'))).toBe('bad magic');
    expect(bad((b) => b.writeUInt16BE(0, 16))).toMatch(/^size 0x3/);
    expect(bad((b) => b.writeUInt32BE(13, 60))).toBe('13 pixel bytes for 4x3');
    expect(bad((b) => b.writeFloatBE(Number.NaN, 24))).toMatch(/non-finite/);
    expect(parseImageFrameHeader(wire.subarray(0, 10))).toBe('header of 10 bytes');
  });
});

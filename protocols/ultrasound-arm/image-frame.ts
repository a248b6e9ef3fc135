// The ultrasound machine's image output on the wire (SPEC.md §7): a 64-byte big-endian header
// ("USI1", frame id, capture time, size, depth, force, probe pose, coupled columns, pixel bytes)
// and then width × height gray8 pixels. One definition for both ends: the arm simulator writes it,
// the gateway (gateway/video/image-source.ts) reads it.

export const IMAGE_FRAME_MAGIC = 'USI1';
export const IMAGE_FRAME_HEADER_BYTES = 64;
/** Largest width or height a reader accepts, pixels. */
export const IMAGE_FRAME_MAX_SIDE = 4096;

export interface UltrasoundImageFrame {
  readonly frameId: number;
  /** Capture time on the machine's clock, Unix ms. */
  readonly captureTimeMs: number;
  readonly width: number;
  readonly height: number;
  readonly depthMm: number;
  readonly forceN: number;
  readonly position: { readonly x: number; readonly y: number; readonly z: number };
  readonly orientation: { readonly w: number; readonly x: number; readonly y: number; readonly z: number };
  readonly coupledColumns: number;
  /** Gray8, row-major, row 0 at the probe face. */
  readonly pixels: Uint8Array;
}

/** The header fields, and how many pixel bytes follow it. */
export type ImageFrameHeader = Omit<UltrasoundImageFrame, 'pixels'> & { readonly pixelBytes: number };

/** One frame on the wire. */
export function encodeImageFrame(f: UltrasoundImageFrame): Buffer {
  const b = Buffer.alloc(IMAGE_FRAME_HEADER_BYTES + f.pixels.byteLength);
  b.write(IMAGE_FRAME_MAGIC, 0, 'ascii');
  b.writeUInt32BE(f.frameId >>> 0, 4);
  b.writeDoubleBE(f.captureTimeMs, 8);
  b.writeUInt16BE(f.width, 16);
  b.writeUInt16BE(f.height, 18);
  const floats = [f.depthMm, f.forceN, f.position.x, f.position.y, f.position.z, f.orientation.w, f.orientation.x, f.orientation.y, f.orientation.z];
  floats.forEach((v, i) => b.writeFloatBE(v, 20 + 4 * i));
  b.writeUInt32BE(f.coupledColumns, 56);
  b.writeUInt32BE(f.pixels.byteLength, 60);
  b.set(f.pixels, IMAGE_FRAME_HEADER_BYTES);
  return b;
}

/** Reads one header; a string (what is wrong) when it breaks the format. */
export function parseImageFrameHeader(h: Buffer): ImageFrameHeader | string {
  if (h.byteLength < IMAGE_FRAME_HEADER_BYTES) return `header of ${h.byteLength} bytes`;
  if (h.toString('latin1', 0, 4) !== IMAGE_FRAME_MAGIC) return 'bad magic';
  const width = h.readUInt16BE(16);
  const height = h.readUInt16BE(18);
  const pixelBytes = h.readUInt32BE(60);
  const max = IMAGE_FRAME_MAX_SIDE;
  if (width < 1 || height < 1 || width > max || height > max) return `size ${width}x${height} outside 1..${max}`;
  if (pixelBytes !== width * height) return `${pixelBytes} pixel bytes for ${width}x${height}`;
  const f = (o: number): number => h.readFloatBE(o);
  const captureTimeMs = h.readDoubleBE(8);
  const nums = [captureTimeMs, f(20), f(24), f(28), f(32), f(36), f(40), f(44), f(48), f(52)];
  if (!nums.every(Number.isFinite) || captureTimeMs <= 0 || f(20) <= 0) return 'non-finite or out-of-range header value';
  return {
    frameId: h.readUInt32BE(4), captureTimeMs, width, height, depthMm: f(20), forceN: f(24),
    position: { x: f(28), y: f(32), z: f(36) }, orientation: { w: f(40), x: f(44), y: f(48), z: f(52) },
    coupledColumns: h.readUInt32BE(56), pixelBytes,
  };
}

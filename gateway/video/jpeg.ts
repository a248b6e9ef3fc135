import sharp from 'sharp';
import { VideoError, VideoErrorCode } from './errors.js';

/** Largest side of an image we encode, pixels (a B-mode frame is 256–1024). */
export const MAX_IMAGE_SIDE = 4096;

/** One grey image as the probe produced it. */
export interface GrayImage {
  readonly width: number;
  readonly height: number;
  /** Gray8, row-major, width × height bytes. */
  readonly data: Uint8Array;
}

/** Checks the shape of a gray8 image; TM_ERR_VIDEO_BAD_IMAGE otherwise. */
export function checkGrayImage(img: GrayImage): void {
  const { width: w, height: h } = img;
  if (!Number.isInteger(w) || !Number.isInteger(h) || w < 1 || h < 1 || w > MAX_IMAGE_SIDE || h > MAX_IMAGE_SIDE) {
    throw new VideoError(VideoErrorCode.BAD_IMAGE, `image size ${String(w)}x${String(h)} outside 1..${MAX_IMAGE_SIDE}`);
  }
  if (img.data.length !== w * h) {
    throw new VideoError(VideoErrorCode.BAD_IMAGE, `image data is ${img.data.length} bytes, ${w}x${h} gray8 needs ${w * h}`);
  }
}

/**
 * Encodes a gray8 image as a baseline greyscale JPEG (ITU-T T.81, one component) with sharp
 * (libvips + libjpeg-turbo/mozjpeg, prebuilt for linux-x64 by the sharp project). libvips runs
 * on libuv's thread pool, so the event loop is not held during the ~2–5 ms encode.
 * @param quality 1–100 (libjpeg's scale of the standard tables).
 */
export async function encodeGrayJpeg(img: GrayImage, quality: number): Promise<Uint8Array> {
  checkGrayImage(img);
  if (!Number.isInteger(quality) || quality < 1 || quality > 100) {
    throw new VideoError(VideoErrorCode.BAD_IMAGE, `JPEG quality ${String(quality)} outside 1..100`);
  }
  try {
    const input = Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength);
    // b-w: without it libvips writes a 3-component YCbCr JPEG of a grey image (djpeg showed P6).
    const out = await sharp(input, { raw: { width: img.width, height: img.height, channels: 1 } })
      .toColourspace('b-w')
      .jpeg({ quality, progressive: false, optimiseCoding: true })
      .toBuffer();
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (err) {
    throw new VideoError(VideoErrorCode.ENCODE, 'JPEG encoding failed', { cause: err });
  }
}

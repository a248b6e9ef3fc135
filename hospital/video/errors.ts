import { TelemedError } from '../../protocols/index.js';

/**
 * Stable codes of the hub's image reassembly (hospital/video). Every refused part is counted by
 * code and logged at info (a gateway's mistake, not ours); the session goes on.
 */
export const ImageErrorCode = {
  /** total_size (or a whole image) above the hub's limit, or width/height outside 1..4096. */
  TOO_LARGE: 'TM_ERR_IMAGE_TOO_LARGE',
  /** A part that cannot belong to its image: outside total_size, overlapping another, empty, or disagreeing on size/total. */
  BAD_PART: 'TM_ERR_IMAGE_BAD_PART',
  /** A part repeated exactly (same frame, offset and length): ignored. */
  DUPLICATE: 'TM_ERR_IMAGE_DUPLICATE',
  /** A part of a frame older than the one being assembled or already delivered: dropped (newest wins). */
  STALE: 'TM_ERR_IMAGE_STALE',
  /** An image left unfinished because a newer frame started (a part was lost or dropped by the gateway). */
  INCOMPLETE: 'TM_ERR_IMAGE_INCOMPLETE',
  /** Not JPEG: another encoding, or the assembled bytes lack SOI/EOI (ITU-T T.81 B.1.1.3). */
  NOT_JPEG: 'TM_ERR_IMAGE_NOT_JPEG',
  /** The stream id is not `<armId>/ultrasound` with a well-formed arm id. */
  BAD_STREAM: 'TM_ERR_IMAGE_BAD_STREAM',
  /** Too many parts for one image, or too many bytes waiting across images: the oldest unfinished image is evicted. */
  LIMIT: 'TM_ERR_IMAGE_LIMIT',
} as const;
export type ImageErrorCode = (typeof ImageErrorCode)[keyof typeof ImageErrorCode];

export class ImageError extends TelemedError {
  constructor(code: ImageErrorCode, message: string) {
    super(code, message);
    this.name = 'ImageError';
  }
}

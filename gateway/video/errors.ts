import { TelemedError } from '../../protocols/index.js';

/** Stable codes of the gateway's video path (gateway/video). Callers branch on these, never on message text. */
export const VideoErrorCode = {
  /** An image handed to the encoder is not width × height gray8 bytes within the size limits. */
  BAD_IMAGE: 'TM_ERR_VIDEO_BAD_IMAGE',
  /** The JPEG encoder (sharp/libvips) failed on an image. */
  ENCODE: 'TM_ERR_VIDEO_ENCODE',
  /** A video option is out of range (share, budget, ladder). */
  CONFIG: 'TM_ERR_VIDEO_CONFIG',
  /** A frame from the ultrasound machine's image output breaks SPEC.md "Image output" (magic, size, values). */
  SOURCE_BAD_FRAME: 'TM_ERR_VIDEO_SOURCE_BAD_FRAME',
  /** The image output's connection failed or closed; it is opened again after a backoff. */
  SOURCE_LOST: 'TM_ERR_VIDEO_SOURCE_LOST',
} as const;
export type VideoErrorCode = (typeof VideoErrorCode)[keyof typeof VideoErrorCode];

export class VideoError extends TelemedError {
  constructor(code: VideoErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'VideoError';
  }
}

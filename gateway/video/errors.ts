import { TelemedError } from '../../protocols/index.js';

/** Stable codes of the gateway's video path (gateway/video). Callers branch on these, never on message text. */
export const VideoErrorCode = {
  /** An image handed to the encoder is not width × height gray8 bytes within the size limits. */
  BAD_IMAGE: 'TM_ERR_VIDEO_BAD_IMAGE',
  /** The JPEG encoder (sharp/libvips) failed on an image. */
  ENCODE: 'TM_ERR_VIDEO_ENCODE',
  /** A video option is out of range (share, budget, ladder). */
  CONFIG: 'TM_ERR_VIDEO_CONFIG',
} as const;
export type VideoErrorCode = (typeof VideoErrorCode)[keyof typeof VideoErrorCode];

export class VideoError extends TelemedError {
  constructor(code: VideoErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'VideoError';
  }
}

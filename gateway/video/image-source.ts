import { connect, type Socket } from 'node:net';
import type { Logger } from 'pino';
import type { Timers } from '../uplink/timers.js';
import { VideoError, VideoErrorCode } from './errors.js';
import { IMAGE_FRAME_HEADER_BYTES, parseImageFrameHeader, type ImageFrameHeader, type UltrasoundImageFrame } from '../../protocols/ultrasound-arm/image-frame.js';

/**
 * The ultrasound machine's image output as the gateway reads it (protocols/ultrasound-arm/SPEC.md
 * "Image output"; the arm simulator's ImageServer serves it): a TCP stream of frames, each a
 * 64-byte big-endian header (`USI1`, frame id, capture time, size, depth, force, probe pose) and
 * width × height gray8 pixels. A frame breaking the format is TM_ERR_VIDEO_SOURCE_BAD_FRAME
 * (counted); the stream cannot be resynchronised after it, so the connection is dropped and opened
 * again, as after a lost connection (TM_ERR_VIDEO_SOURCE_LOST), with a doubling backoff.
 */

/** One frame as read: the shared wire format's (protocols/ultrasound-arm/image-frame.ts). */
export type SourceFrame = UltrasoundImageFrame;

export interface ImageSourceOptions {
  /** tcp://127.0.0.1:PORT (or another host the config names). */
  readonly url: string;
  readonly onFrame: (f: SourceFrame) => void;
  readonly logger: Logger;
  readonly timers: Timers;
  /** First reconnect delay, ms (doubles to `maxBackoffMs`). Default 200. */
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
}

export interface ImageSourceCounters {
  frames: number;
  badFrames: number;
  connects: number;
  lost: number;
}

/** Parses `tcp://HOST:PORT`; throws TM_ERR_VIDEO_CONFIG otherwise. */
export function parseImageUrl(url: string): { host: string; port: number } {
  const m = /^tcp:\/\/([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/.exec(url);
  const port = m ? Number(m[2]) : 0;
  if (!m || port < 1 || port > 65535) throw new VideoError(VideoErrorCode.CONFIG, `image url "${url}" is not tcp://HOST:PORT`);
  return { host: (m[1] ?? '').replace(/^\[|\]$/g, ''), port };
}

export class UltrasoundImageSource {
  readonly counters: ImageSourceCounters = { frames: 0, badFrames: 0, connects: 0, lost: 0 };
  private socket: Socket | null = null;
  private closed = false;
  private retry: unknown;
  private backoff: number;
  private buf: Buffer = Buffer.alloc(0);
  private header: ImageFrameHeader | null = null;
  private readonly target: { host: string; port: number };

  constructor(private readonly o: ImageSourceOptions) {
    this.target = parseImageUrl(o.url);
    this.backoff = o.backoffMs ?? 200;
  }

  start(): void {
    if (this.closed || this.socket !== null) return;
    const s = connect(this.target);
    this.socket = s;
    this.buf = Buffer.alloc(0);
    this.header = null;
    s.setNoDelay(true);
    s.on('connect', () => {
      this.counters.connects += 1;
      this.backoff = this.o.backoffMs ?? 200;
      this.o.logger.info({ url: this.o.url }, 'ultrasound image output connected');
    });
    s.on('data', (d: Buffer) => this.onData(s, d));
    s.on('error', (err) => this.o.logger.debug({ err, code: VideoErrorCode.SOURCE_LOST }, 'ultrasound image output error'));
    s.on('close', () => this.onClose(s));
  }

  close(): void {
    this.closed = true;
    if (this.retry !== undefined) this.o.timers.clearTimeout(this.retry);
    this.socket?.destroy();
    this.socket = null;
  }

  private onClose(s: Socket): void {
    if (this.socket !== s) return;
    this.socket = null;
    if (this.closed) return;
    this.counters.lost += 1;
    this.o.logger.info({ code: VideoErrorCode.SOURCE_LOST, url: this.o.url, retryMs: this.backoff }, 'ultrasound image output lost; reconnecting');
    this.retry = this.o.timers.setTimeout(() => { this.retry = undefined; this.start(); }, this.backoff);
    this.backoff = Math.min(this.backoff * 2, this.o.maxBackoffMs ?? 5000);
  }

  private onData(s: Socket, d: Buffer): void {
    this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
    for (;;) {
      if (this.header === null) {
        if (this.buf.length < IMAGE_FRAME_HEADER_BYTES) return;
        const h = parseImageFrameHeader(this.buf.subarray(0, IMAGE_FRAME_HEADER_BYTES));
        if (typeof h === 'string') { this.bad(s, h); return; }
        this.header = h;
        this.buf = this.buf.subarray(IMAGE_FRAME_HEADER_BYTES);
      }
      const h = this.header;
      if (this.buf.length < h.pixelBytes) return;
      const pixels = Uint8Array.prototype.slice.call(this.buf.subarray(0, h.pixelBytes));
      this.buf = this.buf.subarray(h.pixelBytes);
      this.header = null;
      this.counters.frames += 1;
      const { pixelBytes: _n, ...meta } = h;
      try {
        this.o.onFrame({ ...meta, pixels });
      } catch (err) {
        this.o.logger.warn({ err }, 'ultrasound image listener failed');
      }
    }
  }

  private bad(s: Socket, why: string): void {
    this.counters.badFrames += 1;
    this.o.logger.warn({ code: VideoErrorCode.SOURCE_BAD_FRAME, why, url: this.o.url }, 'bad frame from the ultrasound image output; reconnecting');
    this.buf = Buffer.alloc(0);
    s.destroy();
  }
}

import type { Logger } from 'pino';
import { telemed, type Clock } from '../../protocols/index.js';
import type { BuildFrameInput } from '../uplink/streams.js';
import type { Timers } from '../uplink/timers.js';
import { JpegSizeModel, chooseLevel, resolveAdapt, type AdaptOptions, type ResolvedAdapt, type VideoLevel } from './adapt.js';
import { checkGrayImage, encodeGrayJpeg, type GrayImage } from './jpeg.js';

const { TrafficClass, ImageEncoding } = telemed.v1;

/** What the sender needs of the uplink (uplink-port.ts adapts the real one; tests fake it). */
export interface VideoUplinkPort {
  /** Hands one frame to the uplink (it cuts large images into parts, rechunk.ts). */
  publish(input: BuildFrameInput): void;
  /** The link's measured rate, bits/s; undefined before the pacer has an estimate. */
  rateBps(): number | undefined;
  /** VIDEO frames waiting in the uplink's scheduler, parts included. */
  videoQueued(): number;
  /** False while there is no session to the hub (frames then go stale here, nothing is encoded). */
  linkUp(): boolean;
}

/** One image from the probe. */
export interface UltrasoundImage extends GrayImage {
  /** Capture time, Unix ns on this gateway's clock (the envelope's capture time). */
  readonly captureTimeNs: number;
  readonly depthMm: number;
  readonly gainDb?: number;
}

export interface VideoSenderOptions extends AdaptOptions {
  /** The arm the images come from; the stream is `<armId>/ultrasound` (the hub reads the arm from it). */
  readonly armId: string;
  /** An image not yet encoded this long after it was offered is stale and dropped, ms. Default 150 (the VIDEO budget). */
  readonly staleMs?: number;
  /** How often a busy uplink (VIDEO frames still queued) is looked at again, ms. Default 5. */
  readonly pollMs?: number;
}

export interface VideoSenderDeps {
  readonly port: VideoUplinkPort;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly logger: Logger;
  /** Defaults to encodeGrayJpeg (sharp). */
  readonly encode?: (img: GrayImage, quality: number) => Promise<Uint8Array>;
}

/** Counters of one image stream (all since start). */
export interface VideoCounters {
  offered: number;
  /** An unsent image in the slot was replaced by a newer one (newest wins). */
  replaced: number;
  /** An image was older than `staleMs` before it could go (slow uplink, link down, slow encode). */
  stale: number;
  sent: number;
  bytesSent: number;
  encodeErrors: number;
  publishErrors: number;
}

export interface VideoStats extends VideoCounters {
  readonly level: VideoLevel;
  readonly rateBps: number | undefined;
  readonly state: SenderState;
}

/** `idle`: nothing being encoded; `encoding`: one image in the encoder; `closed`: final. */
export type SenderState = 'idle' | 'encoding' | 'closed';

/** The stream id of an arm's images. */
export function ultrasoundStreamId(armId: string): string {
  return `${armId}/ultrasound`;
}

/**
 * Ultrasound frames to the hub as VIDEO (DESIGN.md §3: realtime, quality adapts to bandwidth).
 *
 * Newest wins: one slot holds the latest image not yet encoded; a new image replaces it (counted
 * `replaced`), an image older than `staleMs` is dropped (`stale`), nothing is ever queued here. An
 * image leaves the slot only when (1) the frame interval of the current rung has passed, (2) the
 * uplink holds no VIDEO frame (so the scheduler's queue never fills with old images either) and
 * (3) the encoder is free. The rung (quality, fps) follows the pacer's measured rate (adapt.ts).
 */
export class UltrasoundVideoSender {
  readonly streamId: string;
  readonly counters: VideoCounters = { offered: 0, replaced: 0, stale: 0, sent: 0, bytesSent: 0, encodeErrors: 0, publishErrors: 0 };
  private state: SenderState = 'idle';
  private slot: { img: UltrasoundImage; atMs: number } | undefined;
  private level: number;
  private nextDueMs = -Infinity;
  private nextFrameId = 1;
  private timer: unknown;
  private timerAt = Infinity;
  private readonly adapt: ResolvedAdapt;
  private readonly model = new JpegSizeModel();
  private readonly staleMs: number;
  private readonly pollMs: number;
  private readonly encode: (img: GrayImage, quality: number) => Promise<Uint8Array>;
  private readonly log: Logger;

  constructor(opts: VideoSenderOptions, private readonly deps: VideoSenderDeps) {
    this.adapt = resolveAdapt(opts);
    this.level = this.adapt.startIndex;
    this.streamId = ultrasoundStreamId(opts.armId);
    this.staleMs = opts.staleMs ?? 150;
    this.pollMs = opts.pollMs ?? 5;
    this.encode = deps.encode ?? encodeGrayJpeg;
    this.log = deps.logger.child({ component: 'video', armId: opts.armId });
  }

  /** The rung in use now. */
  get currentLevel(): VideoLevel {
    return this.adapt.ladder[this.level] ?? { quality: 0, fps: 0 };
  }

  stats(): VideoStats {
    return { ...this.counters, level: this.currentLevel, rateBps: this.deps.port.rateBps(), state: this.state };
  }

  /** Takes the newest image from the probe; throws TM_ERR_VIDEO_BAD_IMAGE on a malformed one. */
  offer(img: UltrasoundImage): void {
    if (this.state === 'closed') return;
    checkGrayImage(img);
    this.counters.offered++;
    if (this.slot !== undefined) this.counters.replaced++;
    this.slot = { img, atMs: this.deps.clock.monoMs() };
    this.pump();
  }

  close(): void {
    this.state = 'closed';
    this.slot = undefined;
    this.disarm();
  }

  private pump(): void {
    if (this.state !== 'idle') return;
    const s = this.slot;
    if (s === undefined) return;
    const now = this.deps.clock.monoMs();
    const staleAt = s.atMs + this.staleMs;
    if (now >= staleAt) {
      this.slot = undefined;
      this.counters.stale++;
      return;
    }
    const port = this.deps.port;
    if (!port.linkUp()) { this.arm(staleAt, now); return; }
    if (now < this.nextDueMs) { this.arm(Math.min(this.nextDueMs, staleAt), now); return; }
    if (port.videoQueued() > 0) { this.arm(Math.min(now + this.pollMs, staleAt), now); return; }
    this.disarm();
    const pixels = s.img.width * s.img.height;
    const next = chooseLevel(this.adapt, this.level, port.rateBps(), this.model, pixels);
    if (next !== this.level) this.log.debug({ from: this.currentLevel, to: this.adapt.ladder[next] }, 'video rung changed');
    this.level = next;
    const { quality, fps } = this.currentLevel;
    this.nextDueMs = now + 1000 / fps;
    this.slot = undefined;
    this.state = 'encoding';
    const frameId = this.nextFrameId++;
    this.encode(s.img, quality).then(
      (jpeg) => { this.encoded(s, frameId, quality, jpeg); },
      (err: unknown) => {
        this.counters.encodeErrors++;
        this.log.error({ err }, 'ultrasound image not encoded');
        this.afterEncode();
      },
    );
  }

  private encoded(s: { img: UltrasoundImage; atMs: number }, frameId: number, quality: number, jpeg: Uint8Array): void {
    if (this.state === 'closed') return;
    this.model.observe(s.img.width * s.img.height, quality, jpeg.length);
    if (this.deps.clock.monoMs() >= s.atMs + this.staleMs) {
      this.counters.stale++;
    } else {
      try {
        this.deps.port.publish({
          streamId: this.streamId,
          trafficClass: TrafficClass.TRAFFIC_CLASS_VIDEO,
          durable: false,
          captureTimeNs: s.img.captureTimeNs,
          payload: {
            ultrasound: {
              frameId, width: s.img.width, height: s.img.height, encoding: ImageEncoding.IMAGE_ENCODING_JPEG,
              quality, data: jpeg, depthMm: s.img.depthMm, gainDb: s.img.gainDb ?? 0,
            },
          },
        });
        this.counters.sent++;
        this.counters.bytesSent += jpeg.length;
      } catch (err) {
        this.counters.publishErrors++;
        this.log.error({ err }, 'ultrasound image not published');
      }
    }
    this.afterEncode();
  }

  private afterEncode(): void {
    if (this.state === 'closed') return;
    this.state = 'idle';
    this.pump();
  }

  private arm(at: number, now: number): void {
    if (this.timer !== undefined && this.timerAt <= at) return;
    this.disarm();
    this.timerAt = at;
    this.timer = this.deps.timers.setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.pump();
    }, Math.max(0, at - now));
  }

  private disarm(): void {
    if (this.timer !== undefined) this.deps.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }
}

import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { systemClock, telemed, type Clock, type DecodedEnvelope } from '../../protocols/index.js';
import { ImageErrorCode } from './errors.js';

/** What comes with a reassembled image. */
export interface ImageMeta {
  readonly streamId: string;
  readonly frameId: number;
  readonly width: number;
  readonly height: number;
  /** JPEG quality the gateway chose (gateway/video/adapt.ts). */
  readonly quality: number;
  readonly depthMm: number;
  readonly gainDb: number;
  /** Capture time, Unix ns on the GATEWAY's clock (the hub's clock sync gives the offset). */
  readonly captureTimeNs: number;
  /** When the image was complete here, Unix ns on the hub's clock. */
  readonly receivedAtNs: number;
  readonly bytes: number;
  /** Envelopes it came in (1 = sent whole). */
  readonly parts: number;
}

/** Called once per complete image, in frame order per stream. `jpeg` is owned by the listeners (not reused). */
export type ImageListener = (gatewayId: string, armId: string, jpeg: Uint8Array, meta: ImageMeta) => void;

export type IngestOutcome = 'image' | 'partial' | ImageErrorCode;

export interface ImageAssemblerOptions {
  readonly log: Logger;
  readonly clock?: Clock;
  /** Largest image, bytes (whole, or total_size of a chunked one). Default 1 MiB (a 256 × 256 frame at q 95 is ~45 kB). */
  readonly maxImageBytes?: number;
  /** Most parts of one image. Default 256 (the gateway cuts at ≥ 1 KiB, rechunk.ts). */
  readonly maxParts?: number;
  /** Bytes of unfinished images held across all streams; above it the least recently fed is evicted. Default 16 MiB. */
  readonly maxPendingBytes?: number;
  /** Streams tracked (gateway × arm); above it the least recently fed is forgotten. Default 4096. */
  readonly maxStreams?: number;
  /** Where `telemed_hub_images_total` and `telemed_hub_image_parts_refused_total{code}` go; none in unit tests. */
  readonly metrics?: Registry;
}

/** A frame id this far below the newest is an old frame; further below, the gateway restarted its numbering. */
const STALE_WINDOW = 1024;
const MAX_SIDE = 4096;
/** `<armId>/ultrasound`, arm ids as the wire validator allows ids (letters, digits, . _ : -). */
const STREAM_RE = /^([A-Za-z0-9._:-]{1,64})\/ultrasound$/;
/** Refusals logged per code at most this often (a hostile gateway must not flood the log), ms. */
const LOG_EVERY_MS = 1000;

interface Pending {
  readonly frameId: number;
  readonly total: number;
  readonly buf: Uint8Array;
  /** Received byte ranges [start, end), sorted, disjoint. */
  readonly ranges: [number, number][];
  received: number;
  readonly first: telemed.v1.IUltrasoundFrame;
  readonly captureTimeNs: number;
}

interface Stream {
  readonly gatewayId: string;
  readonly armId: string;
  readonly streamId: string;
  /** Newest frame delivered or given up. */
  lastDone: number | undefined;
  pending: Pending | undefined;
}

/**
 * Reassembles ultrasound images from VIDEO envelopes (`UltrasoundFrame` whole, or in parts with
 * `total_size`/`offset`/`last`, gateway/uplink/rechunk.ts) and hands each complete JPEG to the
 * listeners. Newest wins: a part of a newer frame abandons the unfinished one (INCOMPLETE,
 * counted), parts of older frames are dropped (STALE). Parts may arrive in any order. Everything
 * is bounded (image bytes, parts per image, pending bytes, streams) and every refusal has a code.
 */
export class ImageAssembler {
  private readonly streams = new Map<string, Stream>();
  private readonly listeners = new Set<ImageListener>();
  private pendingBytes = 0;
  private readonly lastLog = new Map<string, number>();
  private readonly clock: Clock;
  private readonly maxImageBytes: number;
  private readonly maxParts: number;
  private readonly maxPendingBytes: number;
  private readonly maxStreams: number;
  private readonly imagesTotal: Counter | undefined;
  private readonly refusedTotal: Counter<'code'> | undefined;
  /** Images delivered, parts taken, and refusals by code (also on /metrics when a registry is given). */
  readonly counters = { images: 0, parts: 0, refused: {} as Partial<Record<ImageErrorCode, number>> };

  constructor(private readonly o: ImageAssemblerOptions) {
    this.clock = o.clock ?? systemClock;
    this.maxImageBytes = o.maxImageBytes ?? 1024 * 1024;
    this.maxParts = o.maxParts ?? 256;
    this.maxPendingBytes = o.maxPendingBytes ?? 16 * 1024 * 1024;
    this.maxStreams = o.maxStreams ?? 4096;
    if (o.metrics) {
      const registers = [o.metrics];
      this.imagesTotal = new Counter({ name: 'telemed_hub_images_total', help: 'Ultrasound images reassembled and delivered', registers });
      this.refusedTotal = new Counter({ name: 'telemed_hub_image_parts_refused_total', help: 'Ultrasound image parts refused or images dropped, by code', labelNames: ['code'], registers });
    }
  }

  /** Subscribes to complete images; returns the unsubscribe function. */
  onImage(fn: ImageListener): () => void {
    this.listeners.add(fn);
    return () => { this.listeners.delete(fn); };
  }

  /** Bytes of unfinished images held now. */
  get pending(): number {
    return this.pendingBytes;
  }

  /** Forgets a gateway's streams (its session ended). */
  dropGateway(gatewayId: string): void {
    for (const [k, s] of this.streams) if (s.gatewayId === gatewayId) { this.release(s); this.streams.delete(k); }
  }

  /** Takes one envelope from a gateway's session; anything but `ultrasound` is ignored (returns 'partial'). */
  ingest(gatewayId: string, env: DecodedEnvelope): IngestOutcome {
    const u = env.ultrasound;
    if (env.payload !== 'ultrasound' || !u) return 'partial';
    const m = STREAM_RE.exec(env.header.streamId);
    if (!m?.[1]) return this.refuse(ImageErrorCode.BAD_STREAM, gatewayId, env.header.streamId, u);
    if (u.encoding !== telemed.v1.ImageEncoding.IMAGE_ENCODING_JPEG) return this.refuse(ImageErrorCode.NOT_JPEG, gatewayId, env.header.streamId, u);
    const w = u.width ?? 0;
    const h = u.height ?? 0;
    if (w < 1 || h < 1 || w > MAX_SIDE || h > MAX_SIDE) return this.refuse(ImageErrorCode.TOO_LARGE, gatewayId, env.header.streamId, u);
    const data = u.data ?? new Uint8Array(0);
    if (data.length === 0) return this.refuse(ImageErrorCode.BAD_PART, gatewayId, env.header.streamId, u);
    const st = this.stream(gatewayId, m[1], env.header.streamId);
    this.counters.parts++;
    const frameId = Number(u.frameId ?? 0);
    const total = u.totalSize ?? 0;
    const capture = Number(env.header.captureTimeNs ?? 0);

    if (this.isStale(st, frameId)) return this.refuse(ImageErrorCode.STALE, gatewayId, st.streamId, u);
    if (st.pending && (st.pending.frameId !== frameId || total === 0)) this.abandon(st, ImageErrorCode.INCOMPLETE);

    if (total === 0) {
      // Sent whole.
      if (data.length > this.maxImageBytes) return this.refuse(ImageErrorCode.TOO_LARGE, gatewayId, st.streamId, u);
      st.lastDone = frameId;
      return this.deliver(st, data.slice(), u, capture, frameId, 1);
    }
    if (total > this.maxImageBytes) return this.refuse(ImageErrorCode.TOO_LARGE, gatewayId, st.streamId, u);
    const offset = u.offset ?? 0;
    const end = offset + data.length;
    if (end > total) return this.refuse(ImageErrorCode.BAD_PART, gatewayId, st.streamId, u);

    let p = st.pending;
    if (p === undefined) {
      p = { frameId, total, buf: new Uint8Array(total), ranges: [], received: 0, first: u, captureTimeNs: capture };
      st.pending = p;
      this.pendingBytes += total;
      this.enforcePending(st);
    } else if (p.total !== total || p.first.width !== w || p.first.height !== h) {
      return this.refuse(ImageErrorCode.BAD_PART, gatewayId, st.streamId, u);
    }
    const at = insertAt(p.ranges, offset);
    const prev = p.ranges[at - 1];
    const next = p.ranges[at];
    if ((prev && prev[0] === offset && prev[1] === end) || (next && next[0] === offset && next[1] === end)) {
      return this.refuse(ImageErrorCode.DUPLICATE, gatewayId, st.streamId, u);
    }
    if ((prev && prev[1] > offset) || (next && next[0] < end)) return this.refuse(ImageErrorCode.BAD_PART, gatewayId, st.streamId, u);
    if (p.ranges.length >= this.maxParts) {
      this.abandon(st, ImageErrorCode.LIMIT);
      st.lastDone = frameId;
      return ImageErrorCode.LIMIT;
    }
    p.buf.set(data, offset);
    p.ranges.splice(at, 0, [offset, end]);
    p.received += data.length;
    if (p.received < p.total) return 'partial';
    st.lastDone = frameId;
    this.release(st);
    return this.deliver(st, p.buf, p.first, p.captureTimeNs, frameId, p.ranges.length);
  }

  private deliver(st: Stream, jpeg: Uint8Array, u: telemed.v1.IUltrasoundFrame, captureTimeNs: number, frameId: number, parts: number): IngestOutcome {
    // ITU-T T.81 B.1.1.3/B.2.1: a JPEG interchange stream starts with SOI (FFD8) and ends with EOI (FFD9).
    const n = jpeg.length;
    if (n < 4 || jpeg[0] !== 0xff || jpeg[1] !== 0xd8 || jpeg[n - 2] !== 0xff || jpeg[n - 1] !== 0xd9) {
      return this.refuse(ImageErrorCode.NOT_JPEG, st.gatewayId, st.streamId, u);
    }
    this.counters.images++;
    this.imagesTotal?.inc();
    const meta: ImageMeta = {
      streamId: st.streamId, frameId, width: u.width ?? 0, height: u.height ?? 0, quality: u.quality ?? 0,
      depthMm: u.depthMm ?? 0, gainDb: u.gainDb ?? 0, captureTimeNs, receivedAtNs: this.clock.nowNs(), bytes: n, parts,
    };
    for (const fn of this.listeners) {
      try {
        fn(st.gatewayId, st.armId, jpeg, meta);
      } catch (err) {
        this.o.log.error({ err, gatewayId: st.gatewayId }, 'image listener failed');
      }
    }
    return 'image';
  }

  /** Older than the newest frame seen on the stream (within the window: further back is a restart). */
  private isStale(st: Stream, frameId: number): boolean {
    const newest = st.pending ? Math.max(st.pending.frameId, st.lastDone ?? -Infinity) : st.lastDone;
    if (newest === undefined) return false;
    if (st.pending?.frameId === frameId) return false;
    const behind = newest - frameId;
    return behind >= 0 && behind <= STALE_WINDOW;
  }

  private abandon(st: Stream, code: ImageErrorCode): void {
    const p = st.pending;
    if (!p) return;
    this.release(st);
    if (st.lastDone === undefined || p.frameId > st.lastDone) st.lastDone = p.frameId;
    this.count(code, st.gatewayId, st.streamId, p.frameId);
  }

  private release(st: Stream): void {
    if (st.pending) this.pendingBytes -= st.pending.total;
    st.pending = undefined;
  }

  /** Keeps pending bytes under the cap by evicting the least recently fed unfinished images (not `keep`). */
  private enforcePending(keep: Stream): void {
    for (const s of this.streams.values()) {
      if (this.pendingBytes <= this.maxPendingBytes) return;
      if (s !== keep && s.pending) this.abandon(s, ImageErrorCode.LIMIT);
    }
  }

  /** The stream's state, most recently used last (Map order); the least recently used goes beyond maxStreams. */
  private stream(gatewayId: string, armId: string, streamId: string): Stream {
    const key = `${gatewayId}\n${streamId}`;
    let st = this.streams.get(key);
    if (st) {
      this.streams.delete(key);
    } else {
      st = { gatewayId, armId, streamId, lastDone: undefined, pending: undefined };
      if (this.streams.size >= this.maxStreams) {
        const oldest = this.streams.entries().next().value;
        if (oldest) { this.release(oldest[1]); this.streams.delete(oldest[0]); }
      }
    }
    this.streams.set(key, st);
    return st;
  }

  private refuse(code: ImageErrorCode, gatewayId: string, streamId: string, u: telemed.v1.IUltrasoundFrame): ImageErrorCode {
    this.count(code, gatewayId, streamId, Number(u.frameId ?? 0));
    return code;
  }

  private count(code: ImageErrorCode, gatewayId: string, streamId: string, frameId: number): void {
    this.counters.refused[code] = (this.counters.refused[code] ?? 0) + 1;
    this.refusedTotal?.inc({ code });
    // Stale, duplicate and incomplete are what a lossy link does; the rest is a gateway's mistake.
    const now = this.clock.monoMs();
    if (now - (this.lastLog.get(code) ?? -Infinity) < LOG_EVERY_MS) return;
    this.lastLog.set(code, now);
    const quiet = code === ImageErrorCode.STALE || code === ImageErrorCode.DUPLICATE || code === ImageErrorCode.INCOMPLETE;
    this.o.log[quiet ? 'debug' : 'info']({ code, gatewayId, streamId, frameId, count: this.counters.refused[code] }, 'ultrasound image part refused');
  }
}

/** Index of the first range starting after `offset` (binary search). */
function insertAt(ranges: readonly [number, number][], offset: number): number {
  let lo = 0;
  let hi = ranges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((ranges[mid]?.[0] ?? 0) <= offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

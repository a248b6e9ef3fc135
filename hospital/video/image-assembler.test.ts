import { pino } from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { decodeEnvelope, encodeEnvelope, telemed, type DecodedEnvelope } from '../../protocols/index.js';
import { ImageErrorCode } from './errors.js';
import { ImageAssembler, type ImageMeta } from './image-assembler.js';

const { TrafficClass, ImageEncoding } = telemed.v1;
const log = pino({ level: 'silent' });

/** A JPEG-shaped byte string (SOI … EOI) of n bytes, distinct per frame. */
function fakeJpeg(n: number, frame: number): Uint8Array {
  const b = new Uint8Array(n).map((_, i) => (i * 31 + frame) & 0x7f);
  b.set([0xff, 0xd8, 0xff, 0xe0], 0);
  b.set([0xff, 0xd9], n - 2);
  return b;
}

interface PartSpec { frameId: number; total: number; offset: number; data: Uint8Array; last?: boolean; streamId?: string; width?: number; encoding?: number }

/** Through the real codec, as the hub's session hands it on. */
function env(p: PartSpec): DecodedEnvelope {
  return decodeEnvelope(encodeEnvelope({
    header: { gatewayId: 'gw-1', streamId: p.streamId ?? 'arm-1/ultrasound', seq: p.frameId, trafficClass: TrafficClass.TRAFFIC_CLASS_VIDEO, captureTimeNs: 1_700_000_000_000_000_000 + p.frameId },
    ultrasound: {
      frameId: p.frameId, width: p.width ?? 256, height: 256, encoding: p.encoding ?? ImageEncoding.IMAGE_ENCODING_JPEG, quality: 70,
      data: p.data, depthMm: 90, gainDb: 0, totalSize: p.total, offset: p.offset, last: p.last ?? false,
    },
  }));
}

/** Cuts an image into parts of `size` bytes. */
function parts(img: Uint8Array, frameId: number, size: number): DecodedEnvelope[] {
  const out: DecodedEnvelope[] = [];
  for (let o = 0; o < img.length; o += size) {
    out.push(env({ frameId, total: img.length, offset: o, data: img.subarray(o, Math.min(img.length, o + size)), last: o + size >= img.length }));
  }
  return out;
}

function setup(opts: Partial<ConstructorParameters<typeof ImageAssembler>[0]> = {}) {
  const a = new ImageAssembler({ log, ...opts });
  const got: { gatewayId: string; armId: string; jpeg: Uint8Array; meta: ImageMeta }[] = [];
  a.onImage((gatewayId, armId, jpeg, meta) => got.push({ gatewayId, armId, jpeg, meta }));
  return { a, got };
}

describe('ImageAssembler', () => {
  it('reassembles parts in order, and a whole image, into the exact bytes with meta', () => {
    const { a, got } = setup();
    const img = fakeJpeg(10_000, 1);
    const ps = parts(img, 1, 3000);
    expect(ps.map((p) => a.ingest('gw-1', p))).toEqual(['partial', 'partial', 'partial', 'image']);
    expect(got).toHaveLength(1);
    expect(Buffer.from(got[0]?.jpeg ?? []).equals(Buffer.from(img))).toBe(true);
    expect(got[0]).toMatchObject({ gatewayId: 'gw-1', armId: 'arm-1', meta: { frameId: 1, width: 256, height: 256, quality: 70, bytes: 10_000, parts: 4, streamId: 'arm-1/ultrasound' } });
    const whole = fakeJpeg(500, 2);
    expect(a.ingest('gw-1', env({ frameId: 2, total: 0, offset: 0, data: whole }))).toBe('image');
    expect(got[1]?.meta.parts).toBe(1);
    expect(a.pending).toBe(0);
  });

  it('reassembles parts in any order', () => {
    const { a, got } = setup();
    const img = fakeJpeg(9000, 3);
    const ps = parts(img, 3, 1000);
    const order = [8, 0, 5, 2, 7, 1, 4, 3, 6];
    const outcomes = order.map((i) => a.ingest('gw-1', ps[i] as DecodedEnvelope));
    expect(outcomes.slice(0, -1).every((o) => o === 'partial')).toBe(true);
    expect(outcomes.at(-1)).toBe('image');
    expect(Buffer.from(got[0]?.jpeg ?? []).equals(Buffer.from(img))).toBe(true);
  });

  it('a missing part: the unfinished frame is dropped when a newer one starts (INCOMPLETE), the newer one is delivered', () => {
    const { a, got } = setup();
    const f1 = parts(fakeJpeg(4000, 1), 1, 1000);
    for (const p of [f1[0], f1[1], f1[3]]) a.ingest('gw-1', p as DecodedEnvelope);
    const f2 = parts(fakeJpeg(4000, 2), 2, 1000);
    for (const p of f2) a.ingest('gw-1', p);
    expect(got.map((g) => g.meta.frameId)).toEqual([2]);
    expect(a.counters.refused[ImageErrorCode.INCOMPLETE]).toBe(1);
    // The lost part of frame 1 arriving late is stale, not a resurrection.
    expect(a.ingest('gw-1', f1[2] as DecodedEnvelope)).toBe(ImageErrorCode.STALE);
    expect(got).toHaveLength(1);
    expect(a.pending).toBe(0);
  });

  it('parts of an older frame are stale while a newer one assembles; duplicates are ignored', () => {
    const { a, got } = setup();
    const f5 = parts(fakeJpeg(3000, 5), 5, 1000);
    const f4 = parts(fakeJpeg(3000, 4), 4, 1000);
    expect(a.ingest('gw-1', f5[0] as DecodedEnvelope)).toBe('partial');
    expect(a.ingest('gw-1', f4[0] as DecodedEnvelope)).toBe(ImageErrorCode.STALE);
    expect(a.ingest('gw-1', f5[0] as DecodedEnvelope)).toBe(ImageErrorCode.DUPLICATE);
    expect(a.ingest('gw-1', f5[1] as DecodedEnvelope)).toBe('partial');
    expect(a.ingest('gw-1', f5[2] as DecodedEnvelope)).toBe('image');
    // A repeat of a delivered frame is stale; a gateway that restarted its numbering (far below) is accepted.
    expect(a.ingest('gw-1', env({ frameId: 5, total: 0, offset: 0, data: fakeJpeg(100, 5) }))).toBe(ImageErrorCode.STALE);
    a.ingest('gw-1', env({ frameId: 5000, total: 0, offset: 0, data: fakeJpeg(100, 9) }));
    expect(a.ingest('gw-1', env({ frameId: 1, total: 0, offset: 0, data: fakeJpeg(100, 1) }))).toBe('image');
    expect(got.map((g) => g.meta.frameId)).toEqual([5, 5000, 1]);
  });

  it('hostile parts get coded refusals, bounded memory, and the stream goes on', () => {
    const reg = new Registry();
    const { a, got } = setup({ maxImageBytes: 64 * 1024, maxParts: 8, maxPendingBytes: 100_000, metrics: reg });
    const d = fakeJpeg(100, 0);
    const refuse = (p: PartSpec) => a.ingest('gw-1', env(p));
    expect(refuse({ frameId: 1, total: 1 << 30, offset: 0, data: d })).toBe(ImageErrorCode.TOO_LARGE);
    expect(refuse({ frameId: 1, total: 0, offset: 0, data: new Uint8Array(65 * 1024) })).toBe(ImageErrorCode.TOO_LARGE);
    expect(refuse({ frameId: 1, total: 1000, offset: 950, data: d })).toBe(ImageErrorCode.BAD_PART);
    expect(refuse({ frameId: 1, total: 1000, offset: 0, data: new Uint8Array(0) })).toBe(ImageErrorCode.BAD_PART);
    expect(refuse({ frameId: 1, total: 1000, offset: 0, data: d, width: 0 })).toBe(ImageErrorCode.TOO_LARGE);
    expect(refuse({ frameId: 1, total: 1000, offset: 0, data: d, width: 100_000 })).toBe(ImageErrorCode.TOO_LARGE);
    expect(refuse({ frameId: 1, total: 0, offset: 0, data: d, encoding: ImageEncoding.IMAGE_ENCODING_GRAY8 })).toBe(ImageErrorCode.NOT_JPEG);
    expect(refuse({ frameId: 1, total: 0, offset: 0, data: d, streamId: 'arm-1/../x' })).toBe(ImageErrorCode.BAD_STREAM);
    expect(refuse({ frameId: 1, total: 0, offset: 0, data: d, streamId: 'ultrasound' })).toBe(ImageErrorCode.BAD_STREAM);
    // Overlapping part, and a part that changes the image's total mid-frame.
    expect(refuse({ frameId: 2, total: 1000, offset: 0, data: fakeJpeg(200, 2) })).toBe('partial');
    expect(refuse({ frameId: 2, total: 1000, offset: 100, data: d })).toBe(ImageErrorCode.BAD_PART);
    expect(refuse({ frameId: 2, total: 2000, offset: 500, data: d })).toBe(ImageErrorCode.BAD_PART);
    // Garbage that completes an image but is not a JPEG.
    expect(refuse({ frameId: 3, total: 0, offset: 0, data: new Uint8Array(100).fill(1) })).toBe(ImageErrorCode.NOT_JPEG);
    // Too many parts for one image: 8 allowed, the 9th drops the frame.
    for (let i = 0; i < 8; i++) expect(refuse({ frameId: 4, total: 1000, offset: i * 10, data: new Uint8Array(10) })).toBe('partial');
    expect(refuse({ frameId: 4, total: 1000, offset: 80, data: new Uint8Array(10) })).toBe(ImageErrorCode.LIMIT);
    expect(refuse({ frameId: 4, total: 1000, offset: 90, data: new Uint8Array(10) })).toBe(ImageErrorCode.STALE);
    // Pending bytes across streams stay under the cap: two 60 kB halves on two arms → the older one is evicted.
    expect(a.ingest('gw-1', env({ frameId: 1, total: 60_000, offset: 0, data: d, streamId: 'arm-2/ultrasound' }))).toBe('partial');
    expect(a.ingest('gw-1', env({ frameId: 1, total: 60_000, offset: 0, data: d, streamId: 'arm-3/ultrasound' }))).toBe('partial');
    expect(a.pending).toBeLessThanOrEqual(100_000);
    expect(a.counters.refused[ImageErrorCode.LIMIT]).toBe(2);
    // After all that, a good image still goes through.
    expect(a.ingest('gw-1', env({ frameId: 10, total: 0, offset: 0, data: fakeJpeg(300, 10) }))).toBe('image');
    expect(got.map((g) => g.meta.frameId)).toEqual([10]);
    expect(a.counters.refused[ImageErrorCode.TOO_LARGE]).toBe(4);
  });

  it('counts on /metrics, keeps streams of different gateways apart, and a throwing listener does not stop the others', async () => {
    const reg = new Registry();
    const { a, got } = setup({ metrics: reg, maxStreams: 2 });
    a.onImage(() => { throw new Error('listener bug'); });
    a.ingest('gw-1', parts(fakeJpeg(2000, 1), 1, 1000)[0] as DecodedEnvelope);
    // Same stream id on another gateway: its own state (frame 1 there does not complete gw-1's).
    expect(a.ingest('gw-2', parts(fakeJpeg(2000, 1), 1, 1000)[1] as DecodedEnvelope)).toBe('partial');
    expect(a.ingest('gw-1', parts(fakeJpeg(2000, 1), 1, 1000)[1] as DecodedEnvelope)).toBe('image');
    expect(got.map((g) => g.gatewayId)).toEqual(['gw-1']);
    // A third stream evicts the least recently used one (gw-2's), releasing its bytes.
    a.ingest('gw-3', env({ frameId: 1, total: 0, offset: 0, data: fakeJpeg(100, 1) }));
    expect(a.pending).toBe(0);
    a.dropGateway('gw-1');
    expect(a.ingest('gw-1', env({ frameId: 1, total: 0, offset: 0, data: fakeJpeg(100, 1) }))).toBe('image');
    const text = await reg.metrics();
    expect(text).toMatch(/telemed_hub_images_total 3/);
    a.ingest('gw-1', env({ frameId: 1, total: 0, offset: 0, data: fakeJpeg(100, 1) }));
    expect(await reg.metrics()).toMatch(/telemed_hub_image_parts_refused_total\{code="TM_ERR_IMAGE_STALE"\} 1/);
  });
});

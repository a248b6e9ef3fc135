import fc from 'fast-check';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { decodeEnvelope, encodeEnvelope, telemed, type DecodedEnvelope } from '../../protocols/index.js';
import { ImageErrorCode } from './errors.js';
import { ImageAssembler } from './image-assembler.js';

const { TrafficClass, ImageEncoding } = telemed.v1;
const log = pino({ level: 'silent' });
const CODES = new Set<string>(Object.values(ImageErrorCode));

function jpegOf(body: Uint8Array): Uint8Array {
  return Uint8Array.from([0xff, 0xd8, ...body, 0xff, 0xd9]);
}

function part(frameId: number, total: number, offset: number, data: Uint8Array, streamId = 'arm-1/ultrasound'): DecodedEnvelope {
  return decodeEnvelope(encodeEnvelope({
    header: { gatewayId: 'gw', streamId, seq: 1, trafficClass: TrafficClass.TRAFFIC_CLASS_VIDEO, captureTimeNs: 1 },
    ultrasound: { frameId, width: 64, height: 64, encoding: ImageEncoding.IMAGE_ENCODING_JPEG, quality: 50, data, totalSize: total, offset, last: offset + data.length === total },
  }));
}

describe('ImageAssembler (property)', () => {
  it('any split, any order, some parts lost: exactly the complete frames are delivered, byte for byte, one unfinished frame held at most', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            body: fc.uint8Array({ minLength: 1, maxLength: 3000 }),
            cuts: fc.array(fc.nat(), { maxLength: 12 }),
            lose: fc.array(fc.boolean(), { maxLength: 13 }),
            shuffle: fc.array(fc.nat(), { maxLength: 13 }),
          }),
          { minLength: 1, maxLength: 6 },
        ),
        (frames) => {
          const a = new ImageAssembler({ log, maxParts: 64 });
          const got = new Map<number, Uint8Array>();
          a.onImage((_g, _arm, jpeg, meta) => { got.set(meta.frameId, jpeg); });
          const originals = new Map<number, Uint8Array>();
          const complete = new Set<number>();
          frames.forEach((f, i) => {
            const id = i + 1;
            const img = jpegOf(f.body);
            originals.set(id, img);
            const points = [...new Set(f.cuts.map((c) => 1 + (c % (img.length - 1))))].sort((x, y) => x - y);
            const bounds = [0, ...points, img.length];
            let ps = bounds.slice(0, -1).map((s, k) => part(id, img.length, s, img.subarray(s, bounds[k + 1])));
            const kept = ps.filter((_, k) => !(f.lose[k] ?? false));
            if (kept.length === ps.length) complete.add(id);
            ps = kept;
            // A deterministic shuffle from the drawn numbers.
            f.shuffle.forEach((n, k) => { const j = n % Math.max(1, ps.length); const t = ps[k % Math.max(1, ps.length)]; if (t && ps[j]) { ps[k % ps.length] = ps[j]; ps[j] = t; } });
            for (const p of ps) {
              const r = a.ingest('gw', p);
              expect(r === 'image' || r === 'partial' || CODES.has(r)).toBe(true);
            }
          });
          // Every frame whose parts all arrived is delivered exactly; nothing else is.
          expect([...got.keys()].sort((x, y) => x - y)).toEqual([...complete].sort((x, y) => x - y));
          for (const [id, jpeg] of got) expect(Buffer.from(jpeg).equals(Buffer.from(originals.get(id) ?? []))).toBe(true);
          // At most one unfinished frame is held per stream.
          expect(a.pending).toBeLessThanOrEqual(Math.max(...[...originals.values()].map((o) => o.length)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('random field values never throw and never hold more than the cap', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({
          frameId: fc.nat({ max: 5000 }), total: fc.nat({ max: 1 << 22 }), offset: fc.nat({ max: 1 << 22 }),
          data: fc.uint8Array({ maxLength: 600 }), stream: fc.constantFrom('arm-1/ultrasound', 'arm-2/ultrasound', 'x', 'a/b/ultrasound'),
        }), { maxLength: 40 }),
        (ps) => {
          const a = new ImageAssembler({ log, maxImageBytes: 1 << 20, maxPendingBytes: 2 << 20 });
          for (const p of ps) {
            const r = a.ingest('gw', part(p.frameId, p.total, p.offset, p.data, p.stream));
            expect(r === 'image' || r === 'partial' || CODES.has(r)).toBe(true);
            expect(a.pending).toBeLessThanOrEqual((2 << 20) + (1 << 20));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

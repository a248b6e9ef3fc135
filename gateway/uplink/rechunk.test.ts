import { describe, expect, it } from 'vitest';
import { TrafficClass } from '../../protocols/index.js';
import { rechunk } from './rechunk.js';
import type { BuildFrameInput } from './streams.js';

const input = (n: number, extra: object = {}): BuildFrameInput => ({
  streamId: 'ecg', trafficClass: TrafficClass.TRAFFIC_CLASS_BULK, durable: true, captureTimeNs: 1,
  payload: { ecgChunk: { recordId: 'r1', offset: 1000, totalSize: 5000, data: Uint8Array.from({ length: n }, (_, i) => i % 251), sha256: new Uint8Array([9]), last: true, ...extra } },
});

describe('rechunk', () => {
  it('cuts an oversized record chunk at the link chunk size, keeping offsets, hash on the first and last on the final', () => {
    const parts = rechunk(input(2500), 1024);
    expect(parts.map((p) => [p.payload.ecgChunk?.offset, p.payload.ecgChunk?.data?.length, p.payload.ecgChunk?.last, p.payload.ecgChunk?.sha256 ? 1 : 0]))
      .toEqual([[1000, 1024, false, 1], [2024, 1024, false, 0], [3048, 452, true, 0]]);
    const joined = Buffer.concat(parts.map((p) => p.payload.ecgChunk?.data ?? new Uint8Array()));
    expect(joined.equals(Buffer.from(input(2500).payload.ecgChunk?.data ?? []))).toBe(true);
    expect(parts.every((p) => p.payload.ecgChunk?.recordId === 'r1' && p.streamId === 'ecg')).toBe(true);
  });

  it('leaves small chunks and other payloads alone', () => {
    const small = input(1024);
    expect(rechunk(small, 1024)).toEqual([small]);
    const v: BuildFrameInput = { streamId: 'v', trafficClass: TrafficClass.TRAFFIC_CLASS_VITALS, durable: true, captureTimeNs: 1, payload: { goodbye: {} } };
    expect(rechunk(v, 10)).toEqual([v]);
  });

  it('cuts a large ultrasound image into parts with total_size, offset and last; a small one goes whole', () => {
    const data = Uint8Array.from({ length: 2500 }, (_, i) => i % 253);
    const img: BuildFrameInput = { streamId: 'us', trafficClass: TrafficClass.TRAFFIC_CLASS_VIDEO, durable: false, captureTimeNs: 1, payload: { ultrasound: { frameId: 7, width: 64, height: 32, data } } };
    const parts = rechunk(img, 1024);
    expect(parts.map((p) => [p.payload.ultrasound?.offset, p.payload.ultrasound?.data?.length, p.payload.ultrasound?.totalSize, p.payload.ultrasound?.last]))
      .toEqual([[0, 1024, 2500, false], [1024, 1024, 2500, false], [2048, 452, 2500, true]]);
    expect(parts.every((p) => p.payload.ultrasound?.frameId === 7 && p.streamId === 'us')).toBe(true);
    expect(Buffer.concat(parts.map((p) => p.payload.ultrasound?.data ?? new Uint8Array())).equals(Buffer.from(data))).toBe(true);
    expect(rechunk(img, 2500)).toEqual([img]);
  });
});

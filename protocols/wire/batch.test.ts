import { describe, expect, it } from 'vitest';
import { decodeEnvelope, encodeEnvelope, telemed } from '../index.js';
import { decodeBatchedFrame, encodeBatch, varint64Size, writeVarint64 } from './batch.js';
import { sampleEnvelope } from './fixtures.js';

describe('Batch framing (SESSION.md §2a)', () => {
  it('writes int64 varints byte-identical to protobufjs, exact past 2^53', () => {
    for (const n of [1, 127, 128, 16_383, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1, 1_763_850_000_123_456_000, 2 ** 63 - 1024]) {
      const ref = telemed.v1.Header.encode({ sendTimeNs: n }).finish().subarray(1); // drop the 0x40 tag
      const out = new Uint8Array(10);
      const end = writeVarint64(out, 0, n);
      expect([...out.subarray(0, end)], String(n)).toEqual([...ref]);
      expect(varint64Size(n)).toBe(ref.length);
    }
    expect(writeVarint64(new Uint8Array(1), 0, 0)).toBe(1);
    expect(varint64Size(0)).toBe(1);
  });

  it('encodes exactly what protobufjs encodes for { header, batch: { frames } }, and decodes back', () => {
    const header = { gatewayId: 'gw-clinic-07' };
    // A 300-byte element needs a two-byte length; a 70 kB batch a three-byte one.
    const frames = [encodeEnvelope(sampleEnvelope('vitals')), encodeEnvelope(sampleEnvelope('ping')), new Uint8Array(300).fill(7), new Uint8Array(70_000).fill(1)];
    const ours = encodeBatch(telemed.v1.Header.encode(header).finish(), frames);
    expect(ours).toEqual(new Uint8Array(encodeEnvelope({ header, batch: { frames } })));
    const env = decodeEnvelope(ours);
    expect(env.payload).toBe('batch');
    expect(env.batch?.frames?.map((f) => f.length)).toEqual(frames.map((f) => f.length));
    expect(decodeBatchedFrame(env.batch!.frames![0]!).vitals?.deviceId).toBe('monitor-1');
  });

  it('refuses a Batch inside a Batch with TM_ERR_ENVELOPE_BAD_FIELD, and a bad inner frame like any bad frame', () => {
    const outer = telemed.v1.Header.encode({ gatewayId: 'g' }).finish();
    const nested = encodeBatch(outer, [encodeEnvelope(sampleEnvelope('ping'))]);
    expect(() => decodeBatchedFrame(nested)).toThrow(expect.objectContaining({ code: 'TM_ERR_ENVELOPE_BAD_FIELD' }));
    expect(() => decodeBatchedFrame(new Uint8Array(0))).toThrow(expect.objectContaining({ code: 'TM_ERR_FRAME_EMPTY' }));
    expect(() => decodeBatchedFrame(new Uint8Array([0x0a, 0x05, 0x01]))).toThrow(expect.objectContaining({ code: 'TM_ERR_PROTO_DECODE' }));
  });
});

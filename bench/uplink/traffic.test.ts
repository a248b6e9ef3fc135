import { describe, expect, it } from 'vitest';
import { describeBlob } from '../../hospital/ecg/blob-format.js';
import { EcgReassembler } from '../../hospital/ecg/reassembler.js';
import { backlogRecords, bulkObject, sha256, type BenchFrame } from './traffic.js';

/** Feeds the bench's BULK frames to the hub's reassembler, as the hub does once they are stored. */
function assemble(frames: readonly BenchFrame[]): { recordId: string; corruptCode: string | null; bytes: number }[] {
  const r = new EcgReassembler();
  return frames.flatMap((f) => r.add('gw', f.payload.ecgChunk ?? {})).map((a) => ({ recordId: a.recordId, corruptCode: a.corruptCode, bytes: a.blob.length }));
}

describe('bench BULK records', () => {
  it('carry the record hash on the first chunk only, so the hub stores them as intact', () => {
    const data = new Uint8Array(40_000).map((_, i) => (i * 7) & 0xff);
    const frames: BenchFrame[] = [];
    bulkObject('ecg/records', 'rec-0', data, sha256(data), 16_384, (f) => frames.push(f));
    expect(frames.map((f) => f.payload.ecgChunk?.sha256?.length ?? 0)).toEqual([32, 0, 0]);
    expect(assemble(frames)).toEqual([{ recordId: 'rec-0', corruptCode: null, bytes: 40_000 }]);
  });

  it('a wrong hash is still caught (the check is real)', () => {
    const data = new Uint8Array(20_000).fill(3);
    const frames: BenchFrame[] = [];
    bulkObject('ecg/records', 'rec-1', data, sha256(new Uint8Array(1)), 16_384, (f) => frames.push(f));
    expect(assemble(frames)[0]?.corruptCode).toBe('TM_ERR_ECG_HASH_MISMATCH');
  });

  it('cut the backlog into whole records of the record size, each intact', () => {
    const frames: BenchFrame[] = [];
    backlogRecords(500_000, 180_000, 16_384, (f) => frames.push(f));
    const recs = assemble(frames);
    expect(recs.map((x) => x.bytes)).toEqual([180_000, 180_000, 180_000]);
    expect(recs.every((x) => x.corruptCode === null)).toBe(true);
  });

  it('are whole cart blobs of the declared type (18 leads, 500 Hz, 10 s) the hub can describe', () => {
    const data = new Uint8Array(180_000);
    const frames: BenchFrame[] = [];
    bulkObject('ecg/records', 'rec-2', data, sha256(data), 16_384, (f) => frames.push(f));
    const meta = describeBlob(frames[0]?.payload.ecgChunk?.contentType ?? '', data).meta;
    expect(meta.leads).toHaveLength(18);
    expect(meta.durationS).toBe(10);
  });
});

import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeCartBlob, parseBlobType } from './blob-format.js';
import { EcgErrorCode } from './errors.js';
import { EcgReassembler } from './reassembler.js';

const TYPE = 'application/x-telemed-ecg-int16le;leads=2;rate=500';

/** A 2-lead blob: lead 0 = 0..n-1 µV, lead 1 = -(0..n-1) µV. */
function blobOf(n: number): Uint8Array {
  const b = Buffer.alloc(n * 4);
  for (let i = 0; i < n; i++) { b.writeInt16LE(i, i * 2); b.writeInt16LE(-i, (n + i) * 2); }
  return new Uint8Array(b);
}

function chunks(blob: Uint8Array, size: number, recordId = 'R1', sha = createHash('sha256').update(blob).digest()) {
  const out = [];
  for (let o = 0; o < blob.length; o += size) {
    const end = Math.min(blob.length, o + size);
    out.push({ recordId, offset: o, totalSize: blob.length, data: blob.subarray(o, end), contentType: TYPE, patientRef: 'P-1', last: end === blob.length, ...(o === 0 ? { sha256: sha } : {}) });
  }
  return out;
}

describe('EcgReassembler', () => {
  it('reassembles chunks in order and verifies size and SHA-256', () => {
    const blob = blobOf(1000);
    const r = new EcgReassembler();
    const cs = chunks(blob, 700);
    const done = cs.flatMap((c) => r.add('gw', c));
    expect(done).toHaveLength(1);
    expect(done[0]!.corruptCode).toBeNull();
    expect(Buffer.from(done[0]!.blob).equals(Buffer.from(blob))).toBe(true);
    expect(done[0]!.patientRef).toBe('P-1');
    expect(r.pending).toBe(0);
  });

  it('keeps records of different gateways with the same record id apart', () => {
    const a = chunks(blobOf(300), 500);
    const b = chunks(blobOf(100), 500);
    const r = new EcgReassembler();
    expect(r.add('gw-a', a[0]!)).toHaveLength(0);
    expect(r.add('gw-b', b[0]!)[0]?.corruptCode).toBeNull();
    expect(r.pending).toBe(1);
  });

  it('marks a wrong hash, a gap and a short record corrupt with stable codes', () => {
    const blob = blobOf(500);
    const r = new EcgReassembler();
    const bad = chunks(blob, 400, 'R-hash', Buffer.alloc(32));
    expect(bad.flatMap((c) => r.add('gw', c))[0]?.corruptCode).toBe(EcgErrorCode.HASH_MISMATCH);
    const gap = chunks(blob, 400, 'R-gap');
    expect([gap[0]!, gap[2]!, gap[3]!, gap[4]!].flatMap((c) => r.add('gw', c))[0]?.corruptCode).toBe(EcgErrorCode.CHUNK_GAP);
    const short = chunks(blob, 400, 'R-short');
    expect(r.add('gw', { ...short[0]!, last: true })[0]?.corruptCode).toBe(EcgErrorCode.SIZE_MISMATCH);
    const headless = chunks(blob, 400, 'R-headless');
    expect(headless.slice(1).flatMap((c) => r.add('gw', c))[0]?.corruptCode).toBe(EcgErrorCode.CHUNK_GAP);
  });

  it('is bounded: the oldest partial record is closed as EVICTED, and oversize records are TOO_LARGE', () => {
    const r = new EcgReassembler({ maxPartial: 2, maxRecordBytes: 1000 });
    const first = (id: string) => ({ ...chunks(blobOf(200), 100, id)[0]! });
    expect(r.add('gw', first('A'))).toHaveLength(0);
    expect(r.add('gw', first('B'))).toHaveLength(0);
    const evicted = r.add('gw', first('C'));
    expect(evicted.map((e) => [e.recordId, e.corruptCode])).toEqual([['A', EcgErrorCode.EVICTED]]);
    expect(r.pending).toBe(2);
    const big = chunks(blobOf(400), 2000, 'BIG');
    expect(big.flatMap((c) => new EcgReassembler({ maxRecordBytes: 1000 }).add('gw', c))[0]?.corruptCode).toBe(EcgErrorCode.TOO_LARGE);
  });
});

describe('cart blob format', () => {
  it('decodes lead-major int16 LE µV and names 2 leads L1, L2', () => {
    const s = decodeCartBlob(TYPE, blobOf(5));
    expect(s.sampleRateHz).toBe(500);
    expect(s.leads).toEqual([{ name: 'L1', uv: [0, 1, 2, 3, 4] }, { name: 'L2', uv: [0, -1, -2, -3, -4] }]);
  });

  it('names 18 leads in the cart order', () => {
    const s = decodeCartBlob('application/x-telemed-ecg-int16le;leads=18;rate=1000', new Uint8Array(18 * 2 * 3));
    expect(s.leads.map((l) => l.name).slice(0, 3)).toEqual(['I', 'II', 'III']);
    expect(s.leads.at(-1)?.name).toBe('V5R');
  });

  it('rejects unknown types, bad parameters and ragged blobs with TM_ERR_ECG_FORMAT', () => {
    expect(() => parseBlobType('application/octet-stream')).toThrow(expect.objectContaining({ code: EcgErrorCode.FORMAT }) as Error);
    expect(() => parseBlobType('application/x-telemed-ecg-int16le;leads=0;rate=500')).toThrow(expect.objectContaining({ code: EcgErrorCode.FORMAT }) as Error);
    expect(() => decodeCartBlob(TYPE, new Uint8Array(6))).toThrow(expect.objectContaining({ code: EcgErrorCode.FORMAT }) as Error);
  });
});

describe('EcgReassembler isolation between gateways (issue 12 item 4)', () => {
  it('one gateway flooding partial records evicts only its own, never another gateway\'s record', () => {
    const r = new EcgReassembler();
    const honest = chunks(blobOf(1000), 700, 'HONEST');
    expect(r.add('gw-a', honest[0]!)).toHaveLength(0);
    const evicted = [];
    for (let i = 0; i < 100; i++) evicted.push(...r.add('gw-flood', chunks(blobOf(200), 100, `F${i}`)[0]!));
    expect(evicted.length).toBe(100 - 32);
    expect(evicted.every((e) => e.gatewayId === 'gw-flood' && e.corruptCode === EcgErrorCode.EVICTED)).toBe(true);
    const done = honest.slice(1).flatMap((c) => r.add('gw-a', c));
    expect(done.map((d) => [d.gatewayId, d.recordId, d.corruptCode])).toEqual([['gw-a', 'HONEST', null]]);
  });

  it('40 gateways uploading at once (and 32 records of one gateway) all verify', () => {
    const r = new EcgReassembler();
    const recs = Array.from({ length: 40 }, (_, i) => chunks(blobOf(300 + i), 500, `R${i}`));
    const own = Array.from({ length: 32 }, (_, i) => chunks(blobOf(300 + i), 500, `S${i}`));
    const out = [
      ...recs.flatMap((cs, i) => r.add(`gw-${i}`, cs[0]!)),
      ...own.flatMap((cs) => r.add('gw-busy', cs[0]!)),
    ];
    expect(out).toEqual([]);
    const done = [...recs.flatMap((cs, i) => cs.slice(1).flatMap((c) => r.add(`gw-${i}`, c))), ...own.flatMap((cs) => cs.slice(1).flatMap((c) => r.add('gw-busy', c)))];
    expect(done).toHaveLength(72);
    expect(done.filter((d) => d.corruptCode !== null)).toEqual([]);
  });

  it('past the byte bound the gateway holding the most bytes loses its oldest record', () => {
    const r = new EcgReassembler({ maxBufferedBytes: 3000 });
    const small = chunks(blobOf(1000), 500, 'SMALL'); // 500 bytes held of 4000
    expect(r.add('gw-a', small[0]!)).toEqual([]);
    const big1 = chunks(blobOf(1000), 1500, 'BIG1');
    const big2 = chunks(blobOf(1000), 1500, 'BIG2');
    r.add('gw-hog', big1[0]!);
    const out = r.add('gw-hog', big2[0]!);
    expect(out.map((o) => [o.gatewayId, o.recordId, o.corruptCode])).toEqual([['gw-hog', 'BIG1', EcgErrorCode.EVICTED]]);
    expect(r.bufferedBytes).toBe(2000);
  });
});

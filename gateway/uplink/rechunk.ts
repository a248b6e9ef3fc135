import { chunkRanges } from '../../protocols/transport/index.js';
import type { BuildFrameInput } from './streams.js';

/**
 * Cuts one EcgRecordChunk reading whose data is larger than `chunkBytes` into several, so a
 * CONTROL frame never waits behind more than one chunk on the link (DESIGN.md §3). Offsets stay
 * relative to the whole record; the SHA-256 rides on the first piece, `last` on the final one.
 * Any other reading is returned as it is.
 */
export function rechunk(input: BuildFrameInput, chunkBytes: number): BuildFrameInput[] {
  if (input.payload.ultrasound) return rechunkImage(input, chunkBytes);
  const chunk = input.payload.ecgChunk;
  const data = chunk?.data;
  if (!chunk || !data || data.length <= chunkBytes) return [input];
  const base = Number(chunk.offset ?? 0);
  const ranges = chunkRanges(data.length, chunkBytes);
  return ranges.map((r, i) => ({
    ...input,
    payload: {
      ecgChunk: {
        ...chunk,
        offset: base + r.offset,
        data: data.subarray(r.offset, r.end),
        sha256: i === 0 ? chunk.sha256 ?? null : null,
        last: i === ranges.length - 1 ? chunk.last ?? false : false,
      },
    },
  }));
}

/**
 * Cuts an ultrasound image larger than `chunkBytes` into parts (`total_size`, `offset`, `last`),
 * for the same reason: a 40 kB VIDEO frame sent whole holds CONTROL back by its whole
 * transmission time. An image already cut (total_size set) or small enough goes as it is.
 */
function rechunkImage(input: BuildFrameInput, chunkBytes: number): BuildFrameInput[] {
  const img = input.payload.ultrasound;
  const data = img?.data;
  if (!img || !data || data.length <= chunkBytes || (img.totalSize ?? 0) > 0) return [input];
  const ranges = chunkRanges(data.length, chunkBytes);
  return ranges.map((r, i) => ({
    ...input,
    payload: { ultrasound: { ...img, data: data.subarray(r.offset, r.end), totalSize: data.length, offset: r.offset, last: i === ranges.length - 1 } },
  }));
}

/** Chunk sizing settings. */
export interface ChunkSizing {
  /** Transmission time one chunk may take at the measured rate, ms. Default 3. */
  readonly targetMs?: number;
  /** Bytes. Default 1024. */
  readonly minBytes?: number;
  /** Bytes. Default 65536. */
  readonly maxBytes?: number;
}

/**
 * Size of a BULK (or large VIDEO) chunk for a link of `rateBps` bits/s: about `targetMs` of
 * transmission, so a CONTROL frame that arrives just after a chunk was released waits at most
 * that long behind it. Clamped to [minBytes, maxBytes]; an unknown rate (0, NaN) gives minBytes
 * and an unpaced link (Infinity) gives maxBytes.
 */
export function chunkSizeFor(rateBps: number, s: ChunkSizing = {}): number {
  const min = s.minBytes ?? 1024;
  const max = s.maxBytes ?? 65_536;
  if (!(rateBps > 0)) return min;
  const bytes = Math.floor((rateBps / 8000) * (s.targetMs ?? 3));
  return Math.min(max, Math.max(min, bytes));
}

/** Byte ranges `[offset, end)` cutting an object of `total` bytes into chunks of `chunkBytes`. */
export function chunkRanges(total: number, chunkBytes: number): { offset: number; end: number }[] {
  if (!(chunkBytes >= 1)) throw new RangeError(`chunk size must be >= 1, got ${chunkBytes}`);
  const out: { offset: number; end: number }[] = [];
  for (let offset = 0; offset < total; offset += chunkBytes) out.push({ offset, end: Math.min(total, offset + chunkBytes) });
  if (total === 0) out.push({ offset: 0, end: 0 });
  return out;
}

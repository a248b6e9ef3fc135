// Sample-for-sample comparison of ECG channels across a round trip. A writer may store counts less
// an integer baseline (DICOM does, for older readers), so the comparison is of counts above the
// baseline: exact integers, the same physical value at the same calibration.
import { type EcgChannel, INVALID_SAMPLE } from '../../protocols/ecg/record.js';

/** Index of the first sample whose count above baseline differs (or whose validity differs), else -1. */
export function firstSampleDifference(back: EcgChannel, source: EcgChannel): number {
  if (back.samples.length !== source.samples.length) return Math.min(back.samples.length, source.samples.length);
  for (let i = 0; i < source.samples.length; i++) {
    const a = back.samples[i] ?? INVALID_SAMPLE;
    const b = source.samples[i] ?? INVALID_SAMPLE;
    if ((a === INVALID_SAMPLE) !== (b === INVALID_SAMPLE)) return i;
    if (a !== INVALID_SAMPLE && a - back.baseline !== b - source.baseline) return i;
  }
  return -1;
}

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WaveformRecorder, type RecordedFrame } from './recorder.js';

const chunk = (first: number, n: number, rate = 100) => ({
  deviceId: 'mon', channel: 'PLETH', code: 'MDC_PULS_OXIM_PLETH', sampleRateHz: rate, scale: 1, unit: '1',
  firstSampleIndex: first, samples: Array.from({ length: n }, (_, i) => first + i),
});

describe('WaveformRecorder', () => {
  it('cuts windows on sample-index multiples of the window length, whatever the chunking', () => {
    const out: RecordedFrame[] = [];
    const rec = new WaveformRecorder(1, 1000, (f) => out.push(f)); // 1 s = 100 samples at 100 Hz
    // Starts mid-window at 50; chunks of 30 straddle the boundaries.
    for (let i = 50; i < 290; i += 30) rec.add('mon/pleth', 1e9 + ((i - 50) / 100) * 1e9, chunk(i, 30));
    expect(out.map((f) => [f.waveform.firstSampleIndex, f.waveform.samples?.length])).toEqual([[50, 50], [100, 100]]);
    expect(out[1]!.waveform.samples).toEqual(Array.from({ length: 100 }, (_, i) => 100 + i));
    // Sample 100 was captured 0.5 s after sample 50.
    expect(out[1]!.captureTimeNs).toBe(1.5e9);
    rec.flushAll();
    expect(out.map((f) => [f.waveform.firstSampleIndex, f.waveform.samples?.length])).toEqual([[50, 50], [100, 100], [200, 90]]);
  });

  it('a gap in the sample index ends the window: a frame never spans it', () => {
    const out: RecordedFrame[] = [];
    const rec = new WaveformRecorder(10, 1000, (f) => out.push(f));
    rec.add('mon/pleth', 0, chunk(0, 20));
    rec.add('mon/pleth', 0, chunk(40, 20)); // samples 20..39 lost at the device
    rec.flush('mon/pleth');
    expect(out.map((f) => [f.waveform.firstSampleIndex, f.waveform.samples?.length])).toEqual([[0, 20], [40, 20]]);
  });

  it('splits a window into frames of at most maxSamples', () => {
    const out: RecordedFrame[] = [];
    const rec = new WaveformRecorder(10, 400, (f) => out.push(f));
    for (let i = 0; i < 1000; i += 25) rec.add('mon/pleth', (i / 100) * 1e9, chunk(i, 25));
    expect(out.map((f) => [f.waveform.firstSampleIndex, f.waveform.samples?.length, f.captureTimeNs])).toEqual([
      [0, 400, 0], [400, 400, 4e9], [800, 200, 8e9],
    ]);
    expect(out[0]!.waveform).toMatchObject({ channel: 'PLETH', sampleRateHz: 100, deviceId: 'mon' });
  });
});

describe('WaveformRecorder (property)', () => {
  it('whatever the chunking and gaps: every sample recorded once, in place, frames never crossing a window or a gap', () => {
    fc.assert(fc.property(
      fc.array(fc.record({ skip: fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 1, max: 300 })), n: fc.integer({ min: 1, max: 260 }) }), { minLength: 1, maxLength: 60 }),
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 64, max: 700 }),
      (chunks, windowS, maxSamples) => {
        const out: RecordedFrame[] = [];
        const rec = new WaveformRecorder(windowS, maxSamples, (f) => out.push(f));
        const sent = new Set<number>();
        let next = 0;
        for (const c of chunks) {
          next += c.skip;
          rec.add('mon/pleth', next * 1e7, chunk(next, c.n));
          for (let i = 0; i < c.n; i++) sent.add(next + i);
          next += c.n;
        }
        rec.flushAll();
        const windowLen = 100 * windowS;
        const seen = new Set<number>();
        const problems: string[] = [];
        for (const f of out) {
          const first = Number(f.waveform.firstSampleIndex);
          const samples = f.waveform.samples ?? [];
          if (samples.length === 0 || samples.length > maxSamples) problems.push(`frame at ${first}: ${samples.length} samples`);
          if (Math.floor(first / windowLen) !== Math.floor((first + samples.length - 1) / windowLen)) problems.push(`frame at ${first} crosses a window`);
          if (f.captureTimeNs !== first * 1e7) problems.push(`frame at ${first}: capture ${f.captureTimeNs}`);
          samples.forEach((v, i) => {
            // The value is its own index: in place and contiguous (a frame across a gap would break it).
            if (v !== first + i || seen.has(first + i)) problems.push(`sample ${first + i}: ${v}${seen.has(first + i) ? ' twice' : ''}`);
            seen.add(first + i);
          });
        }
        if (seen.size !== sent.size) problems.push(`${seen.size} samples recorded, ${sent.size} sent`);
        for (const i of sent) if (!seen.has(i)) problems.push(`sample ${i} lost`);
        expect(problems.slice(0, 5)).toEqual([]);
      },
    ), { numRuns: 200 });
  });
});

import { describe, expect, it } from 'vitest';
import { LinkErrorCode } from './errors.js';
import { constantService, OPPORTUNITY_BYTES, steppedService, traceService } from './service.js';
import { parseTrace } from './trace.js';

describe('Mahimahi trace service', () => {
  // Opportunities at 0, 2, 5 ms; the file loops with period 5 (its last timestamp):
  // loop 1 adds 5, 7, 10; loop 2 adds 10, 12, 15; ...
  const tiny = parseTrace('0\n2\n5\n', 'tiny');

  it('loops with period = last timestamp; several lines in one ms are several opportunities', () => {
    const s = traceService(tiny, 1000);
    const ends: number[] = [];
    for (let i = 0; i < 7; i++) ends.push(s.serve(1000, OPPORTUNITY_BYTES).end - 1000);
    expect(ends).toEqual([0, 2, 5, 5, 7, 10, 10]);
    expect(s.capacity(1000, 1010)).toBe(5 * OPPORTUNITY_BYTES); // 0, 2, 5, 5, 7
    expect(tiny.periodMs).toBe(5);
  });

  it('is byte-granular: a piece spans opportunities; several small pieces share one', () => {
    const s = traceService(tiny, 0);
    expect(s.serve(0, 1000)).toEqual({ start: 0, end: 0 });
    // 500 B left in the opportunity at 0, then 1500 at 2: a 2000-B piece ends at 2.
    expect(s.serve(0, 2000)).toEqual({ start: 0, end: 2 });
    expect(s.serve(0, 100)).toEqual({ start: 5, end: 5 });
  });

  it('loses an opportunity that finds the queue empty', () => {
    const s = traceService(tiny, 0);
    // Arriving at 1 ms: the opportunity at 0 has passed unused; the next is at 2.
    expect(s.nextStart(1)).toBe(2);
    expect(s.serve(1, 1500)).toEqual({ start: 2, end: 2 });
    // What was left of an opportunity is lost once the queue ran dry past it.
    s.serve(3, 100);
    expect(s.serve(6, 100).start).toBe(7);
    s.skipTo(11);
    expect(s.nextStart(0)).toBe(12);
  });

  it('rejects malformed files with TM_ERR_LINK_TRACE_INVALID naming the line', () => {
    for (const [text, what] of [['', 'empty'], ['0\n0\n', 'period would be 0'], ['5\n3\n', 'line 2'], ['1\nx\n', 'line 2']] as const) {
      expect(() => parseTrace(text, 't')).toThrow(expect.objectContaining({ code: LinkErrorCode.TRACE_INVALID, message: expect.stringContaining(what) }));
    }
  });
});

describe('rate steps', () => {
  it('10 -> 3 -> 10 Mbit/s in 1-s steps: a piece straddling a step is served at both rates', () => {
    const s = steppedService([{ durationMs: 1000, rateBps: 10_000_000 }, { durationMs: 1000, rateBps: 3_000_000 }], 0);
    expect(s.nominalBps).toBe(6_500_000);
    // 1250 B at 10 Mbit/s = 1 ms.
    expect(s.serve(0, 1250).end).toBeCloseTo(1, 9);
    // From 999 ms: 1 ms at 10 Mbit/s carries 1250 B; the other 375 B at 3 Mbit/s take 1 ms.
    expect(s.serve(999, 1625).end).toBeCloseTo(1001, 9);
    // Next loop: 2000 ms is 10 Mbit/s again.
    expect(s.serve(2000, 1250).end).toBeCloseTo(2001, 9);
    expect(s.capacity(0, 4000)).toBeCloseTo(2 * (1_250_000 + 375_000), 3);
  });

  it('a fixed rate is the old formula: start = max(free, arrival), end = start + bytes × 8 / rate', () => {
    const s = constantService(8_000_000);
    expect(s.serve(10, 4000)).toEqual({ start: 10, end: 14 });
    expect(s.serve(11, 1000)).toEqual({ start: 14, end: 15 });
    s.skipTo(100);
    expect(s.nextStart(20)).toBe(100);
  });
});

import { describe, expect, it } from 'vitest';
import { TrafficClass, type Clock } from '../../protocols/index.js';
import type { Reading } from '../../devices/device.js';
import { LoadDevice } from './load-device.js';

/** Interval timers run by hand: tick(ms) advances the clock by `ms` and calls the device's callback once. */
function manual(): { clock: Clock; timers: { setInterval: (fn: () => void) => unknown; clearInterval: () => void }; tick: (ms: number) => void } {
  let fn: (() => void) | undefined;
  let mono = 0;
  return {
    clock: { nowNs: () => 1_700_000_000_000_000_000 + mono * 1e6, monoMs: () => mono },
    timers: { setInterval: (f) => { fn = f; return 1; }, clearInterval: () => { fn = undefined; } },
    tick: (ms) => { mono += ms; fn?.(); },
  };
}

async function readings(opts: { durableHz: number; streams: number; chunkBytes?: number }, tickMs: readonly number[]): Promise<Reading[]> {
  const { clock, timers, tick } = manual();
  const dev = new LoadDevice({ id: 'load-a', clock, timers, ...opts });
  const out: Reading[] = [];
  dev.on('reading', (r) => out.push(r));
  await dev.start(new AbortController().signal);
  for (const ms of tickMs) tick(ms);
  await dev.stop();
  return out;
}

describe('LoadDevice', () => {
  it('offers durableHz durable VITALS readings per second per stream', async () => {
    const rs = await readings({ durableHz: 100, streams: 2 }, Array<number>(100).fill(10)); // 1 s of 10 ms ticks
    expect(rs).toHaveLength(200);
    expect(new Set(rs.map((r) => r.stream))).toEqual(new Set(['load-0', 'load-1']));
    expect(rs.every((r) => r.durable && r.trafficClass === TrafficClass.TRAFFIC_CLASS_VITALS)).toBe(true);
  });

  it('owes readings by elapsed clock time, so late timer ticks do not lower the rate', async () => {
    // 1 s in 40 ticks of 25 ms (a busy event loop) after the first 10 ms tick: still 100 readings.
    const rs = await readings({ durableHz: 100, streams: 1 }, [10, ...Array<number>(40).fill(24.75)]);
    expect(rs).toHaveLength(100);
  });

  it('with chunkBytes offers durable BULK record chunks of that size: 12 per record, offsets in steps of the chunk', async () => {
    const rs = await readings({ durableHz: 38.5, streams: 1, chunkBytes: 16_384 }, Array<number>(100).fill(10));
    expect(rs).toHaveLength(38);
    expect(rs.every((r) => r.durable && r.trafficClass === TrafficClass.TRAFFIC_CLASS_BULK)).toBe(true);
    const chunks = rs.map((r) => ('ecgChunk' in r.payload ? r.payload.ecgChunk : undefined));
    expect(chunks.every((c) => c?.data?.length === 16_384)).toBe(true);
    expect(chunks.slice(0, 13).map((c) => [c?.recordId, c?.offset])).toEqual([
      ...Array.from({ length: 12 }, (_, i) => ['r0', i * 16_384]),
      ['r1', 0],
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { TrafficClass, type Clock } from '../../protocols/index.js';
import type { Reading } from '../../devices/synthetic/index.js';
import { LoadDevice } from './load-device.js';

const clock: Clock = { nowNs: () => 1_700_000_000_000_000_000, monoMs: () => 0 };

/** Interval timers run by hand: tick() calls the device's 10 ms callback once. */
function manualIntervals(): { timers: { setInterval: (fn: () => void) => unknown; clearInterval: () => void }; tick: () => void } {
  let fn: (() => void) | undefined;
  return { timers: { setInterval: (f) => { fn = f; return 1; }, clearInterval: () => { fn = undefined; } }, tick: () => fn?.() };
}

async function readings(opts: { durableHz: number; streams: number; chunkBytes?: number }, ticks: number): Promise<Reading[]> {
  const { timers, tick } = manualIntervals();
  const dev = new LoadDevice({ id: 'load-a', clock, timers, ...opts });
  const out: Reading[] = [];
  dev.on('reading', (r) => out.push(r));
  await dev.start(new AbortController().signal);
  for (let i = 0; i < ticks; i++) tick();
  await dev.stop();
  return out;
}

describe('LoadDevice', () => {
  it('offers durableHz durable VITALS readings per second per stream', async () => {
    const rs = await readings({ durableHz: 100, streams: 2 }, 100); // 1 s of 10 ms ticks
    expect(rs).toHaveLength(200);
    expect(new Set(rs.map((r) => r.stream))).toEqual(new Set(['load-0', 'load-1']));
    expect(rs.every((r) => r.durable && r.trafficClass === TrafficClass.TRAFFIC_CLASS_VITALS)).toBe(true);
  });

  it('with chunkBytes offers durable BULK record chunks of that size: 12 per record, offsets in steps of the chunk', async () => {
    const rs = await readings({ durableHz: 38.5, streams: 1, chunkBytes: 16_384 }, 100);
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

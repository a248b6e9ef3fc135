import { describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../config.js';
import { UplinkFlow } from './flow.js';
import { ManualTimers } from './manual-timers.js';
import type { SchedItem } from '../../protocols/transport/index.js';

const CHUNK: SchedItem = { streamId: 'rec', className: 'bulk', durable: true, deadlineMs: Infinity, size: 1000 };

/** Bytes the flow admits in `ms` of fake time, writing whatever it lets through. */
function admitted(flow: UplinkFlow, ms: number): number {
  let sent = 0;
  for (let t = 0; t < ms; t += 0.25) {
    while (flow.admit(CHUNK, t)) {
      flow.onSent(1000, t);
      sent += 1000;
      if (sent > 1e9) throw new Error('unbounded');
    }
  }
  return sent;
}

describe('uplink ablation modes (bench:matrix peers)', () => {
  it('shaped: a fixed token bucket at the configured rate, the writer woken when it refills', () => {
    const timers = new ManualTimers();
    let wakes = 0;
    const flow = new UplinkFlow({ mode: 'shaped', shapedRateBps: 9_500_000, maxBufferedBytes: 1 << 20, timers, wake: () => { wakes++; } });
    // 2 s at 9.5 Mbit/s = 2 375 000 bytes, within the bucket's depth and one frame.
    expect(Math.abs(admitted(flow, 2000) - 2_375_000)).toBeLessThan(1000 + 2375 + 1);
    // Chunks sized for ~3 ms at the shaping rate, with no estimate at all.
    expect(flow.chunkBytes()).toBe(Math.floor((9_500_000 / 8000) * 3));
    flow.hold(2000);
    expect(timers.size).toBe(1);
    timers.advance(5);
    expect(wakes).toBe(1);
  });

  it('strict: never holds a frame for pacing, but keeps the tight socket bound of the scheduled mode', () => {
    const timers = new ManualTimers();
    const flow = new UplinkFlow({ mode: 'strict', maxBufferedBytes: 256 * 1024, timers, wake: () => undefined });
    for (let i = 0; i < 1000; i++) expect(flow.admit(CHUNK, 0)).toBe(true);
    flow.hold(0);
    expect(timers.size).toBe(0);
    expect(flow.chunkBytes()).toBe(16 * 1024);
    expect(flow.socketHasRoom(32 * 1024)).toBe(true);
    expect(flow.socketHasRoom(32 * 1024 + 1)).toBe(false);
    const fifo = new UplinkFlow({ mode: 'fifo', maxBufferedBytes: 256 * 1024, timers, wake: () => undefined });
    expect(fifo.socketHasRoom(200 * 1024)).toBe(true);
  });

  it('refuses shaped mode without a rate, in the config and in the flow', () => {
    const base = { gatewayId: 'gw-1', hub: { url: 'ws://127.0.0.1:1/uplink', credential: 'x' }, dataDir: '/tmp/unused' };
    expect(() => loadGatewayConfig({ ...base, uplink: { mode: 'shaped' } })).toThrow(/shapedRateBps/);
    expect(loadGatewayConfig({ ...base, uplink: { mode: 'shaped', shapedRateBps: 9_500_000 } }).uplink.mode).toBe('shaped');
    expect(() => new UplinkFlow({ mode: 'shaped', maxBufferedBytes: 1024, timers: new ManualTimers(), wake: () => undefined })).toThrow(RangeError);
  });
});

import { describe, expect, it } from 'vitest';
import { UplinkFlow } from './flow.js';
import { ManualTimers } from './manual-timers.js';
import type { SchedItem } from '../../protocols/transport/index.js';

const NS_PER_MS = 1e6;
const CHUNK: SchedItem = { streamId: 'rec', className: 'bulk', durable: true, deadlineMs: Infinity, size: 1000 };

/**
 * Drives a flow over a 10 Mbit/s (1250 B/ms) link with 20 ms one-way delay for `ms`: frames of
 * 1000 B whenever the pacer admits one, the receiver acking every 10 ms of its clock.
 */
function runLink(flow: UplinkFlow, ms: number): void {
  let linkFreeAt = 0;
  let delivered = 0;
  const arrivals: { at: number; total: number }[] = [];
  for (let t = 0; t < ms; t += 0.5) {
    while (flow.admit(CHUNK, t)) {
      flow.onSent(1000, t);
      linkFreeAt = Math.max(linkFreeAt, t) + 1000 / 1250;
      delivered += 1000;
      arrivals.push({ at: linkFreeAt + 20, total: delivered });
    }
    if (t % 10 === 0) {
      const seen = arrivals.filter((a) => a.at <= t - 20).pop();
      // The ack leaves the receiver at t - 20 and reaches the sender now.
      if (seen) flow.onAck({ bytesReceived: seen.total, receiveTimeNs: (t - 20) * NS_PER_MS, ackSendTimeNs: (t - 20) * NS_PER_MS }, t);
    }
  }
}

describe('UplinkFlow.chunkBytes', () => {
  it('sizes chunks from the bandwidth estimate, and keeps that size across a reconnect with no estimate', () => {
    const flow = new UplinkFlow({ mode: 'scheduled', maxBufferedBytes: 1 << 20, timers: new ManualTimers(), wake: () => undefined });
    // No estimate yet: the guess from the initial pacing rate (2 Mbit/s → below the 1 KiB floor).
    expect(flow.chunkBytes()).toBe(1024);
    runLink(flow, 2000);
    expect(flow.pacer.estimator.btlBwBpms).toBeGreaterThan(0);
    const estimated = flow.chunkBytes();
    // ≈ 3 ms of a ~10 Mbit/s estimate.
    expect(estimated).toBeGreaterThan(2500);
    expect(estimated).toBeLessThan(6000);
    // An outage: every reconnect attempt starts a fresh pacer with no estimate.
    flow.reset();
    expect(flow.pacer.estimator.btlBwBpms).toBe(0);
    expect(flow.chunkBytes()).toBe(estimated);
  });

  it('is one 64 KiB chunk in fifo mode (no pacing)', () => {
    const flow = new UplinkFlow({ mode: 'fifo', maxBufferedBytes: 1 << 20, timers: new ManualTimers(), wake: () => undefined });
    expect(flow.chunkBytes()).toBe(65_536);
  });
});

import { describe, expect, it } from 'vitest';
import { AckAggregation } from './ack-aggregation.js';

describe('AckAggregation', () => {
  it('acks at the estimate carry one ack interval extra; a late bunch carries all of it; old bunches expire', () => {
    const a = new AckAggregation(1000);
    for (let t = 10; t <= 100; t += 10) a.onAck(1000, 100, t); // 100 B/ms, 1000 B every 10 ms
    expect(a.extraBytes).toBe(1000);
    // The event loop ran 30 ms late: nothing, then four acks' worth at once.
    a.onAck(4000, 100, 140);
    expect(a.extraBytes).toBe(4000);
    // Inside the bunch's epoch: 1000 B 5 ms later is still 4000 + 1000 − 100 × 5 beyond the estimate.
    a.onAck(1000, 100, 145);
    expect(a.extraBytes).toBe(4500);
    for (let t = 1200; t <= 2190; t += 10) a.onAck(1000, 100, t);
    expect(a.extraBytes).toBe(4500); // previous bucket still remembered
    for (let t = 2210; t <= 3300; t += 10) a.onAck(1000, 100, t);
    expect(a.extraBytes).toBe(1000);
  });
});

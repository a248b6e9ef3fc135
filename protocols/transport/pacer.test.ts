import { describe, expect, it } from 'vitest';
import { Pacer, type PacerState } from './pacer.js';

const MS = 1e6;

describe('Pacer: token bucket and cwnd (no feedback yet)', () => {
  it('releases at the initial rate: exact release times from the token bucket', () => {
    const p = new Pacer({ initialRateBps: 8_000_000, burstMs: 2 }); // 1000 B/ms, bucket max(2 KiB, 2 ms) = 2048 B
    const times: number[] = [];
    let now = 0;
    for (let i = 0; i < 6; i++) {
      const at = p.nextSendMs(now);
      if (at === undefined) throw new Error('cwnd-limited');
      now = at;
      expect(p.canSend(1000, now)).toBe(true);
      p.onSent(1000, now);
      times.push(now);
    }
    // 2048 tokens: three frames at once (send while tokens ≥ 0), then one per ms of refill.
    expect(times).toEqual([0, 0, 0, 0.952, 1.952, 2.952]);
    expect(p.canSend(1000, 3)).toBe(false);
    expect(p.state).toBe('waiting');
  });

  it('holds bytes in flight to the initial cwnd; CONTROL may use the headroom', () => {
    const p = new Pacer({ initialRateBps: 1e12, initialCwndBytes: 32_768, priorityHeadroomBytes: 4096 });
    let n = 0;
    while (p.canSend(1024, n)) p.onSent(1024, n++);
    expect(n).toBe(32);
    expect(p.nextSendMs(n)).toBeUndefined();
    expect(p.canSend(100, n, true)).toBe(true);
  });

  it('lets a frame larger than cwnd go once in-flight is down to a quarter of cwnd', () => {
    const p = new Pacer({ initialRateBps: 1e12, initialCwndBytes: 32_768 });
    p.onSent(8193, 0);
    expect(p.canSend(40_000, 1)).toBe(false);
    const q = new Pacer({ initialRateBps: 1e12, initialCwndBytes: 32_768 });
    q.onSent(8192, 0);
    expect(q.canSend(40_000, 1)).toBe(true);
  });

  it('a peer that never reports bytes_received turns the pacer off', () => {
    const p = new Pacer();
    p.onSent(1000, 0);
    p.onAck({ bytesReceived: 0, receiveTimeNs: 0, ackSendTimeNs: 0 }, 10);
    expect(p.state).toBe('unpaced');
    expect(p.canSend(10_000_000, 10)).toBe(true);
  });

  it('gives up waiting for feedback after the timeout while blocked', () => {
    const p = new Pacer({ initialRateBps: 1e12, initialCwndBytes: 2000, feedbackTimeoutMs: 1000 });
    p.onSent(2000, 0);
    expect(p.canSend(1000, 10)).toBe(false);
    expect(p.canSend(1000, 1009)).toBe(false);
    expect(p.canSend(1000, 1010)).toBe(true);
    expect(p.state).toBe('unpaced');
  });
});

/**
 * A bottleneck of `rate` B/ms with `delayMs` one way each way; the receiver acks every 10 ms with
 * bytes_received and its receive time (hold time reported). The sender always has 1000 B frames.
 */
function simulate(p: Pacer, phases: { untilMs: number; rate: number }[], onTick?: (t: number) => void, delayMs = 20, ackEveryMs = 10) {
  const queue: number[] = []; // bytes per message waiting at the bottleneck
  let served = 0; // partial progress on the head message
  const arrivals: { t: number; bytes: number }[] = [];
  const acks: { t: number; d: number; recv: number }[] = [];
  let received = 0;
  let lastAck = 0;
  const states: PacerState[] = [];
  const changes: { t: number; state: PacerState }[] = [];
  let maxQueueBytes = 0;
  const endMs = phases.at(-1)?.untilMs ?? 0;
  for (let t = 0; t < endMs; t += 0.5) {
    const rate = phases.find((ph) => t < ph.untilMs)?.rate ?? 0;
    while (acks[0] && acks[0].t <= t) {
      const a = acks.shift();
      if (a) p.onAck({ bytesReceived: a.d, receiveTimeNs: a.recv * MS, ackSendTimeNs: t * MS - delayMs * MS }, t);
    }
    p.tick(t);
    while (p.canSend(1000, t)) {
      p.onSent(1000, t);
      queue.push(1000);
    }
    maxQueueBytes = Math.max(maxQueueBytes, queue.reduce((a, b) => a + b, 0));
    let budget = rate * 0.5;
    while (budget > 0 && queue.length > 0) {
      const need = (queue[0] ?? 0) - served;
      const take = Math.min(need, budget);
      served += take;
      budget -= take;
      if (served >= (queue[0] ?? 0)) {
        arrivals.push({ t: t + delayMs, bytes: queue.shift() ?? 0 });
        served = 0;
      }
    }
    while (arrivals[0] && arrivals[0].t <= t) received += arrivals.shift()?.bytes ?? 0;
    if (t - lastAck >= ackEveryMs && received > 0) {
      lastAck = t;
      acks.push({ t: t + delayMs, d: received, recv: t });
    }
    if (states.at(-1) !== p.state) {
      states.push(p.state);
      changes.push({ t, state: p.state });
    }
    onTick?.(t);
  }
  return { states, changes, maxQueueBytes };
}

describe('Pacer: BBR-style model on a simulated bottleneck', () => {
  it('converges to the bottleneck rate, keeps the queue small, probes periodically', () => {
    const p = new Pacer({ initialRateBps: 2_000_000 });
    const { states } = simulate(p, [{ untilMs: 6000, rate: 1250 }]); // 10 Mbit/s, 40 ms RTT
    expect(states.slice(0, 4)).toEqual(['waiting', 'startup', 'drain', 'cruise']);
    expect(states.filter((s) => s === 'probe').length).toBeGreaterThanOrEqual(2);
    expect(p.estimator.btlBwBpms).toBeGreaterThan(1250 * 0.97);
    expect(p.estimator.btlBwBpms).toBeLessThanOrEqual(1250 * 1.001);
    expect(p.estimator.minRttMs).toBeGreaterThanOrEqual(40);
    expect(p.estimator.minRttMs).toBeLessThan(43);
    // cwnd = 1.25 × BDP + ack aggregation (2 × BDP while probing): 10 ms of the estimate, or the
    // measured extra when more; here acks come every 10 ms, so at most one 1000 B frame more.
    const bw = p.estimator.btlBwBpms;
    const gain = p.state === 'probe' ? 2 : 1.25;
    const agg = Math.max(bw * 10, p.ackAggregationBytes);
    expect(p.ackAggregationBytes).toBeLessThanOrEqual(bw * 10 + 1000);
    expect(p.cwndBytes).toBeCloseTo(gain * bw * p.estimator.minRttMs + agg, 6);
    expect(p.pacingRateBps).toBeGreaterThan(0);
  });

  it('backs off when the link slows (RTT rises) and tracks the new rate; probes up when it frees', () => {
    const p = new Pacer({ initialRateBps: 2_000_000 });
    let atSlowEnd = 0;
    const run = simulate(p, [{ untilMs: 3000, rate: 1250 }, { untilMs: 6000, rate: 500 }, { untilMs: 9000, rate: 1250 }], (t) => {
      if (t === 5999.5) atSlowEnd = p.estimator.btlBwBpms;
    });
    const slowed = run.changes.filter((c) => c.t >= 3000 && c.t < 6000).map((c) => c.state);
    expect(slowed[0]).toBe('backoff');
    expect(run.changes.find((c) => c.state === 'backoff')?.t).toBeLessThan(3300);
    expect(atSlowEnd).toBeGreaterThan(500 * 0.9);
    expect(atSlowEnd).toBeLessThan(500 * 1.1);
    // The cell frees up again: the next probe sees growth and goes back to startup.
    const freed = run.changes.filter((c) => c.t >= 6000).map((c) => c.state);
    expect(freed.slice(0, 3)).toEqual(['probe', 'drain', 'startup']);
    expect(p.estimator.btlBwBpms).toBeGreaterThan(1250 * 0.9);
  });

  it('reaches a fast loopback link whose acks come late: cwnd covers the ack interval, no downward spiral', () => {
    // bench:throughput ran at 6 Mbit/s on loopback: with a ~1 ms RTT, cwnd was ≈ 11 ms of the
    // estimate, acks (10 ms timer, late under load) came ≥ 12 ms apart, so every round delivered less
    // than the estimate and the windowed max decayed to the 8 KiB cwnd floor.
    const p = new Pacer({ initialRateBps: 2_000_000 });
    simulate(p, [{ untilMs: 8000, rate: 12_500 }], undefined, 0.5, 14); // 100 Mbit/s, 1 ms RTT, acks 14 ms apart
    expect(p.estimator.btlBwBpms).toBeGreaterThan(12_500 * 0.8);
  });

  it('trims the cruise rate on a standing queue below the backoff threshold, without probing into it', () => {
    // 10 Mbit/s, then 8.8: until the bandwidth window (2.5 s) forgets the old samples, cruise at
    // 0.95 × the old estimate (9.5 Mbit/s) is above the new rate and a queue builds. The backoff
    // verdict waits for 30 ms of it (0.5 × 40 ms RTT + 10); the trim (AIMD on the queue delay,
    // target 8 ms) brings the rate under the link within a few rounds instead.
    const p = new Pacer({ initialRateBps: 2_000_000 });
    let maxQueue = 0;
    let capAt5s = Infinity;
    let rateAt5s = Infinity;
    const run = simulate(p, [{ untilMs: 3000, rate: 1250 }, { untilMs: 5500, rate: 1100 }], (t) => {
      // In flight beyond one BDP (40 ms at 1100 B/ms) is the standing queue plus ≤ 10 ms of ack interval.
      if (t >= 3000 && t < 5000) maxQueue = Math.max(maxQueue, p.estimator.inflight - 1100 * 40);
      if (t === 5000) { capAt5s = p.cruiseCapBps; rateAt5s = p.pacingRateBps; }
    });
    const after = run.changes.filter((c) => c.t >= 3000 && c.t < 5000).map((c) => c.state);
    expect(after).not.toContain('backoff');
    expect(after).not.toContain('probe');
    // AIMD: the cap swings around the link rate (a few % either way), far under the untrimmed 9.5 Mbit/s.
    expect(capAt5s).toBeLessThan(1100 * 8000 * 1.05);
    expect(rateAt5s).toBe(capAt5s);
    expect(rateAt5s).toBeGreaterThan(1100 * 8000 * 0.9);
    // The transient at the drop, until three trims bite: 28 kB; untrimmed (queueTargetMs huge) 65 kB.
    expect(maxQueue).toBeLessThan(35_000);
  });

  it('climbs back on its cubic when the link frees up a little: the rate follows it, no probe phase', () => {
    // 10 → 8.8 → 10 Mbit/s: the ceiling set at 8.8 is passed on the curve's convex side and the
    // next queue sets it near 10; probes (1.25 × the estimate) would each put 15 ms in front of CONTROL.
    const p = new Pacer({ initialRateBps: 2_000_000 });
    const delivered: Record<number, number> = {};
    const run = simulate(p, [{ untilMs: 3000, rate: 1250 }, { untilMs: 5000, rate: 1100 }, { untilMs: 14_000, rate: 1250 }], (t) => {
      if (t === 10_000 || t === 13_999.5) delivered[t] = p.estimator.bytesDelivered;
    });
    const late = run.changes.filter((c) => c.t >= 5000).map((c) => c.state);
    expect(late).not.toContain('probe');
    const utilisation = ((delivered[13_999.5] ?? 0) - (delivered[10_000] ?? 0)) / (1250 * 3999.5);
    expect(utilisation).toBeGreaterThan(0.9);
    expect(p.cruiseCapBps).toBeLessThan(1250 * 8000 * 1.1);
  });

  it('finds a cell that freed up a lot: the cubic passes 1.25 × the ceiling, startup takes it from there', () => {
    const p = new Pacer({ initialRateBps: 2_000_000 });
    const delivered: Record<number, number> = {};
    const run = simulate(p, [{ untilMs: 3000, rate: 1250 }, { untilMs: 5000, rate: 1100 }, { untilMs: 18_000, rate: 3000 }], (t) => {
      if (t === 15_000 || t === 17_999.5) delivered[t] = p.estimator.bytesDelivered;
    });
    const freed = run.changes.filter((c) => c.t >= 5000);
    expect(freed.map((c) => c.state)).toContain('startup');
    // The curve reaches 1.25 × the ceiling 2.36 × trimRecoveryMs (4 s) after the last ceiling was set.
    expect(freed.find((c) => c.state === 'startup')?.t).toBeLessThan(5000 + 9500);
    const utilisation = ((delivered[17_999.5] ?? 0) - (delivered[15_000] ?? 0)) / (3000 * 2999.5);
    expect(utilisation).toBeGreaterThan(0.85);
  });
});

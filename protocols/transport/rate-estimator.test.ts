import { describe, expect, it } from 'vitest';
import { RateEstimator } from './rate-estimator.js';

const MS = 1e6;

describe('RateEstimator', () => {
  it('measures the delivery rate on the receiver clock and the RTT minus the hold time, exactly', () => {
    const e = new RateEstimator({ sampleSpanMs: 40 });
    // 1000 B every ms from t=0; the receiver's clock runs 5000 ms ahead of ours (differences only matter).
    for (let t = 0; t < 200; t++) e.onSend(1000, t);
    const samples = [];
    // Acks every 10 ms of receiver time: byte count at receiver time r is 1000 × (r − 5020) / 1 (20 ms one-way).
    for (let k = 1; k <= 10; k++) {
      const recvMs = 5020 + 10 * k; // receiver clock
      const delivered = 1000 * 10 * k;
      // Held 3 ms at the receiver, 20 ms back: arrives at local 20 + 10k + 3 + 20.
      samples.push(e.onAck({ bytesReceived: delivered, receiveTimeNs: recvMs * MS, ackSendTimeNs: (recvMs + 3) * MS }, 10 * k + 43));
    }
    // Byte 10000k was the last byte of the message sent at t = 10k − 1: RTT = 10k + 43 − (10k − 1) − 3 = 41.
    expect(samples.map((s) => s.rttMs)).toEqual(Array(10).fill(41));
    // The first ack (5030) is the base: no rate until 40 ms of receiver clock are spanned (5070).
    expect(samples.map((s) => s.rateBpms)).toEqual([undefined, undefined, undefined, undefined, 1000, 1000, 1000, 1000, 1000, 1000]);
    expect(e.btlBwBpms).toBe(1000);
    expect(e.minRttMs).toBe(41);
    expect(e.inflight).toBe(200_000 - 100_000);
  });

  it("does not count an acked chunk's own transmission time as queue (up to 4 ms of it)", () => {
    // A 1250 B/ms (10 Mbit/s) bottleneck, 20 ms one-way, no queue: small frames first (the rate),
    // then lone 3750 B chunks whose last byte arrives 3 ms after their first.
    const e = new RateEstimator({ sampleSpanMs: 20 });
    let d = 0;
    let t = 0;
    for (; t < 200; t += 1) {
      e.onSend(1250, t);
      d += 1250;
      e.onAck({ bytesReceived: d, receiveTimeNs: (t + 1 + 20) * MS, ackSendTimeNs: 0 }, t + 41);
    }
    expect(e.btlBwBpms).toBeCloseTo(1250, 0);
    for (; t < 400; t += 10) {
      e.onSend(3750, t);
      d += 3750;
      e.onAck({ bytesReceived: d, receiveTimeNs: (t + 3 + 20) * MS, ackSendTimeNs: 0 }, t + 43);
    }
    expect(e.recentQueueDelay(t + 43, 100).min).toBeCloseTo(0, 1);
    // A 20 kB burst of our own (16 ms) is a queue CONTROL waits behind: all of it counts.
    for (let i = 0; i < 4; i++) e.onSend(5000, t);
    d += 20_000;
    e.onAck({ bytesReceived: d, receiveTimeNs: (t + 16 + 20) * MS, ackSendTimeNs: 0 }, t + 56);
    expect(e.recentQueueDelay(t + 56, 5).min).toBeCloseTo(16, 1);
  });

  it('keeps the windowed max bandwidth and min RTT, forgets samples older than the window', () => {
    const e = new RateEstimator({ sampleSpanMs: 10, bwWindowMs: 100 });
    for (let t = 0; t < 1000; t++) e.onSend(10_000, t);
    let d = 0;
    const ack = (recvMs: number, bytes: number, nowMs: number): void => {
      d += bytes;
      e.onAck({ bytesReceived: d, receiveTimeNs: recvMs * MS, ackSendTimeNs: 0 }, nowMs);
    };
    ack(0, 0 + 1, 50);
    ack(10, 20_000, 60); // 2000 B/ms
    ack(20, 10_000, 70); // 1000 B/ms
    expect(e.btlBwBpms).toBe(2000);
    for (let r = 30; r <= 100; r += 10) ack(r, 10_000, r + 50); // 1000 B/ms on
    expect(e.btlBwBpms).toBe(2000); // at 150 the 2000 sample (t = 60) is still in the window
    for (let r = 110; r <= 200; r += 10) ack(r, 10_000, r + 50);
    expect(e.btlBwBpms).toBe(1000); // window moved on: only 1000 B/ms samples are left
  });

  it('app-limited samples raise the estimate but never lower it', () => {
    const e = new RateEstimator({ sampleSpanMs: 10, bwWindowMs: 100 });
    for (let t = 0; t < 100; t++) e.onSend(10_000, t);
    e.onAck({ bytesReceived: 1, receiveTimeNs: 0, ackSendTimeNs: 0 }, 10);
    e.onAck({ bytesReceived: 20_001, receiveTimeNs: 10 * MS, ackSendTimeNs: 0 }, 20);
    expect(e.btlBwBpms).toBe(2000);
    e.markAppLimited();
    e.onAck({ bytesReceived: 21_001, receiveTimeNs: 500 * MS, ackSendTimeNs: 0 }, 510);
    expect(e.btlBwBpms).toBe(2000);
  });

  it('a silence longer than the window (an outage) does not age it: the sample spanning it cannot set the estimate alone', () => {
    const e = new RateEstimator({ sampleSpanMs: 10, bwWindowMs: 100 });
    for (let t = 0; t < 100; t++) e.onSend(10_000, t);
    e.onAck({ bytesReceived: 1, receiveTimeNs: 0, ackSendTimeNs: 0 }, 10);
    e.onAck({ bytesReceived: 20_001, receiveTimeNs: 10 * MS, ackSendTimeNs: 0 }, 20); // 2000 B/ms
    // 10 s of nothing, then 5000 B: (25_001 − 20_001) / 10_000 ms = 0.5 B/ms, busy (not app-limited).
    e.onAck({ bytesReceived: 25_001, receiveTimeNs: 10_010 * MS, ackSendTimeNs: 0 }, 10_020);
    expect(e.btlBwBpms).toBe(2000);
    // Deliveries go on at 1000 B/ms: one window later only they are left.
    for (let k = 1; k <= 11; k++) e.onAck({ bytesReceived: 25_001 + 10_000 * k, receiveTimeNs: (10_010 + 10 * k) * MS, ackSendTimeNs: 0 }, 10_020 + 10 * k);
    expect(e.btlBwBpms).toBe(1000);
  });

  it('queue delay is on the one-way delay: late ack handling on our side adds RTT, not queue delay', () => {
    const e = new RateEstimator({ sampleSpanMs: 10 });
    for (let t = 0; t < 100; t++) e.onSend(1000, t);
    // Byte 1000k sent at k − 1, received 20 ms later on the peer clock (offset 5000 ms).
    const ack = (k: number, queueMs: number, lateMs: number): void => {
      e.onAck({ bytesReceived: 1000 * k, receiveTimeNs: (5000 + k - 1 + 20 + queueMs) * MS, ackSendTimeNs: 0 }, k - 1 + 40 + queueMs + lateMs);
    };
    for (let k = 1; k <= 10; k++) ack(k, 0, 0);
    for (let k = 11; k <= 20; k++) ack(k, 0, 30); // our event loop 30 ms late
    expect(e.recentRtt(89, 9)).toEqual({ min: 70, n: 10 }); // acks handled at 80..89
    expect(e.recentQueueDelay(89, 9)).toEqual({ min: 0, n: 10, busyMin: 0, busy: 10 });
    for (let k = 21; k <= 30; k++) ack(k, 25, 50); // a real queue of 25 ms at the bottleneck (handled at 135..144)
    expect(e.recentQueueDelay(144, 9)).toEqual({ min: 25, n: 10, busyMin: 25, busy: 10 });
  });

  it('an outage longer than the RTT window does not make its own sample the min RTT or the one-way base', () => {
    const e = new RateEstimator({ sampleSpanMs: 10, rttWindowMs: 1000 });
    for (let t = 0; t < 100; t++) e.onSend(1000, t);
    // Byte 1000k sent at k − 1, received 20 ms later (peer clock = ours), ack back 20 ms later.
    for (let k = 1; k <= 50; k++) e.onAck({ bytesReceived: 1000 * k, receiveTimeNs: (k - 1 + 20) * MS, ackSendTimeNs: (k - 1 + 20) * MS }, k - 1 + 40);
    expect(e.minRttMs).toBe(40);
    // 5 s outage: byte 51 000 (sent at 50) arrives at 5070, its ack at 5090: an RTT sample of 5040.
    e.onAck({ bytesReceived: 51_000, receiveTimeNs: 5070 * MS, ackSendTimeNs: 5070 * MS }, 5090);
    expect(e.minRttMs).toBe(40);
    // Queue delay: that sample is 5000 ms above the base, the base itself is kept.
    expect(e.recentQueueDelay(5090, 5)).toEqual({ min: 5000, n: 1, busyMin: 5000, busy: 1 });
  });

  it('minutes of app-limited samples do not age the window: the rate of the last full pipe stays until busy samples replace it', () => {
    // issue 14: on wall time the full-pipe samples aged out under live traffic, and the first busy
    // sample of a record let the window's app-limited samples (the offered load) set the estimate.
    const e = new RateEstimator({ sampleSpanMs: 10, bwWindowMs: 100 });
    let d = 0;
    let t = 0;
    const step = (bytes: number, appLimited: boolean): void => {
      e.onSend(bytes, t);
      if (appLimited) e.markAppLimited();
      d += bytes;
      t += 10;
      e.onAck({ bytesReceived: d, receiveTimeNs: t * MS, ackSendTimeNs: 0 }, t + 20);
    };
    for (let i = 0; i < 20; i++) step(10_000, false); // 1000 B/ms, busy
    expect(e.btlBwBpms).toBe(1000);
    for (let i = 0; i < 6000; i++) step(300, true); // 60 s of 30 B/ms, app-limited
    expect(e.btlBwBpms).toBe(1000);
    step(5000, false); // a record: its first busy sample (500 B/ms)
    expect(e.btlBwBpms).toBe(1000);
    for (let i = 0; i < 15; i++) step(5000, false); // 150 ms busy at 500 B/ms: the window moved on
    expect(e.btlBwBpms).toBe(500);
    // Those app-limited samples never entered the window (they could not raise it): it stays bounded.
    expect(e.recentRate(t + 20, 100)).toBe(500);
  });

  it('the queue delay tells bytes sent with a backlog from app-limited ones', () => {
    const e = new RateEstimator({ sampleSpanMs: 10 });
    // Byte 1000k sent at k − 1, received 20 ms later; from k = 11 on a 30 ms queue (a stall).
    const ack = (k: number, queueMs: number): void => {
      e.onAck({ bytesReceived: 1000 * k, receiveTimeNs: (k - 1 + 20 + queueMs) * MS, ackSendTimeNs: 0 }, k - 1 + 40 + queueMs);
    };
    for (let k = 1; k <= 10; k++) { e.onSend(1000, k - 1); ack(k, 0); }
    for (let k = 11; k <= 15; k++) { e.onSend(1000, k - 1); e.markAppLimited(); ack(k, 30); }
    for (let k = 16; k <= 20; k++) { e.onSend(1000, k - 1); ack(k, 40); }
    // Acks handled at 80..84 (app-limited) and 95..99 (busy).
    const q = e.recentQueueDelay(99, 20);
    expect(q).toMatchObject({ min: 30, n: 10, busy: 5 });
    // 40 ms less the first busy chunk's own transmission at the estimate of the moment.
    expect(q.busyMin).toBeGreaterThan(35);
    // A late event loop (markUnderdriven): its rate samples are app-limited, its delays still busy.
    e.onSend(1000, 20);
    e.markUnderdriven();
    const s = e.onAck({ bytesReceived: 21_000, receiveTimeNs: (20 + 20 + 40) * MS, ackSendTimeNs: 0 }, 100);
    expect(s.appLimited).toBe(true);
    expect(e.recentQueueDelay(100, 0).busy).toBe(1);
  });
});

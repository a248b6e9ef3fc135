import { describe, expect, it } from 'vitest';
import { decodeEnvelope, TrafficClass, type Clock, type EnvelopeInit, type telemed } from '../../protocols/index.js';
import { Downlink } from './downlink.js';

function fakeSocket() {
  const sent: Uint8Array[] = [];
  return { sent, bufferedAmount: 0, send(bytes: Uint8Array) { sent.push(bytes); } };
}
const clock = (): Clock & { t: number } => {
  const c = { t: 0, nowNs: () => c.t * 1e6, monoMs: () => c.t };
  return c;
};
const diag = (seq: number, text = 'x'): EnvelopeInit & { header: telemed.v1.IHeader } => ({
  header: { gatewayId: 'g', streamId: 'diagnosis', seq, trafficClass: TrafficClass.TRAFFIC_CLASS_ALARM, durable: true }, diagnosis: { recordId: `r${seq}`, text },
});
const arm = (id: number): EnvelopeInit & { header: telemed.v1.IHeader } => ({
  header: { gatewayId: 'g', streamId: 'arm', seq: id, trafficClass: TrafficClass.TRAFFIC_CLASS_CONTROL, durable: false }, armCommand: { commandId: id },
});

describe('hub Downlink', () => {
  it('holds frames beyond the initial window in the scheduler, where an arm command overtakes queued diagnoses', () => {
    const sock = fakeSocket();
    const c = clock();
    const d = new Downlink({ socket: sock, clock: c, maxFrameBytes: 1 << 20, maxHeldBytes: 1 << 20, maxQueuedFrames: 16 });
    for (let i = 1; i <= 10; i++) expect(d.send(diag(i, 'y'.repeat(8000)))).toBe('sent');
    const before = sock.sent.length;
    expect(before).toBeLessThan(10); // initial cwnd (32 KiB) and token bucket hold the rest
    expect(d.send(arm(1))).toBe('sent');
    // CONTROL may use the cwnd headroom and borrow tokens: it goes at once, ahead of the queued diagnoses.
    expect(sock.sent.length).toBe(before + 1);
    expect(decodeEnvelope(sock.sent[before] ?? new Uint8Array()).payload).toBe('armCommand');
    d.close();
  });

  it('keeps durable frames until the gateway acks them and refuses new ones past the bound', () => {
    const sock = fakeSocket();
    const c = clock();
    const d = new Downlink({ socket: sock, clock: c, maxFrameBytes: 1 << 20, maxHeldBytes: 300, maxQueuedFrames: 16 });
    expect(d.send(diag(1))).toBe('sent');
    expect(d.send(diag(2))).toBe('sent');
    const held = d.held;
    expect(held).toBeGreaterThan(0);
    let n = 3;
    while (d.send(diag(n)) === 'sent') n += 1;
    expect(d.held).toBeLessThanOrEqual(300);
    const beforeAck = d.held;
    d.onAck({ streams: [{ streamId: 'diagnosis', seq: 2 }], bytesReceived: 0 }, 0);
    expect(d.held).toBe(beforeAck - held);
    expect(d.send(diag(n))).toBe('sent');
    // What the gateway never acked is handed back when the session ends.
    expect(d.close().map((f) => f.seq)).toEqual(Array.from({ length: n - 2 }, (_, i) => i + 3));
  });

  it('stamps a realtime frame with the time it is written, not queued: capture → send is its wait here', () => {
    const sock = fakeSocket();
    const c = clock();
    const d = new Downlink({ socket: sock, clock: c, maxFrameBytes: 1 << 20, maxHeldBytes: 1 << 20, maxQueuedFrames: 16 });
    sock.bufferedAmount = 1 << 20; // socket full: the arm command waits in the scheduler
    c.t = 100;
    d.send(arm(1));
    expect(sock.sent).toHaveLength(0);
    c.t = 130;
    sock.bufferedAmount = 0;
    d.pump();
    expect(Number(decodeEnvelope(sock.sent[0] ?? new Uint8Array()).header.sendTimeNs)).toBe(130 * 1e6);
    d.close();
  });

  it('fifo mode (the bench baseline): one queue in arrival order, unpaced, no deadline drops', () => {
    const sock = fakeSocket();
    const c = clock();
    const d = new Downlink({ socket: sock, clock: c, maxFrameBytes: 1 << 20, maxHeldBytes: 1 << 20, maxQueuedFrames: 16, mode: 'fifo' });
    // Far beyond the scheduled mode's initial cwnd (32 KiB): all written at once, no feedback needed.
    for (let i = 1; i <= 10; i++) d.send(diag(i, 'y'.repeat(8000)));
    d.send(arm(1));
    expect(sock.sent.map((b) => decodeEnvelope(b).payload)).toEqual([...Array(10).fill('diagnosis'), 'armCommand']);
    // A full socket holds everything back in order; an arm command queued for seconds is still sent, late.
    sock.bufferedAmount = 2 << 20;
    d.send(arm(2));
    d.send(diag(11));
    c.t = 5000;
    sock.bufferedAmount = 0;
    d.pump();
    expect(sock.sent.slice(11).map((b) => decodeEnvelope(b).payload)).toEqual(['armCommand', 'diagnosis']);
    d.close();
  });
});

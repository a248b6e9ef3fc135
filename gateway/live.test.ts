import { describe, expect, it } from 'vitest';
import { broadcast, type LiveSocket } from './live.js';

class FakeSocket implements LiveSocket {
  sent: string[] = [];
  terminated = false;
  constructor(public bufferedAmount: number) {}
  send(data: string): void { this.sent.push(data); }
  terminate(): void { this.terminated = true; }
}

describe('/live broadcast', () => {
  it('sends to clients that keep up and drops the ones above the buffer bound', () => {
    const fast = new FakeSocket(0);
    const atBound = new FakeSocket(1000);
    const slow = new FakeSocket(1001);
    const clients = new Set<LiveSocket>([fast, atBound, slow]);
    expect(broadcast(clients, 'm', 1000)).toBe(1);
    expect(fast.sent).toEqual(['m']);
    expect(atBound.sent).toEqual(['m']);
    expect(slow.sent).toEqual([]);
    expect(slow.terminated).toBe(true);
    expect([...clients]).toEqual([fast, atBound]);
  });
});

import { describe, expect, it } from 'vitest';
import { GatewayMetrics } from './metrics.js';
import type { OutFrame } from './uplink/streams.js';

const frame = (className: OutFrame['className']): OutFrame => ({ className } as OutFrame);

describe('GatewayMetrics hooks (bound children per class and reason)', () => {
  it('counts sent and dropped frames under their own labels', async () => {
    const m = new GatewayMetrics(() => 0);
    const h = m.hooks();
    h.sent?.(frame('vitals'));
    h.sent?.(frame('vitals'));
    h.sent?.(frame('control'));
    h.dropped?.(frame('waveform'), 'late');
    h.dropped?.(frame('waveform'), 'late');
    h.dropped?.(frame('waveform'), 'queue_full');
    h.dropped?.(frame('bulk'), 'late');
    const text = await m.registry.metrics();
    expect(text).toContain('telemed_gateway_frames_sent_total{class="vitals"} 2');
    expect(text).toContain('telemed_gateway_frames_sent_total{class="control"} 1');
    expect(text).toContain('telemed_gateway_frames_dropped_total{class="waveform",reason="late"} 2');
    expect(text).toContain('telemed_gateway_frames_dropped_total{class="waveform",reason="queue_full"} 1');
    expect(text).toContain('telemed_gateway_frames_dropped_total{class="bulk",reason="late"} 1');
  });
});

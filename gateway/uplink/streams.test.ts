import { describe, expect, it } from 'vitest';
import { CLASS_DEFAULTS, TrafficClass, decodeEnvelope, encodeEnvelope, telemed } from '../../protocols/index.js';
import { StreamSequencer, encodeBatchForSend, encodeForSend, sendSize, storedFrame } from './streams.js';

describe('encodeForSend (payload encoded once, header per send)', () => {
  const seqr = new StreamSequencer('clinic-1', (c) => CLASS_DEFAULTS[c].budgetMs);
  const cases = [
    { name: 'vitals', streamId: 'monitor-1/vitals', cls: TrafficClass.TRAFFIC_CLASS_VITALS, payload: { vitals: { deviceId: 'm1', numerics: [{ code: 'MDC_PULS_OXIM_SAT_O2', label: 'SpO2', value: 97, unit: '%' }] } } },
    { name: 'a 20 kB record chunk', streamId: 'cart-1/ecg-record', cls: TrafficClass.TRAFFIC_CLASS_BULK, payload: { ecgChunk: { recordId: 'r1', offset: 16384, data: new Uint8Array(20_000).fill(3) } } },
    // A header longer than 127 bytes needs a two-byte length varint.
    { name: 'a 120-character stream id', streamId: 's'.repeat(120), cls: TrafficClass.TRAFFIC_CLASS_ALARM, payload: { alarm: { text: 'x' } } },
  ];
  for (const c of cases) {
    it(`is byte-identical to encoding the whole envelope: ${c.name}`, () => {
      const f = seqr.build({ streamId: c.streamId, trafficClass: c.cls, durable: true, captureTimeNs: 1.7e18, payload: c.payload }, 0);
      for (const t of [0, 1, 1_763_850_000_123_456_000]) {
        const fast = encodeForSend(f, t);
        expect(fast).toEqual(encodeEnvelope({ ...f.env, header: { ...f.env.header, sendTimeNs: t } }));
        expect(decodeEnvelope(fast).header.sendTimeNs).toBe(t);
      }
      // size: the frame without a send time.
      expect(f.size).toBe(encodeEnvelope(f.env).length);
    });
  }

  for (const c of cases) {
    it(`a frame over its stored bytes sends them unchanged and decodes its envelope on demand: ${c.name}`, () => {
      const f = seqr.build({ streamId: c.streamId, trafficClass: c.cls, durable: true, captureTimeNs: 1.7e18, payload: c.payload }, 0);
      const back = storedFrame(c.streamId, f.seq, encodeForSend(f, 0), 7, f.size);
      expect({ streamId: back.streamId, seq: back.seq, trafficClass: back.trafficClass, className: back.className, durable: back.durable, budgetMs: back.budgetMs, deadlineMs: back.deadlineMs, size: back.size })
        .toEqual({ streamId: f.streamId, seq: f.seq, trafficClass: f.trafficClass, className: f.className, durable: true, budgetMs: f.budgetMs, deadlineMs: 7, size: f.size });
      for (const t of [0, 1_763_850_000_123_456_000]) {
        expect(encodeForSend(back, t)).toEqual(encodeForSend(f, t));
        expect(sendSize(back, t)).toBe(sendSize(f, t));
      }
      expect(encodeEnvelope(back.env)).toEqual(encodeEnvelope(f.env));
    });
  }

  it('a stored frame whose header names no traffic class is refused', () => {
    const bytes = encodeEnvelope({ header: { streamId: 'x', seq: 1 }, vitals: { deviceId: 'd' } });
    expect(() => storedFrame('x', 1, bytes, 0, bytes.length)).toThrow(/no traffic class/);
  });

  it('refuses a frame above the 1 MiB frame limit with TM_ERR_FRAME_TOO_LARGE', () => {
    const f = seqr.build({ streamId: 'big', trafficClass: TrafficClass.TRAFFIC_CLASS_BULK, durable: true, captureTimeNs: 1, payload: { ecgChunk: { data: new Uint8Array(1 << 20) } } }, 0);
    expect(() => encodeForSend(f, 5)).toThrow(expect.objectContaining({ code: 'TM_ERR_FRAME_TOO_LARGE' }));
  });

  it('a Batch of frames is byte-identical to protobufjs encoding the Batch of their encodeForSend bytes', () => {
    const frames = cases.map((c) => seqr.build({ streamId: c.streamId, trafficClass: c.cls, durable: true, captureTimeNs: 1.7e18, payload: c.payload }, 0));
    const outer = telemed.v1.Header.encode({ gatewayId: 'clinic-1' }).finish();
    for (const t of [0, 1_763_850_000_123_456_000]) {
      const singles = frames.map((f) => encodeForSend(f, t));
      expect(singles.map((b) => b.length)).toEqual(frames.map((f) => sendSize(f, t)));
      expect(encodeBatchForSend(frames, t, outer)).toEqual(new Uint8Array(encodeEnvelope({ header: { gatewayId: 'clinic-1' }, batch: { frames: singles } })));
      // One frame goes as itself, not as a Batch of one.
      expect(encodeBatchForSend(frames.slice(0, 1), t, outer)).toEqual(singles[0]);
    }
  });

  it('a frame rebuilt from storage with a send time already in its header is stamped once, with the new time', () => {
    const f = seqr.build({ streamId: 'v', trafficClass: TrafficClass.TRAFFIC_CLASS_VITALS, durable: true, captureTimeNs: 5, payload: { vitals: { deviceId: 'd' } } }, 0);
    const stored = { ...f, env: { ...f.env, header: { ...f.env.header, sendTimeNs: 99 } } };
    expect(encodeForSend(stored, 1234)).toEqual(encodeEnvelope({ ...f.env, header: { ...f.env.header, sendTimeNs: 1234 } }));
  });
});

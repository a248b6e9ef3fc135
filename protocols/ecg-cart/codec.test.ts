import { describe, expect, it } from 'vitest';
import { crc16CcittFalse } from './crc16.js';
import { decodeFrame, decodeRaw, encodeFrame, encodeRaw } from './codec.js';
import { CART_LEADS, DERIVED_LEADS } from './leads.js';
import type { AnyMessage } from './messages.js';

const SAMPLE_MESSAGES: AnyMessage[] = [
  { type: 'DeviceInfo', model: 'TM-ECG18', serial: 'SN0001', firmware: '1.2.3', sampleRateHz: 500, uvPerCount: 1, leads: CART_LEADS.map((name) => ({ name, derived: DERIVED_LEADS.has(name) })) },
  { type: 'SampleBlock', firstSampleIndex: 4_000_000_000, leadCount: 18, samplesPerLead: 3, samples: Int16Array.from({ length: 54 }, (_, i) => (i * 1237) % 65536 - 32768) },
  { type: 'LeadOff', bitmap: 0x20001 },
  { type: 'RecordStart', recordId: 'R-1', patientId: 'P-42', startSampleIndex: 1000 },
  { type: 'RecordStop', recordId: 'R-1', stopSampleIndex: 6000, aborted: false },
  { type: 'Error', code: 7, text: 'battery low' },
  { type: 'Heartbeat', uptimeMs: 123456 },
  { type: 'RequestInfo' },
  { type: 'StartStream' },
  { type: 'StopStream' },
  { type: 'StartRecord', patientId: 'P-42', durationMs: 10_000 },
  { type: 'StopRecord' },
];

describe('cart frame codec', () => {
  it.each(SAMPLE_MESSAGES.map((m) => [m.type, m] as const))('round-trips %s', (_t, m) => {
    const wire = encodeFrame(0xbeef, m);
    expect(wire[wire.length - 1]).toBe(0);
    expect(wire.subarray(0, -1).includes(0)).toBe(false);
    const f = decodeFrame(wire.subarray(0, -1));
    expect(f.seq).toBe(0xbeef);
    expect(f.message).toEqual(m);
  });

  it('lays out the header as version, type, seq LE and the CRC big-endian (SPEC.md §2)', () => {
    const raw = encodeRaw(0x0102, { type: 'Heartbeat', uptimeMs: 1 });
    expect([...raw.subarray(0, 4)]).toEqual([1, 0x07, 0x02, 0x01]);
    expect(raw.length).toBe(4 + 4 + 2);
  });

  const cases: [string, (raw: Uint8Array) => void, string][] = [
    ['a flipped payload bit', (r) => { r[5]! ^= 0x10; }, 'TM_ERR_CART_BAD_CRC'],
    ['a truncated frame', () => undefined, 'TM_ERR_CART_SHORT'],
  ];
  it.each(cases)('rejects %s', (_n, mutate, code) => {
    const raw = encodeRaw(1, { type: 'Heartbeat', uptimeMs: 99 });
    mutate(raw);
    const input = code === 'TM_ERR_CART_SHORT' ? raw.subarray(0, 5) : raw;
    expect(() => decodeRaw(input)).toThrow(expect.objectContaining({ code }));
  });

  it('rejects an unknown version, an unknown type and trailing bytes with their codes', () => {
    const fix = (bytes: number[]): Uint8Array => {
      // A valid CRC over the given bytes, so only the intended field is wrong.
      const out = new Uint8Array(bytes.length + 2);
      out.set(bytes);
      return withCrc(out);
    };
    expect(() => decodeRaw(fix([2, 0x07, 0, 0, 0, 0, 0, 0]))).toThrow(expect.objectContaining({ code: 'TM_ERR_CART_BAD_VERSION' }));
    expect(() => decodeRaw(fix([1, 0x70, 0, 0]))).toThrow(expect.objectContaining({ code: 'TM_ERR_CART_UNKNOWN_TYPE' }));
    expect(() => decodeRaw(fix([1, 0x07, 0, 0, 0, 0, 0, 0, 9]))).toThrow(expect.objectContaining({ code: 'TM_ERR_CART_BAD_MESSAGE' }));
    expect(() => decodeRaw(fix([1, 0x07, 0, 0, 0, 0]))).toThrow(expect.objectContaining({ code: 'TM_ERR_CART_BAD_MESSAGE' }));
  });

  it('refuses to encode a string over 64 bytes or a mis-shaped block', () => {
    expect(() => encodeRaw(0, { type: 'Error', code: 1, text: 'x'.repeat(65) })).toThrow(expect.objectContaining({ code: 'TM_ERR_CART_ENCODE' }));
    expect(() => encodeRaw(0, { type: 'SampleBlock', firstSampleIndex: 0, leadCount: 18, samplesPerLead: 2, samples: new Int16Array(3) })).toThrow(
      expect.objectContaining({ code: 'TM_ERR_CART_ENCODE' }),
    );
  });
});

function withCrc(out: Uint8Array): Uint8Array {
  const c = crc16CcittFalse(out, 0, out.length - 2);
  out[out.length - 2] = c >> 8;
  out[out.length - 1] = c & 0xff;
  return out;
}

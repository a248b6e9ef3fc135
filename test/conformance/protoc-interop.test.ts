// Our codec against an independent implementation (Debian's protoc, C++): both directions.
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeEnvelope, encodeEnvelope } from '../../protocols/index.js';
import { PAYLOAD_KINDS, SAMPLE_CAPTURE_TIME_NS, sampleEnvelope, samplePayload } from '../../protocols/wire/fixtures.js';
import { cEscape } from './raw-decode.js';
import { findProtoc, PROTOC_MISSING, protocDecodeEnvelope, protocEncodeEnvelope, textLines } from './protoc.js';

/** Largest double below 2^63: the biggest int64 a JS number carries exactly (2^63 - 1024). */
const BIG_NS = 9_223_372_036_854_774_784;

let protoc = '';
beforeAll(() => {
  // Throws PROTOC_MISSING: the suite fails (never skips) on a machine without protoc.
  protoc = findProtoc();
});

describe('protoc lookup', () => {
  it('fails with the install hint when protoc is missing', () => {
    expect(() => findProtoc(['/nonexistent/bin/protoc'])).toThrow(PROTOC_MISSING);
  });
});

describe('our bytes -> protoc --decode', () => {
  it.each(PAYLOAD_KINDS)('protoc reads our %s frame', async (kind) => {
    const text = await protocDecodeEnvelope(protoc, encodeEnvelope(sampleEnvelope(kind)));
    const lines = textLines(text);
    expect(lines[0]).toBe('header {');
    expect(lines).toContain('gateway_id: "gw-clinic-07"');
    const arm = kind.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    expect(lines).toContain(`${arm === 'ultrasound' ? 'ultrasound' : arm} {`);
  });

  it('vitals: strings, doubles, repeated messages, nested position', async () => {
    const lines = textLines(await protocDecodeEnvelope(protoc, encodeEnvelope(sampleEnvelope('vitals'))));
    for (const want of [
      'traffic_class: TRAFFIC_CLASS_VITALS', 'seq: 42', 'durable: true', 'budget_ms: 250',
      'code: "MDC_PULS_OXIM_SAT_O2"', 'value: 97.5', 'unit: "%"', 'label: "SpO2"', 'valid: true',
      `time_ns: ${BigInt(SAMPLE_CAPTURE_TIME_NS - 512)}`, 'value: 72', 'latitude_deg: 47.3769', 'longitude_deg: -8.5417',
      'patient_ref: "pt-ref-opaque"',
    ]) expect(lines, want).toContain(want);
    expect(lines.filter((l) => l === 'numerics {')).toHaveLength(2);
  });

  it('waveform: negative sint32 samples (zigzag) come out as the same numbers', async () => {
    const lines = textLines(await protocDecodeEnvelope(protoc, encodeEnvelope(sampleEnvelope('waveform'))));
    const samples = lines.filter((l) => l.startsWith('samples: ')).map((l) => Number(l.slice('samples: '.length)));
    expect(samples).toEqual(samplePayload('waveform').waveform?.samples);
    expect(lines).toContain('first_sample_index: 123456789012');
    expect(lines).toContain('scale: 0.005');
  });

  it('bulk chunk: bytes fields, byte for byte', async () => {
    const chunk = samplePayload('ecgChunk').ecgChunk!;
    const lines = textLines(await protocDecodeEnvelope(protoc, encodeEnvelope(sampleEnvelope('ecgChunk'))));
    expect(lines).toContain(`data: "${cEscape(chunk.data!)}"`);
    expect(lines).toContain(`sha256: "${cEscape(chunk.sha256!)}"`);
    expect(lines).toContain('offset: 65536');
    expect(lines).toContain('total_size: 262144');
    expect(lines).toContain('last: true');
  });

  it('arm command: doubles including negatives and fractions', async () => {
    const lines = textLines(await protocDecodeEnvelope(protoc, encodeEnvelope(sampleEnvelope('armCommand'))));
    for (const want of ['command_id: 1000001', 'kind: ARM_COMMAND_KIND_MOVE', 'x_mm: 12.5', 'y_mm: -40.25', 'z_mm: 101.125',
      'pitch_deg: -2.75', 'yaw_deg: 179.5', 'max_speed_mm_s: 25.5', 'max_force_n: 7.25']) expect(lines, want).toContain(want);
  });

  it('header: large and negative int64 times', async () => {
    const env = sampleEnvelope('alarm', { captureTimeNs: BIG_NS, sendTimeNs: -1 });
    const lines = textLines(await protocDecodeEnvelope(protoc, encodeEnvelope(env)));
    expect(lines).toContain('capture_time_ns: 9223372036854774784');
    expect(lines).toContain('send_time_ns: -1');
  });
});

describe('protoc --encode -> our decoder', () => {
  const cases: Array<{ name: string; text: string; check: (env: ReturnType<typeof decodeEnvelope>) => void }> = [
    {
      name: 'vitals with a large capture time',
      text: `header { gateway_id: "gw-1" stream_id: "vitals/m1" seq: 7 capture_time_ns: ${BigInt(BIG_NS)} traffic_class: TRAFFIC_CLASS_VITALS durable: true send_time_ns: -5 }
             vitals { device_id: "m1" numerics { code: "MDC_PULS_OXIM_SAT_O2" value: 97.5 unit: "%" valid: true } numerics { code: "HR" value: 61 } position { latitude_deg: -33.5 } }`,
      check: (e) => {
        expect(e.header.captureTimeNs).toBe(BIG_NS);
        expect(e.header.sendTimeNs).toBe(-5);
        expect(e.header.seq).toBe(7);
        expect(e.vitals?.numerics?.map((n) => [n.code, n.value, n.valid])).toEqual([['MDC_PULS_OXIM_SAT_O2', 97.5, true], ['HR', 61, false]]);
        expect(e.vitals?.position?.latitudeDeg).toBe(-33.5);
      },
    },
    {
      name: 'waveform with negative samples',
      text: `header { stream_id: "ecg/ii" traffic_class: TRAFFIC_CLASS_WAVEFORM seq: 1 }
             waveform { channel: "ECG_II" sample_rate_hz: 500 samples: [-1, -2, 3, -2147483648, 2147483647, 0] scale: 0.005 }`,
      check: (e) => {
        expect(e.waveform?.samples).toEqual([-1, -2, 3, -2147483648, 2147483647, 0]);
        expect(e.waveform?.scale).toBe(0.005);
      },
    },
    {
      name: 'bulk chunk with binary data',
      text: `header { stream_id: "bulk/rec" traffic_class: TRAFFIC_CLASS_BULK seq: 3 durable: true }
             ecg_chunk { record_id: "r1" offset: 4294967296 total_size: 8589934592 data: "\\000\\001\\377abc\\n" sha256: "\\253\\253" last: true }`,
      check: (e) => {
        expect(Array.from(e.ecgChunk?.data ?? [])).toEqual([0, 1, 255, 97, 98, 99, 10]);
        expect(Array.from(e.ecgChunk?.sha256 ?? [])).toEqual([0xab, 0xab]);
        expect(e.ecgChunk?.offset).toBe(4_294_967_296);
        expect(e.ecgChunk?.totalSize).toBe(8_589_934_592);
      },
    },
    {
      name: 'arm command with doubles',
      text: `header { stream_id: "arm/cmd" traffic_class: TRAFFIC_CLASS_CONTROL seq: 9 }
             arm_command { command_id: 18446744073709 kind: ARM_COMMAND_KIND_MOVE target { x_mm: 0.1 y_mm: -1e-300 z_mm: 1.7976931348623157e308 yaw_deg: -180 } max_speed_mm_s: 25.5 max_force_n: 5e-324 }`,
      check: (e) => {
        const c = e.armCommand!;
        expect(c.commandId).toBe(18_446_744_073_709);
        expect([c.target?.xMm, c.target?.yMm, c.target?.zMm, c.target?.yawDeg]).toEqual([0.1, -1e-300, Number.MAX_VALUE, -180]);
        expect(c.maxForceN).toBe(Number.MIN_VALUE);
      },
    },
  ];

  it.each(cases)('$name: decodes to the expected values and re-encodes byte for byte', async ({ text, check }) => {
    const bytes = await protocEncodeEnvelope(protoc, text);
    const env = decodeEnvelope(bytes);
    check(env);
    // protoc writes proto3's canonical form (field-number order, packed scalars, defaults omitted);
    // protobufjs does the same for a decoded message, so the bytes are identical.
    expect(Buffer.from(encodeEnvelope(env)).equals(Buffer.from(bytes))).toBe(true);
  });

  it('an int64 that is not a double decodes to the nearest double, so it cannot round-trip exactly', async () => {
    // pb-runtime.ts maps 64-bit fields to JS numbers: past 2^53 they keep ~256 ns steps. Timestamps
    // from real senders (our own encoder) are doubles already and round-trip; a foreign one may not.
    const bytes = await protocEncodeEnvelope(protoc, 'header { stream_id: "v" traffic_class: TRAFFIC_CLASS_VITALS capture_time_ns: 9223372036854775000 } vitals { device_id: "m" }');
    const env = decodeEnvelope(bytes);
    expect(env.header.captureTimeNs).toBe(BIG_NS);
    expect(Buffer.from(encodeEnvelope(env)).equals(Buffer.from(bytes))).toBe(false);
  });

  it('non-canonical input (unpacked samples) decodes equal but re-encodes to the canonical packed form', async () => {
    // A proto3 parser must accept repeated scalars both packed and unpacked (protobuf encoding
    // guide, "Packed Repeated Fields"); we always write packed, so these bytes cannot round-trip
    // exactly: the canonical protoc bytes are what we must produce instead.
    const canonical = await protocEncodeEnvelope(protoc, 'header { stream_id: "w" traffic_class: TRAFFIC_CLASS_WAVEFORM } waveform { samples: [-1, 2] }');
    const header = [0x0a, 0x05, 0x12, 0x01, 0x77, 0x28, 0x04];
    const unpacked = Uint8Array.from([...header, 0xaa, 0x01, 0x04, 0x30, 0x01, 0x30, 0x04]); // field 6 varint twice: zigzag(-1)=1, zigzag(2)=4
    const env = decodeEnvelope(unpacked);
    expect(env.waveform?.samples).toEqual([-1, 2]);
    const again = encodeEnvelope(env);
    expect(Buffer.from(again).equals(Buffer.from(unpacked))).toBe(false);
    expect(Buffer.from(again).equals(Buffer.from(canonical))).toBe(true);
  });
});

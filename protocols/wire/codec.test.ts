import { describe, expect, it } from 'vitest';
import protobuf from 'protobufjs';
import { fileURLToPath } from 'node:url';
import { decodeEnvelope, encodeEnvelope, Envelope, type EnvelopeInit } from './codec.js';
import { DEFAULT_LIMITS, type EnvelopeLimits } from './validate.js';
import { telemed } from './proto.js';
import { WireError, WireErrorCode } from '../errors.js';
import { PAYLOAD_KINDS, SAMPLE_CAPTURE_TIME_NS, SESSION_KINDS, sampleEnvelope, sampleHeader, samplePayload } from './fixtures.js';

const v1 = telemed.v1;
const PROTO_FILE = fileURLToPath(new URL('../telemed.proto', import.meta.url));
const TO_OBJECT = { bytes: Array, longs: Number, enums: Number, defaults: false, arrays: true } as const;

/** Plain-object form used to compare envelopes field by field, independent of Buffer vs Uint8Array. */
function plain(env: EnvelopeInit): Record<string, unknown> {
  return Envelope.toObject(Envelope.fromObject(env), TO_OBJECT);
}

function expectWireError(fn: () => unknown, code: WireErrorCode): WireError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(WireError);
  const err = caught as WireError;
  expect(err.code).toBe(code);
  return err;
}

/** protobuf base-128 varint (protobuf encoding guide, "Base 128 Varints"). */
function varint(n: number | bigint): number[] {
  const out: number[] = [];
  let v = BigInt(n);
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return out;
}

const tag = (field: number, wireType: number): number[] => varint(field * 8 + wireType);
const concat = (...parts: ArrayLike<number>[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => Array.from(p)));

function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  return Buffer.from(haystack).indexOf(Buffer.from(needle)) >= 0;
}

describe('round trips', () => {
  it.each(PAYLOAD_KINDS)('%s: decode(encode(x)) equals x and re-encodes to the same bytes', (kind) => {
    const env = sampleEnvelope(kind);
    const bytes = encodeEnvelope(env);
    const decoded = decodeEnvelope(bytes);
    expect(decoded.payload).toBe(kind);
    expect(Envelope.toObject(decoded, TO_OBJECT)).toEqual(plain(env));
    expect(Buffer.from(encodeEnvelope(decoded)).equals(Buffer.from(bytes))).toBe(true);
  });

  it('fixtures set every field of every payload, recursively (a lost field would go unnoticed otherwise)', () => {
    const root = protobuf.loadSync(PROTO_FILE);
    const envType = root.lookupType('telemed.v1.Envelope');
    const missing: string[] = [];
    const walk = (type: protobuf.Type, value: Record<string, unknown>, path: string): void => {
      for (const field of type.fieldsArray) {
        const v = value[field.name];
        const here = `${path}.${field.name}`;
        if (v === undefined || (Array.isArray(v) && v.length === 0)) {
          missing.push(here);
          continue;
        }
        field.resolve();
        if (field.resolvedType instanceof protobuf.Type) {
          const type2 = field.resolvedType;
          for (const item of field.repeated ? (v as Record<string, unknown>[]) : [v as Record<string, unknown>]) walk(type2, item, here);
        }
      }
    };
    for (const kind of PAYLOAD_KINDS) {
      const field = envType.fields[kind];
      expect(field, kind).toBeDefined();
      walk(root.lookupType(field!.type), plain(samplePayload(kind))[kind] as Record<string, unknown>, kind);
    }
    walk(root.lookupType('telemed.v1.Header'), plain(sampleEnvelope('vitals')).header as Record<string, unknown>, 'header');
    expect(missing).toEqual([]);
    // And the fixture list names every oneof arm of the schema.
    expect([...PAYLOAD_KINDS].sort()).toEqual([...(envType.oneofs.payload?.oneof ?? [])].sort());
  });

  it('encodeEnvelope returns a plain Uint8Array whose slice() is a copy (regression: it was a Buffer, slice() aliased)', () => {
    const bytes = encodeEnvelope(sampleEnvelope('vitals'));
    expect(Buffer.isBuffer(bytes)).toBe(false);
    const copy = bytes.slice();
    copy[0] = copy[0]! ^ 0xff;
    expect(bytes[0]).not.toBe(copy[0]);
    expect(decodeEnvelope(bytes).payload).toBe('vitals');
  });

  it('64-bit fields decode to plain numbers', () => {
    const hdr = decodeEnvelope(encodeEnvelope(sampleEnvelope('ack'))).header;
    expect(typeof hdr.seq).toBe('number');
    expect(typeof hdr.captureTimeNs).toBe('number');
    expect(typeof hdr.sendTimeNs).toBe('number');
    expect(hdr.captureTimeNs).toBe(SAMPLE_CAPTURE_TIME_NS);
    const ack = decodeEnvelope(encodeEnvelope(sampleEnvelope('ack'))).ack!;
    expect(ack.bytesReceived).toBe(5_000_000_000);
    expect(ack.streams?.[1]?.seq).toBe(Number.MAX_SAFE_INTEGER);
    const wf = decodeEnvelope(encodeEnvelope(sampleEnvelope('waveform'))).waveform!;
    expect(wf.firstSampleIndex).toBe(123_456_789_012);
    expect(typeof wf.firstSampleIndex).toBe('number');
  });

  it('negative int64 times survive (clock before the epoch on a misconfigured device)', () => {
    const env = sampleEnvelope('ping');
    env.ping = { id: 1, t1Ns: -1_000_000_000 };
    expect(decodeEnvelope(encodeEnvelope(env)).ping?.t1Ns).toBe(-1_000_000_000);
  });
});

describe('unknown fields (evolution rule 4)', () => {
  it('an unknown top-level field is kept through decode and re-encode', () => {
    const bytes = encodeEnvelope(sampleEnvelope('vitals'));
    const future = concat(tag(99, 0), varint(12_345), tag(100, 2), varint(6), Buffer.from('future'));
    const decoded = decodeEnvelope(concat(bytes, future));
    expect(decoded.vitals?.deviceId).toBe('monitor-1');
    const again = encodeEnvelope(decoded);
    expect(contains(again, future)).toBe(true);
    expect(again.length).toBe(bytes.length + future.length);
  });

  it('an unknown field inside the header is kept too', () => {
    const header = v1.Header.encode(sampleHeader('alarm')).finish();
    const extra = concat(tag(31, 1), [1, 2, 3, 4, 5, 6, 7, 8]); // fixed64 field a newer peer added
    const headerPlus = concat(header, extra);
    const payload = v1.Alarm.encode(samplePayload('alarm').alarm!).finish();
    const frame = concat(tag(1, 2), varint(headerPlus.length), headerPlus, tag(22, 2), varint(payload.length), payload);
    const decoded = decodeEnvelope(frame);
    expect(decoded.header.gatewayId).toBe('gw-clinic-07');
    expect(decoded.alarm?.text).toBe('SpO2 low');
    expect(contains(encodeEnvelope(decoded), extra)).toBe(true);
  });
});

describe('hostile structure', () => {
  it('100 000 nested start-group tags fail fast with TM_ERR_PROTO_DECODE, no stack overflow', () => {
    const frame = new Uint8Array(100_000).fill(0x0b); // field 1, wire type 3 (START_GROUP)
    const t0 = performance.now();
    expectWireError(() => decodeEnvelope(frame), WireErrorCode.PROTO_DECODE);
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('a length prefix of 2^64-1 is TM_ERR_PROTO_DECODE, not an allocation', () => {
    expectWireError(() => decodeEnvelope(concat(tag(1, 2), varint((1n << 64n) - 1n))), WireErrorCode.PROTO_DECODE);
  });

  it('strings that are not UTF-8 are rejected (proto3 string fields must be valid UTF-8)', () => {
    const header = concat(tag(1, 2), [0x02, 0xc3, 0x28]); // gateway_id = invalid 2-byte sequence
    expectWireError(() => decodeEnvelope(concat(tag(1, 2), varint(header.length), header)), WireErrorCode.PROTO_DECODE);
  });

  it('two payload arms: the last one wins (protobuf oneof merge rule) and is validated as such', () => {
    const vitals = encodeEnvelope(sampleEnvelope('vitals'));
    const hello = v1.Hello.encode(samplePayload('hello').hello!).finish();
    const env = decodeEnvelope(concat(vitals, tag(10, 2), varint(hello.length), hello));
    expect(env.payload).toBe('hello');
    expect(env.vitals).toBeNull();
  });

  it('unknown enum numbers inside a payload are kept as numbers and re-encoded unchanged (relay-safe)', () => {
    const env = sampleEnvelope('alarm');
    env.alarm = { ...env.alarm, priority: 99 as telemed.v1.AlarmPriority };
    const bytes = encodeEnvelope(env);
    const decoded = decodeEnvelope(bytes);
    expect(decoded.alarm?.priority).toBe(99);
    expect(Buffer.from(encodeEnvelope(decoded)).equals(Buffer.from(bytes))).toBe(true);
  });
});

describe('validation errors', () => {
  const small = (o: Partial<EnvelopeLimits>): EnvelopeLimits => ({ ...DEFAULT_LIMITS, ...o });

  it('empty frame: TM_ERR_FRAME_EMPTY', () => {
    expectWireError(() => decodeEnvelope(new Uint8Array(0)), WireErrorCode.FRAME_EMPTY);
  });

  it('frame past the size limit: TM_ERR_FRAME_TOO_LARGE on decode (before parsing) and on encode', () => {
    expectWireError(() => decodeEnvelope(new Uint8Array(DEFAULT_LIMITS.maxFrameBytes + 1)), WireErrorCode.FRAME_TOO_LARGE);
    const bytes = encodeEnvelope(sampleEnvelope('ultrasound'));
    expectWireError(() => decodeEnvelope(bytes, small({ maxFrameBytes: bytes.length - 1 })), WireErrorCode.FRAME_TOO_LARGE);
    expect(decodeEnvelope(bytes, small({ maxFrameBytes: bytes.length })).payload).toBe('ultrasound');
    const big = sampleEnvelope('ecgChunk');
    big.ecgChunk = { ...big.ecgChunk, data: new Uint8Array(DEFAULT_LIMITS.maxFrameBytes) };
    expectWireError(() => encodeEnvelope(big), WireErrorCode.FRAME_TOO_LARGE);
  });

  it('garbage and truncation: TM_ERR_PROTO_DECODE with the parser error as cause', () => {
    const err = expectWireError(() => decodeEnvelope(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])), WireErrorCode.PROTO_DECODE);
    expect(err.cause).toBeInstanceOf(Error);
    const bytes = encodeEnvelope(sampleEnvelope('diagnosis'));
    expectWireError(() => decodeEnvelope(bytes.subarray(0, bytes.length - 3)), WireErrorCode.PROTO_DECODE);
    expectWireError(() => decodeEnvelope(new Uint8Array([0x0f])), WireErrorCode.PROTO_DECODE); // wire type 7
    expectWireError(() => decodeEnvelope(new Uint8Array([0x00, 0x00])), WireErrorCode.PROTO_DECODE); // field number 0
  });

  it('no header: TM_ERR_ENVELOPE_NO_HEADER', () => {
    expectWireError(() => decodeEnvelope(encodeEnvelope(samplePayload('vitals'))), WireErrorCode.NO_HEADER);
  });

  it('no payload: TM_ERR_ENVELOPE_NO_PAYLOAD', () => {
    expectWireError(() => decodeEnvelope(encodeEnvelope({ header: sampleHeader() })), WireErrorCode.NO_PAYLOAD);
  });

  it('unknown traffic class, or none on a data frame: TM_ERR_ENVELOPE_BAD_CLASS', () => {
    expectWireError(() => decodeEnvelope(encodeEnvelope(sampleEnvelope('vitals', { trafficClass: 7 as telemed.v1.TrafficClass }))), WireErrorCode.BAD_CLASS);
    expectWireError(() => decodeEnvelope(encodeEnvelope(sampleEnvelope('vitals', { trafficClass: -1 as telemed.v1.TrafficClass }))), WireErrorCode.BAD_CLASS);
    expectWireError(() => decodeEnvelope(encodeEnvelope(sampleEnvelope('waveform', { trafficClass: 0 }))), WireErrorCode.BAD_CLASS);
  });

  it('session frames need neither class nor stream id', () => {
    for (const kind of SESSION_KINDS) {
      const env = sampleEnvelope(kind, { trafficClass: 0, streamId: '' });
      expect(decodeEnvelope(encodeEnvelope(env)).payload).toBe(kind);
    }
  });

  it('data frame without stream id: TM_ERR_ENVELOPE_BAD_FIELD', () => {
    for (const kind of PAYLOAD_KINDS.filter((k) => !SESSION_KINDS.has(k))) {
      expectWireError(() => decodeEnvelope(encodeEnvelope(sampleEnvelope(kind, { streamId: '' }))), WireErrorCode.BAD_FIELD);
    }
  });

  it('id too long: TM_ERR_ENVELOPE_BAD_FIELD (gateway, stream, hello gateway, ack and retained stream, record, lease, operator and arm ids)', () => {
    const long = 'x'.repeat(DEFAULT_LIMITS.maxIdLength + 1);
    const ok = 'x'.repeat(DEFAULT_LIMITS.maxIdLength);
    expect(decodeEnvelope(encodeEnvelope(sampleEnvelope('vitals', { gatewayId: ok, streamId: ok }))).header.gatewayId).toBe(ok);
    expectWireError(() => decodeEnvelope(encodeEnvelope(sampleEnvelope('vitals', { gatewayId: long }))), WireErrorCode.BAD_FIELD);
    expectWireError(() => decodeEnvelope(encodeEnvelope(sampleEnvelope('vitals', { streamId: long }))), WireErrorCode.BAD_FIELD);
    const hello = sampleEnvelope('hello');
    hello.hello = { ...hello.hello, gatewayId: long };
    expectWireError(() => decodeEnvelope(encodeEnvelope(hello)), WireErrorCode.BAD_FIELD);
    const ack = sampleEnvelope('ack');
    ack.ack = { streams: [{ streamId: long, seq: 1 }] };
    expectWireError(() => decodeEnvelope(encodeEnvelope(ack)), WireErrorCode.BAD_FIELD);
    const chunk = sampleEnvelope('ecgChunk');
    chunk.ecgChunk = { ...chunk.ecgChunk, recordId: long };
    expectWireError(() => decodeEnvelope(encodeEnvelope(chunk)), WireErrorCode.BAD_FIELD);
    const retained = sampleEnvelope('hello');
    retained.hello = { ...retained.hello, hubRetained: [{ streamId: long, seq: 1 }] };
    expectWireError(() => decodeEnvelope(encodeEnvelope(retained)), WireErrorCode.BAD_FIELD);
    const lease = sampleEnvelope('armLease');
    lease.armLease = { ...lease.armLease, operatorId: long };
    expectWireError(() => decodeEnvelope(encodeEnvelope(lease)), WireErrorCode.BAD_FIELD);
    const command = sampleEnvelope('armCommand');
    command.armCommand = { ...command.armCommand, leaseId: long };
    expectWireError(() => decodeEnvelope(encodeEnvelope(command)), WireErrorCode.BAD_FIELD);
    const telemetry = sampleEnvelope('armTelemetry');
    telemetry.armTelemetry = { ...telemetry.armTelemetry, armId: long };
    expectWireError(() => decodeEnvelope(encodeEnvelope(telemetry)), WireErrorCode.BAD_FIELD);
  });

  it('sequence number past 2^53: TM_ERR_ENVELOPE_BAD_FIELD', () => {
    const header = concat(tag(2, 2), varint(1), [0x61], tag(3, 0), [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], tag(5, 0), [3]);
    const payload = v1.VitalsNumerics.encode({ deviceId: 'm' }).finish();
    const frame = concat(tag(1, 2), varint(header.length), header, tag(20, 2), varint(payload.length), payload);
    expectWireError(() => decodeEnvelope(frame), WireErrorCode.BAD_FIELD);
  });

  it('repeated field past its limit: TM_ERR_ENVELOPE_LIMIT, for each bounded repeated field', () => {
    const limits = small({ maxRepeated: 1 });
    for (const kind of ['ack', 'helloAck', 'vitals', 'waveform', 'diagnosis'] as const) {
      expectWireError(() => decodeEnvelope(encodeEnvelope(sampleEnvelope(kind)), limits), WireErrorCode.LIMIT_EXCEEDED);
    }
    const ls = sampleEnvelope('linkStats');
    ls.linkStats = { ...ls.linkStats, queues: [{ frames: 1 }, { frames: 2 }] };
    expectWireError(() => decodeEnvelope(encodeEnvelope(ls), limits), WireErrorCode.LIMIT_EXCEEDED);
    // The default limit, with a packed sint32 array a hostile peer could send in well under 1 MiB.
    const wf = sampleEnvelope('waveform');
    wf.waveform = { ...wf.waveform, samples: new Array<number>(DEFAULT_LIMITS.maxRepeated + 1).fill(0) };
    expectWireError(() => decodeEnvelope(encodeEnvelope(wf)), WireErrorCode.LIMIT_EXCEEDED);
  });

  it('every WireErrorCode is reachable from decodeEnvelope by some test above', () => {
    // Keeps this file honest when a code is added: add a crafted frame for it here.
    expect(Object.values(WireErrorCode).sort()).toEqual([
      'TM_ERR_ENVELOPE_BAD_CLASS', 'TM_ERR_ENVELOPE_BAD_FIELD', 'TM_ERR_ENVELOPE_LIMIT', 'TM_ERR_ENVELOPE_NO_HEADER',
      'TM_ERR_ENVELOPE_NO_PAYLOAD', 'TM_ERR_FRAME_EMPTY', 'TM_ERR_FRAME_TOO_LARGE', 'TM_ERR_PROTO_DECODE',
    ]);
  });
});

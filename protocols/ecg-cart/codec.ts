import { cobsDecode, cobsFrame } from './cobs.js';
import { crc16CcittFalse } from './crc16.js';
import { CartError, CartErrorCode } from './errors.js';
import {
  CART_PROTOCOL_VERSION, CRC_BYTES, HEADER_BYTES, MAX_BLOCK_SAMPLES, MAX_FRAME_BYTES, MAX_STRING_BYTES, MsgType,
  type AnyMessage, type Frame, type LeadInfo,
} from './messages.js';

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });
const TYPE_NAMES = new Map<number, AnyMessage['type']>(Object.entries(MsgType).map(([k, v]) => [v, k as AnyMessage['type']]));

class Writer {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  len = 0;
  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  u8(v: number): void { this.ensure(1); this.view.setUint8(this.len, v); this.len += 1; }
  u16(v: number): void { this.ensure(2); this.view.setUint16(this.len, v, true); this.len += 2; }
  u32(v: number): void { this.ensure(4); this.view.setUint32(this.len, v, true); this.len += 4; }
  f32(v: number): void { this.ensure(4); this.view.setFloat32(this.len, v, true); this.len += 4; }
  str(s: string): void {
    const b = enc.encode(s);
    if (b.length > MAX_STRING_BYTES) throw new CartError(CartErrorCode.ENCODE, `string longer than ${MAX_STRING_BYTES} bytes`);
    this.u8(b.length);
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  i16s(a: Int16Array): void {
    this.ensure(a.length * 2);
    for (let i = 0; i < a.length; i++) this.view.setInt16(this.len + i * 2, a[i]!, true);
    this.len += a.length * 2;
  }
  bytes(): Uint8Array { return this.buf.subarray(0, this.len); }
}

class Reader {
  private at = 0;
  private readonly view: DataView;
  constructor(private readonly b: Uint8Array, start: number, private readonly end: number) {
    this.view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    this.at = start;
  }
  private need(n: number): number {
    if (this.at + n > this.end) throw new CartError(CartErrorCode.BAD_MESSAGE, 'payload truncated');
    const at = this.at;
    this.at += n;
    return at;
  }
  u8(): number { return this.view.getUint8(this.need(1)); }
  u16(): number { return this.view.getUint16(this.need(2), true); }
  u32(): number { return this.view.getUint32(this.need(4), true); }
  f32(): number { return this.view.getFloat32(this.need(4), true); }
  str(): string {
    const n = this.u8();
    if (n > MAX_STRING_BYTES) throw new CartError(CartErrorCode.BAD_MESSAGE, 'string too long');
    const at = this.need(n);
    try {
      return dec.decode(this.b.subarray(at, at + n));
    } catch (err) {
      throw new CartError(CartErrorCode.BAD_MESSAGE, 'string is not UTF-8', { cause: err });
    }
  }
  i16s(n: number): Int16Array {
    const at = this.need(n * 2);
    const out = new Int16Array(n);
    for (let i = 0; i < n; i++) out[i] = this.view.getInt16(at + i * 2, true);
    return out;
  }
  done(): void {
    if (this.at !== this.end) throw new CartError(CartErrorCode.BAD_MESSAGE, 'trailing bytes after payload');
  }
}

function writePayload(w: Writer, m: AnyMessage): void {
  switch (m.type) {
    case 'DeviceInfo':
      w.str(m.model); w.str(m.serial); w.str(m.firmware);
      w.u16(m.sampleRateHz); w.f32(m.uvPerCount);
      if (m.leads.length > 32) throw new CartError(CartErrorCode.ENCODE, 'more than 32 leads');
      w.u8(m.leads.length);
      for (const l of m.leads) { w.str(l.name); w.u8(l.derived ? 1 : 0); }
      return;
    case 'SampleBlock':
      if (m.leadCount < 1 || m.leadCount > 32 || m.samplesPerLead < 1 || m.samplesPerLead > MAX_BLOCK_SAMPLES || m.samples.length !== m.leadCount * m.samplesPerLead) {
        throw new CartError(CartErrorCode.ENCODE, 'bad SampleBlock shape');
      }
      w.u32(m.firstSampleIndex >>> 0); w.u8(m.leadCount); w.u16(m.samplesPerLead); w.i16s(m.samples);
      return;
    case 'LeadOff': w.u32(m.bitmap >>> 0); return;
    case 'RecordStart': w.str(m.recordId); w.str(m.patientId); w.u32(m.startSampleIndex >>> 0); return;
    case 'RecordStop': w.str(m.recordId); w.u32(m.stopSampleIndex >>> 0); w.u8(m.aborted ? 1 : 0); return;
    case 'Error': w.u16(m.code); w.str(m.text); return;
    case 'Heartbeat': w.u32(m.uptimeMs >>> 0); return;
    case 'StartRecord': w.str(m.patientId); w.u32(m.durationMs >>> 0); return;
    case 'RequestInfo': case 'StartStream': case 'StopStream': case 'StopRecord': return;
  }
}

function readPayload(type: AnyMessage['type'], r: Reader): AnyMessage {
  switch (type) {
    case 'DeviceInfo': {
      const model = r.str(), serial = r.str(), firmware = r.str();
      const rate = r.u16();
      if (rate !== 500 && rate !== 1000) throw new CartError(CartErrorCode.BAD_MESSAGE, `sample rate ${rate} Hz not 500 or 1000`);
      const uvPerCount = r.f32();
      if (!(uvPerCount > 0 && Number.isFinite(uvPerCount))) throw new CartError(CartErrorCode.BAD_MESSAGE, 'µV per count must be positive');
      const n = r.u8();
      if (n < 1 || n > 32) throw new CartError(CartErrorCode.BAD_MESSAGE, 'lead count out of range');
      const leads: LeadInfo[] = [];
      for (let i = 0; i < n; i++) leads.push({ name: r.str(), derived: (r.u8() & 1) === 1 });
      return { type, model, serial, firmware, sampleRateHz: rate, uvPerCount, leads };
    }
    case 'SampleBlock': {
      const firstSampleIndex = r.u32(), leadCount = r.u8(), samplesPerLead = r.u16();
      if (leadCount < 1 || leadCount > 32 || samplesPerLead < 1 || samplesPerLead > MAX_BLOCK_SAMPLES) {
        throw new CartError(CartErrorCode.BAD_MESSAGE, 'SampleBlock shape out of range');
      }
      return { type, firstSampleIndex, leadCount, samplesPerLead, samples: r.i16s(leadCount * samplesPerLead) };
    }
    case 'LeadOff': return { type, bitmap: r.u32() };
    case 'RecordStart': return { type, recordId: r.str(), patientId: r.str(), startSampleIndex: r.u32() };
    case 'RecordStop': return { type, recordId: r.str(), stopSampleIndex: r.u32(), aborted: (r.u8() & 1) === 1 };
    case 'Error': return { type, code: r.u16(), text: r.str() };
    case 'Heartbeat': return { type, uptimeMs: r.u32() };
    case 'StartRecord': return { type, patientId: r.str(), durationMs: r.u32() };
    case 'RequestInfo': case 'StartStream': case 'StopStream': case 'StopRecord': return { type };
  }
}

/** Un-stuffed frame bytes: header, payload, CRC-16 big-endian (SPEC.md §2). */
export function encodeRaw(seq: number, m: AnyMessage): Uint8Array {
  const w = new Writer();
  w.u8(CART_PROTOCOL_VERSION); w.u8(MsgType[m.type]); w.u16(seq & 0xffff);
  writePayload(w, m);
  if (w.len + CRC_BYTES > MAX_FRAME_BYTES) throw new CartError(CartErrorCode.ENCODE, 'frame larger than MAX_FRAME_BYTES');
  const crc = crc16CcittFalse(w.bytes());
  w.u8(crc >> 8); w.u8(crc & 0xff);
  return w.bytes().slice();
}

/** Wire bytes of one frame: COBS(raw) followed by the 0x00 delimiter. */
export function encodeFrame(seq: number, m: AnyMessage): Uint8Array {
  return cobsFrame(encodeRaw(seq, m));
}

/** Decodes un-stuffed frame bytes. Throws CartError with a TM_ERR_CART_* code. */
export function decodeRaw(raw: Uint8Array): Frame {
  if (raw.length < HEADER_BYTES + CRC_BYTES) throw new CartError(CartErrorCode.SHORT, `frame of ${raw.length} bytes is shorter than header + CRC`);
  const body = raw.length - CRC_BYTES;
  const want = (raw[body]! << 8) | raw[body + 1]!;
  if (crc16CcittFalse(raw, 0, body) !== want) throw new CartError(CartErrorCode.BAD_CRC, 'CRC-16 mismatch');
  if (raw[0] !== CART_PROTOCOL_VERSION) throw new CartError(CartErrorCode.BAD_VERSION, `protocol version ${raw[0]} not supported`);
  const type = TYPE_NAMES.get(raw[1]!);
  if (type === undefined) throw new CartError(CartErrorCode.UNKNOWN_TYPE, `unknown message type 0x${raw[1]!.toString(16)}`);
  const seq = raw[2]! | (raw[3]! << 8);
  const r = new Reader(raw, HEADER_BYTES, body);
  const message = readPayload(type, r);
  r.done();
  return { seq, message };
}

/** Decodes one COBS block (delimiter removed). */
export function decodeFrame(block: Uint8Array): Frame {
  return decodeRaw(cobsDecode(block));
}

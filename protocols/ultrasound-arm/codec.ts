import { cobsDecode, cobsFrame } from '../ecg-cart/cobs.js';
import { crc16CcittFalse } from '../ecg-cart/crc16.js';
import { ArmWireError, ArmWireErrorCode } from './errors.js';
import {
  ARM_PROTOCOL_ID, ARM_STATUS_NAMES, ArmMsgType, ArmStatus, CRC_BYTES, HEADER_BYTES, MAX_FRAME_BYTES, MAX_JOINTS, MAX_STRING_BYTES,
  type AnyArmMessage, type ArmFrame, type JointState, type Q4, type V3,
} from './messages.js';

// Framing and checksum are the ECG cart's (protocols/ecg-cart/SPEC.md §2): COBS with a 0x00
// delimiter and CRC-16/CCITT-FALSE, reused as is; only the protocol id and the messages differ.

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });
const TYPE_NAMES = new Map<number, AnyArmMessage['type']>(Object.entries(ArmMsgType).map(([k, v]) => [v, k as AnyArmMessage['type']]));

const bad = (msg: string): ArmWireError => new ArmWireError(ArmWireErrorCode.BAD_MESSAGE, msg);

class Writer {
  private readonly buf = new Uint8Array(MAX_FRAME_BYTES + 64);
  private readonly view = new DataView(this.buf.buffer);
  len = 0;
  private need(n: number): number {
    if (this.len + n > MAX_FRAME_BYTES) throw new ArmWireError(ArmWireErrorCode.ENCODE, 'frame larger than MAX_FRAME_BYTES');
    const at = this.len;
    this.len += n;
    return at;
  }
  u8(v: number): void { this.view.setUint8(this.need(1), v); }
  u16(v: number): void { this.view.setUint16(this.need(2), v, true); }
  u32(v: number): void { this.view.setUint32(this.need(4), v >>> 0, true); }
  f32(v: number): void {
    if (!Number.isFinite(v)) throw new ArmWireError(ArmWireErrorCode.ENCODE, 'non-finite number');
    this.view.setFloat32(this.need(4), v, true);
  }
  v3(v: V3): void { this.f32(v.x); this.f32(v.y); this.f32(v.z); }
  q4(q: Q4): void { this.f32(q.w); this.f32(q.x); this.f32(q.y); this.f32(q.z); }
  str(s: string): void {
    const b = enc.encode(s);
    if (b.length > MAX_STRING_BYTES) throw new ArmWireError(ArmWireErrorCode.ENCODE, `string longer than ${MAX_STRING_BYTES} bytes`);
    this.u8(b.length);
    this.buf.set(b, this.need(b.length));
  }
  bytes(): Uint8Array { return this.buf.subarray(0, this.len); }
}

class Reader {
  private at: number;
  private readonly view: DataView;
  constructor(private readonly b: Uint8Array, start: number, private readonly end: number) {
    this.view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    this.at = start;
  }
  private need(n: number): number {
    if (this.at + n > this.end) throw bad('payload truncated');
    const at = this.at;
    this.at += n;
    return at;
  }
  u8(): number { return this.view.getUint8(this.need(1)); }
  u16(): number { return this.view.getUint16(this.need(2), true); }
  u32(): number { return this.view.getUint32(this.need(4), true); }
  f32(): number {
    const v = this.view.getFloat32(this.need(4), true);
    if (!Number.isFinite(v)) throw bad('NaN or infinite number');
    return v;
  }
  v3(): V3 { return { x: this.f32(), y: this.f32(), z: this.f32() }; }
  q4(): Q4 { return { w: this.f32(), x: this.f32(), y: this.f32(), z: this.f32() }; }
  str(): string {
    const n = this.u8();
    if (n > MAX_STRING_BYTES) throw bad('string too long');
    const at = this.need(n);
    try {
      return dec.decode(this.b.subarray(at, at + n));
    } catch (err) {
      throw new ArmWireError(ArmWireErrorCode.BAD_MESSAGE, 'string is not UTF-8', { cause: err });
    }
  }
  done(): void {
    if (this.at !== this.end) throw bad('trailing bytes after payload');
  }
}

function positive(v: number, what: string): number {
  if (!(v > 0)) throw bad(`${what} must be > 0`);
  return v;
}

function writePayload(w: Writer, m: AnyArmMessage): void {
  switch (m.type) {
    case 'DeviceInfo':
      w.str(m.model); w.str(m.serial); w.str(m.firmware);
      w.u16(m.telemetryHz); w.f32(m.maxSpeedMmS); w.f32(m.maxForceN); w.u8(m.jointCount);
      return;
    case 'Telemetry': {
      if (m.joints.length > MAX_JOINTS) throw new ArmWireError(ArmWireErrorCode.ENCODE, `more than ${MAX_JOINTS} joints`);
      w.u32(m.armTimeUs); w.u8(ArmStatus[m.status]);
      w.u8((m.estopInput ? 1 : 0) | (m.homed ? 2 : 0));
      w.u16(m.lastCommandSeq & 0xffff);
      w.v3(m.positionMm); w.q4(m.orientation); w.f32(m.forceN); w.u16(m.faultCode);
      w.u8(m.joints.length);
      for (const j of m.joints) { w.f32(j.positionDeg); w.f32(j.velocityDegS); }
      return;
    }
    case 'Ack': w.u16(m.commandSeq & 0xffff); w.u8(m.result); w.u16(m.code); return;
    case 'Fault': w.u16(m.code); w.str(m.text); return;
    case 'MoveTo': w.v3(m.positionMm); w.q4(m.orientation); w.f32(m.speedMmS); w.f32(m.accelMmS2); return;
    case 'Jog': w.v3(m.linearMmS); w.v3(m.angularDegS); w.f32(m.accelMmS2); w.u16(m.validMs); return;
    case 'Home': w.f32(m.speedMmS); w.f32(m.accelMmS2); return;
    case 'RequestInfo': case 'Hold': case 'Stop': case 'Heartbeat': case 'ResetFault': return;
  }
}

function readPayload(type: AnyArmMessage['type'], r: Reader): AnyArmMessage {
  switch (type) {
    case 'DeviceInfo': {
      const model = r.str(), serial = r.str(), firmware = r.str();
      const telemetryHz = r.u16();
      if (telemetryHz < 1 || telemetryHz > 1000) throw bad(`telemetry rate ${telemetryHz} Hz out of range`);
      const maxSpeedMmS = positive(r.f32(), 'max speed'), maxForceN = positive(r.f32(), 'max force');
      const jointCount = r.u8();
      if (jointCount > MAX_JOINTS) throw bad('joint count out of range');
      return { type, model, serial, firmware, telemetryHz, maxSpeedMmS, maxForceN, jointCount };
    }
    case 'Telemetry': {
      const armTimeUs = r.u32();
      const status = ARM_STATUS_NAMES[r.u8()];
      if (status === undefined) throw bad('unknown arm status');
      const flags = r.u8();
      const lastCommandSeq = r.u16();
      const positionMm = r.v3(), orientation = r.q4(), forceN = r.f32(), faultCode = r.u16();
      const n = r.u8();
      if (n > MAX_JOINTS) throw bad('joint count out of range');
      const joints: JointState[] = [];
      for (let i = 0; i < n; i++) joints.push({ positionDeg: r.f32(), velocityDegS: r.f32() });
      return { type, armTimeUs, status, estopInput: (flags & 1) !== 0, homed: (flags & 2) !== 0, lastCommandSeq, positionMm, orientation, forceN, faultCode, joints };
    }
    case 'Ack': return { type, commandSeq: r.u16(), result: r.u8(), code: r.u16() };
    case 'Fault': return { type, code: r.u16(), text: r.str() };
    case 'MoveTo': return { type, positionMm: r.v3(), orientation: r.q4(), speedMmS: r.f32(), accelMmS2: r.f32() };
    case 'Jog': return { type, linearMmS: r.v3(), angularDegS: r.v3(), accelMmS2: r.f32(), validMs: r.u16() };
    case 'Home': return { type, speedMmS: r.f32(), accelMmS2: r.f32() };
    case 'RequestInfo': case 'Hold': case 'Stop': case 'Heartbeat': case 'ResetFault': return { type };
  }
}

/** Un-stuffed frame: protocol id, type, seq u16 LE, payload, CRC-16 big-endian. */
export function encodeArmRaw(seq: number, m: AnyArmMessage): Uint8Array {
  const w = new Writer();
  w.u8(ARM_PROTOCOL_ID); w.u8(ArmMsgType[m.type]); w.u16(seq & 0xffff);
  writePayload(w, m);
  const crc = crc16CcittFalse(w.bytes());
  w.u8(crc >> 8); w.u8(crc & 0xff);
  return w.bytes().slice();
}

/** Wire bytes: COBS(raw) + 0x00. */
export function encodeArmFrame(seq: number, m: AnyArmMessage): Uint8Array {
  return cobsFrame(encodeArmRaw(seq, m));
}

/** Decodes un-stuffed bytes; throws ArmWireError with a TM_ERR_ARMWIRE_* code. */
export function decodeArmRaw(raw: Uint8Array): ArmFrame {
  if (raw.length < HEADER_BYTES + CRC_BYTES) throw new ArmWireError(ArmWireErrorCode.SHORT, `frame of ${raw.length} bytes is shorter than header + CRC`);
  const body = raw.length - CRC_BYTES;
  if (crc16CcittFalse(raw, 0, body) !== ((raw[body]! << 8) | raw[body + 1]!)) throw new ArmWireError(ArmWireErrorCode.BAD_CRC, 'CRC-16 mismatch');
  if (raw[0] !== ARM_PROTOCOL_ID) throw new ArmWireError(ArmWireErrorCode.BAD_VERSION, `protocol id 0x${raw[0]!.toString(16)} is not the arm's 0xa1`);
  const type = TYPE_NAMES.get(raw[1]!);
  if (type === undefined) throw new ArmWireError(ArmWireErrorCode.UNKNOWN_TYPE, `unknown message type 0x${raw[1]!.toString(16)}`);
  const r = new Reader(raw, HEADER_BYTES, body);
  const message = readPayload(type, r);
  r.done();
  return { seq: raw[2]! | (raw[3]! << 8), message };
}

/** Decodes one COBS block (delimiter removed). */
export function decodeArmFrame(block: Uint8Array): ArmFrame {
  let raw: Uint8Array;
  try {
    raw = cobsDecode(block);
  } catch (err) {
    throw new ArmWireError(ArmWireErrorCode.BAD_COBS, 'bad COBS block', { cause: err });
  }
  return decodeArmRaw(raw);
}

import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { TrafficClass, telemed, type EnvelopeInit } from '../../protocols/index.js';
import type { ImageMeta } from '../video/index.js';
import { commandStreamId, type Lease } from './lease-book.js';

/*
 * What a browser sends on /teleop (JSON text frames) and how the hub turns a command into an
 * ArmCommand. Numbers are bounded here only to keep garbage out (finite, sane magnitude): the
 * gateway's safety supervisor enforces the real limits (speed, acceleration, workspace, force).
 */

const Num = (max: number) => Type.Number({ minimum: -max, maximum: max });
const Id = Type.String({ minLength: 1, maxLength: 64 });
/** The browser's own sequence number and send time (its clock, ms), echoed in `rtt` and errors. */
const Client = { seq: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })), sentAtMs: Type.Optional(Type.Number({ minimum: 0, maximum: 1e16 })) };
const Target = { leaseId: Id, gatewayId: Type.Optional(Id), armId: Type.Optional(Id) };

const Twist = Type.Object({
  vx: Num(1000), vy: Num(1000), vz: Num(1000),
  wx: Type.Optional(Num(360)), wy: Type.Optional(Num(360)), wz: Type.Optional(Num(360)),
}, { additionalProperties: false });
const Pose = Type.Object({
  x: Num(2000), y: Num(2000), z: Num(2000),
  qw: Num(1), qx: Num(1), qy: Num(1), qz: Num(1),
}, { additionalProperties: false });

export const TeleopClientMessage = Type.Union([
  Type.Object({ type: Type.Literal('jog'), ...Target, ...Client, twist: Twist }, { additionalProperties: false }),
  Type.Object({
    type: Type.Literal('move'), ...Target, ...Client, target: Pose,
    maxSpeedMmS: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1000 })),
  }, { additionalProperties: false }),
  Type.Object({
    type: Type.Union([Type.Literal('hold'), Type.Literal('home'), Type.Literal('stop'), Type.Literal('heartbeat'), Type.Literal('estop')]),
    ...Target, ...Client,
  }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('ping'), ...Client }, { additionalProperties: false }),
]);
export type TeleopClientMessage = Static<typeof TeleopClientMessage>;
export type TeleopCommandMessage = Exclude<TeleopClientMessage, { type: 'ping' }>;
export const checkClientMessage = TypeCompiler.Compile(TeleopClientMessage);

/** Largest /teleop text frame read, bytes (a command is ~200). */
export const MAX_CLIENT_MESSAGE_BYTES = 4096;

const KIND = telemed.v1.ArmCommandKind;
const KINDS: Readonly<Record<TeleopCommandMessage['type'], telemed.v1.ArmCommandKind>> = {
  jog: KIND.ARM_COMMAND_KIND_JOG, move: KIND.ARM_COMMAND_KIND_MOVE, hold: KIND.ARM_COMMAND_KIND_HOLD, home: KIND.ARM_COMMAND_KIND_HOME,
  stop: KIND.ARM_COMMAND_KIND_STOP, heartbeat: KIND.ARM_COMMAND_KIND_HEARTBEAT, estop: KIND.ARM_COMMAND_KIND_ESTOP,
};

/**
 * The ArmCommand CONTROL frame for a browser command under `lease`: the hub stamps the command id
 * (per lease, growing) and the issue time on ITS clock at arrival (gateway/safety R2 applies the
 * clock offset and refuses it once older than its budget; R3 refuses ids at or below the last).
 */
export function armCommandEnvelope(lease: Lease, msg: TeleopCommandMessage, commandId: number, nowNs: number): EnvelopeInit {
  const cmd: telemed.v1.IArmCommand = { commandId, leaseId: lease.id, operatorId: lease.holder, kind: KINDS[msg.type], issuedAtNs: nowNs };
  if (msg.type === 'jog') {
    const t = msg.twist;
    cmd.twist = { vxMmS: t.vx, vyMmS: t.vy, vzMmS: t.vz, wxDegS: t.wx ?? 0, wyDegS: t.wy ?? 0, wzDegS: t.wz ?? 0 };
  } else if (msg.type === 'move') {
    const p = msg.target;
    cmd.target = { xMm: p.x, yMm: p.y, zMm: p.z, qw: p.qw, qx: p.qx, qy: p.qy, qz: p.qz };
    if (msg.maxSpeedMmS !== undefined) cmd.maxSpeedMmS = msg.maxSpeedMmS;
  }
  return {
    header: { gatewayId: lease.gatewayId, streamId: commandStreamId(lease.armId), trafficClass: TrafficClass.TRAFFIC_CLASS_CONTROL, durable: false, captureTimeNs: nowNs },
    armCommand: cmd,
  };
}

/** ArmTelemetry → the JSON the browser gets (pose in mm and a unit quaternion, force in N). */
export function telemetryMessage(gatewayId: string, t: telemed.v1.IArmTelemetry, captureTimeNs: number, rttMs: number | null) {
  const p = t.pose ?? {};
  return {
    type: 'telemetry' as const, gatewayId, armId: t.armId ?? '', leaseId: t.leaseId ?? '', operatorId: t.operatorId ?? '',
    state: telemed.v1.ArmState[t.state ?? 0] ?? 'ARM_STATE_UNSPECIFIED', safetyState: t.safetyState ?? '', safetyReason: t.safetyReason ?? '',
    forceN: t.forceN ?? 0, forceCapN: t.forceCapN ?? 0,
    pose: { x: p.xMm ?? 0, y: p.yMm ?? 0, z: p.zMm ?? 0, qw: p.qw ?? 0, qx: p.qx ?? 0, qy: p.qy ?? 0, qz: p.qz ?? 0 },
    jointDeg: t.jointDeg ?? [], lastCommandId: Number(t.lastCommandId ?? 0), captureTimeNs, rttMs,
  };
}

/** First four bytes of every binary /teleop message: an ultrasound image, format version 1. */
export const IMAGE_MAGIC = 'TMI1';

/**
 * The JSON header of an image message: the reassembled image's own fields (hospital/video
 * ImageMeta, one definition) plus where it is from, with times in ms (capture on the gateway's
 * clock, received on the hub's).
 */
export type ImageHeader = Pick<ImageMeta, 'frameId' | 'width' | 'height' | 'quality' | 'depthMm' | 'gainDb' | 'bytes'> & {
  readonly type: 'image';
  readonly gatewayId: string;
  readonly armId: string;
  readonly leaseId: string;
  readonly captureTimeMs: number;
  readonly receivedAtMs: number;
};

/**
 * An ultrasound image for the browser as ONE binary WebSocket message (no base64: a 256 × 256
 * frame is ~10-40 kB): `"TMI1"` (4 ASCII bytes), the header length N (uint32 big-endian), N bytes
 * of UTF-8 JSON (`ImageHeader`), then the JPEG (SOI … EOI) to the end of the message.
 */
export function imageMessage(gatewayId: string, armId: string, leaseId: string, jpeg: Uint8Array, meta: ImageMeta): Buffer {
  const header: ImageHeader = {
    type: 'image', gatewayId, armId, leaseId, frameId: meta.frameId, width: meta.width, height: meta.height, quality: meta.quality,
    depthMm: meta.depthMm, gainDb: meta.gainDb, captureTimeMs: Math.floor(meta.captureTimeNs / 1e6), receivedAtMs: Math.floor(meta.receivedAtNs / 1e6), bytes: jpeg.byteLength,
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const head = Buffer.alloc(8);
  head.write(IMAGE_MAGIC, 0, 'ascii');
  head.writeUInt32BE(json.byteLength, 4);
  return Buffer.concat([head, json, jpeg]);
}

/** Reads an image message (tests; the console does the same with a DataView). Throws on another format. */
export function parseImageMessage(data: Uint8Array): { header: ImageHeader; jpeg: Buffer } {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (buf.byteLength < 8 || buf.toString('ascii', 0, 4) !== IMAGE_MAGIC) throw new Error('not a TMI1 image message');
  const n = buf.readUInt32BE(4);
  if (8 + n > buf.byteLength) throw new Error('image header runs past the message');
  return { header: JSON.parse(buf.toString('utf8', 8, 8 + n)) as ImageHeader, jpeg: buf.subarray(8 + n) };
}

import type { telemed } from '../generated/telemed.js';
import { WireError, WireErrorCode } from '../errors.js';

/** Bounds applied to every decoded envelope. Defaults suit a 5G uplink; all are in the config. */
export interface EnvelopeLimits {
  /** Largest frame accepted, bytes. Default 1 MiB: a BULK chunk or a video frame fits with room. */
  readonly maxFrameBytes: number;
  /** Longest id string (gateway, stream, record, device), characters. Default 128. */
  readonly maxIdLength: number;
  /** Most elements in any repeated field. Default 65 536. */
  readonly maxRepeated: number;
}

export const DEFAULT_LIMITS: EnvelopeLimits = Object.freeze({
  maxFrameBytes: 1024 * 1024,
  maxIdLength: 128,
  maxRepeated: 65_536,
});

const MAX_CLASS = 6;

function fail(code: (typeof WireErrorCode)[keyof typeof WireErrorCode], message: string): never {
  throw new WireError(code, message);
}

function checkId(name: string, value: string | null | undefined, limits: EnvelopeLimits): void {
  if (value != null && value.length > limits.maxIdLength) {
    fail(WireErrorCode.BAD_FIELD, `${name} is ${value.length} characters, limit is ${limits.maxIdLength}`);
  }
}

function checkRepeated(name: string, arr: readonly unknown[] | null | undefined, limits: EnvelopeLimits): void {
  if (arr != null && arr.length > limits.maxRepeated) {
    fail(WireErrorCode.LIMIT_EXCEEDED, `${name} has ${arr.length} elements, limit is ${limits.maxRepeated}`);
  }
}

/**
 * Semantic checks that protobuf itself cannot express (proto3 has no required fields):
 * a header, a payload, a known traffic class on data frames, bounded ids and repeated fields,
 * non-negative sequence numbers.
 */
export function validateEnvelope(env: telemed.v1.Envelope, limits: EnvelopeLimits): void {
  const h = env.header;
  if (h == null) fail(WireErrorCode.NO_HEADER, 'envelope has no header');
  if (env.payload == null) fail(WireErrorCode.NO_PAYLOAD, 'envelope has no payload');
  checkId('header.gateway_id', h.gatewayId, limits);
  checkId('header.stream_id', h.streamId, limits);
  const seq = Number(h.seq);
  if (!Number.isSafeInteger(seq) || seq < 0) fail(WireErrorCode.BAD_FIELD, `header.seq ${String(h.seq)} is not a safe non-negative integer`);
  const cls: number = h.trafficClass ?? 0;
  if (!Number.isInteger(cls) || cls < 0 || cls > MAX_CLASS) fail(WireErrorCode.BAD_CLASS, `unknown traffic class ${String(cls)}`);
  const session = env.payload === 'hello' || env.payload === 'helloAck' || env.payload === 'ack' ||
    env.payload === 'ping' || env.payload === 'pong' || env.payload === 'goodbye' || env.payload === 'batch';
  if (!session && cls === 0) fail(WireErrorCode.BAD_CLASS, `${env.payload} frame has no traffic class`);
  if (!session && !h.streamId) fail(WireErrorCode.BAD_FIELD, `${env.payload} frame has no stream id`);

  switch (env.payload) {
    case 'ack':
      checkRepeated('ack.streams', env.ack?.streams, limits);
      for (const s of env.ack?.streams ?? []) checkId('ack.streams.stream_id', s.streamId, limits);
      break;
    case 'helloAck':
      checkRepeated('hello_ack.streams', env.helloAck?.streams, limits);
      checkRepeated('hello_ack.rolled_back', env.helloAck?.rolledBack, limits);
      break;
    case 'hello':
      checkId('hello.gateway_id', env.hello?.gatewayId, limits);
      checkRepeated('hello.hub_acked', env.hello?.hubAcked, limits);
      checkRepeated('hello.downlink_marks', env.hello?.downlinkMarks, limits);
      checkRepeated('hello.hub_retained', env.hello?.hubRetained, limits);
      checkId('hello.downlink_epoch', env.hello?.downlinkEpoch, limits);
      for (const s of [...(env.hello?.hubAcked ?? []), ...(env.hello?.downlinkMarks ?? []), ...(env.hello?.hubRetained ?? [])]) {
        checkId('hello stream_id', s.streamId, limits);
      }
      break;
    case 'batch':
      // Each inner frame is decoded (and checked) on its own by the receiver (batch.ts).
      checkRepeated('batch.frames', env.batch?.frames, limits);
      break;
    case 'vitals':
      checkRepeated('vitals.numerics', env.vitals?.numerics, limits);
      break;
    case 'waveform':
      checkRepeated('waveform.samples', env.waveform?.samples, limits);
      break;
    case 'diagnosis':
      checkRepeated('diagnosis.statements', env.diagnosis?.statements, limits);
      break;
    case 'linkStats':
      checkRepeated('link_stats.queues', env.linkStats?.queues, limits);
      break;
    case 'ecgChunk':
      checkId('ecg_chunk.record_id', env.ecgChunk?.recordId, limits);
      break;
    case 'ecgStatus':
      checkId('ecg_status.record_id', env.ecgStatus?.recordId, limits);
      break;
    case 'armLease':
      checkId('arm_lease.lease_id', env.armLease?.leaseId, limits);
      checkId('arm_lease.operator_id', env.armLease?.operatorId, limits);
      checkId('arm_lease.previous_lease_id', env.armLease?.previousLeaseId, limits);
      checkId('arm_lease.arm_id', env.armLease?.armId, limits);
      break;
    case 'armCommand':
      checkId('arm_command.lease_id', env.armCommand?.leaseId, limits);
      checkId('arm_command.operator_id', env.armCommand?.operatorId, limits);
      break;
    case 'armTelemetry':
      checkId('arm_telemetry.arm_id', env.armTelemetry?.armId, limits);
      checkId('arm_telemetry.lease_id', env.armTelemetry?.leaseId, limits);
      checkId('arm_telemetry.operator_id', env.armTelemetry?.operatorId, limits);
      checkRepeated('arm_telemetry.joint_deg', env.armTelemetry?.jointDeg, limits);
      break;
    case 'armAudit':
      checkId('arm_audit.arm_id', env.armAudit?.armId, limits);
      break;
    default:
      break;
  }
}

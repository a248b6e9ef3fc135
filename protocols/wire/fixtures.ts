// Sample envelopes for tests anywhere in the repo (codec, conformance, fuzz, hub and gateway
// tests). Every field of every payload is set to a non-default value, so a round trip that loses
// or mangles any field shows up as a difference. No I/O and no randomness: the samples are the same
// on every call, and each call returns fresh objects that callers may mutate.
import { telemed } from './proto.js';
import type { EnvelopeInit, HeaderInit, PayloadKind } from './codec.js';

const v1 = telemed.v1;

/** Every payload arm of `Envelope`, in field-number order (telemed.proto). */
export const PAYLOAD_KINDS: readonly PayloadKind[] = [
  'hello', 'helloAck', 'ack', 'ping', 'pong', 'goodbye', 'batch',
  'vitals', 'waveform', 'alarm', 'ecgChunk', 'diagnosis', 'armCommand', 'armTelemetry', 'ultrasound', 'linkStats', 'ecgStatus', 'armLease', 'armAudit',
];

/** Payloads that belong to the session layer (SESSION.md): allowed without class or stream id. */
export const SESSION_KINDS: ReadonlySet<PayloadKind> = new Set<PayloadKind>(['hello', 'helloAck', 'ack', 'ping', 'pong', 'goodbye', 'batch']);

/** 2026-01-01T00:00:00.123456768Z in Unix ns: past 2^53, so it is a multiple of 256 (a double holds it exactly; see pb-runtime.ts). */
export const SAMPLE_CAPTURE_TIME_NS = 1_767_225_600_123_456_768;

const CLASS_OF: Record<PayloadKind, telemed.v1.TrafficClass> = {
  hello: v1.TrafficClass.TRAFFIC_CLASS_CONTROL,
  helloAck: v1.TrafficClass.TRAFFIC_CLASS_CONTROL,
  ack: v1.TrafficClass.TRAFFIC_CLASS_CONTROL,
  ping: v1.TrafficClass.TRAFFIC_CLASS_CONTROL,
  pong: v1.TrafficClass.TRAFFIC_CLASS_CONTROL,
  goodbye: v1.TrafficClass.TRAFFIC_CLASS_CONTROL,
  batch: v1.TrafficClass.TRAFFIC_CLASS_CONTROL,
  vitals: v1.TrafficClass.TRAFFIC_CLASS_VITALS,
  waveform: v1.TrafficClass.TRAFFIC_CLASS_WAVEFORM,
  alarm: v1.TrafficClass.TRAFFIC_CLASS_ALARM,
  ecgChunk: v1.TrafficClass.TRAFFIC_CLASS_BULK,
  diagnosis: v1.TrafficClass.TRAFFIC_CLASS_ALARM,
  armCommand: v1.TrafficClass.TRAFFIC_CLASS_CONTROL,
  armTelemetry: v1.TrafficClass.TRAFFIC_CLASS_CONTROL,
  ultrasound: v1.TrafficClass.TRAFFIC_CLASS_VIDEO,
  linkStats: v1.TrafficClass.TRAFFIC_CLASS_CONTROL,
  ecgStatus: v1.TrafficClass.TRAFFIC_CLASS_ALARM,
  armLease: v1.TrafficClass.TRAFFIC_CLASS_CONTROL,
  armAudit: v1.TrafficClass.TRAFFIC_CLASS_VITALS,
};

/** A header with every field set; `overrides` replace single fields. */
export function sampleHeader(kind: PayloadKind = 'vitals', overrides: Partial<HeaderInit> = {}): HeaderInit {
  return {
    gatewayId: 'gw-clinic-07',
    streamId: `${kind}/dev-1`,
    seq: 42,
    captureTimeNs: SAMPLE_CAPTURE_TIME_NS,
    trafficClass: CLASS_OF[kind],
    budgetMs: 250,
    durable: !SESSION_KINDS.has(kind),
    sendTimeNs: SAMPLE_CAPTURE_TIME_NS + 3_000_064,
    ...overrides,
  };
}

const pose = (): telemed.v1.IPose => ({ xMm: 12.5, yMm: -40.25, zMm: 101.125, rollDeg: 1.5, pitchDeg: -2.75, yawDeg: 179.5, qw: 0.5, qx: -0.5, qy: 0.5, qz: 0.5 });

/** The payload object (without header) of one kind, every field set. */
export function samplePayload(kind: PayloadKind): EnvelopeInit {
  switch (kind) {
    case 'hello':
      return { hello: { protocolVersion: 1, gatewayId: 'gw-clinic-07', credential: 'not-a-real-secret', softwareVersion: '0.1.0', siteKind: v1.SiteKind.SITE_KIND_AMBULANCE, siteName: 'Ambulance 3', maxBatchBytes: 65_536,
        hubAcked: [{ streamId: 'vitals/dev-1', seq: 40 }], downlinkMarks: [{ streamId: 'ecg-dx', seq: 3 }], downlinkEpoch: '5f0c2a9e41d7b3865e2f90a1c4d7e3b8',
        hubRetained: [{ streamId: 'vitals/dev-1', seq: 12 }], acksUncounted: true } };
    case 'helloAck':
      return { helloAck: { accepted: true, reasonCode: 'TM_ERR_NONE', reason: 'welcome', sessionId: 'sess-9', hubTimeNs: SAMPLE_CAPTURE_TIME_NS, streams: [{ streamId: 'vitals/dev-1', seq: 41 }, { streamId: 'alarm/dev-1', seq: 7 }], protocolVersion: 1, maxBatchBytes: 1_048_576, downlinkEpoch: '5f0c2a9e41d7b3865e2f90a1c4d7e3b8', rolledBack: [{ streamId: 'alarm/dev-1', seq: 5 }], acksUncounted: true } };
    case 'ack':
      return { ack: { streams: [{ streamId: 'vitals/dev-1', seq: 42 }, { streamId: 'bulk/ecg', seq: 9_007_199_254_740_991 }], receiveTimeNs: SAMPLE_CAPTURE_TIME_NS + 4096, bytesReceived: 5_000_000_000 } };
    case 'ping':
      return { ping: { id: 7, t1Ns: SAMPLE_CAPTURE_TIME_NS } };
    case 'pong':
      return { pong: { id: 7, t1Ns: SAMPLE_CAPTURE_TIME_NS, t2Ns: SAMPLE_CAPTURE_TIME_NS + 1024, t3Ns: SAMPLE_CAPTURE_TIME_NS + 2048 } };
    case 'goodbye':
      return { goodbye: { reasonCode: 'TM_ERR_SHUTDOWN', reason: 'gateway stopping' } };
    case 'batch':
      // Two small complete frames (a Ping and a Goodbye), as a sender packs them.
      return {
        batch: {
          frames: [
            v1.Envelope.encode({ header: { gatewayId: 'gw-clinic-07' }, ping: { id: 8, t1Ns: SAMPLE_CAPTURE_TIME_NS } }).finish(),
            v1.Envelope.encode({ header: { gatewayId: 'gw-clinic-07' }, goodbye: { reasonCode: 'TM_OK', reason: 'done' } }).finish(),
          ],
        },
      };
    case 'vitals':
      return {
        vitals: {
          deviceId: 'monitor-1',
          patientRef: 'pt-ref-opaque',
          numerics: [
            { code: 'MDC_PULS_OXIM_SAT_O2', value: 97.5, unit: '%', label: 'SpO2', timeNs: SAMPLE_CAPTURE_TIME_NS - 512, valid: true },
            { code: 'MDC_ECG_HEART_RATE', value: 72, unit: '/min', label: 'HR', timeNs: SAMPLE_CAPTURE_TIME_NS, valid: true },
          ],
          position: { latitudeDeg: 47.3769, longitudeDeg: -8.5417, speedMps: 13.9, headingDeg: 271.5, accuracyM: 4.5 },
        },
      };
    case 'waveform':
      return { waveform: { deviceId: 'cart-1', channel: 'ECG_II', code: 'MDC_ECG_LEAD_II', sampleRateHz: 500, firstSampleIndex: 123_456_789_012, samples: [0, 1, -1, 2_147_483_647, -2_147_483_648, -1200, 350], scale: 0.005, unit: 'mV', patientRef: 'pt-ref-opaque' } };
    case 'alarm':
      return { alarm: { alarmId: 'al-1', deviceId: 'monitor-1', kind: v1.AlarmKind.ALARM_KIND_PHYSIOLOGICAL, priority: v1.AlarmPriority.ALARM_PRIORITY_HIGH, state: v1.AlarmState.ALARM_STATE_ACTIVE, code: 'MDC_EVT_HI', text: 'SpO2 low', value: 84.5, unit: '%', patientRef: 'pt-ref-opaque' } };
    case 'ecgChunk':
      return { ecgChunk: { recordId: 'rec-2026-001', offset: 65_536, totalSize: 262_144, data: new Uint8Array([0, 1, 2, 0xfe, 0xff, 0x80, 0x0a]), contentType: 'application/x-telemed-ecg+protobuf', sha256: new Uint8Array(32).fill(0xab), patientRef: 'pt-ref-opaque', last: true } };
    case 'diagnosis':
      return { diagnosis: { recordId: 'rec-2026-001', diagnosisId: 'dx-1', readerId: 'dr-who', statements: ['Sinus rhythm', 'Normal ECG'], text: 'No acute changes.', signedAtNs: SAMPLE_CAPTURE_TIME_NS + 60e9, critical: true, readerName: 'Dr. Wang', signature: new Uint8Array(64).fill(0x5a), signatureAlg: 'ed25519', revision: 2,
        signingKeyId: '3b1f0c9e8d7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c' } };
    case 'armCommand':
      return { armCommand: { commandId: 1_000_001, leaseId: 'lease-1', kind: v1.ArmCommandKind.ARM_COMMAND_KIND_MOVE, target: pose(), maxSpeedMmS: 25.5, maxForceN: 7.25, issuedAtNs: SAMPLE_CAPTURE_TIME_NS, operatorId: 'op-1', twist: { vxMmS: 1.5, vyMmS: -2.5, vzMmS: 0.25, wxDegS: 3.5, wyDegS: -4.5, wzDegS: 5.75 } } };
    case 'armTelemetry':
      return { armTelemetry: { armId: 'arm-1', pose: pose(), forceN: 3.5, state: v1.ArmState.ARM_STATE_MOVING, lastCommandId: 1_000_001, safetyReason: 'ok', forceCapN: 20.5, leaseId: 'lease-1', operatorId: 'op-1', safetyState: 'active', jointDeg: [0, 12.5, -90.25, 45, 0.5, -180] } };
    case 'ultrasound':
      return { ultrasound: { frameId: 77, width: 4, height: 2, encoding: v1.ImageEncoding.IMAGE_ENCODING_GRAY8, quality: 80, data: new Uint8Array([0, 32, 64, 96, 128, 160, 192, 255]), depthMm: 120.5, gainDb: -3.5, totalSize: 16, offset: 8, last: true } };
    case 'linkStats':
      return { linkStats: { rttMs: 48.5, estRateBps: 12_500_000, bytesInFlight: 65_000, queues: [{ trafficClass: v1.TrafficClass.TRAFFIC_CLASS_BULK, frames: 3, bytes: 196_608, dropped: 1, late: 2 }], clockOffsetMs: -1.25, outboxBytes: 10_485_760, linkState: 'up' } };
    case 'armLease':
      return { armLease: { leaseId: 'lease-2', operatorId: 'op-2', action: v1.ArmLeaseAction.ARM_LEASE_ACTION_HANDOVER, expiresAtNs: SAMPLE_CAPTURE_TIME_NS + 600e9, maxForceN: 18.5, previousLeaseId: 'lease-1', issuedAtNs: SAMPLE_CAPTURE_TIME_NS, armId: 'arm-1' } };
    case 'armAudit':
      return { armAudit: { armId: 'arm-1', seq: 7, recordJson: '{"v":1,"seq":7}' } };
    case 'ecgStatus':
      return { ecgStatus: { recordId: 'rec-2026-001', state: v1.EcgReadingState.ECG_READING_STATE_IN_READING, readerName: 'Dr. Wang', atNs: SAMPLE_CAPTURE_TIME_NS + 30e9, reasonCode: 'TM_ERR_ECG_SHA256' } };
  }
}

/** A complete, valid envelope of one payload kind. */
export function sampleEnvelope(kind: PayloadKind, header: Partial<HeaderInit> = {}): EnvelopeInit {
  return { header: sampleHeader(kind, header), ...samplePayload(kind) };
}

/** One sample envelope per payload kind, in PAYLOAD_KINDS order. */
export function allSampleEnvelopes(): Array<{ kind: PayloadKind; envelope: EnvelopeInit }> {
  return PAYLOAD_KINDS.map((kind) => ({ kind, envelope: sampleEnvelope(kind) }));
}

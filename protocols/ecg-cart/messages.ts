/** Protocol version carried in every header. */
export const CART_PROTOCOL_VERSION = 1;
/** Header: version u8, type u8, seq u16 LE. */
export const HEADER_BYTES = 4;
export const CRC_BYTES = 2;
/** Largest un-stuffed frame (header + payload + CRC), bytes. */
export const MAX_FRAME_BYTES = 8192;
/** Largest samples per lead in one SampleBlock. */
export const MAX_BLOCK_SAMPLES = 200;
/** Largest UTF-8 string field, bytes. */
export const MAX_STRING_BYTES = 64;

/** Message type codes (SPEC.md §3). Cart → host below 0x80, host → cart from 0x80. */
export const MsgType = {
  DeviceInfo: 0x01,
  SampleBlock: 0x02,
  LeadOff: 0x03,
  RecordStart: 0x04,
  RecordStop: 0x05,
  Error: 0x06,
  Heartbeat: 0x07,
  RequestInfo: 0x81,
  StartStream: 0x82,
  StopStream: 0x83,
  StartRecord: 0x84,
  StopRecord: 0x85,
} as const;
export type MsgType = (typeof MsgType)[keyof typeof MsgType];

export interface LeadInfo {
  readonly name: string;
  /** Computed by the cart from other leads (III, aVR, aVL, aVF), not measured. */
  readonly derived: boolean;
}

/** Cart → host messages. Sample indices count samples per lead since the cart started streaming. */
export type CartMessage =
  | { readonly type: 'DeviceInfo'; readonly model: string; readonly serial: string; readonly firmware: string; readonly sampleRateHz: 500 | 1000; readonly uvPerCount: number; readonly leads: readonly LeadInfo[] }
  | { readonly type: 'SampleBlock'; readonly firstSampleIndex: number; readonly leadCount: number; readonly samplesPerLead: number; /** lead-major counts */ readonly samples: Int16Array }
  | { readonly type: 'LeadOff'; /** bit i set: lead i (DeviceInfo order) is off */ readonly bitmap: number }
  | { readonly type: 'RecordStart'; readonly recordId: string; /** patient identifier: never log */ readonly patientId: string; readonly startSampleIndex: number }
  | { readonly type: 'RecordStop'; readonly recordId: string; /** exclusive */ readonly stopSampleIndex: number; readonly aborted: boolean }
  | { readonly type: 'Error'; readonly code: number; readonly text: string }
  | { readonly type: 'Heartbeat'; readonly uptimeMs: number };

/** Host → cart commands. */
export type HostCommand =
  | { readonly type: 'RequestInfo' }
  | { readonly type: 'StartStream' }
  | { readonly type: 'StopStream' }
  | { readonly type: 'StartRecord'; readonly patientId: string; readonly durationMs: number }
  | { readonly type: 'StopRecord' };

export type AnyMessage = CartMessage | HostCommand;

/** A decoded frame: header fields plus the message. */
export interface Frame<M extends AnyMessage = AnyMessage> {
  readonly seq: number;
  readonly message: M;
}

export function isCartMessage(m: AnyMessage): m is CartMessage {
  return MsgType[m.type] < 0x80;
}

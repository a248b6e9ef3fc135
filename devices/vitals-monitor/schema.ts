import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { VitalsErrorCode } from './errors.js';
import { parseTopic, type MonitorTopic } from './topics.js';

// The JSON payloads of the monitor topics (README.md "Payloads"). Unknown fields are ignored (a
// vendor bridge may add its own); known ones are checked strictly, with bounds on every string and
// array so a hostile message costs O(size).

/** Largest payload parsed, bytes. A 1 s ECG block at 500 Hz is ~4 kB of JSON; 64 KiB leaves room. */
export const MAX_PAYLOAD_BYTES = 64 * 1024;

/** Unix ms between 2000-01-01 and 2100-01-01: a monitor clock outside is broken, not early. */
const UnixMs = Type.Number({ minimum: 946_684_800_000, maximum: 4_102_444_800_000 });
const Version = Type.Literal(1);
const Boot = Type.Integer({ minimum: 1, maximum: 2 ** 31 - 1 });
const Seq = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
/** Context-free MDC code (partition × 65536 + code). */
const MdcCode = Type.Integer({ minimum: 1, maximum: 0xffff_ffff });
const Refid = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Z][A-Z0-9_]*$' });
const Ucum = Type.String({ minLength: 1, maxLength: 32 });
const Label = Type.String({ maxLength: 32 });

export const NumericSchema = Type.Object({
  code: MdcCode,
  refid: Type.Optional(Refid),
  /** null or "NaN": the monitor has no valid value. Sentinels (-999, 8388607, ...) are also read as "no value". */
  value: Type.Union([Type.Number(), Type.Null(), Type.Literal('NaN')]),
  unit: Ucum,
  label: Type.Optional(Label),
  /** Measurement time when it differs from the message's `t` (e.g. the end of an NIBP cycle). */
  t: Type.Optional(UnixMs),
});

export const NumericsSchema = Type.Object({
  v: Version, boot: Boot, seq: Seq, t: UnixMs,
  numerics: Type.Array(NumericSchema, { minItems: 1, maxItems: 64 }),
});

export const WaveformSchema = Type.Object({
  v: Version, boot: Boot, seq: Seq,
  /** Time of samples[0]. */
  t: UnixMs,
  code: MdcCode,
  refid: Type.Optional(Refid),
  rateHz: Type.Number({ exclusiveMinimum: 0, maximum: 10_000 }),
  /** Index of samples[0] since the monitor booted. */
  first: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
  unit: Ucum,
  /** Physical value = sample × scale, in `unit`. */
  scale: Type.Number({ exclusiveMinimum: 0, maximum: 1e6 }),
  samples: Type.Array(Type.Integer({ minimum: -(2 ** 31), maximum: 2 ** 31 - 1 }), { minItems: 1, maxItems: 8192 }),
});

export const AlarmSchema = Type.Object({
  v: Version, boot: Boot, seq: Seq, t: UnixMs,
  alarm: Type.Object({
    /** Stable for the alarm's life (active and cleared carry the same id). */
    id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._:-]+$' }),
    /** MDC event REFID (MDC_EVT_LO, MDC_EVT_ECG_V_TACH, MDC_EVT_SENSOR_DISCONN, ...). */
    code: Refid,
    mdc: Type.Optional(MdcCode),
    /** MDC code of the numeric the alarm is about, for limit and sensor alarms. */
    source: Type.Optional(MdcCode),
    kind: Type.Union([Type.Literal('physiological'), Type.Literal('technical')]),
    priority: Type.Union([Type.Literal('low'), Type.Literal('medium'), Type.Literal('high')]),
    state: Type.Union([Type.Literal('active'), Type.Literal('cleared')]),
    text: Type.String({ maxLength: 200 }),
    value: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
    unit: Type.Optional(Ucum),
  }),
});

export const StatusSchema = Type.Object({
  v: Version,
  state: Type.Union([Type.Literal('online'), Type.Literal('offline')]),
  boot: Type.Optional(Boot),
  t: Type.Optional(UnixMs),
  /** Why offline: "lwt" (last will: the connection died), "shutdown", "reboot". */
  reason: Type.Optional(Type.String({ maxLength: 64 })),
  model: Type.Optional(Type.String({ maxLength: 64 })),
  serial: Type.Optional(Type.String({ maxLength: 64 })),
});

export type NumericsMsg = Static<typeof NumericsSchema>;
export type WaveformMsg = Static<typeof WaveformSchema>;
export type AlarmMsg = Static<typeof AlarmSchema>;
export type StatusMsg = Static<typeof StatusSchema>;

const compiled = {
  numerics: TypeCompiler.Compile(NumericsSchema),
  waveform: TypeCompiler.Compile(WaveformSchema),
  alarms: TypeCompiler.Compile(AlarmSchema),
  status: TypeCompiler.Compile(StatusSchema),
} as const;

export type MonitorMessage =
  | { kind: 'numerics'; topic: MonitorTopic; msg: NumericsMsg }
  | { kind: 'waveform'; topic: MonitorTopic & { kind: 'waveform' }; msg: WaveformMsg }
  | { kind: 'alarms'; topic: MonitorTopic; msg: AlarmMsg }
  | { kind: 'status'; topic: MonitorTopic; msg: StatusMsg };

export type DecodeResult =
  | { ok: true; message: MonitorMessage }
  | { ok: false; code: VitalsErrorCode; detail: string; monitorId?: string };

function firstError(check: TypeCheck<TSchema>, value: unknown): string {
  const e = check.Errors(value).First();
  return e === undefined ? 'does not match' : `${e.path || '/'}: ${e.message}`;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Topic + payload bytes → a validated message, or a coded rejection. Never throws: every input,
 * however hostile, ends in one of the two.
 */
export function decodeMonitorMessage(topicName: string, payload: Uint8Array): DecodeResult {
  const topic = parseTopic(topicName);
  if (topic === null) return { ok: false, code: VitalsErrorCode.BAD_TOPIC, detail: 'topic outside telemed/v1/monitors/{id}/(status|numerics|alarms|waveform/{channel})' };
  const monitorId = topic.monitorId;
  if (payload.byteLength > MAX_PAYLOAD_BYTES) return { ok: false, code: VitalsErrorCode.TOO_LARGE, detail: `${payload.byteLength} bytes > ${MAX_PAYLOAD_BYTES}`, monitorId };
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(payload));
  } catch {
    return { ok: false, code: VitalsErrorCode.BAD_JSON, detail: 'not UTF-8 JSON', monitorId };
  }
  if (value !== null && typeof value === 'object' && 'v' in value && value.v !== 1) {
    return { ok: false, code: VitalsErrorCode.VERSION, detail: `schema version ${JSON.stringify(value.v)?.slice(0, 20)} (we speak 1)`, monitorId };
  }
  const check = compiled[topic.kind];
  if (!check.Check(value)) return { ok: false, code: VitalsErrorCode.SCHEMA, detail: `${topic.kind}: ${firstError(check, value)}`, monitorId };
  switch (topic.kind) {
    case 'numerics': return { ok: true, message: { kind: 'numerics', topic, msg: value as NumericsMsg } };
    case 'waveform': return { ok: true, message: { kind: 'waveform', topic, msg: value as WaveformMsg } };
    case 'alarms': return { ok: true, message: { kind: 'alarms', topic, msg: value as AlarmMsg } };
    case 'status': return { ok: true, message: { kind: 'status', topic, msg: value as StatusMsg } };
  }
}

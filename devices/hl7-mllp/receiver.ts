// One MLLP payload -> the ACK to send and the readings to emit. No sockets: the listener feeds it.
//
//   decode (MSH-18) -> parse -> sender allowed? -> ORU^R01/R40? -> duplicate control id? -> map
//   AA  stored (or a duplicate of something stored: acknowledged again, not emitted twice)
//   AE  stored, but with rows we could not use (bad OBX, unknown unit, implausible value,
//       unknown character set): the sender learns something was wrong, nothing is lost
//   AR  not stored: unparseable (when at least MSH parses), not ORU^R01/R40, sender not allowed
// Every outcome is counted by its TM_ERR_* code.
import { TrafficClass } from '../../protocols/index.js';
import {
  DuplicateControlIds, Hl7Error, Hl7ErrorCode, Hl7ErrorCondition, buildAck, buildRejectAck, decodeHl7Bytes, extractPcd, msh,
  parseHl7, senderKey, value, type AckCode, type DecodedText, type Hl7Message, type PcdMessage,
} from '../../protocols/hl7v2/index.js';
import type { ReadingPayload } from '../device.js';
import { Hl7DeviceErrorCode } from './errors.js';
import { WAVE_SCALE, groupAlarm, groupNumerics, groupWaves, safeId, type MappingIssue } from './mapping.js';

/** A reading without its capture time (the device stamps it on emit). */
export interface ReadingDraft {
  readonly stream: string;
  readonly trafficClass: TrafficClass;
  readonly durable: boolean;
  readonly payload: ReadingPayload;
}

export interface ReceiverOptions {
  /** MSH-3 (namespace id, or the whole HD as sent) allowed to send; empty: any. */
  readonly allowApplications?: readonly string[];
  /** Makes our ACK's MSH-10 and MSH-7 (injected for tests). */
  readonly ackId: () => string;
  readonly timestamp: () => string;
}

export interface ReceiverStats {
  messages: number;
  acks: Record<AckCode, number>;
  duplicates: number;
  /** Problems by stable code (parse errors, refusals, unusable rows). */
  errors: Record<string, number>;
  /** Messages that did not parse far enough to be answered (no MSH): counted, not answered. */
  unanswered: number;
}

export interface Outcome {
  /** The ACK text (CR-separated), or undefined when there is no one to address it to. */
  readonly ack?: string;
  readonly code?: AckCode;
  readonly readings: readonly ReadingDraft[];
  /** Our ACK is encoded in the message's own character set when it was UTF-8. */
  readonly utf8: boolean;
}

export class Hl7Receiver {
  readonly stats: ReceiverStats = { messages: 0, acks: { AA: 0, AE: 0, AR: 0 }, duplicates: 0, errors: {}, unanswered: 0 };
  private readonly duplicates = new DuplicateControlIds();
  private readonly wavePos = new Map<string, number>();

  constructor(private readonly o: ReceiverOptions) {}

  count(code: string): void {
    this.stats.errors[code] = (this.stats.errors[code] ?? 0) + 1;
  }

  handle(payload: Uint8Array): Outcome {
    this.stats.messages++;
    const decoded = decode(payload);
    const utf8 = decoded.charset === 'UNICODE UTF-8';
    let msg: Hl7Message;
    try {
      msg = parseHl7(decoded.text);
    } catch (err) {
      const code = err instanceof Hl7Error ? err.code : Hl7ErrorCode.EMPTY;
      this.count(code);
      const ack = buildRejectAck(decoded.text, code, { controlId: this.o.ackId(), timestamp: this.o.timestamp() });
      if (ack === undefined) {
        this.stats.unanswered++;
        return { readings: [], utf8 };
      }
      this.stats.acks.AR++;
      return { ack, code: 'AR', readings: [], utf8 };
    }
    const reply = (code: AckCode, text?: string, condition?: Hl7ErrorCondition): string => {
      this.stats.acks[code]++;
      return buildAck(msg, { code, controlId: this.o.ackId(), timestamp: this.o.timestamp(), ...(text ? { text } : {}), ...(condition ? { condition } : {}) });
    };
    const h = msh(msg);
    const app = value(h, 3);
    const allow = this.o.allowApplications ?? [];
    const fullApp = (h.fields[3]?.[0] ?? []).map((c) => c[0] ?? '').join('^');
    if (allow.length > 0 && !allow.includes(app) && !allow.includes(fullApp)) {
      this.count(Hl7DeviceErrorCode.SENDER_NOT_ALLOWED);
      return { ack: reply('AR', Hl7DeviceErrorCode.SENDER_NOT_ALLOWED), code: 'AR', readings: [], utf8 };
    }
    let pcd: PcdMessage;
    try {
      pcd = extractPcd(msg);
    } catch (err) {
      const code = err instanceof Hl7Error ? err.code : Hl7ErrorCode.PCD_UNSUPPORTED;
      this.count(code);
      return { ack: reply('AR', code, Hl7ErrorCondition.UNSUPPORTED_MESSAGE_TYPE), code: 'AR', readings: [], utf8 };
    }
    const sender = senderKey(fullApp, value(h, 4));
    if (this.duplicates.has(sender, pcd.controlId)) {
      // The sender never got our ACK and sent it again: acknowledge, do not store twice.
      this.stats.duplicates++;
      return { ack: reply('AA'), code: 'AA', readings: [], utf8 };
    }
    const issues: MappingIssue[] = [];
    const readings = pcd.trigger === 'R01' ? this.observations(pcd, issues) : this.alarms(pcd);
    this.duplicates.add(sender, pcd.controlId);
    const problems = [...pcd.rejected.map((r) => r.code), ...issues.map((i) => i.code), ...(decoded.supported ? [] : [Hl7DeviceErrorCode.CHARSET_UNSUPPORTED])];
    for (const p of problems) this.count(p);
    if (problems.length > 0) {
      const first = problems[0]!;
      return { ack: reply('AE', `${first}${problems.length > 1 ? ` (+${problems.length - 1})` : ''}`, Hl7ErrorCondition.DATA_TYPE), code: 'AE', readings, utf8 };
    }
    return { ack: reply('AA'), code: 'AA', readings, utf8 };
  }

  private observations(pcd: PcdMessage, issues: MappingIssue[]): ReadingDraft[] {
    const out: ReadingDraft[] = [];
    for (const g of pcd.groups) {
      const n = groupNumerics(g, pcd, issues);
      if (n) {
        out.push({
          stream: `${n.deviceId}/vitals`, trafficClass: TrafficClass.TRAFFIC_CLASS_VITALS, durable: true,
          payload: { vitals: { deviceId: n.deviceId, numerics: n.numerics } },
        });
      }
      for (const w of groupWaves(g, pcd)) {
        const stream = `${w.deviceId}/wave-${safeId(w.channel)}`;
        const first = this.wavePos.get(stream) ?? 0;
        this.wavePos.set(stream, first + w.samples.length);
        out.push({
          stream, trafficClass: TrafficClass.TRAFFIC_CLASS_WAVEFORM, durable: false,
          payload: { waveform: { deviceId: w.deviceId, channel: w.channel, code: w.code, sampleRateHz: w.sampleRateHz, firstSampleIndex: first, samples: w.samples, scale: WAVE_SCALE, unit: w.unit } },
        });
      }
    }
    return out;
  }

  private alarms(pcd: PcdMessage): ReadingDraft[] {
    const out: ReadingDraft[] = [];
    for (const g of pcd.groups) {
      const alarm = groupAlarm(g, pcd);
      if (!alarm) continue;
      out.push({ stream: `${alarm.deviceId}/alarm`, trafficClass: TrafficClass.TRAFFIC_CLASS_ALARM, durable: true, payload: { alarm } });
    }
    return out;
  }
}

/**
 * decodeHl7Bytes guarded: it must never throw, but an MSH whose MSH-2 has no repetition character
 * and an empty MSH-18 made it throw a TypeError (found by the listener fuzz test), so a failure is
 * read as ISO 8859-1 and flagged unsupported (answered AE when the message is otherwise good).
 */
function decode(payload: Uint8Array): DecodedText {
  try {
    return decodeHl7Bytes(payload);
  } catch {
    return { text: new TextDecoder('latin1').decode(payload), charset: '', supported: false };
  }
}

/** Our ACK's MSH-7: an HL7 DTM in UTC with its offset, to the second. */
export function hl7Timestamp(unixMs: number): string {
  const d = new Date(unixMs);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}+0000`;
}

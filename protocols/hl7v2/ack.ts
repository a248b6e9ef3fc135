// Original-mode acknowledgement (HL7 v2.6 §2.9.2, message ACK; MSA §2.14.8; ERR §2.14.5).
// The ACK mirrors the incoming MSH: sending and receiving application/facility swapped
// (MSH-3/4 <-> MSH-5/6), same processing id (MSH-11) and version (MSH-12), MSH-9 ACK^<trigger>^ACK,
// and MSA-2 carries the sender's MSH-10 so it can match the ACK to what it sent.
import type { Hl7Delimiters } from './delimiters.js';
import { encodeField, encodeSegment } from './encode.js';
import { escapeValue } from './escape.js';
import { type Hl7Field, type Hl7Message, type Hl7Segment, field, msh, parseHl7, value } from './message.js';

/** MSA-1 acknowledgement codes, HL7 table 0008 (original mode). */
export type AckCode = 'AA' | 'AE' | 'AR';

/** HL7 table 0357 (message error condition codes), the ones a receiver of ORU messages uses. */
export const Hl7ErrorCondition = {
  SEGMENT_SEQUENCE: { code: '100', text: 'Segment sequence error' },
  REQUIRED_FIELD_MISSING: { code: '101', text: 'Required field missing' },
  DATA_TYPE: { code: '102', text: 'Data type error' },
  UNSUPPORTED_MESSAGE_TYPE: { code: '200', text: 'Unsupported message type' },
  UNSUPPORTED_EVENT: { code: '201', text: 'Unsupported event code' },
  UNSUPPORTED_PROCESSING_ID: { code: '202', text: 'Unsupported processing id' },
  UNSUPPORTED_VERSION: { code: '203', text: 'Unsupported version id' },
  APPLICATION_INTERNAL: { code: '207', text: 'Application internal error' },
} as const;
export type Hl7ErrorCondition = (typeof Hl7ErrorCondition)[keyof typeof Hl7ErrorCondition];

export interface AckOptions {
  readonly code: AckCode;
  /** MSH-10 of the ACK itself (ours, unique per ACK we send). */
  readonly controlId: string;
  /** MSH-7, an HL7 DTM such as 20261206051500+0000. */
  readonly timestamp: string;
  /** MSA-3 (text message; withdrawn as of v2.4 but still read by many senders). Optional. */
  readonly text?: string;
  /** ERR-3 for AE/AR. Defaults to 207 (application internal error) for AE/AR; none for AA. */
  readonly condition?: Hl7ErrorCondition;
}

/** Builds the ACK for a parsed message, segments ended by CR (§2.5.2). */
export function buildAck(msg: Hl7Message, o: AckOptions): string {
  const d = msg.delimiters;
  const m = msh(msg);
  const fields: Hl7Field[] = [];
  fields[3] = field(m, 5); // sending application <- their receiving application
  fields[4] = field(m, 6);
  fields[5] = field(m, 3); // receiving application <- their sending application
  fields[6] = field(m, 4);
  fields[7] = leaf(o.timestamp);
  // MSH-9: ACK^<trigger of the message acknowledged>^ACK (message structure ACK, §2.14.9.9)
  fields[9] = [[[ 'ACK' ], [value(m, 9, 2)], ['ACK']]];
  fields[10] = leaf(o.controlId);
  fields[11] = field(m, 11);
  fields[12] = field(m, 12);
  const header: Hl7Segment = { name: 'MSH', fields: Array.from({ length: 13 }, (_, n) => fields[n] ?? leaf('')) };
  const segments = [encodeSegment(header, d), msa(d, o.code, value(m, 10), o.text)];
  const condition = o.condition ?? (o.code === 'AA' ? undefined : Hl7ErrorCondition.APPLICATION_INTERNAL);
  if (condition) {
    // ERR-3 HL7 error code (CWE, table 0357), ERR-4 severity E (table 0516).
    segments.push(`ERR${d.field}${d.field}${d.field}${encodeField([[[condition.code], [condition.text], ['HL70357']]], d)}${d.field}E`);
  }
  return segments.join('\r') + '\r';
}

function leaf(v: string): Hl7Field {
  return [[[v]]];
}

function msa(d: Hl7Delimiters, code: AckCode, theirControlId: string, text?: string): string {
  const parts = ['MSA', code, escapeValue(theirControlId, d)];
  if (text !== undefined && text !== '') parts.push(escapeValue(text, d));
  return parts.join(d.field);
}

/**
 * The AR for a message we could not parse, when its MSH line still can be: the sender learns that
 * this control id was refused (MSA-3 and ERR carry our code) instead of waiting for a timeout.
 * Undefined when not even the MSH line parses (nothing to address the ACK to): the listener then
 * counts the error and sends nothing.
 */
export function buildRejectAck(text: string, code: string, o: Omit<AckOptions, 'code' | 'text' | 'condition'>): string | undefined {
  const end = text.search(/[\r\n]/);
  const first = end < 0 ? text : text.slice(0, end);
  let header: Hl7Message;
  try {
    header = parseHl7(first, { limits: { maxMessageChars: 65_536, maxSegments: 1, maxFieldsPerSegment: 1_000, maxPartsPerLevel: 1_000 } });
  } catch {
    return undefined;
  }
  return buildAck(header, { ...o, code: 'AR', text: code, condition: Hl7ErrorCondition.APPLICATION_INTERNAL });
}

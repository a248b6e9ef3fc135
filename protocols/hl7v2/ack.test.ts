import { describe, expect, it } from 'vitest';
import { buildAck, buildRejectAck, Hl7ErrorCondition } from './ack.js';
import { DuplicateControlIds, senderKey } from './duplicates.js';
import { parseHl7, value } from './message.js';

const IN = 'MSH|^~\\&|MON^0123456789ABCDEF^EUI-64|ICU|GW^ABC^EUI-64|HOSP|20261206051500||ORU^R01^ORU_R01|C1|P|2.6\rPID|1\r';

describe('buildAck (HL7 v2.6 §2.9.2, MSA)', () => {
  it('AA: sender and receiver swapped, MSA-2 = their control id, parseable', () => {
    const ack = buildAck(parseHl7(IN), { code: 'AA', controlId: 'A1', timestamp: '20261206051501' });
    expect(ack).toBe('MSH|^~\\&|GW^ABC^EUI-64|HOSP|MON^0123456789ABCDEF^EUI-64|ICU|20261206051501||ACK^R01^ACK|A1|P|2.6\rMSA|AA|C1\r');
    const m = parseHl7(ack);
    expect(value(m.segments[1]!, 2)).toBe('C1');
  });

  it('AE / AR carry an ERR with a table 0357 code; text is escaped', () => {
    const ae = buildAck(parseHl7(IN), { code: 'AE', controlId: 'A2', timestamp: 'T', text: 'bad|value' });
    expect(ae.split('\r').slice(1)).toEqual(['MSA|AE|C1|bad\\F\\value', 'ERR|||207^Application internal error^HL70357|E', '']);
    const ar = buildAck(parseHl7(IN), { code: 'AR', controlId: 'A3', timestamp: 'T', condition: Hl7ErrorCondition.UNSUPPORTED_MESSAGE_TYPE });
    expect(ar).toContain('MSA|AR|C1\rERR|||200^Unsupported message type^HL70357|E\r');
  });

  it('answers in the sender\'s own delimiters', () => {
    const ack = buildAck(parseHl7('MSH#*!@%#A*B#F#R#X#T##ORU*R01#ID#P#2.6'), { code: 'AA', controlId: 'x', timestamp: 'T' });
    expect(ack).toBe('MSH#*!@%#R#X#A*B#F#T##ACK*R01*ACK#x#P#2.6\rMSA#AA#ID\r');
  });
});

describe('DuplicateControlIds', () => {
  it('remembers per sender, bounded per sender and in senders', () => {
    const d = new DuplicateControlIds({ perSender: 2, maxSenders: 2 });
    const a = senderKey('MON', 'ICU');
    expect(d.seen(a, '1')).toBe(false);
    expect(d.seen(a, '1')).toBe(true);
    expect(d.has('other', '1')).toBe(false);
    d.add(a, '2');
    d.add(a, '3'); // evicts '1'
    expect(d.has(a, '1')).toBe(false);
    expect(d.has(a, '3')).toBe(true);
    d.add('b', 'x');
    d.add('c', 'y'); // evicts sender a (least recently used)
    expect(d.senderCount).toBe(2);
    expect(d.has(a, '3')).toBe(false);
    expect(d.has('b', 'x')).toBe(true);
  });
});

describe('buildRejectAck', () => {
  it('answers AR with our code when only the MSH line parses, nothing when it does not', () => {
    const bad = 'MSH|^~\\&|MON|ICU|GW|HOSP|20261206||ORU^R01|C9|P|2.6\rpid|broken\r';
    const ar = buildRejectAck(bad, 'TM_ERR_HL7_BAD_SEGMENT_ID', { controlId: 'A9', timestamp: 'T' });
    expect(ar).toBe('MSH|^~\\&|GW|HOSP|MON|ICU|T||ACK^R01^ACK|A9|P|2.6\rMSA|AR|C9|TM_ERR_HL7_BAD_SEGMENT_ID\rERR|||207^Application internal error^HL70357|E\r');
    expect(buildRejectAck('PID|1', 'TM_ERR_HL7_NO_MSH', { controlId: 'A', timestamp: 'T' })).toBeUndefined();
    expect(buildRejectAck('MSH|^', 'TM_ERR_HL7_BAD_DELIMITERS', { controlId: 'A', timestamp: 'T' })).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { encodeSegment } from './encode.js';
import { Hl7Error } from './errors.js';
import { DEFAULT_HL7_LIMITS, componentText, msh, parseHl7, segmentsNamed, value } from './message.js';

const MSG = [
  'MSH|^~\\&|MON^0123456789ABCDEF^EUI-64|ICU|GW|HOSP|20261206051500||ORU^R01^ORU_R01|C1|P|2.6',
  'OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.3.1.1|97|262688^MDC_DIM_PERCENT^MDC|||||R',
  'NTE|1||a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f|x~y&z^w',
].join('\r');

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof Hl7Error) return err.code;
    throw err;
  }
  return 'no error';
}

describe('parseHl7', () => {
  it('splits fields, components, sub-components and repetitions; MSH-1/MSH-2 verbatim', () => {
    const m = parseHl7(MSG);
    expect(m.segments.map((s) => s.name)).toEqual(['MSH', 'OBX', 'NTE']);
    const h = msh(m);
    expect(value(h, 1)).toBe('|');
    expect(value(h, 2)).toBe('^~\\&');
    expect(value(h, 3, 2)).toBe('0123456789ABCDEF');
    expect(value(h, 9, 2)).toBe('R01');
    expect(value(h, 10)).toBe('C1');
    const [obx] = segmentsNamed(m, 'OBX');
    expect(value(obx!, 3, 1)).toBe('150456');
    expect(value(obx!, 11)).toBe('R');
    const nte = segmentsNamed(m, 'NTE')[0]!;
    expect(nte.fields[4]).toEqual([[['x']], [['y', 'z'], ['w']]]);
    expect(componentText(nte, 4, 1, 1)).toBe('y&z');
  });

  it('decodes the delimiter escapes \\F\\ \\S\\ \\T\\ \\R\\ \\E\\ (HL7 v2.6 §2.7)', () => {
    expect(value(parseHl7(MSG).segments[2]!, 3)).toBe('a|b^c&d~e\\f');
  });

  it('decodes \\X..\\ hex as UTF-8 (or ISO 8859-1) and passes formatting and unknown sequences through', () => {
    const t = (v: string) => value(parseHl7(`MSH|^~\\&|A\rNTE|1||${v}`).segments[1]!, 3);
    expect(t('\\X0D0A\\')).toBe('\r\n');
    expect(t('\\XC3A9\\')).toBe('é');
    expect(t('\\XE9\\')).toBe('é'); // not UTF-8: one byte per character
    expect(t('line\\.br\\two \\H\\bold\\N\\')).toBe('line\\.br\\two \\H\\bold\\N\\');
    expect(t('\\Zabc\\ \\C2842\\')).toBe('\\Zabc\\ \\C2842\\');
    expect(t('\\X0\\ \\XZZ\\')).toBe('\\X0\\ \\XZZ\\'); // malformed hex kept as sent
    expect(t('trailing \\F')).toBe('trailing \\F'); // unterminated: kept
  });

  it('uses the delimiters MSH-1/MSH-2 define, v2.7 truncation character included', () => {
    const m = parseHl7('MSH#*!@%$#A*B#C\rOBX#1#x*y!z%w@F@v');
    expect(m.delimiters).toMatchObject({ field: '#', component: '*', repetition: '!', escape: '@', subcomponent: '%', truncation: '$' });
    expect(m.segments[1]!.fields[2]).toEqual([[['x'], ['y']], [['z', 'w#v']]]);
    expect(parseHl7('MSH|^~\\&#|A').delimiters.truncation).toBe('#');
  });

  it('ends segments at CR, LF or CRLF by default and at CR only in "cr" mode', () => {
    for (const sep of ['\r', '\n', '\r\n']) {
      expect(parseHl7(`MSH|^~\\&|A${sep}PID|1${sep}OBX|1${sep}`).segments.map((s) => s.name)).toEqual(['MSH', 'PID', 'OBX']);
    }
    const cr = parseHl7('MSH|^~\\&|A\nPID|1\rOBX|1', { segmentTerminators: 'cr' });
    expect(cr.segments.map((s) => s.name)).toEqual(['MSH', 'OBX']);
    expect(value(cr.segments[0]!, 3)).toBe('A\nPID');
  });

  it('round-trips through encodeSegment', () => {
    const m = parseHl7(MSG);
    expect(m.segments.map((s) => encodeSegment(s, m.delimiters)).join('\r')).toBe(MSG);
  });

  it('refuses bad input with stable codes', () => {
    expect(code(() => parseHl7(''))).toBe('TM_ERR_HL7_EMPTY');
    expect(code(() => parseHl7('\r\n\r'))).toBe('TM_ERR_HL7_EMPTY');
    expect(code(() => parseHl7('PID|1'))).toBe('TM_ERR_HL7_NO_MSH');
    expect(code(() => parseHl7('MSH'))).toBe('TM_ERR_HL7_BAD_DELIMITERS');
    expect(code(() => parseHl7('MSH|^|A'))).toBe('TM_ERR_HL7_BAD_DELIMITERS');
    expect(code(() => parseHl7('MSH|^^\\&|A'))).toBe('TM_ERR_HL7_BAD_DELIMITERS');
    expect(code(() => parseHl7('MSHA^~\\&'))).toBe('TM_ERR_HL7_BAD_DELIMITERS');
    expect(code(() => parseHl7('MSH|^~\\&|A\rpid|1'))).toBe('TM_ERR_HL7_BAD_SEGMENT_ID');
    expect(code(() => parseHl7('MSH|^~\\&|A\rPIDX|1'))).toBe('TM_ERR_HL7_BAD_SEGMENT_ID');
    const small = { ...DEFAULT_HL7_LIMITS, maxMessageChars: 10 };
    expect(code(() => parseHl7(MSG, { limits: small }))).toBe('TM_ERR_HL7_TOO_LARGE');
    expect(code(() => parseHl7('MSH|^~\\&\r' + 'NTE|1\r'.repeat(5), { limits: { ...DEFAULT_HL7_LIMITS, maxSegments: 5 } }))).toBe('TM_ERR_HL7_LIMIT');
    expect(code(() => parseHl7('MSH|^~\\&\rNTE' + '|'.repeat(11), { limits: { ...DEFAULT_HL7_LIMITS, maxFieldsPerSegment: 10 } }))).toBe('TM_ERR_HL7_LIMIT');
    expect(code(() => parseHl7('MSH|^~\\&\rNTE|' + '~'.repeat(10), { limits: { ...DEFAULT_HL7_LIMITS, maxPartsPerLevel: 10 } }))).toBe('TM_ERR_HL7_LIMIT');
    expect(code(() => parseHl7('MSH|^~\\&\rNTE|' + '~'.repeat(9), { limits: { ...DEFAULT_HL7_LIMITS, maxPartsPerLevel: 10 } }))).toBe('no error');
  });
});

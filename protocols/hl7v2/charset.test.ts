import { describe, expect, it } from 'vitest';
import { decodeHl7Bytes } from './charset.js';
import { parseHl7, value } from './message.js';

const msh = (charset: string) => `MSH|^~\\&|A|B|C|D|20260101||ORU^R01|1|P|2.6|||AL|NE||${charset}\rNTE|1||`;
const bytes = (...parts: (string | number[])[]) => Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...Buffer.from(p, 'latin1')] : p)));

describe('decodeHl7Bytes (MSH-18, table 0211)', () => {
  it('UTF-8, ISO 8859-1 and ASCII', () => {
    const utf8 = decodeHl7Bytes(bytes(msh('UNICODE UTF-8'), [0xc3, 0xa9]));
    expect(utf8).toMatchObject({ charset: 'UNICODE UTF-8', supported: true });
    expect(value(parseHl7(utf8.text).segments[1]!, 3)).toBe('é');
    expect(value(parseHl7(decodeHl7Bytes(bytes(msh('8859/1'), [0xe9])).text).segments[1]!, 3)).toBe('é');
    expect(decodeHl7Bytes(bytes(msh(''), [0x41]))).toMatchObject({ charset: '', supported: true });
  });

  it('the first repetition of MSH-18 counts; an unknown set is read as ISO 8859-1 and flagged', () => {
    expect(decodeHl7Bytes(bytes(msh('UNICODE UTF-8~8859/1'), [0xc3, 0xa9])).text.endsWith('é')).toBe(true);
    expect(decodeHl7Bytes(bytes(msh('EBCDIC'), [0xe9]))).toMatchObject({ charset: 'EBCDIC', supported: false });
  });

  it('never throws on garbage', () => {
    expect(decodeHl7Bytes(Uint8Array.of(0xff, 0x00, 0x0d)).supported).toBe(true);
    expect(decodeHl7Bytes(new Uint8Array(0)).text).toBe('');
  });

  it('an MSH-2 without a repetition character and an empty MSH-18 do not throw (found by the MLLP listener fuzz)', () => {
    const head = 'MSH|^|A|B|C|D|20240101||ORU^R01|1|P|2.6|||||||\r';
    const r = decodeHl7Bytes(new TextEncoder().encode(head));
    expect(r).toMatchObject({ charset: '' });
    expect(r.text).toBe(head);
  });
});

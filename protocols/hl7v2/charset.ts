// Bytes -> text for one HL7 v2 message, by MSH-18 (character set, HL7 table 0211; HL7 v2.6
// §2.14.9.18). The MLLP listener hands us bytes; the delimiters and MSH-18 itself are ASCII, so the
// header can be read before the character set is known.

export interface DecodedText {
  readonly text: string;
  /** MSH-18 repetition 1 as sent ('' when absent). */
  readonly charset: string;
  /** False when MSH-18 names a set we cannot decode; the text is then read as ISO 8859-1. */
  readonly supported: boolean;
}

/** HL7 table 0211 values -> WHATWG encoding labels (what TextDecoder accepts). */
function label(charset: string): string | undefined {
  if (charset === '' || charset === 'ASCII') return 'latin1'; // 7-bit; latin1 never fails on stray 8-bit bytes
  if (charset === 'UNICODE UTF-8') return 'utf-8';
  const iso = /^8859\/(\d{1,2})$/.exec(charset);
  if (iso) return iso[1] === '1' ? 'latin1' : `iso-8859-${iso[1]}`;
  if (charset === 'GB 18030-2000') return 'gb18030';
  if (charset === 'KS X 1001') return 'euc-kr';
  if (charset === 'ISO IR87' || charset === 'ISO IR159') return 'iso-2022-jp';
  return undefined;
}

/** Reads MSH-18 from the raw bytes of the first segment, then decodes the whole message. Never throws. */
export function decodeHl7Bytes(bytes: Uint8Array): DecodedText {
  let end = 0;
  while (end < bytes.length && end < 4096 && bytes[end] !== 0x0d && bytes[end] !== 0x0a) end++;
  const head = String.fromCharCode(...bytes.subarray(0, end));
  let charset = '';
  if (head.startsWith('MSH') && head.length > 3) {
    const fs = head.charAt(3);
    // MSH-2 may be shorter than four characters: a missing repetition character reads as '~'.
    const rep = head.slice(4).split(fs)[0]?.charAt(1) || '~';
    // MSH-18 is the 17th piece after "MSH" (MSH-1 is the separator itself).
    charset = ((head.split(fs)[17] ?? '').split(rep)[0] ?? '').trim();
  }
  const enc = label(charset);
  if (enc !== undefined) {
    try {
      return { text: new TextDecoder(enc).decode(bytes), charset, supported: true };
    } catch {
      // a label this Node build does not know: fall through
    }
  }
  return { text: new TextDecoder('latin1').decode(bytes), charset, supported: false };
}

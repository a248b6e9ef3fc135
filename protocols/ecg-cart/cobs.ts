import { CartError, CartErrorCode } from './errors.js';

// Consistent Overhead Byte Stuffing (Cheshire & Baker, IEEE/ACM ToN 7(2), 1999): removes every 0x00
// so that 0x00 can delimit frames. Overhead is at most 1 byte per 254 plus 1.

/** Largest COBS output for `n` input bytes (without the 0x00 delimiter). */
export function cobsMaxEncodedLength(n: number): number {
  return n + Math.ceil(n / 254) + 1;
}

/** COBS-encodes `src` (no trailing delimiter). */
export function cobsEncode(src: Uint8Array): Uint8Array {
  const out = new Uint8Array(cobsMaxEncodedLength(src.length));
  let codeAt = 0;
  let o = 1;
  let code = 1;
  for (let i = 0; i < src.length; i++) {
    const b = src[i]!;
    if (b === 0) {
      out[codeAt] = code;
      codeAt = o++;
      code = 1;
    } else {
      out[o++] = b;
      code++;
      if (code === 0xff) {
        out[codeAt] = code;
        codeAt = o++;
        code = 1;
      }
    }
  }
  out[codeAt] = code;
  return out.subarray(0, o);
}

/** One frame on the wire: COBS(raw) followed by the 0x00 delimiter. */
export function cobsFrame(raw: Uint8Array): Uint8Array {
  const stuffed = cobsEncode(raw);
  const out = new Uint8Array(stuffed.length + 1);
  out.set(stuffed);
  return out;
}

/** Decodes one COBS block (delimiter already removed). Throws CartError TM_ERR_CART_BAD_COBS. */
export function cobsDecode(src: Uint8Array): Uint8Array {
  const out = new Uint8Array(src.length);
  let o = 0;
  let i = 0;
  while (i < src.length) {
    const code = src[i]!;
    if (code === 0) throw new CartError(CartErrorCode.BAD_COBS, 'zero byte inside a COBS block');
    const end = i + code;
    if (end > src.length) throw new CartError(CartErrorCode.BAD_COBS, 'COBS code points past the end of the frame');
    for (let k = i + 1; k < end; k++) {
      const b = src[k]!;
      if (b === 0) throw new CartError(CartErrorCode.BAD_COBS, 'zero byte inside a COBS block');
      out[o++] = b;
    }
    i = end;
    // A 0xff block carries no implied zero; neither does the last block.
    if (code !== 0xff && i < src.length) out[o++] = 0;
  }
  return out.subarray(0, o);
}

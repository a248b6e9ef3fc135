// EN 1064 §5.3.2: the SCP-ECG file and section CRC is CRC-CCITT with polynomial 0x1021, initial
// value 0xFFFF, MSB first, no final XOR — the same CRC-16/CCITT-FALSE the cart's serial framing
// uses, so both share one implementation. Stored little-endian in front of the checked bytes.
import { crc16CcittFalse } from '../../ecg-cart/crc16.js';

/** CRC-CCITT (0x1021, init 0xFFFF) of `bytes[start, end)`. */
export const crcCcitt: (bytes: Uint8Array, start?: number, end?: number) => number = crc16CcittFalse;

import { TelemedError } from '../errors.js';

/** Stable codes of the ECG cart serial protocol (protocols/ecg-cart) and its driver. */
export const CartErrorCode = {
  /** Bytes between two delimiters exceeded the framer's cap; dropped up to the next 0x00. */
  OVERFLOW: 'TM_ERR_CART_OVERFLOW',
  /** A COBS code byte pointed past the end of the frame. */
  BAD_COBS: 'TM_ERR_CART_BAD_COBS',
  /** Frame shorter than header + CRC. */
  SHORT: 'TM_ERR_CART_SHORT',
  /** CRC-16/CCITT-FALSE mismatch. */
  BAD_CRC: 'TM_ERR_CART_BAD_CRC',
  /** Protocol version we do not speak. */
  BAD_VERSION: 'TM_ERR_CART_BAD_VERSION',
  /** Unknown message type. */
  UNKNOWN_TYPE: 'TM_ERR_CART_UNKNOWN_TYPE',
  /** Payload does not match its message type's layout (truncated, bad count, trailing bytes). */
  BAD_MESSAGE: 'TM_ERR_CART_BAD_MESSAGE',
  /** A message could not be encoded (value out of range, too large). */
  ENCODE: 'TM_ERR_CART_ENCODE',
  /** The port could not be opened (missing, busy, permission). */
  PORT_OPEN: 'TM_ERR_CART_PORT_OPEN',
  /** The port is closed (closed by us: a cancellation, not a failure). */
  PORT_CLOSED: 'TM_ERR_CART_PORT_CLOSED',
  /** The port failed or disappeared (unplugged). */
  PORT_IO: 'TM_ERR_CART_PORT_IO',
  /** No bytes from the cart for the watchdog period. */
  WATCHDOG: 'TM_ERR_CART_WATCHDOG',
  /** The cart did not answer RequestInfo in time. */
  IDENTIFY_TIMEOUT: 'TM_ERR_CART_IDENTIFY_TIMEOUT',
  /** A command is not valid in the driver's current state. */
  BAD_STATE: 'TM_ERR_CART_BAD_STATE',
} as const;
export type CartErrorCode = (typeof CartErrorCode)[keyof typeof CartErrorCode];

export class CartError extends TelemedError {
  constructor(code: CartErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'CartError';
  }
}

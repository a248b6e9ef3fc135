// HL7 v2 / MLLP / PCD (import from here: protocols/hl7v2/index.js). Not re-exported from
// protocols/index.ts: names such as `value` and `field` are too generic for the shared barrel.
export * from './ack.js';
export * from './charset.js';
export * from './delimiters.js';
export * from './duplicates.js';
export * from './encode.js';
export * from './errors.js';
export * from './escape.js';
export * from './message.js';
export * from './mllp.js';
export * from './pcd01/index.js';

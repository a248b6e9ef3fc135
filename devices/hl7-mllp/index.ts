export * from './errors.js';
export * from './hl7-device.js';
export * from './listener.js';
export * from './mapping.js';
export * from './receiver.js';

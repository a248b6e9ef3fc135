export * from './alarm.js';
export * from './extract.js';
export * from './hl7-time.js';
export * from './observation.js';

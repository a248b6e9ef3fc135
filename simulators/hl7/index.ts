export * from './hl7-monitor.js';
export * from './mllp-sender.js';
export * from './pcd-encode.js';

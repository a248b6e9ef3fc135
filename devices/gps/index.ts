export * from './gps-device.js';
export * from './readings.js';

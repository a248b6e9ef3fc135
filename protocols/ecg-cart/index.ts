export * from './errors.js';
export * from './crc16.js';
export * from './cobs.js';
export * from './messages.js';
export * from './codec.js';
export * from './framer.js';
export * from './leads.js';

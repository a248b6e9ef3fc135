export * from './cart-simulator.js';
export * from './ecg-model.js';
export { openSerialWire } from './serial-wire.js';
export * from './cart-source.js';
export * from './record-replay.js';

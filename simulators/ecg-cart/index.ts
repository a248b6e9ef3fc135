export * from './cart-simulator.js';
export * from './ecg-model.js';
export { openSerialWire } from './serial-wire.js';

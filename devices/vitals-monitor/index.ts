export * from './errors.js';
export * from './topics.js';
export * from './schema.js';
export * from './session-state.js';
export { SENTINELS, WAVE_UNITS, numericsToVitals, waveformToChunk, alarmToWire } from './to-readings.js';
export { acquireEmbeddedBroker, GATEWAY_USER, type EmbeddedBroker } from './embedded-broker.js';
export { VitalsMqttDevice, type VitalsMqttDeviceOptions, type VitalsMqttCounts } from './mqtt-device.js';

export * from './device-api.js';
export * from './synthetic-device.js';
export { chunkRecord, synthEcgRecord, MAX_CHUNK_BYTES, RECORD_CONTENT_TYPE } from './ecg-record.js';

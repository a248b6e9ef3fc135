// SCP-ECG (EN 1064 / ISO 11073-91064) reader: pure functions over file bytes.
export * from './errors.js';
export { readScpEcg, isScpEcg } from './read.js';
export { decodeScp, type ScpReadOptions, type ScpDecoded, type ScpReferenceBeat, type ScpReconstruction } from './decode.js';
export { crcCcitt } from './crc.js';
export { scpLeadName, type ScpLeadName } from './lead-codes.js';

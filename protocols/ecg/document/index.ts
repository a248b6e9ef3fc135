export * from './document.js';
export * from './errors.js';
export { type LeadCalibration, type LeadCodecOptions, decodeLeadSamples, encodeLeadSamples } from './lead-codec.js';

export * from './detector.js';
export * from './rhythm.js';
export * from './ec57.js';
export * from './record-analysis.js';
export { DEFAULT_FEATURE_OPTIONS, type FeatureOptions } from './features.js';

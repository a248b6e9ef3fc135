export * from './scheduler.js';
export * from './rate-estimator.js';
export * from './pacer.js';
export * from './chunking.js';
export * from './fifo-scheduler.js';
export * from './fixed-shaper.js';

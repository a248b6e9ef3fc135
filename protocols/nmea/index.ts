export * from './errors.js';
export * from './eta.js';
export * from './fix-tracker.js';
export * from './framer.js';
export * from './sentence.js';

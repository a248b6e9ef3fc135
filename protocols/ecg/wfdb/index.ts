// WFDB (PhysioNet) reader: pure functions over header text and file bytes; file I/O lives in
// gateway/ecg/wfdb-files.ts.
export * from './errors.js';
export * from './header.js';
export * from './formats.js';
export * from './flac.js';
export * from './signals.js';
export * from './annotations.js';
export * from './to-record.js';
export * from './segments.js';

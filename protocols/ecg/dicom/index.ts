// DICOM ECG waveforms: a bounded data set parser, the waveform reader and the Part 10 writer.
export * from './errors.js';
export * from './tags.js';
export * from './parse.js';
export * from './values.js';
export * from './read.js';
export * from './write.js';

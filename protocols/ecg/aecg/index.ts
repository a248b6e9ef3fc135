// HL7 aECG: a bounded XML parser, the AnnotatedECG reader and writer.
export * from './errors.js';
export * from './xml.js';
export * from './hl7-time.js';
export * from './lead-codes.js';
export * from './read.js';
export * from './write.js';

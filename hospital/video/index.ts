export * from './attach.js';
export * from './errors.js';
export * from './image-assembler.js';

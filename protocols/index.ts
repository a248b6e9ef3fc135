export * from './errors.js';
export * from './traffic-class.js';
export * from './time.js';
export * from './wire/codec.js';
export * from './wire/validate.js';
export { telemed } from './wire/proto.js';

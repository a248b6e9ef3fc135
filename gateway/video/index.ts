export * from './adapt.js';
export * from './errors.js';
export * from './jpeg.js';
export * from './uplink-port.js';
export * from './video-sender.js';
export * from './image-source.js';
